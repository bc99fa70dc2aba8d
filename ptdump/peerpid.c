/* peerpid.c - the local process at the other end of a socket. */
#define _GNU_SOURCE		/* struct ucred */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peerpid.h"

/*
 * An address as /proc/net/tcp{,6} prints it: the address as the kernel
 * stores it, 32 bits at a time in host order, then ":" and the port.
 */
static void
proc_addr(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		uint32_t a;

		memcpy(&a, &in->sin_addr, 4);
		snprintf(buf, size, "%08" PRIX32 ":%04X", a,
		    ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		uint32_t a[4];

		memcpy(a, &in6->sin6_addr, 16);
		snprintf(buf, size, "%08" PRIX32 "%08" PRIX32 "%08" PRIX32
		    "%08" PRIX32 ":%04X", a[0], a[1], a[2], a[3],
		    ntohs(in6->sin6_port));
	}
}

/* The inode of the socket whose local address is `local` and remote
 * address `remote`, from a /proc/net table; 0 if not listed. */
static unsigned long
find_inode(const char *table, const char *local, const char *remote)
{
	char line[512], l[64], r[64];
	unsigned long inode = 0, ino;
	FILE *f = fopen(table, "re");

	if (f == NULL)
		return 0;
	while (inode == 0 && fgets(line, sizeof line, f) != NULL) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %63s %63s %*s %*s %*s %*s %*s %*s %lu",
		    l, r, &ino) == 3 && strcmp(l, local) == 0 &&
		    strcmp(r, remote) == 0)
			inode = ino;
	}
	fclose(f);
	return inode;
}

/* Does process `pid` hold socket `inode`? */
static bool
holds(const char *pid, const char *want)
{
	char dir[300], link[600], target[64];
	struct dirent *d;
	bool found = false;
	DIR *fds;
	ssize_t n;

	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	if ((fds = opendir(dir)) == NULL)
		return false;
	while (!found && (d = readdir(fds)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, want) == 0;
	}
	closedir(fds);
	return found;
}

/*
 * The inode of the socket from `local` to `remote`, asked of the kernel
 * by its addresses (sock_diag), which finds it in the connection table
 * at once; reading /proc/net/tcp walks the whole table (about 0.8 ms on
 * a large host).  0 when the kernel cannot say.
 */
static unsigned long
diag_inode(const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 rq;
	} req;
	union {
		struct nlmsghdr nh;
		char buf[1024];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	const struct inet_diag_msg *m;
	unsigned long inode = 0;
	ssize_t n;
	int s;

	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = sizeof req;
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rq.sdiag_family = (uint8_t)local->ss_family;
	req.rq.sdiag_protocol = IPPROTO_TCP;
	req.rq.idiag_states = ~0u;
	req.rq.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.rq.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (local->ss_family == AF_INET) {
		const struct sockaddr_in *l = (const void *)local;
		const struct sockaddr_in *r = (const void *)remote;

		req.rq.id.idiag_sport = l->sin_port;
		req.rq.id.idiag_dport = r->sin_port;
		memcpy(req.rq.id.idiag_src, &l->sin_addr, 4);
		memcpy(req.rq.id.idiag_dst, &r->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *l = (const void *)local;
		const struct sockaddr_in6 *r = (const void *)remote;

		req.rq.id.idiag_sport = l->sin6_port;
		req.rq.id.idiag_dport = r->sin6_port;
		memcpy(req.rq.id.idiag_src, &l->sin6_addr, 16);
		memcpy(req.rq.id.idiag_dst, &r->sin6_addr, 16);
	}
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return 0;
	if (sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel,
	    sizeof kernel) == (ssize_t)sizeof req &&
	    (n = recv(s, &ans, sizeof ans, 0)) > 0 &&
	    NLMSG_OK(&ans.nh, (size_t)n) &&
	    ans.nh.nlmsg_type == SOCK_DIAG_BY_FAMILY &&
	    ans.nh.nlmsg_len >= NLMSG_LENGTH(sizeof *m)) {
		m = NLMSG_DATA(&ans.nh);
		inode = m->idiag_inode;
	}
	close(s);
	return inode;
}

static int
newest_first(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x < y) - (x > y);
}

/* The socket inode of the peer of TCP socket fd, as "socket:[N]". */
static int
tcp_peer_socket(int fd, char *want, size_t size, struct pt_err *err)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;
	char local[64], remote[64];
	unsigned long inode;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "socket address: %s",
		    strerror(errno));
	/* The peer's socket has our addresses the other way round. */
	proc_addr(&peer, local, sizeof local);
	proc_addr(&me, remote, sizeof remote);
	if ((inode = diag_inode(&peer, &me)) == 0)
		inode = find_inode(me.ss_family == AF_INET ? "/proc/net/tcp" :
		    "/proc/net/tcp6", local, remote);
	if (inode == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub is not a "
		    "process on this host");
	snprintf(want, size, "socket:[%lu]", inode);
	return 0;
}

/* The process (thread group) of thread `tid`; 0 if it cannot be told. */
static pid_t
thread_group(pid_t tid)
{
	char path[40], line[128];
	long tgid = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)tid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "Tgid: %ld", &tgid) == 1)
			break;
	fclose(f);
	return (pid_t)tgid;
}

/* Every process we may inspect, newest first, until one holds `want`. */
static int
scan_processes(const char *want, pid_t *pid, struct pt_err *err)
{
	struct dirent *d;
	long *pids = NULL;
	size_t n = 0, cap = 0;
	DIR *proc;

	if ((proc = opendir("/proc")) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "/proc: %s",
		    strerror(errno));
	while ((d = readdir(proc)) != NULL) {
		char *end;
		long v = strtol(d->d_name, &end, 10);
		long *np;

		if (*end != '\0' || v <= 0 || v == (long)getpid())
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if ((np = realloc(pids, cap * sizeof *pids)) == NULL)
				break;
			pids = np;
		}
		pids[n++] = v;
	}
	closedir(proc);
	/* Newest first: the emulator usually started after the system's
	 * daemons, whose many descriptors cost the most to look through. */
	qsort(pids, n, sizeof *pids, newest_first);
	*pid = 0;
	for (size_t i = 0; i < n && *pid == 0; i++) {
		char name[24];

		snprintf(name, sizeof name, "%ld", pids[i]);
		if (holds(name, want))
			*pid = (pid_t)pids[i];
	}
	free(pids);
	if (*pid == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "no process we may "
		    "inspect holds the gdbstub's socket");
	return 0;
}

int
peerpid_start(int fd, struct peerpid *p, struct pt_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	p->pid = 0;
	p->sock[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "socket address: %s",
		    strerror(errno));
	if (ss.ss_family == AF_UNIX) {
		struct ucred uc;
		socklen_t ul = sizeof uc;

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0)
			return pt_err_set(err, PT_EXIT_TARGET, "SO_PEERCRED: "
			    "%s", strerror(errno));
		p->pid = uc.pid;
		return 0;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		return tcp_peer_socket(fd, p->sock, sizeof p->sock, err);
	return pt_err_set(err, PT_EXIT_TARGET, "not a socket ptdump knows");
}

int
peerpid_finish(struct peerpid *p, pid_t hint, struct pt_err *err)
{
	char name[24];

	if (p->pid == 0 && hint > 0) {
		snprintf(name, sizeof name, "%ld", (long)hint);
		if (holds(name, p->sock))
			p->pid = thread_group(hint);
	}
	if (p->pid == 0 && scan_processes(p->sock, &p->pid, err) < 0)
		return -1;
	return 0;
}
