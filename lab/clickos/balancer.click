// A balanced replica (test/lab/balancer-clickos.test.ts): forward frames in and out of
// vif 0, counted per source prefix behind a Classifier; the reverse direction through vif 1.
in0 :: FromDevice(0);
out0 :: ToDevice(0);
in1 :: FromDevice(1);
out1 :: ToDevice(1);
// offset 26 of an Ethernet frame: the IPv4 source's first two bytes
cls :: Classifier(26/0a40, 26/0a41, -);
in0 -> cls;
cls[0] -> s0 :: Counter -> out0;
cls[1] -> s1 :: Counter -> out0;
cls[2] -> other :: Counter -> out0;
in1 -> back :: Counter -> out1;
