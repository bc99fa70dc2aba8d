/*
 * gdbdirect.c - guest RAM read straight from QEMU's memory, past the
 * gdbstub, when QEMU runs on this host: through /proc/PID/mem of the
 * QEMU process (found from the socket's peer), or through a shared
 * memory-backend file the user names (--guest-ram).
 *
 * The monitor's flat memory map (`info mtree -f`) says which guest
 * ranges are RAM and where in their RAM block they sit; `gpa2hva` gives
 * a block's address inside QEMU.  The first read is also made with `m`
 * packets and compared: only a match turns the direct path on.  With
 * --ram-access auto any failure falls back to `m` packets quietly
 * (--trace says why); with --ram-access direct it is an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gdbremote_int.h"
#include "peerpid.h"

int
gr_memmap(void *ctx, const struct memmap **map, struct pt_err *err)
{
	struct gr *g = ctx;
	char *out;
	int rc;

	if (!g->map_known) {
		if (gr_monitor(g, "info mtree -f", &out, err) < 0)
			return -1;
		rc = memmap_parse(out, &g->map, err);
		free(out);
		if (rc < 0)
			return -1;
		g->map_known = true;
	}
	*map = &g->map;
	return 0;
}

/* QEMU's address of guest-physical `gpa`, from `gpa2hva`. */
static int
host_address(struct gr *g, uint64_t gpa, uint64_t *hva, struct pt_err *err)
{
	char cmd[40], *out, *is, *end;

	snprintf(cmd, sizeof cmd, "gpa2hva 0x%" PRIx64, gpa);
	if (gr_monitor(g, cmd, &out, err) < 0)
		return -1;
	/* "Host virtual address for 0x100000 (pc.ram) is 0x7f2b77f00000" */
	is = strstr(out, " is 0x");
	if (is == NULL || (*hva = strtoull(is + 4, &end, 16), end == is + 6)) {
		pt_err_set(err, PT_EXIT_TARGET, "monitor %s: unexpected "
		    "answer '%.60s'", cmd, out);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

/* Spans of /proc/PID/mem: one gpa2hva per RAM block. */
static int
attach_process(struct gr *g, const struct memmap *m, struct pt_err *err)
{
	char path[40];
	pid_t pid;

	if (peerpid_find(g->fd, &pid, err) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/mem", (long)pid);
	if (hostmem_open(&g->ram, path, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		uint64_t base = 0;
		size_t j;

		if (!memmap_guest_ram(m, i))
			continue;
		/* A block met before has its base already. */
		for (j = 0; j < i; j++)
			if (memmap_guest_ram(m, j) &&
			    strcmp(m->r[j].block, m->r[i].block) == 0)
				break;
		if (j == i) {
			if (host_address(g, m->r[i].start, &base, err) < 0)
				return -1;
			base -= m->r[i].block_off;
		} else {
			/* Same block: its span's offset tells the base. */
			for (size_t k = 0; k < g->ram.n; k++)
				if (g->ram.s[k].gpa == m->r[j].start)
					base = g->ram.s[k].off -
					    m->r[j].block_off;
		}
		if (hostmem_add(&g->ram, m->r[i].start, m->r[i].last,
		    base + m->r[i].block_off, err) < 0)
			return -1;
	}
	return 0;
}

/* Spans of a memory-backend file: offsets in the block are file offsets. */
static int
attach_file(struct gr *g, const struct memmap *m, struct pt_err *err)
{
	struct stat st;

	if (hostmem_open(&g->ram, g->opt.guest_ram, err) < 0)
		return -1;
	if (fstat(g->ram.fd, &st) < 0 || !S_ISREG(st.st_mode))
		return pt_err_set(err, PT_EXIT_TARGET, "%s: not a regular "
		    "file", g->opt.guest_ram);
	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_region *r = &m->r[i];

		if (!memmap_guest_ram(m, i))
			continue;
		if (r->block_off + (r->last - r->start) >= (uint64_t)st.st_size)
			return pt_err_set(err, PT_EXIT_TARGET, "%s is %lld "
			    "bytes, smaller than guest RAM (%s)",
			    g->opt.guest_ram, (long long)st.st_size, r->block);
		if (hostmem_add(&g->ram, r->start, r->last, r->block_off,
		    err) < 0)
			return -1;
	}
	return 0;
}

static int
attach(struct gr *g, struct pt_err *err)
{
	const struct memmap *m;

	if (gr_memmap(g, &m, err) < 0)
		return pt_err_wrap(err, "reading the memory map");
	if (m->guest < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "the memory map shows "
		    "no RAM at guest address 0");
	if (g->opt.guest_ram != NULL)
		return attach_file(g, m, err);
	return attach_process(g, m, err);
}

/* Turn the direct path off: quietly under auto, an error under direct. */
static int
give_up(struct gr *g, struct pt_err *err)
{
	hostmem_close(&g->ram);
	g->direct = GR_DIRECT_OFF;
	if (g->opt.ram == GDBREMOTE_RAM_DIRECT)
		return pt_err_wrap(err, "--ram-access direct");
	rsp_note(&g->rsp, "direct RAM access off: %s", err->msg);
	return 1;
}

/* The first read is made both ways: the direct path must agree. */
static int
verify(struct gr *g, uint64_t pa, void *buf, size_t len, struct pt_err *err)
{
	void *mine = malloc(len);
	int rc;

	if (mine == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	rc = hostmem_read(&g->ram, pa, mine, len, err);
	if (rc != 0) {
		free(mine);
		return rc < 0 ? give_up(g, err) : 1;
	}
	if (gr_read_mem(g, true, pa, buf, len, err) < 0) {
		free(mine);
		return -1;
	}
	rc = memcmp(mine, buf, len);
	free(mine);
	if (rc != 0) {
		pt_err_set(err, PT_EXIT_TARGET, "%s disagrees with the "
		    "gdbstub at guest-physical 0x%" PRIx64, g->ram.path, pa);
		return give_up(g, err) < 0 ? -1 : 0;
	}
	g->direct = GR_DIRECT_ON;
	rsp_note(&g->rsp, "direct RAM access on: %s (%zu spans), checked "
	    "against `m` at 0x%" PRIx64, g->ram.path, g->ram.n, pa);
	return 0;
}

int
gr_direct_read(struct gr *g, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	if (g->opt.ram == GDBREMOTE_RAM_RSP || g->direct == GR_DIRECT_OFF)
		return 1;
	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	if (g->direct == GR_DIRECT_UNTRIED) {
		if (attach(g, err) < 0) {
			if (g->rsp.dead)
				return -1;
			return give_up(g, err);
		}
		g->direct = GR_DIRECT_UNVERIFIED;
	}
	if (g->direct == GR_DIRECT_UNVERIFIED)
		return verify(g, pa, buf, len, err);
	return hostmem_read(&g->ram, pa, buf, len, err);
}

void
gr_direct_reset(struct gr *g)
{
	gr_direct_free(g);
	g->direct = GR_DIRECT_UNTRIED;
}

void
gr_direct_free(struct gr *g)
{
	memmap_free(&g->map);
	g->map_known = false;
	hostmem_close(&g->ram);
}

void
gr_direct_describe(const struct gr *g, char *buf, size_t size)
{
	if (g->opt.ram == GDBREMOTE_RAM_RSP || g->direct == GR_DIRECT_OFF)
		snprintf(buf, size, "rsp (m packets)");
	else if (g->direct == GR_DIRECT_ON)
		snprintf(buf, size, "direct (%s)", g->ram.path);
	else
		snprintf(buf, size, "not chosen yet (%s)",
		    g->opt.ram == GDBREMOTE_RAM_DIRECT ? "direct" : "auto");
}
