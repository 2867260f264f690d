/* The libxenstore side of bench/xenstore: the same operations as our client,
 * through Xen's own C library over the same Unix socket.
 * usage: libxenstore-bench write|read|tx COUNT PREFIX  -> prints seconds
 * The floor under any client: `echo-server SOCKET` answers each read with the
 * same bytes; `echo COUNT SOCKET` times COUNT 48-byte round trips through it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <xenstore.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int echo_round_trips(const char *op, int n, const char *sock) {
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    char buf[4096];
    if (!strcmp(op, "echo-server")) {
        unlink(sock);
        if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4)) { perror("echo-server"); return 1; }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
            int c = accept(s, NULL, NULL);
            ssize_t k;
            while ((k = read(c, buf, sizeof buf)) > 0)
                if (write(c, buf, k) != k) break;
            close(c);
        }
    }
    if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("echo"); return 1; }
    memset(buf, 'x', 48);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        if (write(s, buf, 48) != 48) { perror("echo write"); return 1; }
        for (int got = 0; got < 48;) {
            ssize_t k = read(s, buf + got, 48 - got);
            if (k <= 0) { perror("echo read"); return 1; }
            got += k;
        }
    }
    printf("%.6f\n", now() - t0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strncmp(argv[1], "echo", 4))
        return echo_round_trips(argv[1], argc == 4 ? atoi(argv[2]) : 0, argv[argc - 1]);
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
