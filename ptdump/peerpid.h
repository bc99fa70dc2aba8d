/*
 * peerpid.h - which local process is at the other end of a socket.
 *
 * For a unix socket the kernel says (SO_PEERCRED).  For TCP over
 * loopback, sock_diag (or /proc/net/tcp{,6}) gives the inode of the
 * peer's socket and /proc/PID/fd shows who holds it (only processes we
 * may inspect).
 */
#ifndef PTDUMP_PEERPID_H
#define PTDUMP_PEERPID_H

#include <sys/types.h>

#include "err.h"

/*
 * The peer, found in two steps so that it can be asked who it is in
 * between.  peerpid_start: is the peer a process on this host (else -1
 * with err set)?  For a unix socket it also knows which.
 * peerpid_finish: its pid, into p->pid, trying first the thread `hint`
 * (the peer's own word, such as QEMU's `info cpus`; 0: none), which
 * counts only if its process holds the socket, then every process we
 * may inspect.
 * Both return 0, or -1 with err set.
 */
struct peerpid {
	pid_t pid;		/* 0 until known */
	char sock[40];		/* the peer's end, as /proc/PID/fd shows it */
};

int peerpid_start(int fd, struct peerpid *p, struct pt_err *err);
int peerpid_finish(struct peerpid *p, pid_t hint, struct pt_err *err);

#endif
