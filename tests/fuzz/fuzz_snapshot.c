/*
 * fuzz_snapshot.c - the snapshot loader against any file: the input is
 * the file (read through a memfd, by the path the loader opens).
 */
#define _GNU_SOURCE		/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s;
	struct pt_err e;
	char path[64];
	int fd = memfd_create("snapshot", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (snapshot_read(&s, path, &e) == 0) {
		for (size_t i = 1; i < s.n; i++)
			if (s.leaves[i].va < s.leaves[i - 1].va)
				abort();	/* kept in address order */
		snapshot_free(&s);
	}
	close(fd);
	return 0;
}
