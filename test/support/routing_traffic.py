"""Traffic for test/unit/routing-ovs.test.ts (run inside network namespaces).

  count OUT IFACE ROUTER_MAC  count received IPv4 packets per "DST PATH" on IFACE (a next hop's
                              counters): PATH is "router" when the frame's source MAC is the
                              router's (the software path rewrote it), else "switch" (the switch
                              only rewrites the destination MAC); SIGUSR1 writes
                              {"seq": n, "counts": {...}} to OUT and counts afresh
  send SPEC PPS               UDP datagrams to DST:9000 for each [dst, n] of the JSON file SPEC,
                              interleaved in a seeded random order, about PPS per second
  capture OUT IFACE           the IPv4 frames IFACE sends (its namespace's own traffic: the
                              trace as replayed) as a pcap file (Ethernet, first 64 bytes of
                              each frame), written to OUT on SIGTERM; prints "ready" once bound
  nocsum IFACE...             transmit checksum offload off (balancer_traffic.py's)
"""
import json, os, random, select, signal, socket, struct, sys, time
from balancer_traffic import nocsum


def count(out, iface, router_mac):
    rmac = bytes(int(x, 16) for x in router_mac.split(':'))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: a loaded machine must not drop counts
    s.bind((iface, 0))
    counts, seq, dump = {}, [-1], [True]
    signal.signal(signal.SIGUSR1, lambda *_: dump.__setitem__(0, True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        if dump[0]:
            dump[0] = False
            # what is already queued belongs to the bin being read
            while select.select([s], [], [], 0)[0]:
                take(s, counts, rmac)
            seq[0] += 1
            with open(out + '.tmp', 'w') as f:
                json.dump({'seq': seq[0], 'counts': counts}, f)
            os.rename(out + '.tmp', out)
            counts = {}
        try:
            ready, _, _ = select.select([s], [], [], 0.05)
        except InterruptedError:
            continue
        if ready:
            take(s, counts, rmac)


def take(s, counts, rmac):
    data, addr = s.recvfrom(65535)
    if addr[2] == socket.PACKET_OUTGOING or len(data) < 34:
        return
    if struct.unpack('!H', data[12:14])[0] != 0x0800 or data[23] != 17:
        return
    k = '%s %s' % (socket.inet_ntoa(data[30:34]), 'router' if data[6:12] == rmac else 'switch')
    counts[k] = counts.get(k, 0) + 1


def capture(out, iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: keep every frame of a burst
    s.bind((iface, 0))
    frames, stop = [], [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    print('ready', flush=True)  # bound: what IFACE sends from now on is kept
    while not stop[0]:
        try:
            ready, _, _ = select.select([s], [], [], 0.05)
        except InterruptedError:
            continue
        while ready:
            data, addr = s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING and len(data) >= 34 and data[12:14] == b'\x08\x00':
                frames.append((time.time(), data))
            ready = select.select([s], [], [], 0)[0]
    with open(out + '.tmp', 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 64, 1))
        for ts, data in frames:
            cut = data[:64]
            f.write(struct.pack('<IIII', int(ts), int((ts % 1) * 1e6), len(cut), len(data)))
            f.write(cut)
    os.rename(out + '.tmp', out)


def send(spec, pps):
    pairs = json.load(open(spec))
    seq = [d for d, n in pairs for _ in range(n)]
    random.Random(len(seq)).shuffle(seq)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    gap = 1.0 / float(pps)
    t0 = time.monotonic()
    for i, d in enumerate(seq):
        s.sendto(b'r' * 32, (d, 9000))
        ahead = t0 + i * gap - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'count':
        count(*args)
    elif cmd == 'send':
        send(args[0], args[1])
    elif cmd == 'capture':
        capture(*args)
    elif cmd == 'nocsum':
        nocsum(args)
    else:
        sys.exit('unknown command ' + cmd)
