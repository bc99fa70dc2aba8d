/* gdbremote.c - a target over a GDB remote stub: see gdbremote.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <expat.h>

#include "gdbremote.h"
#include "net.h"
#include "rsp.h"

#define XML_MAX_BYTES (1u << 20)	/* one target-description file */
#define XML_MAX_DEPTH 8			/* nested xi:include */
#define XML_MAX_FILES 32
#define MONITOR_MAX_BYTES (16u << 20)
#define THREADS_MAX 4096

struct gr_reg {
	char name[32];
	unsigned regnum;
	unsigned bits;
	bool known;		/* `value` read since the last stop / Hg */
	uint64_t value;
};

struct gr {
	int fd;
	struct rsp_conn rsp;
	struct net_addr addr;
	struct gdbremote_opts opt;

	size_t packet_size;	/* the stub's PacketSize, capped */
	size_t mem_chunk;	/* bytes per `m`: PacketSize/2 (hex doubles) */
	bool multiprocess, xfer_features, phymem, noack_offered;
	bool was_running;	/* an unsolicited stop came on connect */

	int phymem_orig;	/* mode found at attach; -1 not yet asked */
	int phymem_cur;		/* what the stub is set to now */
	bool regs_synced;	/* `g` sent since the last stop / Hg */

	struct gdbremote_thread thread;
	char stop_reply[64];
	char arch[32];

	struct gr_reg *regs;
	size_t nregs, regs_cap;
	unsigned next_regnum;	/* running ordinal across xml files */
	int xml_files;
};

static const struct target_ops gr_ops;

static ssize_t
gr_io_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	return net_read(*(int *)ctx, buf, len, timeout_ms);
}

static int
gr_io_write(void *ctx, const void *buf, size_t len)
{
	return net_write(*(int *)ctx, buf, len);
}

/* One request, one reply (c->rx, valid until the next exchange). */
static int
gr_cmd(struct gr *g, const char *req, const char **reply, size_t *len,
    struct pt_err *err)
{
	return rsp_command(&g->rsp, req, reply, len, err);
}

/* A request whose only good answer is OK. */
static int
gr_cmd_ok(struct gr *g, const char *req, struct pt_err *err)
{
	const char *r;
	size_t n;

	if (gr_cmd(g, req, &r, &n, err) < 0)
		return -1;
	if (n == 2 && memcmp(r, "OK", 2) == 0)
		return 0;
	if (rsp_reply_error(r, n, err) < 0)
		return -1;
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "not supported");
	return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply '%.40s'",
	    r);
}

static bool
is_hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* `T05…`/`S05`: the stop replies a stub may send unasked. */
static bool
is_stop_reply(const char *r, size_t n)
{
	return n >= 3 && (r[0] == 'T' || r[0] == 'S') &&
	    is_hexdigit(r[1]) && is_hexdigit(r[2]);
}

/* `O` + hex: console output, which may come at any time. */
static bool
is_console(const char *r, size_t n)
{
	size_t i;

	if (n < 3 || r[0] != 'O' || n % 2 == 0)
		return false;
	for (i = 1; i < n; i++)
		if (!is_hexdigit(r[i]))
			return false;
	return true;
}

int
gdbremote_parse_thread(const char *s, const char **end,
    struct gdbremote_thread *th)
{
	uint64_t v;

	th->pid = 0;
	if (*s == 'p') {
		s++;
		if (strncmp(s, "-1", 2) == 0) {
			th->pid = -1;
			s += 2;
		} else if (rsp_parse_hex(&s, &v) < 0 || v > INT64_MAX) {
			return -1;
		} else {
			th->pid = (int64_t)v;
		}
		if (*s != '.') {
			th->tid = -1;	/* `pN` alone: all of its threads */
			goto done;
		}
		s++;
	}
	if (strncmp(s, "-1", 2) == 0) {
		th->tid = -1;
		s += 2;
	} else if (rsp_parse_hex(&s, &v) < 0 || v > INT64_MAX) {
		return -1;
	} else {
		th->tid = (int64_t)v;
	}
done:
	if (end != NULL)
		*end = s;
	return 0;
}

