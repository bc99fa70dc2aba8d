/*
 * gdbdirect.c - guest RAM read straight from QEMU's memory, past the
 * gdbstub, when QEMU runs on this host: through /proc/PID/mem of the
 * QEMU process (the socket's peer: a unix socket names it; over TCP the
 * vCPU thread that `info cpus` names, if its process holds the socket,
 * else whichever process does), or through a shared memory-backend file
 * the user names (--guest-ram).
 *
 * The monitor's flat memory map (`info mtree -f`) says which guest
 * ranges are RAM and where in their RAM block they sit; `gpa2hva` gives
 * a block's address inside QEMU.  The first read of RAM is also read by
 * the gdbstub itself and compared (see struct check): only a match turns
 * the direct path on.  The monitor commands, the map among them, and the
 * check go in one round trip, before a walk's first read (at its root
 * table's page).  With --ram-access auto any failure falls back to
 * `m` packets quietly (--trace says why); with --ram-access direct it
 * is an error.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gdbremote_int.h"
#include "peerpid.h"

#define MTREE "info mtree -f"

/* Keep the memory map from `info mtree -f`'s output. */
static int
keep_map(struct gr *g, const char *mtree, struct pt_err *err)
{
	if (memmap_parse(mtree, &g->map, err) < 0)
		return -1;
	g->map_known = true;
	return 0;
}

/*
 * The page a walk reads first, the root table's (CR3 with its flag and
 * PCID bits cleared), when the direct path is still to be set up and
 * CR3 is known.  Only a hint: any RAM page serves to check against.
 */
static bool
attach_hint(struct gr *g, uint64_t *pa)
{
	long idx = tdesc_find(&g->td, "cr3");

	if (g->opt.ram == GDBREMOTE_RAM_RSP || g->direct != GR_DIRECT_UNTRIED ||
	    g->running || g->rsp.dead || idx < 0 || !g->vals[idx].known)
		return false;
	*pa = g->vals[idx].value & 0x000ffffffffff000ull;
	return true;
}

/*
 * The map, asked once.  A walk wants it before its first read, and the
 * direct path wants it too: when that is still to be set up, set it up
 * now (at the root table's page), which asks for the map in the same
 * round trip as the rest of its monitor commands.
 */
int
gr_memmap(void *ctx, const struct memmap **map, struct pt_err *err)
{
	struct gr *g = ctx;
	uint64_t pa;
	char *out;
	int rc;

	if (!g->map_known && attach_hint(g, &pa)) {
		uint8_t page[4096];
		struct pt_err ignored;

		/* A failure is kept (direct_err) or quietly given up on:
		 * the map is then asked alone. */
		(void)gr_direct_read(g, pa, page, sizeof page, &ignored);
	}
	if (!g->map_known) {
		if (gr_monitor(g, MTREE, &out, err) < 0)
			return -1;
		rc = keep_map(g, out, err);
		free(out);
		if (rc < 0)
			return -1;
	}
	*map = &g->map;
	return 0;
}

/* The address in "Host virtual address for 0x100000 (pc.ram) is 0x7f..". */
static int
parse_hva(const char *out, uint64_t *hva, struct pt_err *err)
{
	const char *is = strstr(out, " is 0x");
	char *end;

	if (is != NULL) {
		*hva = strtoull(is + 4, &end, 16);
		if (end != is + 6)
			return 0;
	}
	return pt_err_set(err, PT_EXIT_TARGET, "gpa2hva: unexpected answer "
	    "'%.60s'", out);
}

/* The first vCPU's host thread in `info cpus`: "* CPU #0: thread_id=N". */
static pid_t
first_thread(const char *out)
{
	const char *at = strstr(out, "thread_id=");
	long tid;

	if (at == NULL)
		return 0;
	tid = strtol(at + 10, NULL, 10);
	return tid > 0 && tid <= INT32_MAX ? (pid_t)tid : 0;
}

/* QEMU's address of guest-physical `gpa`, from `gpa2hva`. */
static int
host_address(struct gr *g, uint64_t gpa, uint64_t *hva, struct pt_err *err)
{
	char cmd[40], *out;
	int rc;

	snprintf(cmd, sizeof cmd, "gpa2hva 0x%" PRIx64, gpa);
	if (gr_monitor(g, cmd, &out, err) < 0)
		return -1;
	rc = parse_hva(out, hva, err);
	free(out);
	return rc;
}

/*
 * The bytes of `xp /Nxg` (or /Nxb) output: lines "ADDR: 0xV 0xV...",
 * each value little-endian in `unit` bytes.  0 if exactly len bytes.
 */
