/* net.c - target addresses and stream sockets: see net.h. */
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

long long
net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	struct pollfd pfd;
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
		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			int wait = -1;

			if (deadline >= 0) {
				long long left = deadline - net_now_ms();

				wait = left > 0 ? (int)left : 0;
			}
			r = poll(&pfd, 1, wait);
			if (r > 0)
				break;
			if (r == 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			if (errno != EINTR)
				goto fail;
		}
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

int
net_connect(const struct net_addr *a, int timeout_ms, struct pt_err *err)
{
	long long deadline = timeout_ms >= 0 ? net_now_ms() + timeout_ms : -1;
	struct addrinfo hints, *res, *ai;
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
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(a->host, a->port, &hints, &res)) != 0)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "cannot connect to %s: %s", a->text,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
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

ssize_t
net_read(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = timeout_ms >= 0 ? net_now_ms() + timeout_ms : -1;
	struct pollfd pfd;
	ssize_t n;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			long long left = deadline - net_now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		r = poll(&pfd, 1, wait);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -2;
		}
		n = read(fd, buf, len);
		if (n > 0)
			return n;
		if (n == 0)
			return -1;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ECONNRESET)
			return -1;
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
net_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);	/* a pipe, in tests */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