static void
fmt_id(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIx64, (uint64_t)v);
}

void
gdbremote_format_thread(const struct gdbremote_thread *th,
    bool multiprocess, char *buf, size_t size)
{
	char p[20], t[20];

	fmt_id(th->pid, p, sizeof p);
	fmt_id(th->tid, t, sizeof t);
	if (multiprocess)
		snprintf(buf, size, "p%s.%s", th->pid == 0 ? "1" : p, t);
	else
		snprintf(buf, size, "%s", t);
}

/* Take the thread:ID field of a T stop reply, if any, as current. */
static void
note_stop(struct gr *g, const char *r, size_t n)
{
	const char *f;

	snprintf(g->stop_reply, sizeof g->stop_reply, "%.*s", (int)n, r);
	if (r[0] == 'T' && (f = strstr(r, "thread:")) != NULL)
		gdbremote_parse_thread(f + 7, NULL, &g->thread);
}

/* ---- handshake -------------------------------------------------------- */

static bool
is_word(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(p, word, n) == 0;
}

static int
parse_supported(struct gr *g, const char *r, struct pt_err *err)
{
	const char *p = r, *semi;
	uint64_t size = 0;

	while (*p != '\0') {
		size_t n;

		semi = strchr(p, ';');
		n = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if (n > 11 && strncmp(p, "PacketSize=", 11) == 0) {
			const char *v = p + 11;

			if (rsp_parse_hex(&v, &size) < 0 || v != p + n)
				return pt_err_set(err, PT_EXIT_TARGET,
				    "bad PacketSize in '%.60s'", r);
		} else if (is_word(p, n, "qXfer:features:read+")) {
			g->xfer_features = true;
		} else if (is_word(p, n, "multiprocess+")) {
			g->multiprocess = true;
		} else if (is_word(p, n, "QStartNoAckMode+")) {
			g->noack_offered = true;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	/* gdb's assumption when a stub does not say. */
	if (size == 0)
		size = 400;
	if (size < 32)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "PacketSize %" PRIu64 " is too small", size);
	if (size > g->opt.max_packet)
		size = g->opt.max_packet;
	g->packet_size = (size_t)size;
	return 0;
}

/* QEMU serves one debugger at a time; others wait, unanswered. */
static int
first_fail(struct pt_err *err)
{
	if (strncmp(err->msg, "timed out", 9) == 0)
		return pt_err_wrap(err, "no answer to qSupported (is another "
		    "debugger attached?)");
	return pt_err_wrap(err, "qSupported");
}

/*
 * qSupported.  QEMU pauses a running guest when a debugger connects and
 * sends a stop reply (T02) at that moment, before it reads anything from
 * us; a guest that was already stopped (-S, `stop`, a breakpoint) gets no
 * such packet.  So a stop reply that arrives ahead of the qSupported
 * answer means "it was running", and waiting for that answer is the
 * whole drain: no guessing with timeouts.  (`info status` cannot tell:
 * it says "paused" both after our own pause and after a user's `stop`.)
 * That stop predates multiprocess, so its id may be bare: thread:01.
 */
static int
handshake(struct gr *g, struct pt_err *err)
{
	static const char req[] =
	    "qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+";
	const char *r;
	size_t n, rx;
	int i;

	if (rsp_send_str(&g->rsp, req, err) < 0)
		return first_fail(err);
	for (i = 0;; i++) {
		if (rsp_recv(&g->rsp, &r, &n, err) < 0)
			return first_fail(err);
		if (i < 16 && is_stop_reply(r, n)) {
			g->was_running = true;
			note_stop(g, r, n);
			continue;
		}
		if (i < 16 && is_console(r, n))
			continue;
		break;
	}
	if (parse_supported(g, r, err) < 0)
		return -1;
	g->mem_chunk = g->packet_size / 2;
	/* Replies may exceed PacketSize (it bounds what the stub takes),
	 * so leave generous room, within the caller's cap. */
	rx = 2 * g->packet_size + 1024;
	if (rx < 64 * 1024)
		rx = 64 * 1024;
	if (rx > g->opt.max_packet)
		rx = g->opt.max_packet;
	if (rsp_set_rx_max(&g->rsp, rx, err) < 0)
		return -1;
	if (g->noack_offered && gr_cmd_ok(g, "QStartNoAckMode", err) == 0)
		g->rsp.ack = false;
	else if (g->rsp.dead)
		return pt_err_wrap(err, "QStartNoAckMode");

	if (gr_cmd(g, "?", &r, &n, err) < 0)
		return pt_err_wrap(err, "reading the stop state (?)");
	if (n > 0 && (r[0] == 'W' || r[0] == 'X'))
		return pt_err_set(err, PT_EXIT_TARGET,
		    "the target has exited ('%.20s')", r);
	if (!is_stop_reply(r, n))
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.40s' to '?'", r);
	note_stop(g, r, n);
	return 0;
}

/* ---- target description ----------------------------------------------- */

/* Fetch a whole qXfer:features:read annex into a malloc'd string. */
static int
xfer_read(struct gr *g, const char *annex, char **out, size_t *outlen,
    struct pt_err *err)
{
	char req[160];
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, ask, n;
	const char *r;

	ask = g->packet_size > 64 ? g->packet_size - 32 : 32;
	for (;;) {
		snprintf(req, sizeof req, "qXfer:features:read:%s:%zx,%zx",
		    annex, len, ask);
		if (gr_cmd(g, req, &r, &n, err) < 0)
			goto fail;
		if (rsp_reply_error(r, n, err) < 0)
			goto fail;
		if (n == 0 || (r[0] != 'm' && r[0] != 'l')) {
			pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
			    "'%.20s'", r);
			goto fail;
		}
		if (len + n > XML_MAX_BYTES) {
			pt_err_set(err, PT_EXIT_TARGET, "larger than %u bytes",
			    XML_MAX_BYTES);
			goto fail;
		}
		if (len + n > cap) {
			cap = (len + n) * 2;
			if ((p = realloc(buf, cap)) == NULL) {
				pt_err_set(err, PT_EXIT_TARGET,
				    "out of memory");
				goto fail;
			}
			buf = p;
		}
		memcpy(buf + len, r + 1, n - 1);
		len += n - 1;
		if (r[0] == 'l')
			break;
		if (n == 1) {
			pt_err_set(err, PT_EXIT_TARGET, "empty 'm' chunk");
			goto fail;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	return pt_err_wrap(err, "reading %s", annex);
}

struct xml_ctx {
	struct gr *g;
	XML_Parser parser;
	struct pt_err *err;
	const char *annex;
	int depth;
	bool failed;
	bool in_arch;
};

static int load_xml(struct gr *g, const char *annex, int depth,
    struct pt_err *err);

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static void
xml_fail(struct xml_ctx *x)
{
	x->failed = true;
	XML_StopParser(x->parser, XML_FALSE);
}

static int
parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A <reg>: numbered by regnum= or one past the previous (as gdb does). */
static void
xml_reg(struct xml_ctx *x, const XML_Char **atts)
{
	struct gr *g = x->g;
	const char *name = attr(atts, "name");
	const char *num = attr(atts, "regnum");
	unsigned regnum = g->next_regnum, bits;
	struct gr_reg *r;

	if (name == NULL || strlen(name) >= sizeof r->name ||
	    parse_uint(attr(atts, "bitsize"), 4096, &bits) < 0 ||
	    (num != NULL && parse_uint(num, 65535, &regnum) < 0)) {
		pt_err_set(x->err, PT_EXIT_TARGET, "%s line %lu: bad <reg>",
		    x->annex, (unsigned long)XML_GetCurrentLineNumber(x->parser));
		xml_fail(x);
		return;
	}
	if (g->nregs == g->regs_cap) {
		size_t cap = g->regs_cap ? 2 * g->regs_cap : 64;

		if (cap > 4096 ||
		    (r = realloc(g->regs, cap * sizeof *r)) == NULL) {
			pt_err_set(x->err, PT_EXIT_TARGET, "too many registers");
			xml_fail(x);
			return;
		}
		g->regs = r;
		g->regs_cap = cap;
	}
	r = &g->regs[g->nregs++];
	memcpy(r->name, name, strlen(name) + 1);
	r->regnum = regnum;
	r->bits = bits;
	r->known = false;
	g->next_regnum = regnum + 1;
}

/* Only plain file names: the annex goes into a `:`-separated packet. */
static bool
good_href(const char *h)
{
	size_t n = strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n < 64 && h[n] == '\0';
}

static void XMLCALL
xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_ctx *x = ud;
	const char *href;

	if (x->failed)
		return;
	if (strcmp(name, "reg") == 0) {
		xml_reg(x, atts);
	} else if (strcmp(name, "xi:include") == 0) {
		/* Included files count in place, like gdb's xinclude. */
		href = attr(atts, "href");
		if (href == NULL || !good_href(href)) {
			pt_err_set(x->err, PT_EXIT_TARGET,
			    "%s: bad xi:include href", x->annex);
			xml_fail(x);
		} else if (load_xml(x->g, href, x->depth + 1, x->err) < 0) {
			xml_fail(x);
		}
	} else if (strcmp(name, "architecture") == 0) {
		x->in_arch = true;
		x->g->arch[0] = '\0';
	}
}

static void XMLCALL
xml_end(void *ud, const XML_Char *name)
{
	struct xml_ctx *x = ud;

	if (strcmp(name, "architecture") == 0)
		x->in_arch = false;
}

static void XMLCALL
xml_text(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx *x = ud;
	size_t have;

	if (!x->in_arch)
		return;
	have = strlen(x->g->arch);
	if (len > 0 && have + (size_t)len < sizeof x->g->arch) {
		memcpy(x->g->arch + have, s, (size_t)len);
		x->g->arch[have + (size_t)len] = '\0';
	}
}

static int
load_xml(struct gr *g, const char *annex, int depth, struct pt_err *err)
{
	struct xml_ctx x;
	char *text = NULL;
	size_t len = 0;
	int ok;

	if (depth > XML_MAX_DEPTH || ++g->xml_files > XML_MAX_FILES)
		return pt_err_set(err, PT_EXIT_TARGET, "%s: too many nested "
		    "xi:include files", annex);
	if (xfer_read(g, annex, &text, &len, err) < 0)
		return -1;
	memset(&x, 0, sizeof x);
	x.g = g;
	x.err = err;
	x.annex = annex;
	x.depth = depth;
	if ((x.parser = XML_ParserCreate(NULL)) == NULL) {
		free(text);
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, xml_start, xml_end);
	XML_SetCharacterDataHandler(x.parser, xml_text);
	ok = XML_Parse(x.parser, text, (int)len, XML_TRUE) == XML_STATUS_OK;
	if (!ok && !x.failed)
		pt_err_set(err, PT_EXIT_TARGET, "%s line %lu: %s", annex,
		    (unsigned long)XML_GetCurrentLineNumber(x.parser),
		    XML_ErrorString(XML_GetErrorCode(x.parser)));
	XML_ParserFree(x.parser);
	free(text);
	if (!ok || x.failed)
		return depth == 0 ? pt_err_wrap(err, "target description") :
		    -1;
	return 0;
}

static struct gr_reg *
find_reg(const struct gr *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->nregs; i++)
		if (strcasecmp(g->regs[i].name, name) == 0)
			return &g->regs[i];
	return NULL;
}

