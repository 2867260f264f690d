/*
 * The lab stand-in's XenStore helper (see clickos-agent.sh). A real ClickOS guest
 * does its XenStore work inside one MiniOS process; the shell stand-in used to start
 * a dynamically linked xenstore-* process per step, each ≈ 90 ms under emulation,
 * three of them on every router start. This one static process does those steps:
 *
 *   clickos-xs watch PATH   like `xenstore-watch PATH`, one event per line, but an
 *                           event on a node named `status` carries its value:
 *                           "PATH VALUE" (the agent needs nothing else to act on it)
 *   clickos-xs config DIR OUT
 *                           lists DIR once and writes the values of DIR/0, DIR/1 ...
 *                           (up to the first missing number) back to back into OUT;
 *                           prints how many chunks it read
 *
 * Paths may be relative to the guest's home, as with xenstore-utils. It speaks the
 * wire protocol (xs_wire.h) on /dev/xen/xenbus itself: libxenstore's watch thread
 * would not start in a static binary here (pthread_create: EINVAL).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define XENBUS "/dev/xen/xenbus"

static int open_bus(void)
{
    int fd = open(XENBUS, O_RDWR);
    if (fd < 0) {
        perror("clickos-xs: " XENBUS);
        exit(1);
    }
    return fd;
}

static void full(ssize_t (*io)(int, void *, size_t), int fd, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = io(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("clickos-xs: " XENBUS);
            exit(1);
        }
        done += (size_t)n;
    }
}

static ssize_t write_io(int fd, void *buf, size_t len) { return write(fd, buf, len); }

/* One message: the header and the payload "a\0" followed by b (b may be NULL). */
static void send_msg(int fd, uint32_t type, const char *a, const char *b)
{
    size_t alen = strlen(a) + 1, blen = b ? strlen(b) + 1 : 0;
    struct xsd_sockmsg hdr = { .type = type, .req_id = 0, .tx_id = 0, .len = (uint32_t)(alen + blen) };
    char msg[sizeof hdr + XENSTORE_PAYLOAD_MAX];
    if (hdr.len > XENSTORE_PAYLOAD_MAX) {
        fprintf(stderr, "clickos-xs: path too long\n");
        exit(1);
    }
    memcpy(msg, &hdr, sizeof hdr);
    memcpy(msg + sizeof hdr, a, alen);
    if (b)
        memcpy(msg + sizeof hdr + alen, b, blen);
    full(write_io, fd, msg, sizeof hdr + hdr.len); /* the device takes whole messages */
}

/* The next message; its payload NUL-terminated (values may hold NULs: use hdr->len). */
static char *recv_msg(int fd, struct xsd_sockmsg *hdr)
{
    full(read, fd, hdr, sizeof *hdr);
    char *body = malloc(hdr->len + 1);
    if (!body)
        exit(1);
    full(read, fd, body, hdr->len);
    body[hdr->len] = '\0';
    return body;
}

/* A request on a connection with no watches: the next message is its reply. */
static char *request(int fd, uint32_t type, const char *a, const char *b, uint32_t *len)
{
    struct xsd_sockmsg hdr;
    send_msg(fd, type, a, b);
    char *body = recv_msg(fd, &hdr);
    if (hdr.type == XS_ERROR) {
        free(body);
        return NULL;
    }
    *len = hdr.len;
    return body;
}

static int ends_with_status(const char *path)
{
    size_t n = strlen(path);
    return n >= 7 && strcmp(path + n - 7, "/status") == 0;
}

static int watch(const char *path)
{
    int events = open_bus(), reads = open_bus(); /* replies to reads never wait behind events */
    struct xsd_sockmsg hdr;
    send_msg(events, XS_WATCH, path, "clickos");
    for (;;) {
        char *body = recv_msg(events, &hdr);
        if (hdr.type == XS_ERROR) {
            fprintf(stderr, "clickos-xs: watch %s: %s\n", path, body);
            return 1;
        }
        if (hdr.type == XS_WATCH_EVENT) {
            const char *p = body; /* "path\0token\0" */
            if (ends_with_status(p)) {
                uint32_t len = 0;
                char *v = request(reads, XS_READ, p, NULL, &len);
                /* One line per event: a newline is no part of a status ClickOS knows. */
                for (uint32_t i = 0; v && i < len; i++)
                    if (v[i] == '\n' || v[i] == '\r' || v[i] == '\0')
                        v[i] = ' ';
                printf("%s %.*s\n", p, v ? (int)len : 0, v ? v : "");
                free(v);
            } else {
                printf("%s\n", p);
            }
            fflush(stdout);
        }
        free(body);
    }
}

static int config(const char *dir, const char *out)
{
    int fd = open_bus();
    uint32_t len = 0;
    char *names = request(fd, XS_DIRECTORY, dir, NULL, &len);
    FILE *f = fopen(out, "wb");
    if (!f) {
        perror(out);
        return 1;
    }
    unsigned int chunks = 0;
    /* Chunks are 0..n-1: the listing says which exist; read them in order. */
    for (;; chunks++) {
        char want[16], path[XENSTORE_ABS_PATH_MAX + 1];
        int listed = 0;
        snprintf(want, sizeof want, "%u", chunks);
        for (uint32_t at = 0; names && at < len && !listed; at += strlen(names + at) + 1)
            listed = strcmp(names + at, want) == 0;
        if (!listed)
            break;
        snprintf(path, sizeof path, "%s/%u", dir, chunks);
        uint32_t vlen;
        char *v = request(fd, XS_READ, path, NULL, &vlen);
        if (!v)
            break;
        fwrite(v, 1, vlen, f);
        free(v);
    }
    free(names);
    if (fclose(f) != 0) {
        perror(out);
        return 1;
    }
    printf("%u\n", chunks);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "watch") == 0)
        return watch(argv[2]);
    if (argc == 4 && strcmp(argv[1], "config") == 0)
        return config(argv[2], argv[3]);
    fprintf(stderr, "usage: clickos-xs watch PATH | clickos-xs config DIR OUT\n");
    return 2;
}