static int
parse_xp(const char *text, size_t unit, uint8_t *out, size_t len)
{
	const char *p = text;
	size_t got = 0;

	while ((p = strchr(p, ':')) != NULL) {
		p++;
		while (*p == ' ' && p[1] == '0' && p[2] == 'x') {
			char *end;
			uint64_t v = strtoull(p + 3, &end, 16);

			if (end == p + 3 || got + unit > len)
				return -1;
			for (size_t b = 0; b < unit; b++, v >>= 8)
				out[got++] = (uint8_t)v;
			p = end;
		}
	}
	return got == len ? 0 : -1;
}

/*
 * The check: the gdbstub's own reading of the first page read (up to
 * CHECK_MAX bytes), which a wrong process or address would not match.
 * With QEMU's physical-memory mode (its state known since the
 * handshake), that is `m` reads of all of it, between
 * Qqemu.PhyMemMode:1 and the mode put back, all in one write with the
 * monitor commands: nothing can leave the mode changed.  Without it,
 * QEMU's `xp` of its first and last CHECK_WINDOW bytes: `xp` leaves the
 * mode alone but prints a line per 16 bytes, and QEMU 7.2 takes about
 * 0.2 ms for 256 bytes of them.
 */
#define CHECK_MAX 4096
#define CHECK_WINDOW 256
#define CHECK_M_MAX 8		/* `m` requests at most */

struct check {
	bool phys;		/* by `m` in physical mode, else by `xp` */
	uint64_t pa;
	size_t len;		/* bytes checked from pa */
	/* xp: the windows and their commands */
	size_t n;
	size_t off[2], wlen[2], unit[2];
	char cmd[2][64];
	/* phys: requests (Q, m..., Q), their texts, and what came back */
	struct rsp_req req[CHECK_M_MAX + 2];
	char text[CHECK_M_MAX + 2][48];
	size_t nreq, first_m, nm, chunk;
	bool toggle;		/* the mode is set and put back */
	bool bad, restored;
	struct gr *g;
	uint8_t got[CHECK_MAX];	/* last: check_plan clears all above it */
};

static void
check_window(struct check *c, size_t off, size_t len)
{
	size_t k = c->n++;

	c->off[k] = off;
	c->wlen[k] = len;
	c->unit[k] = len % 8 == 0 && off % 8 == 0 ? 8 : 1;
	snprintf(c->cmd[k], sizeof c->cmd[k], "xp /%zux%c 0x%" PRIx64,
	    len / c->unit[k], c->unit[k] == 8 ? 'g' : 'b', c->pa + off);
}

static void
check_add(struct check *c, const char *text)
{
	char *t = c->text[c->nreq];

	snprintf(t, sizeof c->text[0], "%s", text);
	c->req[c->nreq++] = (struct rsp_req){ t, strlen(t) };
}

/* The bytes the check's k-th `m` asks for. */
static size_t
check_ask_len(const struct check *c, size_t k)
{
	size_t off = k * c->chunk;

	return c->len - off < c->chunk ? c->len - off : c->chunk;
}

static void
check_plan(struct gr *g, struct check *c, uint64_t pa, size_t len)
{
	memset(c, 0, offsetof(struct check, got));
	c->g = g;
	c->pa = pa;
	c->len = len < CHECK_MAX ? len : CHECK_MAX;
	c->phys = g->phymem && g->phymem_cur >= 0 && g->mem_chunk >= 64;
	if (!c->phys) {
		if (c->len <= 2 * CHECK_WINDOW) {
			check_window(c, 0, c->len);
		} else {
			check_window(c, 0, CHECK_WINDOW);
			check_window(c, c->len - CHECK_WINDOW, CHECK_WINDOW);
		}
		return;
	}
	c->chunk = g->mem_chunk;
	if (c->len > CHECK_M_MAX * c->chunk)
		c->len = CHECK_M_MAX * c->chunk;
	c->toggle = g->phymem_cur == 0;
	if (c->toggle)
		check_add(c, "Qqemu.PhyMemMode:1");
	c->first_m = c->nreq;
	for (; c->nm * c->chunk < c->len; c->nm++) {
		char m[48];

		snprintf(m, sizeof m, "m%" PRIx64 ",%zx", pa + c->nm * c->chunk,
		    check_ask_len(c, c->nm));
		check_add(c, m);
	}
	if (c->toggle)
		check_add(c, "Qqemu.PhyMemMode:0");
}

/*
 * A reply to the check's requests: a failure marks the check bad and
 * lets the exchange go on (every request gets its answer).
 */
static int
check_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct check *c = ctx;
	size_t k = i - c->first_m;

	(void)err;
	if (gr_stray(c->g, r, n))
		return RSP_REPLY_STRAY;
	if (i < c->first_m || k >= c->nm) {
		if (n == 2 && memcmp(r, "OK", 2) == 0)
			c->restored = c->restored || i > c->first_m;
		else
			c->bad = true;
		return 0;
	}
	if (!gr_mem_reply_whole(r, n, c->got + k * c->chunk,
	    check_ask_len(c, k)))
		c->bad = true;
	return 0;
}

