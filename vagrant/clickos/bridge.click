// The lab's first ClickOS middlebox: a two-port bridge that counts what it forwards.
// vif 0 and vif 1 of the guest; the counters are handlers (c0.count, c1.count).
FromDevice(0) -> c0 :: Counter -> Queue(256) -> ToDevice(1);
FromDevice(1) -> c1 :: Counter -> Queue(256) -> ToDevice(0);
