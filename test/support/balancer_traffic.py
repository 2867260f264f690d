"""Traffic for test/unit/balancer-ovs.test.ts and balancer-vlan-ovs.test.ts (run inside network namespaces).

  sniff OUT IFACE...        count received IPv4 packets per "proto src:sport>dst:dport" on the
                            interfaces (a replica stand-in's counters); SIGUSR1 writes
                            {"seq": n, "counts": {...}} to OUT and starts counting afresh
  nocsum IFACE...           turn transmit checksum offload off (what ethtool -K IFACE tx off does):
                            a veth hands the userspace switch packets with partial checksums,
                            which it would forward unfinished
  server ADDR               UDP sink on 9000, TCP echo on 9001
  udp DST SRC:N...          N datagrams from each source address to DST:9000, paced
  tcp DST SECONDS SRC...    one TCP connection per source to DST:9001, each sending 512-byte
                            chunks every 20 ms for SECONDS and reading its echo; prints
                            "ready" once all are connected, then one JSON report
  vlanbridge TRUNK VID:IFACE...
                            a one-port replica stand-in's VLAN handling, in user space (this kernel
                            has no 8021q): a frame on TRUNK tagged VID goes untagged to IFACE, a
                            frame from IFACE goes back to TRUNK tagged VID
"""
import json, os, select, signal, socket, struct, sys, threading, time


def sniff(out, ifaces):
    socks = []
    for i in ifaces:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: a loaded machine must not drop counts
        s.bind((i, 0))
        socks.append(s)
    counts, seq, dump = {}, [0], [True]
    signal.signal(signal.SIGUSR1, lambda *_: dump.__setitem__(0, True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    seq[0] = -1  # the first write (seq 0) says the sniffer is listening
    while True:
        if dump[0]:
            dump[0] = False
            seq[0] += 1
            with open(out + '.tmp', 'w') as f:
                json.dump({'seq': seq[0], 'counts': counts}, f)
            os.rename(out + '.tmp', out)
            counts = {}
        try:
            ready, _, _ = select.select(socks, [], [], 0.05)
        except InterruptedError:
            continue
        for s in ready:
            data, addr = s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            off, et = 14, struct.unpack('!H', data[12:14])[0]
            if et == 0x8100:
                off, et = 18, struct.unpack('!H', data[16:18])[0]
            if et != 0x0800:
                continue
            ihl = (data[off] & 15) * 4
            proto = data[off + 9]
            src = socket.inet_ntoa(data[off + 12:off + 16])
            dst = socket.inet_ntoa(data[off + 16:off + 20])
            sp = dp = 0
            if proto in (6, 17):
                sp, dp = struct.unpack('!HH', data[off + ihl:off + ihl + 4])
            k = '%d %s:%d>%s:%d' % (proto, src, sp, dst, dp)
            counts[k] = counts.get(k, 0) + 1


def vlanbridge(trunk, specs):
    SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
    def raw(name):
        r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        r.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
        r.bind((name, 0))
        return r
    t = raw(trunk)
    # the kernel strips a received frame's tag into its metadata: ask for it with each frame
    t.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    port, vid_of = {}, {}
    for spec in specs:
        vid, name = spec.split(':')
        port[int(vid)] = raw(name)
        vid_of[port[int(vid)]] = int(vid)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    while True:
        for r in select.select([t] + list(port.values()), [], [])[0]:
            if r is t:
                data, anc, _, addr = t.recvmsg(65535, socket.CMSG_SPACE(32))
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                vid = None
                for level, kind, d in anc:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA:
                        status, _, _, _, _, tci, _ = struct.unpack('IIIHHHH', d[:20])
                        if status & TP_STATUS_VLAN_VALID:
                            vid = tci & 0xfff
                if vid is None and data[12:14] == b'\x81\x00':
                    vid, data = struct.unpack('!H', data[14:16])[0] & 0xfff, data[:12] + data[16:]
                if vid in port:
                    port[vid].send(data)
            else:
                data, addr = r.recvfrom(65535)
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                t.send(data[:12] + struct.pack('!HH', 0x8100, vid_of[r]) + data[12:])


def nocsum(ifaces):
    import ctypes, fcntl
    for i in ifaces:
        val = ctypes.create_string_buffer(struct.pack('II', 0x17, 0))  # ETHTOOL_STXCSUM, off
        ifr = struct.pack('16sP', i.encode(), ctypes.addressof(val))
        with socket.socket() as s:
            fcntl.ioctl(s.fileno(), 0x8946, ifr)  # SIOCETHTOOL


def server(addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 9000))
    threading.Thread(target=lambda: [u.recv(2048) for _ in iter(int, 1)], daemon=True).start()
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 9001))
    t.listen(64)

    def echo(c):
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    return
                c.sendall(d)
    while True:
        c, _ = t.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def udp(dst, specs):
    socks = {}
    plan = []
    for spec in specs:
        src, n = spec.split(':')
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        socks[src] = s
        plan.append((src, int(n)))
    # interleaved and paced (8 datagrams, then a pause) so the rate stays even: the userspace
    # switch and the sinks drop bursts when the machine is loaded
    left = dict(plan)
    sent = 0
    while left:
        for src in list(left):
            socks[src].sendto(b'x' * 64, (dst, 9000))
            left[src] -= 1
            if not left[src]:
                del left[src]
            sent += 1
            if sent % 8 == 0:
                time.sleep(0.001)


def tcp(dst, seconds, srcs):
    conns = []
    for src in srcs:
        c = socket.socket()
        c.bind((src, 0))
        # 30 s: under emulation a lost segment's retransmission backs off past 10 s
        # (1, 2, 4, 8 s); the echo still has to arrive, whole, for the test to pass
        c.settimeout(30)
        c.connect((dst, 9001))
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.append({'sock': c, 'src': src, 'sport': c.getsockname()[1], 'sent': 0, 'echoed': 0, 'error': None})
    print('ready', flush=True)

    def reader(r):
        try:
            while True:
                d = r['sock'].recv(65536)
                if not d:
                    return
                r['echoed'] += len(d)
        except Exception as e:  # a reset, a timeout
            r['error'] = repr(e)

    def writer(r):
        try:
            end = time.time() + seconds
            chunk = bytes(range(256)) * 2
            while time.time() < end:
                r['sock'].sendall(chunk)
                r['sent'] += len(chunk)
                time.sleep(0.02)
            r['sock'].shutdown(socket.SHUT_WR)
        except Exception as e:
            r['error'] = repr(e)
    threads = []
    for r in conns:
        for f in (reader, writer):
            th = threading.Thread(target=f, args=(r,))
            th.start()
            threads.append(th)
    for th in threads:
        th.join()
    print(json.dumps([{k: v for k, v in r.items() if k != 'sock'} for r in conns]), flush=True)


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'sniff':
        sniff(args[0], args[1:])
    elif cmd == 'nocsum':
        nocsum(args)
    elif cmd == 'server':
        server(args[0])
    elif cmd == 'udp':
        udp(args[0], args[1:])
    elif cmd == 'tcp':
        tcp(args[0], float(args[1]), args[2:])
    elif cmd == 'vlanbridge':
        vlanbridge(args[0], args[1:])
