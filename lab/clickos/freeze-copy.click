// Freeze-and-copy between two guests (test/lab/freeze-copy-clickos.test.ts): ARP tables and a
// Switch whose state is read from one guest and written into the other; no vif, no traffic.
arpt :: ARPTable(TIMEOUT 0);
big :: ARPTable(TIMEOUT 0);
Idle -> sw :: Switch(0);
sw[0] -> d :: Discard;
sw[1] -> d;