/*
 * Registers change only when the guest runs or another vCPU is chosen:
 * forget what was read, so the next read asks the stub again.
 */
static void
forget_regs(struct gr *g)
{
	size_t i;

	g->regs_synced = false;
	for (i = 0; i < g->nregs; i++)
		g->regs[i].known = false;
}

/* ---- target operations ------------------------------------------------ */

/*
 * QEMU under KVM copies registers out of the vCPU only for `g`, so a `p`
 * before any `g` may see stale values: send one `g` per stop (and per
 * Hg).  It is one round trip.
 */
static int
sync_regs(struct gr *g, struct pt_err *err)
{
	const char *r;
	size_t n;

	if (g->regs_synced)
		return 0;
	if (gr_cmd(g, "g", &r, &n, err) < 0)
		return -1;
	if (rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "reading all registers (g)");
	g->regs_synced = true;
	return 0;
}

static int
gr_read_reg(void *ctx, const char *name, uint64_t *val, struct pt_err *err)
{
	struct gr *g = ctx;
	struct gr_reg *reg = find_reg(g, name);
	char req[32];
	uint8_t bytes[8];
	const char *r;
	size_t n, i, nbytes;

	if (reg == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, g->nregs == 0 ?
		    "no register '%s': the target offers no description" :
		    "no register '%s' in the target description", name);
	nbytes = (reg->bits + 7) / 8;
	if (nbytes > sizeof bytes)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is %u "
		    "bits wide; only up to 64 can be read", reg->name,
		    reg->bits);
	if (reg->known) {
		*val = reg->value;
		return 0;
	}
	if (sync_regs(g, err) < 0)
		return -1;
	snprintf(req, sizeof req, "p%x", reg->regnum);
	if (gr_cmd(g, req, &r, &n, err) < 0 || rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "reading register %s", reg->name);
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "the target does not answer 'p'", reg->name);
	if (strchr(r, 'x') != NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is "
		    "unavailable", reg->name);
	if (n != 2 * nbytes || rsp_hex_decode(r, bytes, nbytes) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "unexpected reply '%.40s'", reg->name, r);
	*val = 0;
	for (i = nbytes; i-- > 0;)	/* target byte order: little-endian */
		*val = *val << 8 | bytes[i];
	reg->value = *val;
	reg->known = true;
	return 0;
}

