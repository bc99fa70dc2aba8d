/* net.c - target addresses and stream sockets: see net.h. */
#define _GNU_SOURCE		/* getaddrinfo_a */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "net.h"

static int
bad_spec(struct pt_err *err, const char *spec, const char *why)
{
	return pt_err_set(err, PT_EXIT_USAGE, "bad target '%s': %s", spec,
	    why);
}

/* Copy a decimal port 1..65535 into a->port; -1 if it is not one. */
static int
parse_port(const char *s, struct net_addr *a)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	snprintf(a->port, sizeof a->port, "%lu", v);
	return 0;
}

int
net_parse(const char *spec, struct net_addr *a, struct pt_err *err)
{
	static const char usage[] = "expected HOST:PORT or unix:PATH";
	const char *s = spec, *colon;
	size_t hlen;

	memset(a, 0, sizeof *a);
	if (spec == NULL || *spec == '\0')
		return bad_spec(err, "", usage);
	if (strlen(spec) > 300)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad target: longer than 300 characters");
	if (strncmp(s, "unix:", 5) == 0) {
		s += 5;
		if (*s == '\0')
			return bad_spec(err, spec, "unix: needs a socket path");
		if (strlen(s) >= sizeof a->path)
			return bad_spec(err, spec, "socket path too long");
		a->kind = NET_UNIX;
		memcpy(a->path, s, strlen(s) + 1);
		snprintf(a->text, sizeof a->text, "unix:%s", a->path);
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0)
		s += 4;
	a->kind = NET_TCP;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return bad_spec(err, spec, usage);
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || memchr(s + 1, ':', hlen) == NULL)
			return bad_spec(err, spec,
			    "brackets are for IPv6 addresses");
		memcpy(a->host, s + 1, hlen);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return bad_spec(err, spec, usage);
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return bad_spec(err, spec, "write IPv6 addresses in "
			    "brackets, e.g. [::1]:1234");
		if (hlen == 0)
			memcpy(a->host, "127.0.0.1", sizeof "127.0.0.1");
		else
			memcpy(a->host, s, hlen);
	}
	if (hlen >= sizeof a->host)
		return bad_spec(err, spec, "host name too long");
	if (parse_port(colon + 1, a) < 0)
		return bad_spec(err, spec, "port must be a number 1-65535");
	if (strchr(a->host, ':') != NULL)
		snprintf(a->text, sizeof a->text, "[%s]:%s", a->host, a->port);
	else
		snprintf(a->text, sizeof a->text, "%s:%s", a->host, a->port);
	return 0;
}

