/*
 * fakestub - a small gdbstub that behaves like QEMU 7.2's, for tests.
 *
 *   fakestub [-S] [-m MODE]... [-c NCPU] [-P HEXSIZE] [-p 0|1] [-l LOG]
 *            [-t MS:REPLY]... [-R PREFIX] [-d MS] [-F FILE] unix:PATH | tcp
 *
 * It listens, prints "ready" (or "port N" for tcp) on stdout, serves one
 * connection and exits when the client hangs up.  The guest is a tiny
 * x86-64 machine: registers, a target description split over include
 * files, and 64 KiB of physical memory holding 4-level page tables, so
 * virtual reads really are translated.  The monitor's `info mtree -f`
 * `gpa2hva` and `xp` describe that memory as QEMU would, so a client may read
 * it from /proc/PID/mem; with -F FILE it lives in a shared file, like
 * QEMU's memory-backend-file,share=on.
 *
 * Like QEMU: a "running" guest (the default) is paused on connect and a
 * T02 stop reply is sent at once; with -S it was already stopped and
 * nothing is sent.  PhyMemMode starts as -p says and survives only the
 * connection.  `p` answers nothing until target.xml has been read, and
 * (as under KVM) shows stale zeros until `g` has been sent for the vCPU.
 *
 * Run control, as QEMU 7.2 does it:
 *   - `vCont;c` (or `c`) starts the guest and answers nothing until it
 *     stops; `vCont;s:TID` (or `s`) steps that vCPU and answers T05.
 *   - While the guest runs, any byte stops it and gets `T02thread:ID;`
 *     for the current vCPU; the rest of a packet whose `$` stopped it is
 *     dropped unread (QEMU's gdb_read_byte).  0x03 is that byte; sent to
 *     a stopped guest it is ignored.
 *   - Each resume takes the next -t script entry: after MS milliseconds
 *     the stub sends REPLY (`T05thread:p01.02;watch:1000;`, `S05`...);
 *     `W..`/`X..` are sent and the stub exits (QEMU ends), `close` hangs
 *     up without a word, `run` keeps running; `O..|T..` sends the
 *     console output O.. and, only once it is acked (a stub that waits
 *     for acks, as QEMU's user-mode one does), the stop T...  No entry
 *     left: a continue
 *     runs until interrupted, a step stops at once.  A stop names its
 *     vCPU, which becomes the current one (as QEMU's gdb_set_stop_cpu).
 *   - -R PREFIX: after answering the first packet that starts with
 *     PREFIX, the guest starts running behind the client's back (someone
 *     typed `cont` in QEMU's monitor).  qRcmd `cont` starts it too.
 *   - -d MS: a 0x03 takes MS milliseconds to stop the guest.
 *   - Z0-Z4 insert break- and watchpoints, z removes them (E22 for one
 *     not inserted); `?` and `D` remove them all; `D` resumes the guest.
 *
 * Fault-injection modes (-m, repeatable):
 *   badsum-once    first `m` reply has a bad checksum
 *   badsum-always  every `m` reply has a bad checksum
 *   close-mid      hang up halfway through the first `m` reply
 *   silent         never answer anything
 *   huge           answer `m` with a 1 MiB packet
 *   ereply         answer `m` with E14
 *   nophymem       no qqemu.* support
 *   noack          offer QStartNoAckMode
 *   nak-once       NAK the first packet received
 *   nak-always     NAK every packet
 *   rle            run-length encode replies
 *   noise          send garbage before every reply
 *   nomp           do not offer multiprocess
 *   short          answer `m` with at most half of what was asked
 *   bigsize        advertise 4 times the PacketSize it really takes
 *   deaf           a running guest ignores every byte: never stops
 *   nopoints       answer Z/z with nothing (not supported)
 *   nomtree        the monitor knows no `info mtree` (nor gpa2hva, xp)
 *   badhva         gpa2hva names an address 4 KiB off the right one
 *   badtid         `info cpus` names a thread of another process (our
 *                  parent's) as the vCPUs' thread
 *   pipe-drop      drop whatever arrived behind a packet while it is
 *                  handled (a stub that cannot take requests in flight)
 *   pipe-reorder   answer an `m` with another packet right behind it
 *                  after that one (replies out of order)
 *   nak-m          NAK the 2nd, 6th, 10th... `m` packet received (a
 *                  request once only: its copy sent again is taken)
 *   xp-tail        `xp` shows the last 8 bytes of every 4 KiB page one
 *                  higher than they are
 *   m-tail         the first `m` in physical mode that reads the byte 8
 *                  from the end of a 4 KiB page shows it one higher than
 *                  it is (later reads show it right)
 *   trickle        send everything a byte at a time, 200 ms apart
 *   stop-flood     answer the first `m` with no ack, only stop replies
 *                  (T02), one every 2 ms, for ever
 *   console-flood  the same with console output (O41)
 *   stall-ack      ack the first `m`, then never answer anything
 *   empty-supported  answer qSupported with an empty packet
 *   bad-xml        target.xml is not well-formed
 *   dollar         `m` replies have a bare `$` in the middle of the data
 *   close-walk     hang up instead of answering the fourth `m`
 *
 * The log (-l) gets one line per packet received ("< payload"), per stop
 * reply sent ("> T05thread:p01.01;"), per interrupt byte ("interrupt"),
 * per packet dropped because its first byte stopped the guest ("dropped
 * payload"), "run" when the guest starts without a vCont (-R, monitor
 * `cont`), "hangup" for a scripted one, and at exit "final phymem=N
 * detached=N killed=N naks=N running=N points=N unacked=N" (unacked:
 * the last packet sent was never acked).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"

#define MEM_SIZE 0x10000
#define MAX_CPUS 4
#define MAX_SCRIPT 16
#define MAX_POINTS 64

enum {
	M_BADSUM_ONCE = 1 << 0, M_BADSUM_ALWAYS = 1 << 1,
	M_CLOSE_MID = 1 << 2, M_SILENT = 1 << 3, M_HUGE = 1 << 4,
	M_EREPLY = 1 << 5, M_NOPHYMEM = 1 << 6, M_NOACK = 1 << 7,
	M_NAK_ONCE = 1 << 8, M_NAK_ALWAYS = 1 << 9, M_RLE = 1 << 10,
	M_NOISE = 1 << 11, M_NOMP = 1 << 12, M_SHORT = 1 << 13,
	M_BIGSIZE = 1 << 14, M_DEAF = 1 << 15, M_NOPOINTS = 1 << 16,
	M_NOMTREE = 1 << 17, M_BADHVA = 1 << 18, M_PIPE_DROP = 1 << 19,
	M_PIPE_REORDER = 1 << 20, M_NAK_M = 1 << 21, M_XP_TAIL = 1 << 22,
	M_TRICKLE = 1 << 23, M_STOP_FLOOD = 1 << 24, M_CONSOLE_FLOOD = 1 << 25,
	M_STALL_ACK = 1 << 26, M_EMPTY_SUPPORTED = 1 << 27, M_BAD_XML = 1 << 28,
	M_DOLLAR = 1 << 29, M_CLOSE_WALK = 1u << 30,
};
/* Past what an enumerator may hold: */
#define M_BADTID (1u << 31)
#define M_M_TAIL (1ull << 32)