/* Put the stub in physical (1) or virtual (0) mode for `m`. */
static int
set_phymem(struct gr *g, int want, struct pt_err *err)
{
	char req[32];
	const char *r;
	size_t n;

	if (!g->phymem) {
		if (want == 0)
			return 0;	/* a stub without the mode reads virtual */
		return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub cannot "
		    "read physical memory (no qqemu.PhyMemMode; QEMU 4.1 or "
		    "later has it)");
	}
	if (g->phymem_orig < 0) {
		if (gr_cmd(g, "qqemu.PhyMemMode", &r, &n, err) < 0)
			return pt_err_wrap(err, "qqemu.PhyMemMode");
		if (n != 1 || (r[0] != '0' && r[0] != '1'))
			return pt_err_set(err, PT_EXIT_TARGET, "unexpected "
			    "reply '%.20s' to qqemu.PhyMemMode", r);
		g->phymem_orig = g->phymem_cur = r[0] - '0';
	}
	if (g->phymem_cur == want)
		return 0;
	snprintf(req, sizeof req, "Qqemu.PhyMemMode:%d", want);
	if (gr_cmd_ok(g, req, err) < 0)
		return pt_err_wrap(err, "%s", req);
	g->phymem_cur = want;
	return 0;
}

static int
read_mem(struct gr *g, bool phys, uint64_t addr, void *buf, size_t len,
    struct pt_err *err)
{
	const char *kind = phys ? "physical" : "virtual";
	uint8_t *out = buf;
	char req[48];
	const char *r;
	size_t n, ask, got;