/*
 * The check's monitor commands after cmd[0..n) (their outputs in out),
 * and its `m` reads, in one exchange.
 */
static int
check_ask(struct gr *g, struct check *c, const char **cmd, size_t n,
    char **out, struct pt_err *err)
{
	int rc;

	if (!c->phys) {
		for (size_t k = 0; k < c->n; k++)
			cmd[n + k] = c->cmd[k];
		return gr_monitor_many(g, cmd, n + c->n, out, err);
	}
	if (c->toggle)
		g->phymem_cur = 1;	/* until the mode is put back */
	rc = gr_monitor_many_then(g, cmd, n, out, c->req, c->nreq,
	    check_reply, c, err);
	/* Put back, even if a monitor command failed: the stub answered. */
	if (c->toggle && c->restored)
		g->phymem_cur = 0;
	return rc;
}

/*
 * Read [pa, pa + len) into buf straight from QEMU's memory; the check's
 * bytes must match the gdbstub's reading of them (xp[k], the output of
 * c->cmd[k]; or c->got).
 */
static int
check_read(struct gr *g, char *const *xp, const struct check *c,
    void *buf, size_t len, struct pt_err *err)
{
	uint8_t theirs[CHECK_WINDOW * 2];
	const uint8_t *mine = buf;
	int rc = hostmem_read(&g->ram, c->pa, buf, len, err);

	if (rc != 0)
		return rc;
	if (c->phys) {
		if (c->bad)
			return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub "
			    "did not read guest-physical 0x%" PRIx64 " to "
			    "check it", c->pa);
		for (size_t i = 0; i < c->len; i++)
			if (c->got[i] != mine[i])
				return pt_err_set(err, PT_EXIT_TARGET, "%s "
				    "disagrees with the gdbstub at "
				    "guest-physical 0x%" PRIx64, g->ram.path,
				    c->pa + i);
		return 0;
	}
	for (size_t k = 0; k < c->n; k++)
		if (parse_xp(xp[k], c->unit[k], theirs, c->wlen[k]) < 0 ||
		    memcmp(theirs, mine + c->off[k], c->wlen[k]) != 0)
			return pt_err_set(err, PT_EXIT_TARGET, "%s disagrees "
			    "with the gdbstub at guest-physical 0x%" PRIx64,
			    g->ram.path, c->pa + c->off[k]);
	return 0;
}

/* The start in QEMU of the block of region r, from r's span. */
static uint64_t
span_base(const struct hostmem *h, const struct memmap_region *r)
{
	for (size_t k = 0; k < h->n; k++)
		if (h->s[k].gpa == r->start)
			return h->s[k].off - r->block_off;
	return 0;
}

/*
 * Spans of /proc/PID/mem for guest RAM.  The block holding the region
 * `at` (NULL: none known) starts at `base` in QEMU; other blocks are
 * asked with one gpa2hva each.
 */
