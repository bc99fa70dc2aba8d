/* hostmem.c - guest-physical reads through a host file (see hostmem.h). */
#define _GNU_SOURCE		/* process_vm_readv */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hostmem.h"

int
hostmem_open(struct hostmem *h, const char *path, struct pt_err *err)
{
	memset(h, 0, sizeof *h);
	snprintf(h->path, sizeof h->path, "%s", path);
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "%s: %s", path,
		    strerror(errno));
	return 0;
}

int
hostmem_open_process(struct hostmem *h, pid_t pid, struct pt_err *err)
{
	char path[40];

	snprintf(path, sizeof path, "/proc/%ld/mem", (long)pid);
	if (hostmem_open(h, path, err) < 0)
		return -1;
	h->pid = pid;
	return 0;
}

int
hostmem_add(struct hostmem *h, uint64_t gpa, uint64_t last, uint64_t off,
    struct pt_err *err)
{
	struct hostmem_span *s;

	if ((s = realloc(h->s, (h->n + 1) * sizeof *s)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	h->s = s;
	h->s[h->n++] = (struct hostmem_span){ gpa, last, off };
	return 0;
}

static const struct hostmem_span *
find(const struct hostmem *h, uint64_t pa)
{
	for (size_t i = 0; i < h->n; i++)
		if (pa >= h->s[i].gpa && pa <= h->s[i].last)
			return &h->s[i];
	return NULL;
}

bool
hostmem_covers(const struct hostmem *h, uint64_t pa, size_t len)
{
	while (len > 0) {
		const struct hostmem_span *s = find(h, pa);
		uint64_t room;

		if (s == NULL)
			return false;
		room = s->last - pa;
		if (room >= len - 1)
			break;
		pa += room + 1;
		len -= (size_t)room + 1;
	}
	return true;
}

/*
 * One read at offset off.  From a process, process_vm_readv costs a
 * small fraction of a pread of /proc/PID/mem (which takes the other
 * process's memory a page at a time through a bounce buffer); when it
 * is refused (seccomp, an old kernel) every later read uses the file.
 */
static ssize_t
piece(struct hostmem *h, void *buf, size_t n, uint64_t off)
{
	if (h->pid > 0) {
		struct iovec mine = { buf, n };
		struct iovec theirs = { (void *)(uintptr_t)off, n };
		ssize_t got = process_vm_readv(h->pid, &mine, 1, &theirs, 1, 0);

		if (got > 0 || (got < 0 && errno != EPERM && errno != ENOSYS))
			return got;
		h->pid = 0;
	}
	return pread(h->fd, buf, n, (off_t)off);
}

int
hostmem_read(struct hostmem *h, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	unsigned char *out = buf;

	/* All covered, or nothing is read. */
	if (!hostmem_covers(h, pa, len))
		return 1;
	while (len > 0) {
		const struct hostmem_span *s = find(h, pa);
		uint64_t room = s->last - pa;
		size_t n = room >= len - 1 ? len : (size_t)room + 1;
		ssize_t got;

		h->reads++;
		got = piece(h, out, n, s->off + (pa - s->gpa));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == ESRCH)
			return pt_err_set(err, PT_EXIT_TARGET, "reading "
			    "guest-physical 0x%" PRIx64 ": QEMU has exited", pa);
		if (got <= 0)
			return pt_err_set(err, PT_EXIT_TARGET, "%s: reading "
			    "guest-physical 0x%" PRIx64 ": %s", h->path, pa,
			    got < 0 ? strerror(errno) : "end of file");
		out += got;
		pa += (uint64_t)got;
		len -= (size_t)got;
	}
	return 0;
}

void
hostmem_read_many(struct hostmem *h, struct target_read *r, size_t n)
{
	struct iovec mine[HOSTMEM_BATCH], theirs[HOSTMEM_BATCH];
	size_t at[HOSTMEM_BATCH], i = 0;
	struct pt_err ignored;

	for (size_t j = 0; j < n; j++)
		r[j].rc = 1;
	if (h->pid <= 0) {	/* a file: one pread each */
		for (size_t j = 0; j < n; j++)
			r[j].rc = hostmem_read(h, r[j].pa, r[j].buf, r[j].len,
			    &ignored) == 0 ? 0 : 1;
		return;
	}
	while (i < n) {
		size_t k = 0;
		ssize_t got;

		for (; i < n && k < HOSTMEM_BATCH; i++) {
			const struct hostmem_span *s = find(h, r[i].pa);

			if (r[i].len == 0 || s == NULL ||
			    s->last - r[i].pa < r[i].len - 1)
				continue;
			mine[k] = (struct iovec){ r[i].buf, r[i].len };
			theirs[k] = (struct iovec){
				(void *)(uintptr_t)(s->off + (r[i].pa - s->gpa)),
				r[i].len };
			at[k++] = i;
		}
		if (k == 0)
			continue;
		got = process_vm_readv(h->pid, mine, k, theirs, k, 0);
		/* Whole pieces only: a short count stops at an iovec's end. */
		for (size_t j = 0; j < k && got >= (ssize_t)mine[j].iov_len;
		    j++) {
			got -= (ssize_t)mine[j].iov_len;
			r[at[j]].rc = 0;
			h->reads++;
		}
	}
}

int
hostmem_read_sparse(struct hostmem *h, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	uint64_t last = pa + (len - 1);

	if (len == 0 || hostmem_covers(h, pa, len))
		return len == 0 ? 0 : hostmem_read(h, pa, buf, len, err);
	memset(buf, 0, len);
	for (size_t i = 0; i < h->n; i++) {
		const struct hostmem_span *s = &h->s[i];
		uint64_t a = s->gpa > pa ? s->gpa : pa;
		uint64_t b = s->last < last ? s->last : last;

		if (a <= b && hostmem_read(h, a, (uint8_t *)buf + (a - pa),
		    (size_t)(b - a + 1), err) < 0)
			return -1;
	}
	return 0;
}

void
hostmem_close(struct hostmem *h)
{
	if (h->fd >= 0)
		close(h->fd);
	free(h->s);
	memset(h, 0, sizeof *h);
	h->fd = -1;
}
