/* The libxenstore side of bench/xenstore: the same operations as our client,
 * through Xen's own C library over the same Unix socket.
 * usage: libxenstore-bench write|read|tx COUNT PREFIX  -> prints seconds
 * The ceiling of the daemon: `wire-read COUNT PREFIX DEPTH [CONNS]` reads COUNT
 * nodes speaking the wire protocol itself, one write(2) per request and DEPTH
 * requests in flight on each of CONNS connections (default 1; DEPTH 1 on one
 * connection: sequential). No library can do less per read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_read(int s, const char *prefix, int i) {
    char buf[sizeof(struct xsd_sockmsg) + 256];
    struct xsd_sockmsg *m = (struct xsd_sockmsg *)buf;
    int len = snprintf(buf + sizeof *m, 256, "%s/%d", prefix, i) + 1;
    m->type = XS_READ;
    m->req_id = i;
    m->tx_id = 0;
    m->len = len;
    return write(s, buf, sizeof *m + len) == (ssize_t)(sizeof *m + len);
}

static int wire_reads(int n, const char *prefix, int depth, int conns) {
    const char *path = getenv("XENSTORED_PATH");
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path ? path : "/var/run/xenstored/socket");
    enum { MAX_CONNS = 64 };
    struct pollfd fds[MAX_CONNS];
    static char buf[MAX_CONNS][1 << 14];
    size_t have[MAX_CONNS] = { 0 };
    int inflight[MAX_CONNS] = { 0 };
    if (conns < 1 || conns > MAX_CONNS) { fprintf(stderr, "wire-read: 1..%d connections\n", MAX_CONNS); return 2; }
    for (int c = 0; c < conns; c++) {
        fds[c].fd = socket(AF_UNIX, SOCK_STREAM, 0);
        fds[c].events = POLLIN;
        if (connect(fds[c].fd, (struct sockaddr *)&a, sizeof a)) { perror("wire connect"); return 1; }
    }
    int sent = 0, done = 0;
    double t0 = now();
    while (done < n) {
        for (int c = 0; c < conns; c++)
            for (; sent < n && inflight[c] < depth; inflight[c]++)
                if (!send_read(fds[c].fd, prefix, sent++)) { perror("wire write"); return 1; }
        if (poll(fds, conns, -1) < 0) { perror("wire poll"); return 1; }
        for (int c = 0; c < conns; c++) {
            if (!(fds[c].revents & POLLIN)) continue;
            ssize_t k = read(fds[c].fd, buf[c] + have[c], sizeof buf[c] - have[c]);
            if (k <= 0) { perror("wire read"); return 1; }
            have[c] += k;
            size_t at = 0;
            while (have[c] - at >= sizeof(struct xsd_sockmsg)) {
                struct xsd_sockmsg *m = (struct xsd_sockmsg *)(buf[c] + at);
                if (have[c] - at < sizeof *m + m->len) break;
                if (m->type != XS_READ) { fprintf(stderr, "wire read: reply type %u\n", m->type); return 1; }
                at += sizeof *m + m->len;
                done++;
                inflight[c]--;
            }
            memmove(buf[c], buf[c] + at, have[c] - at);
            have[c] -= at;
        }
    }
    printf("%.6f\n", now() - t0);
    return 0;
}

int main(int argc, char **argv) {
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "wire-read"))
        return wire_reads(atoi(argv[2]), argv[3], atoi(argv[4]), argc == 6 ? atoi(argv[5]) : 1);
    if (argc != 4) { fprintf(stderr, "usage: %s write|read|tx COUNT PREFIX\n", argv[0]); return 2; }
    const char *op = argv[1];
    int n = atoi(argv[2]);
    const char *prefix = argv[3];
    const char value[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes, as the facts' figures */
    char path[256];
    struct xs_handle *xs = xs_open(0);
    if (!xs) { perror("xs_open"); return 1; }
    double t0 = now();
    if (!strcmp(op, "write")) {
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%d", prefix, i);
            if (!xs_write(xs, XBT_NULL, path, value, sizeof value - 1)) { perror("xs_write"); return 1; }
        }
    } else if (!strcmp(op, "read")) {
        for (int i = 0; i < n; i++) {
            unsigned int len;
            snprintf(path, sizeof path, "%s/%d", prefix, i);
            void *v = xs_read(xs, XBT_NULL, path, &len);
            if (!v) { perror("xs_read"); return 1; }
            free(v);
        }
    } else if (!strcmp(op, "tx")) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (!t) { perror("xs_transaction_start"); return 1; }
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%d", prefix, i);
            if (!xs_write(xs, t, path, value, sizeof value - 1)) { perror("xs_write tx"); return 1; }
        }
        if (!xs_transaction_end(xs, t, false)) { perror("xs_transaction_end"); return 1; }
    } else {
        fprintf(stderr, "unknown op %s\n", op);
        return 2;
    }
    printf("%.6f\n", now() - t0);
    xs_close(xs);
    return 0;
}