	if (len > 0 && addr + (len - 1) < addr)
		return pt_err_set(err, PT_EXIT_TARGET, "reading %zu bytes at "
		    "0x%" PRIx64 ": wraps past the top of memory", len, addr);
	if (set_phymem(g, phys ? 1 : 0, err) < 0)
		return -1;
	while (len > 0) {
		ask = len < g->mem_chunk ? len : g->mem_chunk;
		snprintf(req, sizeof req, "m%" PRIx64 ",%zx", addr, ask);
		if (gr_cmd(g, req, &r, &n, err) < 0)
			return pt_err_wrap(err, "cannot read %s memory at "
			    "0x%" PRIx64, kind, addr);
		/* E22 is QEMU's "too long": trust the stub over PacketSize. */
		if (n == 3 && memcmp(r, "E22", 3) == 0 && ask > 256) {
			g->mem_chunk = ask / 2;
			continue;
		}
		if (rsp_reply_error(r, n, err) < 0)
			return pt_err_wrap(err, "cannot read %s memory at "
			    "0x%" PRIx64, kind, addr);
		if (n == 0)
			return pt_err_set(err, PT_EXIT_TARGET, "cannot read "
			    "%s memory: the target does not answer 'm'", kind);
		got = n / 2;
		if (n % 2 != 0 || got > ask ||
		    rsp_hex_decode(r, out, got) < 0)
			return pt_err_set(err, PT_EXIT_TARGET, "cannot read "
			    "%s memory at 0x%" PRIx64 ": unexpected reply "
			    "'%.20s'", kind, addr, r);
		/* A short answer is allowed: go on from where it ended. */
		out += got;
		addr += got;
		len -= got;
	}
	return 0;
}

