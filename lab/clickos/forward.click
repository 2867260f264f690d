// The lab's forwarding router: frames from vif 0 counted and sent back out of vif 0.
src :: FromDevice(0);
c :: Counter;
sink :: ToDevice(0);
src -> c -> sink;