static const struct {
	const char *name;
	uint64_t bit;
} mode_names[] = {
	{ "badsum-once", M_BADSUM_ONCE }, { "badsum-always", M_BADSUM_ALWAYS },
	{ "close-mid", M_CLOSE_MID }, { "silent", M_SILENT },
	{ "huge", M_HUGE }, { "ereply", M_EREPLY },
	{ "nophymem", M_NOPHYMEM }, { "noack", M_NOACK },
	{ "nak-once", M_NAK_ONCE }, { "nak-always", M_NAK_ALWAYS },
	{ "rle", M_RLE }, { "noise", M_NOISE }, { "nomp", M_NOMP },
	{ "short", M_SHORT }, { "bigsize", M_BIGSIZE }, { "deaf", M_DEAF },
	{ "nopoints", M_NOPOINTS }, { "nomtree", M_NOMTREE },
	{ "badhva", M_BADHVA }, { "pipe-drop", M_PIPE_DROP },
	{ "pipe-reorder", M_PIPE_REORDER }, { "nak-m", M_NAK_M },
	{ "xp-tail", M_XP_TAIL }, { "m-tail", M_M_TAIL },
	{ "trickle", M_TRICKLE },
	{ "stop-flood", M_STOP_FLOOD }, { "console-flood", M_CONSOLE_FLOOD },
	{ "stall-ack", M_STALL_ACK }, { "empty-supported", M_EMPTY_SUPPORTED },
	{ "bad-xml", M_BAD_XML }, { "dollar", M_DOLLAR },
	{ "close-walk", M_CLOSE_WALK }, { "badtid", M_BADTID },
};

