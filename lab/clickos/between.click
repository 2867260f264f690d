// Two vifs, frames cross both ways: what tests between two network namespaces use.
in0 :: FromDevice(0);
out1 :: ToDevice(1);
in1 :: FromDevice(1);
out0 :: ToDevice(0);
c0 :: Counter;
c1 :: Counter;
in0 -> c0 -> out1;
in1 -> c1 -> out0;