static int
gr_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	return read_mem(ctx, true, pa, buf, len, err);
}

static int
gr_read_virt(void *ctx, uint64_t va, void *buf, size_t len,
    struct pt_err *err)
{
	return read_mem(ctx, false, va, buf, len, err);
}

static int
gr_monitor(void *ctx, const char *cmd, char **out, struct pt_err *err)
{
	struct gr *g = ctx;
	size_t clen = strlen(cmd), n, len = 0, cap = 0, i;
	char *req, *text = NULL, *p;
	const char *r;
	int rc;

	*out = NULL;
	if (6 + 2 * clen + 8 > g->packet_size)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "monitor command too long");
	if ((req = malloc(6 + 2 * clen + 1)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	memcpy(req, "qRcmd,", 6);
	rsp_hex_encode(cmd, clen, req + 6);
	rc = rsp_send_str(&g->rsp, req, err);
	free(req);
	if (rc < 0)
		goto fail;
	for (;;) {
		bool last;

		if (rsp_recv(&g->rsp, &r, &n, err) < 0)
			goto fail;
		if (n == 2 && memcmp(r, "OK", 2) == 0)
			break;
		if (rsp_reply_error(r, n, err) < 0)
			goto fail;
		if (n == 0) {
			pt_err_set(err, PT_EXIT_TARGET, "the gdbstub does not "
			    "run monitor commands (qRcmd)");
			goto fail;
		}
		/* `O`+hex is partial output; bare hex is the final one. */
		last = !is_console(r, n);
		if (!last) {
			r++;
			n--;
		}
		for (i = 0; i < n && is_hexdigit(r[i]); i++)
			;
		if (i != n || n % 2 != 0) {
			pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
			    "'%.20s'", r);
			goto fail;
		}
		if (len + n / 2 + 1 > MONITOR_MAX_BYTES) {
			pt_err_set(err, PT_EXIT_TARGET, "output over %u bytes",
			    MONITOR_MAX_BYTES);
			goto fail;
		}
		if (len + n / 2 + 1 > cap) {
			cap = 2 * (len + n / 2 + 1);
			if ((p = realloc(text, cap)) == NULL) {
				pt_err_set(err, PT_EXIT_TARGET,
				    "out of memory");
				goto fail;
			}
			text = p;
		}
		rsp_hex_decode(r, text + len, n / 2);
		len += n / 2;
		if (last)
			break;
	}
	if (text == NULL && (text = malloc(1)) == NULL) {
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		goto fail;
	}
	text[len] = '\0';
	*out = text;
	return 0;
fail:
	free(text);
	return pt_err_wrap(err, "monitor %s", cmd);
}

