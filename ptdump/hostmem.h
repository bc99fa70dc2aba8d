/*
 * hostmem.h - guest-physical memory read from the host: from the QEMU
 * process (offsets are QEMU's virtual addresses; process_vm_readv, or
 * /proc/PID/mem where that is refused) or from a shared memory-backend
 * file (offsets into the RAM block).
 *
 * A set of spans maps guest-physical ranges to file offsets; reads
 * outside them are left to the caller (1), so device memory and holes
 * still go through the gdbstub.
 */
#ifndef PTDUMP_HOSTMEM_H
#define PTDUMP_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "target.h"

struct hostmem_span {
	uint64_t gpa, last;	/* guest-physical, inclusive */
	uint64_t off;		/* file offset of gpa */
};

struct hostmem {
	int fd;
	pid_t pid;		/* > 0: read with process_vm_readv first */
	char path[64];
	struct hostmem_span *s;
	size_t n;
	uint64_t reads;		/* reads (pieces of a batch each), for --trace */
};

/* Open `path` read-only; no spans yet.  0, or -1 with err set. */
int hostmem_open(struct hostmem *h, const char *path, struct pt_err *err);

/*
 * Open process pid's memory (its /proc/PID/mem, the fallback when
 * process_vm_readv is refused); no spans yet.  0, or -1 with err set.
 */
int hostmem_open_process(struct hostmem *h, pid_t pid, struct pt_err *err);

/* Map [gpa, last] to offset `off`.  0, or -1 with err set. */
int hostmem_add(struct hostmem *h, uint64_t gpa, uint64_t last, uint64_t off,
    struct pt_err *err);

/* Does some span hold every byte of [pa, pa + len)? */
bool hostmem_covers(const struct hostmem *h, uint64_t pa, size_t len);

/*
 * Read len bytes at guest-physical pa.  Returns 0, 1 if some byte lies
 * outside every span (nothing is read), or -1 with err set.
 */
int hostmem_read(struct hostmem *h, uint64_t pa, void *buf, size_t len,
    struct pt_err *err);

/*
 * Read many pieces, as few calls as they take from a process (up to
 * HOSTMEM_BATCH a call).  Each piece's rc: 0 read, or 1 not read (some
 * byte outside every span, or the call failed: hostmem_read on its own
 * says why).
 */
#define HOSTMEM_BATCH 256
void hostmem_read_many(struct hostmem *h, struct target_read *r, size_t n);

/*
 * Read len bytes at guest-physical pa where no span need hold all of
 * them: bytes outside every span read as zeros (a core's holes, memory
 * past its end).  0, or -1 with err set.
 */
int hostmem_read_sparse(struct hostmem *h, uint64_t pa, void *buf,
    size_t len, struct pt_err *err);

/* Close the file and free the spans; safe after a failed open. */
void hostmem_close(struct hostmem *h);

#endif