/* The target description: register numbers come from order and regnum=. */
static const char xml_target[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target><architecture>i386:x86-64</architecture>\n"
    "<xi:include href=\"fake-core.xml\"/>\n"
    "<xi:include href=\"fake-sys.xml\"/>\n"
    "</target>\n";
static const char xml_core[] =
    "<?xml version=\"1.0\"?>\n"
    "<!-- Escapes on the wire: $dollar #hash *star }brace -->\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "  <reg name=\"rax\" bitsize=\"64\" regnum=\"0\"/>\n"
    "  <reg name=\"rbx\" bitsize=\"64\"/>\n"
    "  <reg name=\"rsp\" bitsize=\"64\"/>\n"
    "  <reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
    "  <reg name=\"eflags\" bitsize=\"32\"/>\n"
    "  <reg name=\"cs\" bitsize=\"32\"/>\n"
    "  <reg name=\"xmm0\" bitsize=\"128\"/>\n"
    "</feature>\n";
static const char xml_sys[] =
    "<?xml version=\"1.0\"?>\n"
    "<feature name=\"org.qemu.fake.sys\">\n"
    "  <reg name=\"fs_base\" bitsize=\"64\" regnum=\"20\"/>\n"
    "  <reg name=\"cr0\" bitsize=\"64\"/>\n"
    "  <reg name=\"cr2\" bitsize=\"64\"/>\n"
    "  <reg name=\"cr3\" bitsize=\"64\"/>\n"
    "  <reg name=\"cr4\" bitsize=\"64\"/>\n"
    "  <reg name=\"cr8\" bitsize=\"64\"/>\n"
    "  <reg name=\"efer\" bitsize=\"64\"/>\n"
    "</feature>\n";

struct reg {
	unsigned num;
	unsigned bytes;
	uint64_t val[MAX_CPUS];
};

/* Numbers as a gdb reading the files above would assign them. */
static struct reg regs[] = {
	{ 0, 8, { 0x1111111111111111, 0x2111111111111111 } },	/* rax */
	{ 1, 8, { 0x2222 } },					/* rbx */
	{ 2, 8, { 0x7000, 0x7800 } },				/* rsp */
	{ 3, 8, { 0xffffffff81000000, 0xffffffff81000010 } },	/* rip */
	{ 4, 4, { 0x246, 0x202 } },				/* eflags */
	{ 5, 4, { 0x10, 0x10 } },				/* cs */
	{ 6, 16, { 0 } },					/* xmm0 */
	{ 20, 8, { 0x7f0000001000 } },				/* fs_base */
	{ 21, 8, { 0x80050033, 0x80050033 } },			/* cr0 */
	{ 22, 8, { 0xdead000, 0xbeef000 } },			/* cr2 */
	{ 23, 8, { 0x1000, 0x5000 } },				/* cr3 */
	{ 24, 8, { 0x3606a0, 0x3606a0 } },			/* cr4 */
	{ 25, 8, { 0, 0 } },					/* cr8 */
	{ 26, 8, { 0xd01, 0xd01 } },				/* efer */
};

static struct {
	uint64_t modes;
	bool m_tail_done;	/* m-tail: the one wrong byte was shown */
	bool stopped;		/* -S */
	int ncpu;
	unsigned packet_size;
	int phymem;
	FILE *log;

	int fd;
	bool ack;
	bool mp;
	bool xml_read;
	bool synced[MAX_CPUS];
	int cpu;		/* Hg selection, 0-based */
	bool detached, killed;
	int naks_got, m_replies, packets_in, m_in;
	char *held;		/* pipe-reorder: a reply sent after the next */
	size_t held_len;
	bool holding;		/* the reply being made goes to `held` */
	char *last;		/* last frame, for a NAK */
	size_t last_len;
	bool await_ack;		/* `last` not acked yet (QEMU's last_packet) */

	/* Run control. */
	bool running;
	long long stop_at;	/* when `stop_text` is due; -1: never */
	char stop_text[64];	/* a stop reply, or "close" */
	struct {
		int ms;
		char text[64];
	} script[MAX_SCRIPT];
	int nscript, next_script;
	const char *start_after;	/* -R */
	int intr_ms;		/* -d */
	struct {
		int type;
		unsigned long long addr;
		unsigned long len;
	} points[MAX_POINTS];
	int npoints;

	uint8_t in[4096];
	size_t in_pos, in_len;
	uint8_t *mem;		/* MEM_SIZE bytes: own_mem, or -F's file */
} st;

static uint8_t own_mem[MEM_SIZE];

static void
die(const char *what)
{
	fprintf(stderr, "fakestub: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void
logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logline(const char *fmt, ...)
{
	va_list ap;

	if (st.log == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(st.log, fmt, ap);
	va_end(ap);
	fputc('\n', st.log);
	fflush(st.log);
}

static void
finish(int status)
{
	if (st.log != NULL) {
		fprintf(st.log, "final phymem=%d detached=%d killed=%d naks=%d "
		    "running=%d points=%d unacked=%d\n", st.phymem,
		    st.detached, st.killed, st.naks_got, st.running,
		    st.npoints, st.await_ack);
		fclose(st.log);
	}
	exit(status);
}

static void
put(const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if (st.modes & M_TRICKLE)
			nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 },
			    NULL);
		n = send(st.fd, p, st.modes & M_TRICKLE ? 1 : len,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			finish(0);	/* client gone */
		}
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Next byte from the client, -1 when it hung up, or -2 if `deadline`
 * (deadline_now() time; -1: none) comes first.
 */
static int
get_until(long long deadline)
{
	struct pollfd pf;
	long long left;
	ssize_t n;
	int r;

	if (st.in_pos == st.in_len) {
		while (deadline >= 0) {
			if ((left = deadline - deadline_now()) <= 0)
				return -2;
			pf.fd = st.fd;
			pf.events = POLLIN;
			if ((r = poll(&pf, 1, (int)left)) > 0)
				break;
			if (r < 0 && errno != EINTR)
				return -1;
		}
		do
			n = read(st.fd, st.in, sizeof st.in);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return -1;
		st.in_pos = 0;
		st.in_len = (size_t)n;
	}
	return st.in[st.in_pos++];
}

static int
get(void)
{
	return get_until(-1);
}

/*
 * Does another packet follow the one just read, within `ms`?  What
 * arrives is kept for get().  (A client sending requests in flight
 * writes them back to back.)
 */
static bool
packet_behind(int ms)
{
	struct pollfd pf = { .fd = st.fd, .events = POLLIN };
	ssize_t n;

	if (st.in_pos == st.in_len && poll(&pf, 1, ms) > 0) {
		n = read(st.fd, st.in, sizeof st.in);
		st.in_pos = 0;
		st.in_len = n > 0 ? (size_t)n : 0;
	}
	return memchr(st.in + st.in_pos, '$', st.in_len - st.in_pos) != NULL;
}

/* pipe-drop: forget whatever came in behind the packet just read. */
static void
drop_pending(void)
{
	if (packet_behind(20)) {
		logline("dropped input");
		st.in_pos = st.in_len;
	}
}

static const char hexd[] = "0123456789abcdef";

/*
 * Frame a reply and keep it for a NAK; send it unless `hold`.  `binary`
 * escapes the four special chars (as QEMU does for qXfer data).
 * `badsum` corrupts the checksum.
 */
static void
frame(const char *data, size_t len, bool binary, bool badsum, bool hold)
{
	size_t cap = 2 * len + 16, o = 0, i, run;
	char *f = malloc(cap);
	uint8_t sum = 0;

	if (f == NULL)
		die("malloc");
	f[o++] = '$';
	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {
			if (!binary) {
				fprintf(stderr, "fakestub: unescaped %c\n", c);
				exit(2);
			}
			f[o++] = '}';
			c ^= 0x20;
		}
		f[o++] = c;
		/* Runs of 4+ plain chars: X*N means N-29 more of X. */
		if ((st.modes & M_RLE) && f[o - 1] == data[i]) {
			for (run = 0; i + 1 + run < len && run < 97 &&
			    data[i + 1 + run] == data[i]; run++)
				;
			while (run + 29 == '#' || run + 29 == '$')
				run--;	/* those counts are not allowed */
			if (run >= 3) {
				f[o++] = '*';
				f[o++] = (char)(run + 29);
				i += run;
			}
		}
	}
	for (i = 1; i < o; i++)
		sum += (uint8_t)f[i];
	if (badsum)
		sum ^= 0x55;
	f[o++] = '#';
	f[o++] = hexd[sum >> 4];
	f[o++] = hexd[sum & 15];
	if (!hold && st.holding) {
		if ((st.held = malloc(o)) == NULL)
			die("malloc");
		memcpy(st.held, f, o);
		st.held_len = o;
	} else if (!hold) {
		if (st.modes & M_NOISE)
			put("noise\r\n+", 8);
		put(f, o);
	}
	free(st.last);
	st.last = f;
	st.last_len = o;
	st.await_ack = st.ack;
}

static void
reply(const char *s)
{
	frame(s, strlen(s), false, false, false);
}

/* Reply prefix + hex(buf): sent, held for a NAK, or corrupted. */
static void
hex_frame(const void *buf, size_t len, const char *prefix, bool badsum,
    bool hold)
{
	size_t p = strlen(prefix), i;
	char *s = malloc(p + 2 * len + 1);
	const uint8_t *b = buf;

	if (s == NULL)
		die("malloc");
	memcpy(s, prefix, p);
	for (i = 0; i < len; i++) {
		s[p + 2 * i] = hexd[b[i] >> 4];
		s[p + 2 * i + 1] = hexd[b[i] & 15];
	}
	s[p + 2 * len] = '\0';
	frame(s, p + 2 * len, false, badsum, hold);
	free(s);
}

static void
reply_hex(const void *buf, size_t len, const char *prefix)
{
	hex_frame(buf, len, prefix, false, false);
}

static void
thread_id(int cpu, char *buf, size_t size)
{
	if (st.mp)
		snprintf(buf, size, "p01.%02x", cpu + 1);
	else
		snprintf(buf, size, "%02x", cpu + 1);
}

static char *read_frame(bool *ok);

/* The vCPU (0-based) a thread id `p01.02` or `02` names; -1 if none. */
static int
parse_thread(const char *t)
{
	char *end;
	long tid;

	if (*t == 'p') {
		if ((t = strchr(t, '.')) == NULL)
			return -1;
		t++;
	}
	tid = strtol(t, &end, 16);
	return end == t || tid < 1 || tid > st.ncpu ? -1 : (int)tid - 1;
}

/* Send a stop reply: the guest stops, and its vCPU becomes current. */
static void
send_stop(const char *text)
{
	const char *t;
	int cpu;

	logline("> %s", text);
	if (text[0] == 'T' && (t = strstr(text, "thread:")) != NULL &&
	    (cpu = parse_thread(t + 7)) >= 0)
		st.cpu = cpu;
	st.running = false;
	st.stop_at = -1;
	reply(text);
}

static void
stop_reply(int sig)
{
	char buf[64], id[16];

	thread_id(st.cpu, id, sizeof id);
	snprintf(buf, sizeof buf, "T%02xthread:%s;", sig, id);
	send_stop(buf);
}

/* A scripted event is due: a stop, an exit, or a hangup. */
static void
scripted_stop(void)
{
	char *bar;

	st.stop_at = -1;
	if (strcmp(st.stop_text, "close") == 0) {
		logline("hangup");
		finish(0);
	}
	if ((bar = strchr(st.stop_text, '|')) != NULL) {
		/* Console output, and the stop only once it is acked. */
		*bar = '\0';
		reply(st.stop_text);
		if (get_until(deadline_now() + 2000) != '+') {
			logline("no ack for console output");
			finish(0);
		}
		st.await_ack = false;
		memmove(st.stop_text, bar + 1, strlen(bar + 1) + 1);
	}
	send_stop(st.stop_text);
	if (st.stop_text[0] == 'W' || st.stop_text[0] == 'X')
		finish(0);	/* QEMU ends, and the connection with it */
}

/* Let the guest run (step: one instruction of vCPU `cpu`, if >= 0). */
static void
resume(bool step, int cpu)
{
	if (cpu >= 0)
		st.cpu = cpu;
	st.running = true;
	st.stop_at = -1;
	if (st.next_script < st.nscript) {
		int i = st.next_script++;

		if (strcmp(st.script[i].text, "run") != 0) {
			st.stop_at = deadline_now() + st.script[i].ms;
			snprintf(st.stop_text, sizeof st.stop_text, "%s",
			    st.script[i].text);
		}
		return;
	}
	if (step)
		stop_reply(5);
}

/* vCont?, vCont;c, vCont;s:TID (QEMU takes one action per vCPU). */
static void
do_vcont(const char *p)
{
	int cpu = -1;

	if (strcmp(p, "?") == 0) {
		reply("vCont;c;C;s;S");
		return;
	}
	if (p[0] != ';' || (p[1] != 'c' && p[1] != 's')) {
		reply("");
		return;
	}
	if (p[2] == ':' && (cpu = parse_thread(p + 3)) < 0) {
		reply("E22");
		return;
	}
	if (p[2] != ':' && p[2] != '\0') {
		reply("E22");
		return;
	}
	resume(p[1] == 's', cpu);
}

/*
 * A byte while the guest runs (QEMU's gdb_read_byte): one awaited as
 * the ack of our last packet is just that; any other stops the guest
 * with T02, and the rest of a packet it began is dropped.
 */
static void
byte_while_running(int c)
{
	bool ok;
	char *p;

	if (st.await_ack && c != '$') {
		if (c == '+')
			st.await_ack = false;
		else if (c == '-' && st.last != NULL) {
			st.naks_got++;
			put(st.last, st.last_len);
		}
		return;
	}
	st.await_ack = false;
	if (c == 0x03)
		logline("interrupt");
	if (c == 0x03 && st.intr_ms > 0 && !(st.modes & M_DEAF)) {
		long long at = deadline_now() + st.intr_ms;
		char id[16];

		if (st.stop_at < 0 || at < st.stop_at) {
			st.stop_at = at;
			thread_id(st.cpu, id, sizeof id);
			snprintf(st.stop_text, sizeof st.stop_text,
			    "T02thread:%s;", id);
		}
		return;
	}
	if (!(st.modes & M_DEAF))
		stop_reply(2);
	if (c == '$' && (p = read_frame(&ok)) != NULL)
		logline("dropped %s", p);
}

static uint64_t
mem64(uint64_t pa)
{
	uint64_t v = 0;
	int i;

	if (pa + 8 > MEM_SIZE)
		return 0;
	for (i = 7; i >= 0; i--)
		v = v << 8 | st.mem[pa + (uint64_t)i];
	return v;
}

static void
set64(uint64_t pa, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		st.mem[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

/* 4-level walk with the selected vCPU's CR3; -1 if not mapped. */
static int
translate(uint64_t va, uint64_t *pa)
{
	uint64_t table = regs[10].val[st.cpu] & ~0xfffull, e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		e = mem64(table + ((va >> (12 + 9 * level)) & 511) * 8);
		if (!(e & 1))
			return -1;
		if (level > 0 && level < 3 && (e & 0x80)) {
			uint64_t size = 1ull << (12 + 9 * level);

			*pa = (e & 0xffffffffff000ull & ~(size - 1)) |
			    (va & (size - 1));
			return 0;
		}
		table = e & 0xffffffffff000ull;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

static void
build_memory(void)
{
	int i;

	/* CPU 0: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000. */
	set64(0x1000, 0x2000 | 7);
	set64(0x1000 + 511 * 8, 0x2000 | 3);	/* 0xffffff80_00000000 */
	set64(0x2000, 0x3000 | 7);
	set64(0x3000, 0x4000 | 7);
	set64(0x3000 + 8, 0x0 | 0x83);		/* 2 MiB page at 0x200000 */
	for (i = 0; i < 16; i++)		/* identity 0..0xffff */
		set64(0x4000 + (uint64_t)i * 8, (uint64_t)i << 12 | 3);
	set64(0x4000 + 0x10 * 8, 0x8000 | 3);	/* VA 0x10000 -> PA 0x8000 */
	/* CPU 1: its own PML4 at 0x5000 sharing the lower levels. */
	set64(0x5000 + 8, 0x2000 | 7);		/* VA 0x80_0000_0000 */
	for (i = 0; i < 0x1000; i++)
		st.mem[0x8000 + i] = (uint8_t)i;
	memcpy(st.mem + 0x9000, "hello from physical 0x9000", 27);
}

static void
do_xfer(const char *args)
{
	const char *file;
	char annex[64];
	unsigned long off, len;
	size_t flen, n;
	char *buf;

	if (sscanf(args, "%63[^:]:%lx,%lx", annex, &off, &len) != 3) {
		reply("E00");
		return;
	}
	if (strcmp(annex, "target.xml") == 0)
		file = st.modes & M_BAD_XML ? "<target><architecture>i386:x86-64"
		    "</arch><feature name=\"x\">" : xml_target;
	else if (strcmp(annex, "fake-core.xml") == 0)
		file = xml_core;
	else if (strcmp(annex, "fake-sys.xml") == 0)
		file = xml_sys;
	else {
		reply("E00");
		return;
	}
	st.xml_read = true;
	flen = strlen(file);
	if (off > flen) {
		reply("E00");
		return;
	}
	/* Small chunks, so the client has to ask several times. */
	n = len < 100 ? len : 100;
	if (off + n >= flen)
		n = flen - off;
	if ((buf = malloc(n + 1)) == NULL)
		die("malloc");
	buf[0] = off + n < flen ? 'm' : 'l';
	memcpy(buf + 1, file + off, n);
	frame(buf, n + 1, true, false, false);
	free(buf);
}

static void
do_read_mem(const char *args)
{
	unsigned long long addr;
	unsigned long len, i;
	uint8_t *buf;
	bool bad;

	if (sscanf(args, "%llx,%lx", &addr, &len) != 2) {
		reply("E22");
		return;
	}
	if (len > st.packet_size / 2) {
		reply("E22");	/* QEMU 7.2's limit */
		return;
	}
	st.m_replies++;
	/* With a packet right behind, answer that one first. */
	st.holding = (st.modes & M_PIPE_REORDER) && st.held == NULL &&
	    packet_behind(50);
	if (st.holding)
		logline("held reply to m%s", args);
	if (st.modes & M_EREPLY) {
		reply("E14");
		return;
	}
	if (st.modes & M_HUGE) {
		size_t n = 1u << 20;
		char *s = malloc(n + 1);

		if (s == NULL)
			die("malloc");
		memset(s, '0', n);
		s[n] = '\0';
		reply(s);
		free(s);
		return;
	}
	if (st.modes & M_CLOSE_MID) {
		put("$0000000000", 11);
		finish(0);
	}
	if ((st.modes & M_SHORT) && len > 1)
		len /= 2;
	if ((buf = calloc(1, len + 1)) == NULL)
		die("malloc");
	for (i = 0; i < len; i++) {
		uint64_t pa = addr + i;

		if (st.phymem != 1 && translate(addr + i, &pa) < 0) {
			free(buf);
			reply("E14");
			return;
		}
		buf[i] = pa < MEM_SIZE ? st.mem[pa] : 0;	/* past RAM: 0 */
		if ((st.modes & M_M_TAIL) && st.phymem == 1 &&
		    (pa & 0xfff) == 0xff8 && !st.m_tail_done) {
			buf[i]++;
			st.m_tail_done = true;
		}
	}
	bad = (st.modes & M_BADSUM_ALWAYS) ||
	    ((st.modes & M_BADSUM_ONCE) && st.m_replies == 1);
	if (bad) {
		hex_frame(buf, len, "", true, false);
		/* A NAK gets a good copy, unless it is always bad. */
		if (!(st.modes & M_BADSUM_ALWAYS))
			hex_frame(buf, len, "", false, true);
	} else if (st.modes & M_DOLLAR) {
		/* Framed by hand (frame() would refuse it), and kept for a
		 * NAK as QEMU keeps its last packet. */
		char *f = malloc(2 * len + 8);
		uint8_t sum = 0;

		if (f == NULL)
			die("malloc");
		f[0] = '$';
		for (i = 0; i < len; i++) {
			f[1 + 2 * i] = hexd[buf[i] >> 4];
			f[2 + 2 * i] = hexd[buf[i] & 15];
		}
		f[1 + len] = '$';	/* a frame start inside the data */
		for (i = 1; i <= 2 * len; i++)
			sum += (uint8_t)f[i];
		snprintf(f + 1 + 2 * len, 4, "#%02x", sum);
		put(f, 2 * len + 4);
		free(st.last);
		st.last = f;
		st.last_len = 2 * len + 4;
		st.await_ack = st.ack;
	} else {
		reply_hex(buf, len, "");
	}
	free(buf);
}

static int
hexnib(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void
monitor_out(const char *text)
{
	reply_hex(text, strlen(text), "O");
}

static void
do_monitor(const char *hex)
{
	char cmd[256];
	size_t i, n = strlen(hex) / 2;

	if (n >= sizeof cmd) {
		reply("E01");
		return;
	}
	for (i = 0; i < n; i++)
		cmd[i] = (char)(hexnib(hex[2 * i]) << 4 | hexnib(hex[2 * i + 1]));
	cmd[n] = '\0';
	if (strcmp(cmd, "info status") == 0) {
		monitor_out(st.stopped ? "VM status: paused (prelaunch)\r\n" :
		    "VM status: paused\r\n");
	} else if (strcmp(cmd, "info registers") == 0) {
		char line[128];
		int r;

		for (r = 0; r < 3; r++) {
			snprintf(line, sizeof line, "CR%d=%016" PRIx64 "\r\n",
			    r == 0 ? 0 : r + 1, regs[8 + r].val[st.cpu]);
			monitor_out(line);
		}
	} else if (strcmp(cmd, "info cpus") == 0) {
		/* As QEMU: the host thread of each vCPU (all ours). */
		char line[64];

		for (int c = 0; c < st.ncpu; c++) {
			snprintf(line, sizeof line, "%c CPU #%d: thread_id=%ld\r\n",
			    c == st.cpu ? '*' : ' ', c, (long)(st.modes & M_BADTID ?
			    getppid() : getpid()));
			monitor_out(line);
		}
	} else if (strcmp(cmd, "info mtree -f") == 0 &&
	    !(st.modes & M_NOMTREE)) {
		/* One device view first: only the system one is RAM. */
		monitor_out("FlatView #0\r\n AS \"vga\", root: vga\r\n"
		    " Root memory region: vga\r\n"
		    "  0000000000000000-000000000000ffff (prio 0, ram): "
		    "vga.vram\r\n\r\n");
		monitor_out("FlatView #1\r\n AS \"memory\", root: system\r\n"
		    " AS \"cpu-memory-0\", root: system\r\n"
		    " Root memory region: system\r\n"
		    "  0000000000000000-0000000000007fff (prio 0, ram): "
		    "fake.ram\r\n"
		    "  0000000000008000-000000000000ffff (prio 0, rom): "
		    "fake.ram @0000000000008000\r\n"
		    "  00000000fee00000-00000000feefffff (prio 4096, i/o): "
		    "apic-msi\r\n\r\n");
	} else if (strncmp(cmd, "gpa2hva ", 8) == 0 &&
	    !(st.modes & M_NOMTREE)) {
		unsigned long long gpa = strtoull(cmd + 8, NULL, 0);
		char line[128];

		if (gpa >= MEM_SIZE) {
			monitor_out("No memory is mapped at address 0x...\r\n");
		} else {
			snprintf(line, sizeof line, "Host virtual address for "
			    "0x%llx (fake.ram) is %p\r\n", gpa,
			    (void *)(st.mem + gpa +
			    (st.modes & M_BADHVA ? 0x1000 : 0)));
			monitor_out(line);
		}
	} else if (strncmp(cmd, "xp /", 4) == 0 && !(st.modes & M_NOMTREE)) {
		/* QEMU's physical memory dump: /Nxg (8 bytes a unit, two
		 * to a line) or /Nxb (bytes, eight to a line). */
		unsigned long count;
		long long gpa;
		char unit, line[64];
		size_t u, per;

		if (sscanf(cmd + 4, "%lux%c %lli", &count, &unit, &gpa) != 3 ||
		    (unit != 'g' && unit != 'b')) {
			monitor_out("bad format\r\n");
			reply("OK");
			return;
		}
		u = unit == 'g' ? 8 : 1;
		per = unit == 'g' ? 2 : 8;
		for (unsigned long k = 0; k < count; k++) {
			unsigned long long a = (unsigned long long)gpa + k * u,
			    v = 0;

			if (k % per == 0) {
				snprintf(line, sizeof line, "%s%016llx:",
				    k > 0 ? "\r\n" : "", a);
				monitor_out(line);
			}
			if (a + u > MEM_SIZE) {
				monitor_out(" Cannot access memory");
				break;
			}
			for (size_t b = u; b-- > 0;)
				v = v << 8 | st.mem[a + b];
			if (st.modes & M_XP_TAIL && (a & 0xfff) >= 0xff8)
				v++;
			snprintf(line, sizeof line, u == 8 ? " 0x%016llx" :
			    " 0x%02llx", v);
			monitor_out(line);
		}
		monitor_out("\r\n");
	} else if (strcmp(cmd, "fail") == 0) {
		reply("E01");
		return;
	} else if (strcmp(cmd, "cont") == 0) {
		/* QEMU answers, then the guest runs: nothing says so. */
		reply("OK");
		st.running = true;
		logline("run");
		return;
	} else {
		char line[300];

		snprintf(line, sizeof line, "unknown command: '%s'\r\n", cmd);
		monitor_out(line);
	}
	reply("OK");
}

static void
do_read_reg(const char *args)
{
	unsigned long num = strtoul(args, NULL, 16);
	size_t i;
	uint8_t b[16] = { 0 };
	uint64_t v;

	if (!st.xml_read) {
		reply("");	/* QEMU 7.2 before target.xml */
		return;
	}
	for (i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		if (regs[i].num != num)
			continue;
		/* Under KVM only `g` refreshes the copy `p` reads. */
		v = st.synced[st.cpu] ? regs[i].val[st.cpu] : 0;
		memcpy(b, &v, 8);	/* the test host is little-endian */
		reply_hex(b, regs[i].bytes, "");
		return;
	}
	reply("E14");
}

/* Z/z TYPE,ADDR,KIND: QEMU (TCG) keeps them per address and type. */
static void
do_point(const char *p)
{
	unsigned long long addr;
	unsigned long len;
	int type = p[1] - '0', i;

	if (st.modes & M_NOPOINTS) {
		reply("");	/* unsupported, as for -ENOSYS */
		return;
	}
	if (sscanf(p + 2, ",%llx,%lx", &addr, &len) != 2 || len == 0) {
		reply("E22");
		return;
	}
	if (p[0] == 'Z') {
		if (st.npoints == MAX_POINTS) {
			reply("E22");
			return;
		}
		st.points[st.npoints].type = type;
		st.points[st.npoints].addr = addr;
		st.points[st.npoints].len = len;
		st.npoints++;
		reply("OK");
		return;
	}
	for (i = 0; i < st.npoints; i++)
		if (st.points[i].type == type && st.points[i].addr == addr &&
		    (type <= 1 || st.points[i].len == len))
			break;
	if (i == st.npoints) {
		reply("E22");	/* -ENOENT */
		return;
	}
	st.points[i] = st.points[--st.npoints];
	reply("OK");
}

static void
do_packet(char *p)
{
	char id[16];

	if (st.log != NULL) {
		fprintf(st.log, "< %s\n", p);
		fflush(st.log);
	}
	if (strncmp(p, "qSupported", 10) == 0) {
		char buf[200];

		st.mp = strstr(p, "multiprocess+") != NULL &&
		    !(st.modes & M_NOMP);
		snprintf(buf, sizeof buf, "PacketSize=%x;qXfer:features:read+;"
		    "vContSupported+%s%s", st.modes & M_BIGSIZE ?
		    4 * st.packet_size : st.packet_size,
		    st.mp ? ";multiprocess+" : "",
		    st.modes & M_NOACK ? ";QStartNoAckMode+" : "");
		reply(st.modes & M_EMPTY_SUPPORTED ? "" : buf);
	} else if (strcmp(p, "QStartNoAckMode") == 0 &&
	    (st.modes & M_NOACK)) {
		reply("OK");
		st.ack = false;
	} else if (strcmp(p, "?") == 0) {
		st.npoints = 0;		/* QEMU removes them all */
		stop_reply(5);
	} else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
		do_xfer(p + 20);
	} else if (strcmp(p, "qqemu.Supported") == 0) {
		reply(st.modes & M_NOPHYMEM ? "" : "sstepbits;sstep;PhyMemMode");
	} else if (strcmp(p, "qqemu.PhyMemMode") == 0 &&
	    !(st.modes & M_NOPHYMEM)) {
		reply(st.phymem ? "1" : "0");
	} else if (strncmp(p, "Qqemu.PhyMemMode:", 17) == 0 &&
	    !(st.modes & M_NOPHYMEM)) {
		st.phymem = p[17] == '1';
		reply("OK");
	} else if (strcmp(p, "g") == 0) {
		st.synced[st.cpu] = true;
		reply_hex(regs, 64, "");	/* contents do not matter here */
	} else if (p[0] == 'p') {
		do_read_reg(p + 1);
	} else if (p[0] == 'm') {
		do_read_mem(p + 1);
	} else if (strncmp(p, "qRcmd,", 6) == 0) {
		do_monitor(p + 6);
	} else if (strcmp(p, "qfThreadInfo") == 0) {
		char buf[64] = "m";
		int i;

		for (i = 0; i < st.ncpu; i++) {
			thread_id(i, id, sizeof id);
			if (i > 0)
				strcat(buf, ",");
			strcat(buf, id);
		}
		reply(buf);
	} else if (strcmp(p, "qsThreadInfo") == 0) {
		reply("l");
	} else if (strncmp(p, "Hg", 2) == 0) {
		const char *t = p + 2;
		long tid;

		if (st.mp) {
			if (strncmp(t, "p1.", 3) != 0 &&
			    strncmp(t, "p01.", 4) != 0) {
				reply("E22");
				return;
			}
			t = strchr(t, '.') + 1;
		}
		tid = strtol(t, NULL, 16);
		if (tid < 1 || tid > st.ncpu) {
			reply("E22");
			return;
		}
		st.cpu = (int)tid - 1;
		reply("OK");
	} else if (p[0] == 'D') {
		/* QEMU wants the pid once multiprocess is on. */
		if (st.mp && strcmp(p, "D;1") != 0) {
			reply("E22");
			return;
		}
		st.detached = true;
		st.npoints = 0;
		reply("OK");
		st.running = true;	/* QEMU's gdb_continue */
	} else if (strncmp(p, "vCont", 5) == 0) {
		do_vcont(p + 5);
	} else if (strcmp(p, "c") == 0 || strcmp(p, "s") == 0) {
		resume(p[0] == 's', -1);
	} else if ((p[0] == 'Z' || p[0] == 'z') && p[1] >= '0' &&
	    p[1] <= '4') {
		do_point(p);
	} else if (strncmp(p, "qAttached", 9) == 0) {
		reply("1");
	} else if (strcmp(p, "k") == 0 || strncmp(p, "vKill", 5) == 0) {
		st.killed = true;
		finish(3);
	} else {
		reply("");
	}
}

/* Read one frame after its `$`; returns the payload or NULL on hangup. */
static char *
read_frame(bool *ok)
{
	static char buf[1 << 16];
	size_t n = 0;
	uint8_t sum = 0;
	int c, hi, lo;
	bool esc = false;

	for (;;) {
		if ((c = get()) < 0)
			return NULL;
		if (c == '#')
			break;
		sum += (uint8_t)c;
		if (esc) {
			c ^= 0x20;
			esc = false;
		} else if (c == '}') {
			esc = true;
			continue;
		}
		if (n + 1 < sizeof buf)
			buf[n++] = (char)c;
	}
	if ((hi = get()) < 0 || (lo = get()) < 0)
		return NULL;
	buf[n] = '\0';
	*ok = hexnib(hi) >= 0 && hexnib(lo) >= 0 &&
	    (uint8_t)(hexnib(hi) << 4 | hexnib(lo)) == sum;
	return buf;
}

/* nak-m: true the first time `p` is seen here (up to 256 of them). */
static bool
first_nak(const char *p)
{
	static char *seen[256];
	static size_t n;

	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], p) == 0)
			return false;
	if (n == 256 || (seen[n] = strdup(p)) == NULL)
		return false;
	n++;
	return true;
}

/*
 * stop-flood, console-flood: never ack the packet just read; send `pkt`
 * every 2 ms until the client hangs up (what it sends is dropped).
 */
static void
flood(const char *pkt)
{
	struct pollfd pf = { .fd = st.fd, .events = POLLIN };
	char junk[4096];

	logline("flood %s", pkt);
	for (;;) {
		frame(pkt, strlen(pkt), false, false, false);
		if (poll(&pf, 1, 2) > 0 && read(st.fd, junk, sizeof junk) <= 0)
			finish(0);
	}
}

static void
serve(void)
{
	char *p;
	bool ok, started = false;
	int c;

	st.ack = true;
	st.stop_at = -1;
	if (!st.stopped)
		stop_reply(2);	/* the pause on connect */
	while ((c = get_until(st.running ? st.stop_at : -1)) != -1) {
		if (c == -2) {
			scripted_stop();
			continue;
		}
		if (st.modes & M_SILENT)
			continue;
		if (st.running) {
			byte_while_running(c);
			continue;
		}
		if (c == '+' || c == '$')
			st.await_ack = false;
		if (c == '+')
			continue;
		if (c == '-') {
			st.naks_got++;
			if (st.last != NULL)
				put(st.last, st.last_len);
			continue;
		}
		if (c == 0x03) {
			logline("interrupt");	/* QEMU ignores it: stopped */
			continue;
		}
		if (c != '$')
			continue;
		if ((p = read_frame(&ok)) == NULL)
			break;
		if (!ok) {
			put("-", 1);
			continue;
		}
		st.packets_in++;
		if (p[0] == 'm')
			st.m_in++;
		if ((st.modes & M_NAK_ALWAYS) ||
		    ((st.modes & M_NAK_ONCE) && st.packets_in == 1) ||
		    ((st.modes & M_NAK_M) && p[0] == 'm' && st.m_in % 4 == 2 &&
		    first_nak(p))) {
			if (st.log != NULL)
				fprintf(st.log, "nak %s\n", p);
			put("-", 1);
			continue;
		}
		if (st.modes & M_PIPE_DROP)
			drop_pending();
		if (p[0] == 'm' && (st.modes & M_STOP_FLOOD))
			flood("T02thread:01;");
		if (p[0] == 'm' && (st.modes & M_CONSOLE_FLOOD))
			flood("O41");
		if (p[0] == 'm' && st.m_in == 4 && (st.modes & M_CLOSE_WALK)) {
			logline("hangup");
			finish(0);
		}
		if (st.ack)
			put("+", 1);
		if (p[0] == 'm' && (st.modes & M_STALL_ACK)) {
			logline("stall");
			for (;;)
				if (get() < 0)
					finish(0);
		}
		do_packet(p);
		if (st.held != NULL && !st.holding) {
			put(st.held, st.held_len);
			free(st.held);
			st.held = NULL;
		}
		st.holding = false;
		if (!started && st.start_after != NULL && strncmp(p,
		    st.start_after, strlen(st.start_after)) == 0) {
			started = true;
			st.running = true;
			logline("run");
		}
	}
	finish(0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakestub [-S] [-m MODE]... [-c NCPU] "
	    "[-P HEXSIZE] [-p 0|1] [-l LOG] [-t MS:REPLY]... [-R PREFIX] "
	    "[-d MS] unix:PATH|tcp\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int opt, lfd = -1, one = 1;
	size_t i;
	const char *addr;

	st.ncpu = 1;
	st.packet_size = 0x1000;
	st.mem = own_mem;
	while ((opt = getopt(argc, argv, "Sm:c:P:p:l:t:R:d:F:")) != -1) {
		switch (opt) {
		case 'F': {
			/* Guest RAM in a shared file, as QEMU's
			 * memory-backend-file,share=on keeps it. */
			int mfd = open(optarg, O_RDWR | O_CREAT, 0600);
			void *m;

			if (mfd < 0 || ftruncate(mfd, MEM_SIZE) < 0)
				die(optarg);
			m = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, mfd, 0);
			if (m == MAP_FAILED)
				die("mmap");
			close(mfd);
			st.mem = m;
			break;
		}
		case 'S':
			st.stopped = true;
			break;
		case 'm':
			for (i = 0; i < sizeof mode_names / sizeof *mode_names;
			    i++)
				if (strcmp(optarg, mode_names[i].name) == 0)
					break;
			if (i == sizeof mode_names / sizeof *mode_names)
				usage();
			st.modes |= mode_names[i].bit;
			break;
		case 'c':
			st.ncpu = atoi(optarg);
			if (st.ncpu < 1 || st.ncpu > MAX_CPUS)
				usage();
			break;
		case 'P':
			st.packet_size = (unsigned)strtoul(optarg, NULL, 16);
			if (st.packet_size < 64 || st.packet_size > 0x100000)
				usage();
			break;
		case 'p':
			st.phymem = atoi(optarg) == 1;
			break;
		case 'l':
			if ((st.log = fopen(optarg, "w")) == NULL)
				die(optarg);
			break;
		case 't': {
			char *colon = strchr(optarg, ':');

			if (st.nscript == MAX_SCRIPT || colon == NULL ||
			    strlen(colon + 1) >= sizeof st.script[0].text)
				usage();
			st.script[st.nscript].ms = atoi(optarg);
			strcpy(st.script[st.nscript].text, colon + 1);
			st.nscript++;
			break;
		}
		case 'R':
			st.start_after = optarg;
			break;
		case 'd':
			st.intr_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	addr = argv[optind];
	build_memory();
	/* Never outlive a test that forgot us. */
	alarm(60);

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(addr + 5) >= sizeof sun.sun_path)
			usage();
		strcpy(sun.sun_path, addr + 5);
		unlink(sun.sun_path);
		if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(lfd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
		    listen(lfd, 1) < 0)
			die("listen");
		printf("ready\n");
	} else if (strcmp(addr, "tcp") == 0) {
		struct sockaddr_in sin;
		socklen_t len = sizeof sin;

		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof one) < 0 ||
		    bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
		    listen(lfd, 1) < 0 ||
		    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
			die("listen");
		printf("port %d\n", ntohs(sin.sin_port));
	} else {
		usage();
	}
	fflush(stdout);
	if ((st.fd = accept(lfd, NULL, NULL)) < 0)
		die("accept");
	close(lfd);
	/* QEMU's gdbstub chardev has nodelay=on; without it, an ack and
	 * its reply sent apart wait out the client's delayed ACK. */
	if (strcmp(addr, "tcp") == 0 && setsockopt(st.fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof one) < 0)
		die("TCP_NODELAY");
	serve();
	return 0;
}