/*
 * Put the guest back as found: the physical-memory mode first (it is
 * global in QEMU and outlives us), then `D` if it was running at attach.
 * Closing without `D` leaves QEMU's guest paused.  Never `k`: it ends
 * QEMU.
 */
static int
gr_detach(struct gr *g, struct pt_err *err)
{
	int rc = 0;
	bool resume;
	char req[32];

	if (g->rsp.dead)
		return pt_err_set(err, PT_EXIT_TARGET, "connection lost; the "
		    "guest stays as the gdbstub left it");
	if (g->phymem && g->phymem_orig >= 0 &&
	    g->phymem_cur != g->phymem_orig &&
	    set_phymem(g, g->phymem_orig, err) < 0)
		rc = pt_err_wrap(err, "restoring the physical-memory mode");
	resume = g->opt.resume == GDBREMOTE_RESUME_ALWAYS ||
	    (g->opt.resume == GDBREMOTE_RESUME_AUTO && g->was_running);
	if (resume && !g->rsp.dead) {
		if (g->multiprocess)
			snprintf(req, sizeof req, "D;%" PRIx64,
			    (uint64_t)(g->thread.pid > 0 ? g->thread.pid : 1));
		else
			snprintf(req, sizeof req, "D");
		if (gr_cmd_ok(g, req, err) < 0)
			rc = pt_err_wrap(err, "resuming the guest (%s)", req);
	}
	return rc;
}

static void
gr_free(struct gr *g)
{
	if (g->fd >= 0)
		close(g->fd);
	rsp_free(&g->rsp);
	free(g->regs);
	free(g);
}

static void
gr_close(void *ctx)
{
	struct pt_err err;

	gr_detach(ctx, &err);
	gr_free(ctx);
}

static const struct target_ops gr_ops = {
	.read_phys = gr_read_phys,
	.read_virt = gr_read_virt,
	.read_reg = gr_read_reg,
	.monitor = gr_monitor,
	.close = gr_close,
};

/* ---- public ----------------------------------------------------------- */

void
gdbremote_opts_init(struct gdbremote_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = GDBREMOTE_CONNECT_MS;
	o->reply_timeout_ms = GDBREMOTE_REPLY_MS;
	o->max_packet = GDBREMOTE_MAX_PACKET;
	o->resume = GDBREMOTE_RESUME_AUTO;
}

int
gdbremote_open(const char *spec, const struct gdbremote_opts *opts,
    struct target *out, struct pt_err *err)
{
	struct rsp_io io;
	struct gr *g;
	const char *r;
	size_t n;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	g->fd = -1;
	g->phymem_orig = g->phymem_cur = -1;
	gdbremote_opts_init(&g->opt);
	if (opts != NULL) {
		g->opt = *opts;
		if (g->opt.connect_timeout_ms == 0)
			g->opt.connect_timeout_ms = GDBREMOTE_CONNECT_MS;
		if (g->opt.reply_timeout_ms == 0)
			g->opt.reply_timeout_ms = GDBREMOTE_REPLY_MS;
		if (g->opt.max_packet < 4096)
			g->opt.max_packet = g->opt.max_packet == 0 ?
			    GDBREMOTE_MAX_PACKET : 4096;
	}
	if (net_parse(spec, &g->addr, err) < 0) {
		free(g);
		return -1;
	}
	if ((g->fd = net_connect(&g->addr, g->opt.connect_timeout_ms,
	    err)) < 0) {
		free(g);
		return -1;
	}
	io.read = gr_io_read;
	io.write = gr_io_write;
	io.ctx = &g->fd;
	if (rsp_init(&g->rsp, &io, 16 * 1024, g->opt.reply_timeout_ms,
	    err) < 0)
		goto fail;
	g->rsp.trace = g->opt.trace;
	g->rsp.trace_ctx = g->opt.trace_ctx;

	if (handshake(g, err) < 0)
		goto fail;
	if (g->xfer_features && load_xml(g, "target.xml", 0, err) < 0)
		goto fail;
	if (gr_cmd(g, "qqemu.Supported", &r, &n, err) < 0)
		goto fail;
	g->phymem = strstr(r, "PhyMemMode") != NULL;

