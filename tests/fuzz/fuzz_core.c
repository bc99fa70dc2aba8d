/*
 * fuzz_core.c - the reader of QEMU's ELF cores (--core) against any
 * file: the input is the file (through a memfd, by the path the reader
 * opens).  Every program header and note must be bounds-checked against
 * the file; what it accepts must read without faults.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "offline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct offline_opts o;
	struct target t;
	struct pt_err e;
	char path[64];
	uint8_t page[4096];
	uint64_t cr3;
	unsigned n;
	int fd = memfd_create("core", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	memset(&o, 0, sizeof o);
	o.core = path;
	if (offline_open(&o, &t, &e) == 0) {
		if (t.ops->cpu_count(t.ctx, &n, &e) < 0 || n == 0)
			abort();	/* a core it opens has vCPUs */
		if (t.ops->read_reg(t.ctx, "cr3", &cr3, &e) < 0)
			abort();
		t.ops->read_phys(t.ctx, cr3 & ~0xfffull, page, sizeof page, &e);
		t.ops->read_phys(t.ctx, 0, page, sizeof page, &e);
		t.ops->read_virt(t.ctx, 0xffffffff80000000ull, page, 64, &e);
		t.ops->select_cpu(t.ctx, n - 1, &e);
		t.ops->close(t.ctx);
	}
	close(fd);
	return 0;
}
