// A stateless firewall between vif 0 (outside) and vif 1 (inside): ARP passes,
// IPv4 to 10.10.0.0/24 passes when it is ICMP or UDP to port 53, the rest is dropped.
elementclass Filter {
  input -> cl :: Classifier(12/0806, 12/0800, -);
  cl[0] -> output;
  cl[1] -> Strip(14) -> CheckIPHeader -> ip :: IPClassifier(dst net 10.10.0.0/24 and (icmp or udp dst port 53), -);
  ip[0] -> Unstrip(14) -> output;
  ip[1] -> Discard;
  cl[2] -> Discard;
}
FromDevice(0) -> out :: Filter -> Queue(256) -> ToDevice(1);
FromDevice(1) -> Queue(256) -> ToDevice(0);