/*
 * Wait until fd is ready for `events` or the deadline passes: the one
 * poll loop of ptdump's I/O.  Returns 1 when ready (or in error: the
 * next call says which), 0 at the deadline, -1 with errno set.
 */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	for (;;) {
		r = poll(&pfd, 1, deadline_left(deadline));
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int
set_flags(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/*
 * Connect one socket with a deadline (-1: none).  Returns the fd, or -1
 * with *why = errno (ETIMEDOUT on the deadline).
 */
static int
connect_one(int family, const struct sockaddr *sa, socklen_t salen,
    long long deadline, int *why)
{
	socklen_t elen;
	int fd, e, r;

	if ((fd = socket(family, SOCK_STREAM, 0)) < 0) {
		*why = errno;
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || set_flags(fd, true) < 0)
		goto fail;
	if (connect(fd, sa, salen) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN &&
		    errno != EINTR)
			goto fail;
		if ((r = wait_fd(fd, POLLOUT, deadline)) == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			goto fail;
		elen = sizeof e;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	if (set_flags(fd, false) < 0)
		goto fail;
	if (family != AF_UNIX) {
		int one = 1;

		/* Packets and acks are tiny and strictly alternate. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
fail:
	*why = errno;
	close(fd);
	return -1;
}

static int
conn_fail(struct pt_err *err, const struct net_addr *a, int why,
    int timeout_ms)
{
	if (why == ETIMEDOUT && timeout_ms >= 0)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "timed out connecting to %s (%d ms)", a->text, timeout_ms);
	return pt_err_set(err, PT_EXIT_TARGET, "cannot connect to %s: %s",
	    a->text, strerror(why));
}

/*
 * A lookup that gave up at its deadline still runs in glibc's resolver
 * thread, which writes into its request (and reads the name in it):
 * that is left to it, here where it stays reachable.
 */
static struct gaicb *abandoned;

struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char host[sizeof ((struct net_addr *)0)->host];
	char port[sizeof ((struct net_addr *)0)->port];
};

/*
 * The addresses of a->host by the deadline: an address at once, a name
 * through the resolver in the background (getaddrinfo has no timeout of
 * its own).  0 with *res set, or an EAI_ code (EAI_AGAIN at the
 * deadline).
 */
static int
resolve(const struct net_addr *a, long long deadline, struct addrinfo **res)
{
	struct lookup *l;
	struct gaicb *cb;
	int r;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return EAI_MEMORY;
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	if ((r = getaddrinfo(a->host, a->port, &l->hints, res)) != EAI_NONAME) {
		free(l);
		return r;
	}
	l->hints.ai_flags = AI_NUMERICSERV;
	memcpy(l->host, a->host, sizeof l->host);
	memcpy(l->port, a->port, sizeof l->port);
	cb = &l->cb;
	cb->ar_name = l->host;
	cb->ar_service = l->port;
	cb->ar_request = &l->hints;
	if ((r = getaddrinfo_a(GAI_NOWAIT, &cb, 1, NULL)) != 0) {
		free(l);
		return r;
	}
	for (;;) {
		int left = deadline_left(deadline);
		struct timespec ts = { left / 1000,
		    (long)(left % 1000) * 1000000 };

		r = gai_suspend((const struct gaicb *const *)&cb, 1,
		    left < 0 ? NULL : &ts);
		if (r != EAI_INTR || deadline_passed(deadline))
			break;
	}
	if ((r = gai_error(cb)) == EAI_INPROGRESS) {
		int c = gai_cancel(cb);

		if (c == EAI_ALLDONE) {
			/* It finished as we gave up: too late all the same. */
			freeaddrinfo(cb->ar_result);
		} else if (c != EAI_CANCELED) {
			if (abandoned != NULL &&
			    gai_error(abandoned) != EAI_INPROGRESS) {
				freeaddrinfo(abandoned->ar_result);
				free(abandoned);
			}
			abandoned = cb;	/* the last one, if two are out */
			return EAI_AGAIN;
		}
		r = EAI_AGAIN;
	} else if (r == 0) {
		*res = cb->ar_result;
	}
	free(l);
	return r;
}

int
net_connect(const struct net_addr *a, int timeout_ms, struct pt_err *err)
{
	long long deadline = deadline_in(timeout_ms);
	struct addrinfo *res, *ai;
	int fd = -1, why = 0, r;

	if (a->kind == NET_UNIX) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
		fd = connect_one(AF_UNIX, (struct sockaddr *)&sun, sizeof sun,
		    deadline, &why);
		return fd >= 0 ? fd : conn_fail(err, a, why, timeout_ms);
	}
	if ((r = resolve(a, deadline, &res)) != 0) {
		if (r == EAI_AGAIN && deadline_passed(deadline))
			return pt_err_set(err, PT_EXIT_TARGET, "timed out "
			    "looking up %s (%d ms)", a->host, timeout_ms);
		return pt_err_set(err, PT_EXIT_TARGET,
		    "cannot connect to %s: %s", a->text,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = connect_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen,
		    deadline, &why);
		if (fd >= 0 || why == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : conn_fail(err, a, why, timeout_ms);
}

int
net_open(const char *spec, int timeout_ms, struct pt_err *err)
{
	struct net_addr a;

	if (net_parse(spec, &a, err) < 0)
		return -1;
	return net_connect(&a, timeout_ms, err);
}

/*
 * How long a read keeps asking before it sleeps in poll.  A local
 * stub's next packet is most often microseconds away, and on a virtual
 * machine a sleep and its wake-up cost more than that: a Linux guest's
 * dump slept about 60 times, and was 10 to 15% slower (median of 100
 * runs, side by side) than with this.
 */
#define NET_SPIN_NS 30000

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

ssize_t
net_read(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = deadline_in(timeout_ms);
	long long spin_end = now_ns() + (timeout_ms != 0 ? NET_SPIN_NS : 0);
	bool sock = true, empty = false;
	ssize_t n;
	int r;

	for (;;) {
		/* A socket waits in poll once it has been empty for the
		 * spin; a pipe (in tests) before every read. */
		if (!sock || empty) {
			if ((r = wait_fd(fd, POLLIN, deadline)) == 0)
				return 0;
			if (r < 0)
				return -2;
		}
		n = sock ? recv(fd, buf, len, MSG_DONTWAIT) : read(fd, buf, len);
		if (n > 0)
			return n;
		if (n == 0 || errno == ECONNRESET)
			return -1;
		if (errno == ENOTSOCK)
			sock = false;
		else if (errno == EAGAIN)
			empty = now_ns() >= spin_end;
		else if (errno != EINTR)
			return -2;
	}
}

int
net_poll_in(int fd, int timeout_ms)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	return r > 0 ? 1 : 0;
}

bool
net_hung_up(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && errno == ENOTSOCK)
		n = -1;		/* a pipe, in tests: cannot peek */
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

int
net_write(int fd, const void *buf, size_t len, int timeout_ms)
{
	long long deadline = deadline_in(timeout_ms);
	const char *p = buf;
	bool sock = true, full = false;
	ssize_t n;
	int r;

	while (len > 0) {
		/* A stub that stops reading must not hold us forever: a
		 * full socket waits in poll, by the deadline. */
		if (!sock || full) {
			if ((r = wait_fd(fd, POLLOUT, deadline)) == 0)
				errno = ETIMEDOUT;
			if (r <= 0)
				return -1;
		}
		full = false;
		n = sock ? send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) :
		    write(fd, p, len);
		if (n < 0 && errno == ENOTSOCK) {
			sock = false;	/* a pipe, in tests: poll, then write */
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			full = true;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