	out->ops = &gr_ops;
	out->ctx = g;
	out->stop_gen = 0;
	return 0;
fail:
	pt_err_wrap(err, "%s", g->addr.text);
	if (!g->rsp.dead) {
		struct pt_err ignored;

		gr_detach(g, &ignored);
	} else if (g->was_running) {
		char msg[sizeof err->msg];

		memcpy(msg, err->msg, sizeof msg);
		pt_err_set(err, err->kind, "%s (the guest, paused by our "
		    "connecting, may stay paused)", msg);
	}
	gr_free(g);
	return -1;
}

bool
gdbremote_is(const struct target *t)
{
	return t != NULL && t->ops == &gr_ops;
}

int
gdbremote_close(struct target *t, struct pt_err *err)
{
	int rc;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	rc = gr_detach(t->ctx, err);
	gr_free(t->ctx);
	t->ops = NULL;
	t->ctx = NULL;
	return rc;
}

int
gdbremote_threads(struct target *t, struct gdbremote_thread **list,
    size_t *count, struct pt_err *err)
{
	struct gdbremote_thread *v = NULL, *nv;
	size_t n = 0, cap = 0, len;
	const char *r, *req = "qfThreadInfo";
	struct gr *g;

	*list = NULL;
	*count = 0;
	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	g = t->ctx;
	for (;;) {
		if (gr_cmd(g, req, &r, &len, err) < 0 ||
		    rsp_reply_error(r, len, err) < 0)
			goto fail;
		if (len > 0 && r[0] == 'l')
			break;
		if (len < 2 || r[0] != 'm') {
			pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
			    "'%.20s'", r);
			goto fail;
		}
		for (r++;;) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if (cap > THREADS_MAX || (nv = realloc(v,
				    cap * sizeof *v)) == NULL) {
					pt_err_set(err, PT_EXIT_TARGET,
					    "too many threads");
					goto fail;
				}
				v = nv;
			}
			if (gdbremote_parse_thread(r, &r, &v[n]) < 0) {
				pt_err_set(err, PT_EXIT_TARGET,
				    "bad thread id");
				goto fail;
			}
			n++;
			if (*r != ',')
				break;
			r++;
		}
		req = "qsThreadInfo";
	}
	*list = v;
	*count = n;
	return 0;
fail:
	free(v);
	return pt_err_wrap(err, "listing threads");
}

int
gdbremote_select_cpu(struct target *t, const struct gdbremote_thread *th,
    struct pt_err *err)
{
	char req[64];
	struct gr *g;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	g = t->ctx;
	memcpy(req, "Hg", 2);
	gdbremote_format_thread(th, g->multiprocess, req + 2, sizeof req - 2);
	if (gr_cmd_ok(g, req, err) < 0)
		return pt_err_wrap(err, "selecting thread %s", req + 2);
	g->thread = *th;
	forget_regs(g);
	return 0;
}

int
gdbremote_get_info(const struct target *t, struct gdbremote_info *info)
{
	const struct gr *g;

	if (!gdbremote_is(t))
		return -1;
	g = t->ctx;
	memset(info, 0, sizeof *info);
	info->packet_size = g->packet_size;
	info->mem_chunk = g->mem_chunk;
	info->multiprocess = g->multiprocess;
	info->noack = !g->rsp.ack;
	info->phymem = g->phymem;
	info->was_running = g->was_running;
	info->nregs = g->nregs;
	memcpy(info->arch, g->arch, sizeof info->arch);
	memcpy(info->stop_reply, g->stop_reply, sizeof info->stop_reply);
	info->thread = g->thread;
	return 0;
}

int
gdbremote_find_reg(const struct target *t, const char *name,
    unsigned *regnum, unsigned *bits, struct pt_err *err)
{
	const struct gr_reg *r;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	if ((r = find_reg(t->ctx, name)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "no register '%s' in the target description", name);
	*regnum = r->regnum;
	*bits = r->bits;
	return 0;
}
