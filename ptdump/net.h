/*
 * net.h - target addresses and stream sockets.
 *
 * A target is written HOST:PORT, :PORT (meaning 127.0.0.1), [V6ADDR]:PORT
 * or unix:PATH; QEMU's own spelling tcp:HOST:PORT / tcp::PORT is accepted
 * too.  Connecting never blocks longer than its timeout.
 */
#ifndef PTDUMP_NET_H
#define PTDUMP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

enum net_kind {
	NET_TCP,
	NET_UNIX,
};

struct net_addr {
	enum net_kind kind;
	char host[256];		/* NET_TCP: name or address, no brackets */
	char port[8];		/* NET_TCP: decimal 1..65535 */
	char path[108];		/* NET_UNIX: socket path */
	char text[400];		/* as shown in messages: 127.0.0.1:1234 */
};

/*
 * Parse a target spec.  Returns 0, or -1 with err set (PT_EXIT_USAGE):
 * "bad target 'x': expected HOST:PORT or unix:PATH".
 */
int net_parse(const char *spec, struct net_addr *a, struct pt_err *err);

/*
 * Connect to `a`, giving up after timeout_ms (< 0: the system's own
 * limit).  Returns a connected, blocking, close-on-exec socket with
 * TCP_NODELAY, or -1 with err set (PT_EXIT_TARGET).
 */
int net_connect(const struct net_addr *a, int timeout_ms,
    struct pt_err *err);

/* net_parse then net_connect. */
int net_open(const char *spec, int timeout_ms, struct pt_err *err);

/*
 * Read 1..len bytes from fd, waiting at most timeout_ms (< 0: forever).
 * Returns the count, 0 on timeout, -1 at end of stream, or -2 on an
 * error with errno set (the contract of rsp_io.read).
 */
ssize_t net_read(int fd, void *buf, size_t len, int timeout_ms);

/*
 * Wait up to timeout_ms for fd to become readable.  Returns 1 when it
 * is, 0 on timeout or when a signal came (the caller looks at its
 * flags), -1 on an error with errno set.
 */
int net_poll_in(int fd, int timeout_ms);

/* True if the peer closed fd (an orderly end, nothing left to read);
 * never blocks. */
bool net_hung_up(int fd);

/*
 * Write all of buf within timeout_ms (< 0: however long it takes); 0, or
 * -1 with errno set (ETIMEDOUT when the peer stopped reading).  Never
 * raises SIGPIPE.
 */
int net_write(int fd, const void *buf, size_t len, int timeout_ms);

#endif