static int
attach_process(struct gr *g, const struct memmap *m, pid_t pid,
    const struct memmap_region *at, uint64_t base, struct pt_err *err)
{
	if (hostmem_open_process(&g->ram, pid, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_region *r = &m->r[i];
		uint64_t b = base;
		size_t j;

		if (!memmap_guest_ram(m, i))
			continue;
		if (at == NULL || strcmp(r->block, at->block) != 0) {
			/* A block met before has its base in its span. */
			for (j = 0; j < i; j++)
				if (memmap_guest_ram(m, j) &&
				    strcmp(m->r[j].block, r->block) == 0)
					break;
			if (j < i) {
				b = span_base(&g->ram, &m->r[j]);
			} else if (host_address(g, r->start, &b, err) < 0) {
				return -1;
			} else {
				b -= r->block_off;
			}
		}
		if (hostmem_add(&g->ram, r->start, r->last, b + r->block_off,
		    err) < 0)
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

/*
 * Set the direct path up on the first read, at pa: the memory map, where
 * QEMU keeps the RAM block holding pa, and QEMU's own reading of pa
 * (`xp`), asked together; then read pa directly and compare.  Returns
 * 0 with buf filled, 1 when pa is not RAM (checked on a later read), or
 * -1 with err set.
 */
static int
attach(struct gr *g, uint64_t pa, void *buf, size_t len, struct pt_err *err)
{
	char hva_cmd[40], *out[5] = { 0 };
	const char *cmd[5];
	const struct memmap *m;
	const struct memmap_region *at = NULL;
	struct peerpid peer;
	struct check c;
	size_t n = 0, ihva, icpus = 0, ixp, nout;
	uint64_t hva = 0;
	int rc = -1;

	if (g->opt.guest_ram == NULL && peerpid_start(g->fd, &peer, err) < 0)
		return -1;
	if (!g->map_known)
		cmd[n++] = MTREE;
	snprintf(hva_cmd, sizeof hva_cmd, "gpa2hva 0x%" PRIx64, pa);
	ihva = n;
	cmd[n++] = hva_cmd;
	if (g->opt.guest_ram == NULL && peer.pid == 0) {
		icpus = n;	/* QEMU's threads: whose socket to look at */
		cmd[n++] = "info cpus";
	}
	check_plan(g, &c, pa, len);
	ixp = n;
	if (check_ask(g, &c, cmd, n, out, err) < 0)
		return -1;
	nout = n + (c.phys ? 0 : c.n);
	if (!g->map_known && keep_map(g, out[0], err) < 0)
		goto done;
	if (g->opt.guest_ram == NULL && peerpid_finish(&peer,
	    icpus != 0 ? first_thread(out[icpus]) : 0, err) < 0)
		goto done;
	m = &g->map;
	if (m->guest < 0) {
		pt_err_set(err, PT_EXIT_TARGET, "the memory map shows no RAM "
		    "at guest address 0");
		goto done;
	}
	for (size_t i = 0; i < m->n; i++)
		if (memmap_guest_ram(m, i) && pa >= m->r[i].start &&
		    pa + (len < CHECK_MAX ? len : CHECK_MAX) - 1 <=
		    m->r[i].last)
			at = &m->r[i];
	if (g->opt.guest_ram != NULL)
		rc = attach_file(g, m, err);
	else if (at != NULL && parse_hva(out[ihva], &hva, err) < 0)
		goto done;
	else
		rc = attach_process(g, m, peer.pid, at,
		    hva - (at != NULL ? at->block_off + (pa - at->start) : 0),
		    err);
	if (rc < 0)
		goto done;
	if (at == NULL) {
		rc = 1;		/* not RAM: checked on a later read */
		goto done;
	}
	rc = check_read(g, out + ixp, &c, buf, len, err);
done:
	for (size_t i = 0; i < nout; i++)
		free(out[i]);
	return rc;
}

/* The first read of RAM after one that was not: QEMU's `xp` against
 * ours.  1 when this one is not RAM either. */
static int
check_later(struct gr *g, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	const char *cmd[2];
	char *out[2] = { 0 };
	struct check c;
	int rc;

	if (!hostmem_covers(&g->ram, pa, len))
		return 1;
	check_plan(g, &c, pa, len);
	if (check_ask(g, &c, cmd, 0, out, err) < 0)
		return -1;
	rc = check_read(g, out, &c, buf, len, err);
	for (size_t k = 0; k < (c.phys ? 0 : c.n); k++)
		free(out[k]);
	return rc;
}

/* Turn the direct path off: quietly under auto, an error under direct. */
static int
give_up(struct gr *g, struct pt_err *err)
{
	hostmem_close(&g->ram);
	g->direct = GR_DIRECT_OFF;
	if (g->opt.ram == GDBREMOTE_RAM_DIRECT) {
		/* Every later read fails the same way: never `m` packets. */
		pt_err_wrap(err, "--ram-access direct");
		g->direct = GR_DIRECT_FAILED;
		g->direct_err = *err;
		return -1;
	}
	rsp_note(&g->rsp, "direct RAM access off: %s", err->msg);
	return 1;
}

int
gr_direct_read(struct gr *g, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	int rc;

	if (g->opt.ram == GDBREMOTE_RAM_RSP || g->direct == GR_DIRECT_OFF)
		return 1;
	if (g->direct == GR_DIRECT_FAILED) {
		*err = g->direct_err;
		return -1;
	}
	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	if (g->direct == GR_DIRECT_ON)
		return hostmem_read(&g->ram, pa, buf, len, err);
	if (g->direct == GR_DIRECT_UNTRIED) {
		rc = attach(g, pa, buf, len, err);
		if (rc >= 0)
			g->direct = GR_DIRECT_UNVERIFIED;
	} else {
		rc = check_later(g, pa, buf, len, err);
	}
	if (rc < 0)
		return g->rsp.dead ? -1 : give_up(g, err);
	if (rc == 1)
		return 1;	/* not RAM: through the gdbstub */
	g->direct = GR_DIRECT_ON;
	rsp_note(&g->rsp, "direct RAM access on: %s (%zu spans), checked "
	    "against the gdbstub's own reading at 0x%" PRIx64, g->ram.path,
	    g->ram.n, pa);
	return 0;
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
	else if (g->direct == GR_DIRECT_FAILED)
		snprintf(buf, size, "none: %s", g->direct_err.msg);
	else
		snprintf(buf, size, "not chosen yet (%s)",
		    g->opt.ram == GDBREMOTE_RAM_DIRECT ? "direct" : "auto");
}
