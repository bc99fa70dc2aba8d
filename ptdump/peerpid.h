/*
 * peerpid.h - which local process is at the other end of a socket.
 *
 * For a unix socket the kernel says (SO_PEERCRED).  For TCP over
 * loopback, /proc/net/tcp{,6} gives the inode of the peer's socket and
 * /proc/PID/fd shows who holds it (only processes we may inspect).
 */
#ifndef PTDUMP_PEERPID_H
#define PTDUMP_PEERPID_H

#include <sys/types.h>

#include "err.h"

/*
 * The pid of the process holding the other end of the connected socket
 * fd.  Returns 0, or -1 with err set (a remote host, a peer we cannot
 * see).
 */
int peerpid_find(int fd, pid_t *pid, struct pt_err *err);

#endif
