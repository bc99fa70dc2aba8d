/*
 * Protocol tests: gdbremote.c and net.c against the fake stub, one stub
 * process per test, in each of its modes.
 *
 *   test_gdbremote [PATH-TO-FAKESTUB]
 *
 * Without an argument the stub is looked for next to this program.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gdbremote.h"
#include "net.h"

static char stub_path[4096];

struct stub {
	pid_t pid;
	char dir[64];
	char log[128];
	char spec[160];
	char *logtext;
	int status;
};

static void stub_clean(struct stub *s);

/* Start the fake stub with the given options (NULL-terminated). */
static void
stub_start(struct stub *s, bool tcp, ...)
{
	const char *argv[24];
	char line[64];
	int pfd[2], n = 0;
	struct pollfd p;
	ssize_t got;
	va_list ap;
	const char *a, *tmp;

	stub_clean(s);
	memset(s, 0, sizeof *s);
	tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof s->dir, "%s/fakestub.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(s->dir) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(s->log, sizeof s->log, "%s/log", s->dir);
	argv[n++] = stub_path;
	argv[n++] = "-l";
	argv[n++] = s->log;
	va_start(ap, tcp);
	while ((a = va_arg(ap, const char *)) != NULL && n < 20)
		argv[n++] = a;
	va_end(ap);
	if (tcp) {
		argv[n++] = "tcp";
	} else {
		snprintf(s->spec, sizeof s->spec, "unix:%s/sock", s->dir);
		argv[n++] = s->spec;
	}
	argv[n] = NULL;
	if (pipe(pfd) < 0)
		fail_msg("pipe: %s", strerror(errno));
	if ((s->pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (s->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(stub_path, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1)
		fail_msg("fake stub did not start");
	got = read(pfd[0], line, sizeof line - 1);
	close(pfd[0]);
	if (got <= 0)
		fail_msg("fake stub %s did not start", stub_path);
	line[got] = '\0';
	if (tcp) {
		int port;

		assert_int_equal(sscanf(line, "port %d", &port), 1);
		snprintf(s->spec, sizeof s->spec, ":%d", port);
	} else {
		assert_string_equal(line, "ready\n");
	}
}

/* Wait for the stub to end (it does when we hang up); read its log. */
static void
stub_finish(struct stub *s)
{
	FILE *f;
	long len;
	int i;

	for (i = 0; i < 500; i++) {
		if (waitpid(s->pid, &s->status, WNOHANG) == s->pid)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	if (i == 500) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &s->status, 0);
		s->pid = 0;
		fail_msg("fake stub did not exit");
	}
	s->pid = 0;
	if ((f = fopen(s->log, "r")) == NULL)
		fail_msg("no stub log");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	s->logtext = calloc(1, (size_t)len + 1);
	assert_non_null(s->logtext);
	assert_int_equal(fread(s->logtext, 1, (size_t)len, f), (size_t)len);
	fclose(f);
}

/* Remove what a stub left, even after a failed assertion. */
static void
stub_clean(struct stub *s)
{
	char path[160];

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0] != '\0') {
		unlink(s->log);
		snprintf(path, sizeof path, "%s/sock", s->dir);
		unlink(path);
		rmdir(s->dir);
		s->dir[0] = '\0';
	}
	free(s->logtext);
	s->logtext = NULL;
}

static int
setup(void **state)
{
	*state = calloc(1, sizeof(struct stub));
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	stub_clean(*state);
	free(*state);
	return 0;
}

/* How many log lines are exactly `line`. */
static int
log_count(const struct stub *s, const char *line)
{
	const char *p = s->logtext;
	size_t n = strlen(line);
	int count = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == s->logtext || p[-1] == '\n') && p[n] == '\n')
			count++;
		p += n;
	}
	return count;
}

static bool
log_has(const struct stub *s, const char *text)
{
	return strstr(s->logtext, text) != NULL;
}

/* Where the line `line` begins in the log at or after `from`, or NULL. */
static const char *
log_line_at(const struct stub *s, const char *from, const char *line)
{
	size_t n = strlen(line);
	const char *p = from;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == s->logtext || p[-1] == '\n') && p[n] == '\n')
			return p;
		p += n;
	}
	return NULL;
}

/* Does the log line at `p` read exactly `line`? */
static bool
log_line_is(const char *p, const char *line)
{
	size_t n = strlen(line);

	return strncmp(p, line, n) == 0 && p[n] == '\n';
}

/*
 * The log holds these lines (NULL-terminated) in this order; with
 * `adjacent`, one right after the other, with nothing in between.
 */
static void
check_log_lines(const struct stub *s, bool adjacent, ...)
{
	const char *lines[16], *at, *p;
	size_t n = 0, i;
	va_list ap;

	va_start(ap, adjacent);
	while (n < 16 && (lines[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	assert_true(n > 0 && n < 16);
	if (!adjacent) {
		for (at = s->logtext, i = 0; i < n; i++) {
			if ((p = log_line_at(s, at, lines[i])) == NULL)
				fail_msg("stub log lacks '%s' after '%s':\n%s",
				    lines[i], i > 0 ? lines[i - 1] : "",
				    s->logtext);
			at = p + strlen(lines[i]) + 1;
		}
		return;
	}
	for (at = s->logtext; (p = log_line_at(s, at, lines[0])) != NULL;
	    at = p + 1) {
		const char *q = p;

		for (i = 0; i < n && log_line_is(q, lines[i]); i++)
			q += strlen(lines[i]) + 1;
		if (i == n)
			return;
	}
	fail_msg("stub log lacks these lines in a row, from '%s':\n%s",
	    lines[0], s->logtext);
}

#define log_order(s, ...) check_log_lines(s, false, __VA_ARGS__, (char *)NULL)
#define log_seq(s, ...) check_log_lines(s, true, __VA_ARGS__, (char *)NULL)

static double
ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void
fast_opts(struct gdbremote_opts *o)
{
	gdbremote_opts_init(o);
	o->connect_timeout_ms = 2000;
	o->reply_timeout_ms = 2000;
	/* The fault modes act on `m` packets: read through them, unless a
	 * test is about reading RAM directly. */
	o->ram = GDBREMOTE_RAM_RSP;
}

/* Open with options `o`, or fail the test. */
static void
open_opts(struct stub *s, struct target *t, const struct gdbremote_opts *o)
{
	struct pt_err e;

	if (gdbremote_open(s->spec, o, t, &e) < 0)
		fail_msg("open %s: %s", s->spec, e.msg);
}

static void
open_ok(struct stub *s, struct target *t)
{
	struct gdbremote_opts o;

	fast_opts(&o);
	open_opts(s, t, &o);
}

static uint64_t
reg(struct target *t, const char *name)
{
	struct pt_err e;
	uint64_t v;

	if (t->ops->read_reg(t->ctx, name, &v, &e) < 0)
		fail_msg("read_reg %s: %s", name, e.msg);
	return v;
}

static void
check_pattern(const uint8_t *b, size_t len, unsigned start)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (uint8_t)(start + i))
			fail_msg("byte %zu is %#x, want %#x", i, b[i],
			    (uint8_t)(start + i));
}

/* ---- a QEMU-like stub, guest running ---------------------------------- */

static void
test_running_guest(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	struct pt_err e;
	uint8_t *buf = malloc(0x3000);
	uint64_t v;
	char *out;
	unsigned num, bits;
	size_t i;

	stub_start(s, false, (char *)NULL);
	open_ok(s, &t);
	assert_true(gdbremote_is(&t));
	assert_int_equal(gdbremote_get_info(&t, &info), 0);
	assert_true(info.was_running);
	assert_true(info.multiprocess);
	assert_true(info.phymem);
	assert_false(info.noack);
	assert_int_equal(info.packet_size, 0x1000);
	assert_int_equal(info.mem_chunk, 0x800);
	assert_int_equal(info.nregs, 14);
	assert_string_equal(info.arch, "i386:x86-64");
	assert_int_equal(info.thread.pid, 1);
	assert_int_equal(info.thread.tid, 1);

	/* Numbering: ordinals, regnum= jumps, continued across includes. */
	assert_int_equal(gdbremote_find_reg(&t, "rax", &num, &bits, &e), 0);
	assert_int_equal(num, 0);
	assert_int_equal(gdbremote_find_reg(&t, "xmm0", &num, &bits, &e), 0);
	assert_int_equal(num, 6);
	assert_int_equal(bits, 128);
	assert_int_equal(gdbremote_find_reg(&t, "cr3", &num, &bits, &e), 0);
	assert_int_equal(num, 23);

	assert_int_equal(reg(&t, "cr0"), 0x80050033);
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	assert_int_equal(reg(&t, "CR4"), 0x3606a0);
	assert_int_equal(reg(&t, "efer"), 0xd01);
	assert_int_equal(reg(&t, "rip"), 0xffffffff81000000);
	assert_int_equal(reg(&t, "eflags"), 0x246);
	assert_int_equal(reg(&t, "cs"), 0x10);
	assert_int_equal(t.ops->read_reg(t.ctx, "xmm0", &v, &e), -1);
	assert_non_null(strstr(e.msg, "128 bits"));
	assert_int_equal(t.ops->read_reg(t.ctx, "cr9", &v, &e), -1);
	assert_string_equal(e.msg,
	    "no register 'cr9' in the target description");
	assert_int_equal(e.kind, PT_EXIT_TARGET);

	/* Physical: split into PacketSize/2 requests, past RAM is zero. */
	assert_int_equal(t.ops->read_phys(t.ctx, 0x7800, buf, 0x2800, &e), 0);
	check_pattern(buf + 0x800, 0x1000, 0);
	assert_memory_equal(buf + 0x1800, "hello from physical", 19);
	assert_int_equal(t.ops->read_phys(t.ctx, 0xfffff000, buf, 16, &e), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(t.ops->read_phys(t.ctx, ~0ull - 3, buf, 16, &e), -1);
	assert_non_null(strstr(e.msg, "wraps"));

	/* Virtual: translated by the stub through the guest's tables. */
	assert_int_equal(t.ops->read_virt(t.ctx, 0x10000, buf, 0x1000, &e), 0);
	check_pattern(buf, 0x1000, 0);
	assert_int_equal(t.ops->read_virt(t.ctx, 0x9000, buf, 5, &e), 0);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(t.ops->read_virt(t.ctx, 0x400000, buf, 8, &e), -1);
	assert_string_equal(e.msg, "cannot read virtual memory at "
	    "0x400000: target replied E14");
	/* Physical again, to see the mode switch back. */
	assert_int_equal(t.ops->read_phys(t.ctx, 0x9000, buf, 5, &e), 0);

	assert_int_equal(t.ops->monitor(t.ctx, "info status", &out, &e), 0);
	assert_string_equal(out, "VM status: paused\r\n");
	free(out);
	assert_int_equal(t.ops->monitor(t.ctx, "info registers", &out, &e),
	    0);
	assert_string_equal(out, "CR0=0000000080050033\r\n"
	    "CR2=000000000dead000\r\nCR3=0000000000001000\r\n");
	free(out);
	assert_int_equal(t.ops->monitor(t.ctx, "fail", &out, &e), -1);
	assert_null(out);
	assert_string_equal(e.msg, "monitor fail: target replied E01");

	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_true(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0);
	/* One `g` per stop; modes set only on change; resumed once. */
	assert_int_equal(log_count(s, "< g"), 1);
	assert_int_equal(log_count(s, "< qqemu.PhyMemMode"), 1);
	assert_int_equal(log_count(s, "< Qqemu.PhyMemMode:1"), 2);
	assert_int_equal(log_count(s, "< Qqemu.PhyMemMode:0"), 2);
	assert_int_equal(log_count(s, "< D;1"), 1);
	assert_int_equal(log_count(s, "< ?"), 1);
	assert_false(log_has(s, "< k"));
	assert_false(log_has(s, "< m7800,2800"));	/* never over 0x800 */
	assert_true(log_has(s, "final phymem=0 detached=1 killed=0"));
		free(buf);
}

/* Started with -S: no stop on connect, so close must not resume. */
static void
test_stopped_guest_stays_stopped(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	uint8_t b[8];
	struct pt_err e;

	stub_start(s, false, "-S", (char *)NULL);
	open_ok(s, &t);
	gdbremote_get_info(&t, &info);
	assert_false(info.was_running);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x1000, b, 8, &e), 0);
	assert_int_equal(b[0], 0x07);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_false(log_has(s, "< D"));
	assert_true(log_has(s, "final phymem=0 detached=0 killed=0"));
	/* Its last reply was acked before the close. */
	assert_true(log_has(s, "unacked=0"));
}

/* A mode left at 1 by someone else is put back to 1. */
static void
test_phymem_mode_restored(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[8];
	struct pt_err e;

	stub_start(s, false, "-p", "1", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x9000, b, 5, &e), 0);
	assert_int_equal(t.ops->read_virt(t.ctx, 0x9000, b, 5, &e), 0);
	assert_memory_equal(b, "hello", 5);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	/* The mode is asked once, in the handshake: found 1, the physical
	 * read changes nothing, the virtual one sets 0, and the restore
	 * puts 1 back before the detach. */
	log_order(s, "< qqemu.Supported", "< qqemu.PhyMemMode",
	    "< qfThreadInfo");
	assert_int_equal(log_count(s, "< qqemu.PhyMemMode"), 1);
	assert_int_equal(log_count(s, "< Qqemu.PhyMemMode:1"), 1);
	assert_int_equal(log_count(s, "< Qqemu.PhyMemMode:0"), 1);
	log_order(s, "< Qqemu.PhyMemMode:0", "< Qqemu.PhyMemMode:1", "< D;1");
	assert_true(log_has(s, "final phymem=1 detached=1"));
	}

static void
test_resume_overrides(void **state)
{
	struct gdbremote_opts o;
	struct stub *s = *state;
	struct target t;
	struct pt_err e;

	fast_opts(&o);
	o.resume = GDBREMOTE_RESUME_ALWAYS;
	stub_start(s, false, "-S", (char *)NULL);
	assert_int_equal(gdbremote_open(s->spec, &o, &t, &e), 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_int_equal(log_count(s, "< D;1"), 1);
	
	o.resume = GDBREMOTE_RESUME_NEVER;
	stub_start(s, false, (char *)NULL);
	assert_int_equal(gdbremote_open(s->spec, &o, &t, &e), 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_false(log_has(s, "< D"));
	}

/* Without multiprocess: ids are bare, and `D` has no pid. */
static void
test_no_multiprocess(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	struct gdbremote_thread *th;
	size_t n;
	struct pt_err e;

	stub_start(s, false, "-m", "nomp", "-c", "2", (char *)NULL);
	open_ok(s, &t);
	gdbremote_get_info(&t, &info);
	assert_false(info.multiprocess);
	assert_true(info.was_running);
	assert_int_equal(info.thread.pid, 0);
	assert_int_equal(info.thread.tid, 1);
	assert_int_equal(gdbremote_threads(&t, &th, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(th[1].tid, 2);
	assert_int_equal(gdbremote_select_cpu(&t, &th[1], &e), 0);
	assert_int_equal(reg(&t, "cr3"), 0x5000);
	free(th);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_true(log_has(s, "< Hg2\n"));
	assert_int_equal(log_count(s, "< D"), 1);
	}

/* Two vCPUs: Hg picks whose registers and translation we see. */
static void
test_select_cpu(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_thread *th, bad = { 1, 7 };
	size_t n;
	uint8_t b[8];
	struct pt_err e;
	unsigned num, bits;
	char pcr3[16];

	stub_start(s, false, "-c", "2", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(gdbremote_threads(&t, &th, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(th[0].pid, 1);
	assert_int_equal(th[0].tid, 1);
	assert_int_equal(th[1].tid, 2);
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	/* A value read once is kept until the vCPU changes (or it runs). */
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	assert_int_equal(gdbremote_find_reg(&t, "cr3", &num, &bits, &e), 0);
	snprintf(pcr3, sizeof pcr3, "< p%x", num);
	assert_int_equal(t.ops->read_virt(t.ctx, 0x8000009000ull, b, 5, &e),
	    -1);
	assert_int_equal(gdbremote_select_cpu(&t, &th[1], &e), 0);
	assert_int_equal(reg(&t, "cr3"), 0x5000);
	assert_int_equal(reg(&t, "cr2"), 0xbeef000);
	assert_int_equal(t.ops->read_virt(t.ctx, 0x8000009000ull, b, 5, &e),
	    0);
	assert_memory_equal(b, "hello", 5);
	assert_int_equal(gdbremote_select_cpu(&t, &bad, &e), -1);
	assert_string_equal(e.msg, "selecting thread p1.7: target replied E22");
	free(th);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_true(log_has(s, "< Hgp1.2\n"));
	assert_int_equal(log_count(s, "< g"), 2);	/* again after Hg */
	assert_int_equal(log_count(s, pcr3), 2);	/* once per vCPU */
	assert_int_equal(log_count(s, "< D;1"), 1);
	}

static void
test_tcp_and_small_packets(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	uint8_t *b = malloc(0x1000);
	struct pt_err e;

	/* PacketSize 0x100: 0x80 bytes per `m`, never more. */
	stub_start(s, true, "-P", "100", (char *)NULL);
	open_ok(s, &t);
	gdbremote_get_info(&t, &info);
	assert_int_equal(info.packet_size, 0x100);
	assert_int_equal(info.mem_chunk, 0x80);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, 0x1000, &e), 0);
	check_pattern(b, 0x1000, 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_int_equal(log_count(s, "< m8f80,80"), 1);
	assert_false(log_has(s, "E22"));
	free(b);
}

/* ---- fault injection -------------------------------------------------- */

static void
test_bad_checksum_once(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[0x100];
	struct pt_err e;

	stub_start(s, false, "-m", "badsum-once", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_pattern(b, sizeof b, 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_true(log_has(s, "detached=1 killed=0 naks=1"));
	}

static void
test_bad_checksum_always(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[16];
	struct pt_err e;

	stub_start(s, false, "-m", "badsum-always", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_string_equal(e.msg, "cannot read physical memory at 0x8000: "
	    "bad checksum (retries exhausted)");
	assert_int_equal(gdbremote_close(&t, &e), -1);
	assert_non_null(strstr(e.msg, "connection lost"));
	stub_finish(s);
	assert_true(log_has(s, "naks=2"));
	}

static void
test_close_mid_packet(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[16];
	struct pt_err e;

	stub_start(s, false, "-m", "close-mid", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_string_equal(e.msg, "cannot read physical memory at 0x8000: "
	    "connection closed by target");
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	assert_int_equal(t.ops->read_reg(t.ctx, "cr3", &(uint64_t){ 0 }, &e),
	    -1);
	t.ops->close(t.ctx);
	stub_finish(s);
	}

static void
test_silent_stub_times_out(void **state)
{
	struct gdbremote_opts o;
	struct stub *s = *state;
	struct target t;
	struct pt_err e;
	struct timespec a, b;
	double ms;

	fast_opts(&o);
	o.reply_timeout_ms = 200;
	stub_start(s, false, "-S", "-m", "silent", (char *)NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(gdbremote_open(s->spec, &o, &t, &e), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms >= 150 && ms < 1500);
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	assert_non_null(strstr(e.msg, "timed out waiting for reply"));
	assert_non_null(strstr(e.msg, "another debugger"));
	stub_finish(s);
	}

static void
test_huge_packet_is_clean_error(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[16];
	struct pt_err e;

	stub_start(s, false, "-m", "huge", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, "packet too long"));
	/* The stream stayed in step: the connection still works. */
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_int_equal(log_count(s, "< D;1"), 1);
	}

static void
test_error_reply_names_address(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[16];
	struct pt_err e;

	stub_start(s, false, "-m", "ereply", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x1234000, b, sizeof b, &e),
	    -1);
	assert_string_equal(e.msg, "cannot read physical memory at "
	    "0x1234000: target replied E14");
	t.ops->close(t.ctx);
	stub_finish(s);
	}

static void
test_no_phymem_support(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	uint8_t b[16];
	struct pt_err e;

	stub_start(s, false, "-m", "nophymem", (char *)NULL);
	open_ok(s, &t);
	gdbremote_get_info(&t, &info);
	assert_false(info.phymem);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, "cannot read physical memory"));
	assert_non_null(strstr(e.msg, "PhyMemMode"));
	assert_int_equal(t.ops->read_virt(t.ctx, 0x9000, b, 5, &e), 0);
	assert_memory_equal(b, "hello", 5);
	t.ops->close(t.ctx);
	stub_finish(s);
	/* Asked in the handshake (unanswered here), never set. */
	assert_int_equal(log_count(s, "< qqemu.PhyMemMode"), 1);
	assert_false(log_has(s, "< Qqemu.PhyMemMode"));
	assert_int_equal(log_count(s, "< D;1"), 1);
	}

/* Modes that must not change any result. */
static void
check_transparent(struct stub *s, const char *mode, bool want_noack)
{
	struct target t;
	struct gdbremote_info info;
	uint8_t *b = calloc(1, 0x2000);
	struct pt_err e;

	stub_start(s, false, "-m", mode, (char *)NULL);
	open_ok(s, &t);
	gdbremote_get_info(&t, &info);
	assert_int_equal(info.noack, want_noack);
	assert_true(info.was_running);
	assert_int_equal(info.nregs, 14);
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	assert_int_equal(reg(&t, "efer"), 0xd01);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x7000, b, 0x2000, &e), 0);
	check_pattern(b + 0x1000, 0x1000, 0);
	for (size_t i = 0; i < 0x1000; i++)
		assert_int_equal(b[i], 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_int_equal(log_count(s, "< D;1"), 1);
	free(b);
}

static void
test_noack_mode(void **state)
{
	check_transparent(*state, "noack", true);
}

static void
test_run_length_replies(void **state)
{
	check_transparent(*state, "rle", false);
}

static void
test_noise_before_replies(void **state)
{
	check_transparent(*state, "noise", false);
}

static void
test_short_memory_replies(void **state)
{
	check_transparent(*state, "short", false);
}

/* PacketSize overstates what `m` takes: E22, then smaller requests. */
static void
test_packet_size_overstated(void **state)
{
	check_transparent(*state, "bigsize", false);
	assert_int_equal(log_count(*state, "< m7000,2000"), 1);
	assert_int_equal(log_count(*state, "< m8000,800"), 1);
}

static void
test_nak_once_retransmits(void **state)
{
	check_transparent(*state, "nak-once", false);
}

static void
test_nak_always_gives_up(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;

	stub_start(s, false, "-m", "nak-always", (char *)NULL);
	assert_int_equal(gdbremote_open(s->spec, NULL, &t, &e), -1);
	assert_non_null(strstr(e.msg, "rejected by target 3 times"));
	stub_finish(s);
	assert_int_equal(log_count(s, "nak qSupported:multiprocess+;swbreak+;"
	    "hwbreak+;vContSupported+"), 3);
	}

/* ---- run control -------------------------------------------------------- */

static void
open_with(struct stub *s, struct target *t, int reply_ms,
    enum gdbremote_resume resume)
{
	struct gdbremote_opts o;

	fast_opts(&o);
	o.reply_timeout_ms = reply_ms;
	o.resume = resume;
	open_opts(s, t, &o);
}

static void
resume_ok(struct target *t, bool step)
{
	struct pt_err e;

	if (t->ops->resume(t->ctx, step, &e) < 0)
		fail_msg("resume: %s", e.msg);
}

/* Wait for a stop that must come within `ms`. */
static void
wait_stop(struct target *t, int ms, struct target_stop *st)
{
	struct pt_err e;
	int rc = t->ops->wait(t->ctx, ms, NULL, NULL, st, &e);

	if (rc < 0)
		fail_msg("wait: %s", e.msg);
	if (rc == 0)
		fail_msg("wait: no stop within %d ms", ms);
}

/* Counts its calls; says "stop" from the `after`th on. */
struct cancel_count {
	int calls, after;
};

static bool
cancel_after(void *ctx)
{
	struct cancel_count *c = ctx;

	return ++c->calls >= c->after;
}

/*
 * Console output while the guest runs is acked at once: a stub that
 * waits for that ack sends the stop only then.
 */
static void
test_console_output_acked_while_running(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct pt_err e;

	stub_start(s, false, "-t", "50:O6869|T05thread:p01.01;", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, false);
	wait_stop(&t, 1000, &st);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_false(log_has(s, "no ack for console output"));
	assert_true(log_has(s, "> T05thread:p01.01;"));
}

/* Two vCPUs; breakpoint stops scripted 50 ms after each continue. */
static void
test_resume_and_wait(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct timespec a;
	struct pt_err e;
	uint64_t gen, v;
	char *out;

	stub_start(s, false, "-c", "2", "-t", "50:T05thread:p01.01;",
	    "-t", "50:T05thread:p01.02;", (char *)NULL);
	open_ok(s, &t);
	assert_false(t.ops->running(t.ctx));
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	gen = t.stop_gen;
	resume_ok(&t, false);
	assert_true(t.ops->running(t.ctx));
	assert_true(t.stop_gen > gen);

	/* Nothing but waiting and interrupting while it runs. */
	assert_int_equal(t.ops->read_reg(t.ctx, "rip", &v, &e), -1);
	assert_string_equal(e.msg, "the guest is running; 'interrupt' stops "
	    "it");
	assert_int_equal(e.kind, PT_EXIT_USAGE);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x1000, &v, 8, &e), -1);
	assert_non_null(strstr(e.msg, "the guest is running"));
	assert_int_equal(t.ops->monitor(t.ctx, "info status", &out, &e), -1);
	assert_non_null(strstr(e.msg, "the guest is running"));
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_SW, 0x1000,
	    1, &e), -1);
	assert_non_null(strstr(e.msg, "the guest is running"));
	assert_int_equal(t.ops->select_cpu(t.ctx, 1, &e), -1);
	assert_non_null(strstr(e.msg, "the guest is running"));
	assert_int_equal(t.ops->resume(t.ctx, false, &e), -1);
	assert_string_equal(e.msg, "the guest is already running");

	gen = t.stop_gen;
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.signal, 5);
	assert_int_equal(st.cpu, 0);
	assert_false(st.watch);
	assert_false(st.exited);
	assert_string_equal(st.reply, "T05thread:p01.01;");
	assert_false(t.ops->running(t.ctx));
	assert_true(t.stop_gen > gen);
	assert_int_equal(t.ops->wait(t.ctx, 10, NULL, NULL, &st, &e), -1);
	assert_string_equal(e.msg, "the guest is not running");

	/* A stop on the second vCPU makes it the current one. */
	resume_ok(&t, false);
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.cpu, 1);
	assert_int_equal(t.ops->cpu_current(t.ctx), 1);
	assert_int_equal(reg(&t, "cr3"), 0x5000);

	/* No stop scripted: it runs until interrupted. */
	resume_ok(&t, false);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(t.ops->wait(t.ctx, 150, NULL, NULL, &st, &e), 0);
	assert_true(ms_since(&a) >= 140);
	assert_true(t.ops->running(t.ctx));
	assert_int_equal(t.ops->interrupt(t.ctx, &e), 0);
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.signal, 2);
	assert_int_equal(st.cpu, 1);
	assert_false(t.ops->running(t.ctx));
	assert_int_equal(t.ops->interrupt(t.ctx, &e), -1);
	assert_string_equal(e.msg, "the guest is not running");

	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	/* Not one packet while it ran: each continue is followed by its
	 * stop; the registers of the new vCPU are read after that one. */
	assert_int_equal(log_count(s, "< vCont;c"), 3);
	log_seq(s, "< vCont;c", "> T05thread:p01.01;", "< vCont;c",
	    "> T05thread:p01.02;", "< g");
	log_seq(s, "< vCont;c", "interrupt", "> T02thread:p01.02;", "< D;1");
	assert_int_equal(log_count(s, "interrupt"), 1);
	assert_false(log_has(s, "dropped"));
	assert_true(log_has(s, "detached=1 killed=0"));
}

/* The cancel callback asks once; 0x03 goes out once, T02 comes late. */
static void
test_wait_cancel_interrupts_once(void **state)
{
	struct stub *s = *state;
	struct cancel_count cc = { 0, 2 };
	struct target t;
	struct target_stop st;
	struct timespec a;
	struct pt_err e;

	stub_start(s, false, "-d", "250", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, false);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(t.ops->wait(t.ctx, -1, cancel_after, &cc, &st, &e),
	    1);
	assert_true(ms_since(&a) >= 250);
	assert_int_equal(st.signal, 2);
	assert_int_equal(st.cpu, 0);
	assert_string_equal(st.reply, "T02thread:p01.01;");
	assert_int_equal(cc.calls, 2);
	assert_false(t.ops->running(t.ctx));
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_int_equal(log_count(s, "interrupt"), 1);
	log_seq(s, "< vCont;c", "interrupt", "> T02thread:p01.01;", "< D;1");
}

/* A stub deaf to 0x03: the wait gives up after the reply timeout. */
static void
test_wait_interrupt_unanswered(void **state)
{
	struct stub *s = *state;
	struct cancel_count cc = { 0, 1 };
	struct target t;
	struct target_stop st;
	struct timespec a;
	struct pt_err e;
	double ms;

	stub_start(s, false, "-m", "deaf", (char *)NULL);
	open_with(s, &t, 300, GDBREMOTE_RESUME_AUTO);
	resume_ok(&t, false);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(t.ops->wait(t.ctx, 50, cancel_after, &cc, &st, &e),
	    -1);
	ms = ms_since(&a);
	assert_true(ms >= 290 && ms < 1500);
	assert_string_equal(e.msg, "the guest did not stop after an "
	    "interrupt");
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	assert_false(gdbremote_alive(&t));
	assert_int_equal(gdbremote_close(&t, &e), -1);
	assert_non_null(strstr(e.msg, "connection lost"));
	stub_finish(s);
	assert_int_equal(log_count(s, "interrupt"), 1);
	assert_false(log_has(s, "< D"));
}

/* A step names the current vCPU; the stop names the stepped one. */
static void
test_step(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct pt_err e;

	stub_start(s, false, "-c", "2", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, true);
	assert_true(t.ops->running(t.ctx));
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.signal, 5);
	assert_int_equal(st.cpu, 0);
	assert_int_equal(t.ops->select_cpu(t.ctx, 1, &e), 0);
	resume_ok(&t, true);
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.cpu, 1);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "< vCont;s:p1.1", "> T05thread:p01.01;");
	log_seq(s, "< Hgp1.2", "< vCont;s:p1.2", "> T05thread:p01.02;",
	    "< D;1");

	/* Without multiprocess the id is bare. */
	stub_start(s, false, "-m", "nomp", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, true);
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.cpu, 0);
	t.ops->close(t.ctx);
	stub_finish(s);
	log_seq(s, "< vCont;s:1", "> T05thread:01;", "< D");
}

/* Stop replies as QEMU words them, one scripted per continue. */
static void
test_stop_reply_parsing(void **state)
{
	static const struct {
		const char *script;	/* the stub's -t */
		int signal, cpu;
		bool watch;
		enum target_point type;
		uint64_t addr;
	} cases[] = {
		{ "20:T05thread:p01.01;watch:1000;", 5, 0, true,
		    TARGET_WATCH_WRITE, 0x1000 },
		{ "20:T05thread:p01.01;rwatch:2000;", 5, 0, true,
		    TARGET_WATCH_READ, 0x2000 },
		{ "20:T05thread:p01.02;awatch:ffffffff81000000;", 5, 1, true,
		    TARGET_WATCH_ACCESS, 0xffffffff81000000ull },
		{ "20:T05thread:p01.01;", 5, 0, false, 0, 0 },
		/* No thread: the current vCPU, the one that stopped last. */
		{ "20:S05", 5, 0, false, 0, 0 },
		{ "20:T05thread:02;swbreak:;", 5, 1, false, 0, 0 },
	};
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct pt_err e;
	size_t i;

	stub_start(s, false, "-c", "2", "-t", cases[0].script, "-t",
	    cases[1].script, "-t", cases[2].script, "-t", cases[3].script,
	    "-t", cases[4].script, "-t", cases[5].script, (char *)NULL);
	open_ok(s, &t);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		resume_ok(&t, false);
		wait_stop(&t, 1000, &st);
		if (st.signal != cases[i].signal || st.cpu != cases[i].cpu ||
		    st.watch != cases[i].watch || st.exited ||
		    (st.watch && (st.watch_type != cases[i].type ||
		    st.watch_addr != cases[i].addr)) ||
		    strcmp(st.reply, strchr(cases[i].script, ':') + 1) != 0)
			fail_msg("%s: signal %d cpu %d watch %d type %d addr "
			    "%#llx reply '%s'", cases[i].script, st.signal,
			    st.cpu, st.watch, (int)st.watch_type,
			    (unsigned long long)st.watch_addr, st.reply);
	}
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_int_equal(log_count(s, "< vCont;c"), 6);
}

/* Z/z as QEMU takes them; close removes what is left before `D`. */
static void
test_points(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;

	stub_start(s, false, (char *)NULL);
	open_ok(s, &t);
	/* Breakpoints: kind 1 (int3), whatever length is passed. */
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_SW,
	    0xffffffff81000000ull, 8, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_HW,
	    0xffffffff81000010ull, 1, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_WRITE,
	    0x1000, 8, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_READ,
	    0x2000, 4, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_ACCESS,
	    0x3000, 2, &e), 0);
	assert_int_equal(t.ops->remove_point(t.ctx, TARGET_WATCH_READ,
	    0x2000, 4, &e), 0);
	/* The stub knows no such point. */
	assert_int_equal(t.ops->remove_point(t.ctx, TARGET_BREAK_SW, 0x1234,
	    1, &e), -1);
	assert_string_equal(e.msg, "z0,1234,1: target replied E22");
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "< Z0,ffffffff81000000,1", "< Z1,ffffffff81000010,1",
	    "< Z2,1000,8", "< Z3,2000,4", "< Z4,3000,2", "< z3,2000,4",
	    "< z0,1234,1");
	assert_int_equal(log_count(s, "< z3,2000,4"), 1);
	log_order(s, "< z0,1234,1", "< z0,ffffffff81000000,1", "< D;1");
	log_order(s, "< z0,1234,1", "< z1,ffffffff81000010,1", "< D;1");
	log_order(s, "< z0,1234,1", "< z2,1000,8", "< D;1");
	log_order(s, "< z0,1234,1", "< z4,3000,2", "< D;1");
	assert_int_equal(log_count(s, "< D;1"), 1);

	/* Left stopped (no `D` to clear them): the stub ends with none. */
	stub_start(s, false, "-S", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_SW, 0x1000,
	    1, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_WRITE,
	    0x2000, 8, &e), 0);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	assert_false(log_has(s, "< D"));
	assert_true(log_has(s, "running=0 points=0"));
}

static void
test_points_unsupported(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;

	stub_start(s, false, "-m", "nopoints", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_SW, 0x1000,
	    1, &e), -1);
	assert_string_equal(e.msg, "the gdbstub does not support this "
	    "breakpoint kind");
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_WRITE,
	    0x1000, 8, &e), -1);
	assert_string_equal(e.msg, "the gdbstub does not support this "
	    "watchpoint kind");
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	/* Nothing was inserted, so nothing is removed. */
	assert_false(log_has(s, "< z"));
	log_seq(s, "< Z0,1000,1", "< Z2,1000,8", "< D;1");
}

/* Closing a guest we left running: stop it, remove points, then D. */
static void
test_close_running_with_points(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;

	stub_start(s, false, (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_BREAK_SW,
	    0xffffffff81000000ull, 1, &e), 0);
	assert_int_equal(t.ops->insert_point(t.ctx, TARGET_WATCH_WRITE,
	    0x1000, 8, &e), 0);
	resume_ok(&t, false);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "< vCont;c", "interrupt", "> T02thread:p01.01;");
	log_order(s, "> T02thread:p01.01;", "< z0,ffffffff81000000,1",
	    "< D;1");
	log_order(s, "> T02thread:p01.01;", "< z2,1000,8", "< D;1");
	assert_int_equal(log_count(s, "interrupt"), 1);
	assert_false(log_has(s, "dropped"));
	assert_true(log_has(s, "detached=1"));
}

/* ---- a guest started behind ptdump's back ----------------------------- */

/*
 * `-R` with this starts the guest once the qAttached of a settle has
 * been answered: the stub's way of someone typing `cont` in QEMU's
 * monitor.  (A request answered in one packet, and sent alone.)
 */
#define START_BEHIND_BACK "qAttached"

static void
start_behind_back(struct target *t)
{
	struct pt_err e;

	if (t->ops->settle(t->ctx, &e) < 0)
		fail_msg("settle: %s", e.msg);
	assert_false(t->ops->running(t->ctx));
}

/*
 * Someone typed `cont` in QEMU's monitor after we attached.  Our `D;1`
 * stops the guest instead of being read (T02); sent again, it detaches.
 */
static void
test_close_guest_started_behind_back(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct timespec a;
	struct pt_err e;
	double ms;

	stub_start(s, false, "-R", START_BEHIND_BACK, (char *)NULL);
	open_ok(s, &t);
	start_behind_back(&t);
	assert_false(t.ops->running(t.ctx));
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	ms = ms_since(&a);
	assert_true(ms >= 250 && ms < 1500);	/* one RSP_DROPPED_MS */
	stub_finish(s);
	log_seq(s, "< " START_BEHIND_BACK, "run", "> T02thread:p01.01;",
	    "dropped D;1", "< D;1");
	assert_int_equal(log_count(s, "< D;1"), 1);
	assert_true(log_has(s, "detached=1 killed=0 naks=0 running=1"));
}

/*
 * Found stopped (-S), started behind our back: the first request stops
 * it, and close lets it run again.  That request is the `g` at the head
 * of registers asked in flight: it goes again, and since the `p`s after
 * it were answered before it, they are asked again too.
 */
static void
test_request_after_guest_started_behind_back(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct gdbremote_info info;
	struct pt_err e;

	stub_start(s, false, "-S", "-R", START_BEHIND_BACK, (char *)NULL);
	open_ok(s, &t);
	start_behind_back(&t);
	gdbremote_get_info(&t, &info);
	assert_false(info.was_running);
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	gdbremote_get_info(&t, &info);
	assert_true(info.was_running);
	assert_false(t.ops->running(t.ctx));
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "run", "> T02thread:p01.01;", "dropped g", "< p15");
	log_order(s, "dropped g", "< p15", "< g", "< g", "< p15");
	assert_int_equal(log_count(s, "< g"), 2);
	assert_int_equal(log_count(s, "< D;1"), 1);
	assert_true(log_has(s, "detached=1"));
}

/* `monitor cont` starts the guest: ptdump sees it and lets it run. */
static void
test_monitor_cont_starts_guest(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;
	uint64_t v;
	char *out;

	stub_start(s, false, "-S", (char *)NULL);
	open_ok(s, &t);
	assert_int_equal(t.ops->monitor(t.ctx, "cont", &out, &e), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(t.ops->settle(t.ctx, &e), 0);
	assert_true(t.ops->running(t.ctx));
	assert_int_equal(t.ops->read_reg(t.ctx, "cr3", &v, &e), -1);
	assert_non_null(strstr(e.msg, "the guest is running"));
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "< qRcmd,636f6e74", "run", "> T02thread:p01.01;",
	    "dropped qAttached", "< qAttached", "< vCont;c", "interrupt",
	    "> T02thread:p01.01;", "< D;1");
	assert_true(log_has(s, "detached=1"));
}

/* A continue while the guest runs behind our back: the stop its packet
 * caused is not the stop of the continue. */
static void
test_resume_guest_started_behind_back(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct pt_err e;

	stub_start(s, false, "-S", "-R", START_BEHIND_BACK, "-t",
	    "100:T05thread:p01.01;", (char *)NULL);
	open_ok(s, &t);
	start_behind_back(&t);
	resume_ok(&t, false);
	wait_stop(&t, 1000, &st);
	assert_int_equal(st.signal, 5);
	assert_string_equal(st.reply, "T05thread:p01.01;");
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "run", "> T02thread:p01.01;", "dropped vCont;c",
	    "< vCont;c", "> T05thread:p01.01;");
	/* It was found running: it runs again. */
	assert_int_equal(log_count(s, "< D;1"), 1);
}

/* A monitor command while the guest runs behind our back. */
static void
test_monitor_guest_started_behind_back(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;
	char *out;

	stub_start(s, false, "-S", "-R", START_BEHIND_BACK, (char *)NULL);
	open_ok(s, &t);
	start_behind_back(&t);
	if (t.ops->monitor(t.ctx, "info registers", &out, &e) < 0)
		fail_msg("monitor: %s", e.msg);
	assert_string_equal(out, "CR0=0000000080050033\r\n"
	    "CR2=000000000dead000\r\nCR3=0000000000001000\r\n");
	free(out);
	/* As the monitor command does after a user's command. */
	assert_int_equal(t.ops->settle(t.ctx, &e), 0);
	assert_false(t.ops->running(t.ctx));
	/* The stream is in step. */
	assert_int_equal(reg(&t, "cr3"), 0x1000);
	assert_int_equal(gdbremote_close(&t, &e), 0);
	stub_finish(s);
	log_seq(s, "run", "> T02thread:p01.01;", "dropped qRcmd,696e666f2072"
	    "6567697374657273", "< qRcmd,696e666f20726567697374657273",
	    "< qAttached");
	assert_int_equal(log_count(s, "< D;1"), 1);
}

/* ---- the guest ends or the stub goes away ------------------------------ */

static void
check_exit(struct stub *s, const char *script, int status)
{
	struct target t;
	struct target_stop st;
	struct pt_err e;

	stub_start(s, false, "-t", script, (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, false);
	wait_stop(&t, 1000, &st);
	assert_true(st.exited);
	assert_int_equal(st.exit_status, status);
	assert_false(t.ops->running(t.ctx));
	if (gdbremote_close(&t, &e) < 0)
		fail_msg("close after %s: %s", script, e.msg);
	stub_finish(s);
	assert_false(log_has(s, "< D"));
}

static void
test_exit_while_waiting(void **state)
{
	check_exit(*state, "30:W00", 0);
	check_exit(*state, "30:X09", 9);
}

/* The guest ends just as close interrupts it (over TCP, where writing to
 * a stub that is gone still succeeds). */
static void
test_exit_during_close(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct pt_err e;
	int rc;

	stub_start(s, true, "-t", "0:W00", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, false);
	nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	memset(&e, 0, sizeof e);
	strcpy(e.msg, "unset");
	rc = gdbremote_close(&t, &e);
	if (rc < 0)
		fail_msg("close: %s", e.msg);
	stub_finish(s);
}

static void
test_hangup_while_running(void **state)
{
	struct stub *s = *state;
	struct target t;
	struct target_stop st;
	struct pt_err e;

	stub_start(s, false, "-t", "50:close", (char *)NULL);
	open_ok(s, &t);
	resume_ok(&t, false);
	assert_int_equal(t.ops->wait(t.ctx, 1000, NULL, NULL, &st, &e), -1);
	assert_string_equal(e.msg, "waiting for the guest to stop: "
	    "connection closed by target");
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	assert_false(gdbremote_alive(&t));
	if (gdbremote_close(&t, &e) < 0 &&
	    strncmp(e.msg, "connection lost", 15) != 0)
		fail_msg("close: %s", e.msg);
	stub_finish(s);
	assert_true(log_has(s, "hangup"));
}

/* ---- addresses and connecting ------------------------------------------ */

static void
test_bad_specs_are_usage_errors(void **state)
{
	static const char *bad[] = {
		"x", "", "1234", "host:", "host:0", "host:65536", "host:12ab",
		"::1:1234", "[::1]1234", "[]:1", "[host]:1", "unix:",
	};
	struct target t;
	struct pt_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (gdbremote_open(bad[i], NULL, &t, &e) != -1)
			fail_msg("'%s' accepted", bad[i]);
		if (e.kind != PT_EXIT_USAGE)
			fail_msg("'%s': kind %d (%s)", bad[i], e.kind, e.msg);
	}
	gdbremote_open("x", NULL, &t, &e);
	assert_string_equal(e.msg,
	    "bad target 'x': expected HOST:PORT or unix:PATH");
}

static void
test_parse_forms(void **state)
{
	struct net_addr a;
	struct pt_err e;

	(void)state;
		assert_int_equal(net_parse(":1234", &a, &e), 0);
	assert_int_equal(a.kind, NET_TCP);
	assert_string_equal(a.host, "127.0.0.1");
	assert_string_equal(a.port, "1234");
	assert_string_equal(a.text, "127.0.0.1:1234");
	assert_int_equal(net_parse("localhost:80", &a, &e), 0);
	assert_string_equal(a.host, "localhost");
	assert_int_equal(net_parse("[::1]:1234", &a, &e), 0);
	assert_string_equal(a.host, "::1");
	assert_string_equal(a.text, "[::1]:1234");
	assert_int_equal(net_parse("tcp::1234", &a, &e), 0);
	assert_string_equal(a.text, "127.0.0.1:1234");
	assert_int_equal(net_parse("tcp:10.0.0.2:99", &a, &e), 0);
	assert_string_equal(a.text, "10.0.0.2:99");
	assert_int_equal(net_parse("unix:/tmp/q.sock", &a, &e), 0);
	assert_int_equal(a.kind, NET_UNIX);
	assert_string_equal(a.path, "/tmp/q.sock");
	assert_string_equal(a.text, "unix:/tmp/q.sock");
}

static void
test_connect_failures(void **state)
{
	struct target t;
	struct pt_err e;
	int fd;

	(void)state;
		assert_int_equal(gdbremote_open("127.0.0.1:1", NULL, &t, &e), -1);
	assert_string_equal(e.msg,
	    "cannot connect to 127.0.0.1:1: Connection refused");
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	fd = net_open("unix:/nonexistent/sock", 1000, &e);
	assert_int_equal(fd, -1);
	assert_string_equal(e.msg, "cannot connect to unix:/nonexistent/sock: "
	    "No such file or directory");
	fd = net_open("[::1]:1", 1000, &e);
	assert_int_equal(fd, -1);
	assert_int_equal(e.kind, PT_EXIT_TARGET);
}

/*
 * A listener that never accepts, with a full queue, drops new SYNs: the
 * connect hangs until our timeout.
 */
static void
test_connect_timeout(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct pt_err e;
	char spec[32], want[96];
	int lfd, fds[16], n, fd = 0;

	(void)state;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(spec, sizeof spec, "127.0.0.1:%d", ntohs(sin.sin_port));
	for (n = 0; n < 16; n++) {
		if ((fd = net_open(spec, 200, &e)) < 0)
			break;
		fds[n] = fd;
	}
	assert_int_equal(fd, -1);
	snprintf(want, sizeof want, "timed out connecting to %s (200 ms)",
	    spec);
	assert_string_equal(e.msg, want);
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	while (n-- > 0)
		close(fds[n]);
	close(lfd);
}

static void
test_thread_ids(void **state)
{
	struct gdbremote_thread th;
	const char *end;
	char buf[40];

	(void)state;
		assert_int_equal(gdbremote_parse_thread("p01.01;", &end, &th), 0);
	assert_int_equal(th.pid, 1);
	assert_int_equal(th.tid, 1);
	assert_string_equal(end, ";");
	assert_int_equal(gdbremote_parse_thread("0a", &end, &th), 0);
	assert_int_equal(th.pid, 0);
	assert_int_equal(th.tid, 10);
	assert_int_equal(gdbremote_parse_thread("p1.-1", NULL, &th), 0);
	assert_int_equal(th.tid, -1);
	assert_int_equal(gdbremote_parse_thread("-1", NULL, &th), 0);
	assert_int_equal(th.tid, -1);
	assert_int_equal(gdbremote_parse_thread("p2", NULL, &th), 0);
	assert_int_equal(th.pid, 2);
	assert_int_equal(th.tid, -1);
	assert_int_equal(gdbremote_parse_thread("zz", NULL, &th), -1);
	assert_int_equal(gdbremote_parse_thread("p.1", NULL, &th), -1);
	assert_int_equal(gdbremote_parse_thread("11112222333344445", NULL,
	    &th), -1);
	th.pid = 1;
	th.tid = 0x1f;
	gdbremote_format_thread(&th, true, buf, sizeof buf);
	assert_string_equal(buf, "p1.1f");
	gdbremote_format_thread(&th, false, buf, sizeof buf);
	assert_string_equal(buf, "1f");
	th.tid = -1;
	gdbremote_format_thread(&th, true, buf, sizeof buf);
	assert_string_equal(buf, "p1.-1");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)


/* ---- guest RAM read straight from the stub's memory ------------------- */

/* Open with --ram-access `ram` (and --guest-ram `file`). */
static void
open_ram(struct stub *s, struct target *t, enum gdbremote_ram ram,
    const char *file)
{
	struct gdbremote_opts o;

	fast_opts(&o);
	o.ram = ram;
	o.guest_ram = file;
	open_opts(s, t, &o);
}

static void
check_ram_access(struct target *t, const char *prefix)
{
	struct gdbremote_info info;

	gdbremote_get_info(t, &info);
	if (strncmp(info.ram_access, prefix, strlen(prefix)) != 0)
		fail_msg("RAM is read by '%s', want '%s...'", info.ram_access,
		    prefix);
}

#define INFO_CPUS "< qRcmd,696e666f2063707573"	/* info cpus */

/*
 * The first read goes both ways (4 `m` packets of 2 KiB for 8 KiB);
 * after that no `m` packet is sent for RAM, only past it.
 */
static void
check_direct(struct stub *s, bool tcp)
{
	struct target t;
	const struct memmap *m;
	uint8_t b[0x2000];
	struct pt_err e;

	stub_start(s, tcp, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, NULL);
	check_ram_access(&t, "not chosen yet");
	assert_int_equal(t.ops->read_phys(t.ctx, 0x7000, b, sizeof b, &e), 0);
	check_pattern(b + 0x1000, 0x1000, 0);
	check_ram_access(&t, "direct (/proc/");
	memset(b, 0, sizeof b);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, 0x1000, &e), 0);
	check_pattern(b, 0x1000, 0);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x9000, b, 27, &e), 0);
	assert_string_equal((char *)b, "hello from physical 0x9000");
	/* Past RAM: the gdbstub answers (zeros). */
	memset(b, 0xff, sizeof b);
	assert_int_equal(t.ops->read_phys(t.ctx, 0xff00, b, 0x200, &e), 0);
	for (size_t i = 0x100; i < 0x200; i++)
		assert_int_equal(b[i], 0);
	/* The map: the system view's RAM, not the VGA view's. */
	assert_int_equal(t.ops->memmap(t.ctx, &m, &e), 0);
	assert_int_equal(m->n, 2);
	assert_int_equal(memmap_ram_end(m), 0x8000);
	t.ops->close(t.ctx);
	stub_finish(s);
	/* No `m` for RAM but the check's: the gdbstub's own reading of
	 * the first read's page (PhyMemMode set and put back around it),
	 * asked with the map and gpa2hva; then the read past RAM. */
	assert_int_equal(log_count(s, "< m7000,800"), 1);
	assert_int_equal(log_count(s, "< m7800,800"), 1);
	assert_int_equal(log_count(s, "< m8000,800"), 0);
	assert_int_equal(log_count(s, "< m9000,1b"), 0);
	assert_int_equal(log_count(s, "< mff00,200"), 1);
	if (tcp) {
		/* Over TCP, `info cpus` names the stub's thread, which
		 * holds the socket: no look through every process. */
		log_seq(s, "< qRcmd,696e666f206d74726565202d66",
		    "< qRcmd,6770613268766120307837303030",
		    INFO_CPUS, "< Qqemu.PhyMemMode:1", "< m7000,800",
		    "< m7800,800", "< Qqemu.PhyMemMode:0");
	} else {
		/* A unix socket names its peer (SO_PEERCRED). */
		log_seq(s, "< qRcmd,696e666f206d74726565202d66", /* info mtree -f */
		    "< qRcmd,6770613268766120307837303030",	/* gpa2hva 0x7000 */
		    "< Qqemu.PhyMemMode:1", "< m7000,800", "< m7800,800",
		    "< Qqemu.PhyMemMode:0");
		assert_false(log_has(s, INFO_CPUS));
	}
	assert_false(log_has(s, "xp /"));
	/* PhyMemMode was set for the `m` read past RAM and put back. */
	assert_int_equal(log_count(s, "< Qqemu.PhyMemMode:1"), 2);
	log_order(s, "< mff00,200", "< Qqemu.PhyMemMode:0", "< D;1");
	assert_true(log_has(s, "final phymem=0"));
}

static void
test_direct_over_unix_socket(void **state)
{
	check_direct(*state, false);
}

static void
test_direct_over_tcp(void **state)
{
	check_direct(*state, true);
}

/* A stub in `mode` read at 0x8000 with --ram-access direct: it works. */
static void
direct_read_ok(struct stub *s, bool tcp, const char *mode)
{
	struct target t;
	uint8_t b[0x1000];
	struct pt_err e;

	stub_start(s, tcp, "-m", mode, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, NULL);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_pattern(b, 0x1000, 0);
	check_ram_access(&t, "direct (/proc/");
	t.ops->close(t.ctx);
	stub_finish(s);
}

/*
 * A thread id from `info cpus` counts only if its process holds the
 * socket: here it names the test's own process, which /proc/PID/mem
 * would read wrong; the stub is found by looking through every process.
 */
static void
test_direct_over_tcp_wrong_thread(void **state)
{
	struct stub *s = *state;

	direct_read_ok(s, true, "badtid");
	assert_true(log_has(s, INFO_CPUS));
	/* The check's reads only. */
	assert_int_equal(log_count(s, "< m8000,800"), 1);
	assert_int_equal(log_count(s, "< m8800,800"), 1);
}

/* A stub whose map or addresses are wrong: auto reads with `m` as if
 * nothing happened; direct says why it cannot. */
static void
check_direct_refused(struct stub *s, const char *mode, const char *why)
{
	struct target t;
	uint8_t b[0x1000];
	struct pt_err e;

	stub_start(s, false, "-m", mode, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_AUTO, NULL);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_pattern(b, 0x1000, 0);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_ram_access(&t, "rsp");
	t.ops->close(t.ctx);
	stub_finish(s);
	/* The check's read, then the two reads by packets. */
	assert_int_equal(log_count(s, "< m8000,800"), 3);

	stub_start(s, false, "-m", mode, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, NULL);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	if (strstr(e.msg, why) == NULL || strstr(e.msg, "--ram-access "
	    "direct") == NULL)
		fail_msg("error '%s' lacks '%s'", e.msg, why);
	/* And again: never `m` packets instead. */
	memset(&e, 0, sizeof e);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, why));
	t.ops->close(t.ctx);
	stub_finish(s);
	assert_int_equal(log_count(s, "< D;1"), 1);
	/* The check's one read of 0x8000, and no reads by packets. */
	assert_int_equal(log_count(s, "< m8000,800"), 1);
	assert_int_equal(log_count(s, "< m8800,800"), 1);
}

static void
test_direct_wrong_address_refused(void **state)
{
	check_direct_refused(*state, "badhva", "disagrees with the gdbstub");
}

/* The check reads the end of the page too, not only its start. */
static void
test_direct_tail_mismatch_refused(void **state)
{
	check_direct_refused(*state, "m-tail", "disagrees with the gdbstub "
	    "at guest-physical 0x8ff8");
}

/*
 * A gdbstub without the physical-memory mode: QEMU's `xp` checks the
 * first read instead (its first and last 256 bytes), and `xp` showing
 * other bytes at the end of the page is refused.
 */
static void
test_direct_checked_by_xp_without_phymem(void **state)
{
	struct stub *s = *state;
	struct target t;
	uint8_t b[0x1000];
	struct pt_err e;

	direct_read_ok(s, false, "nophymem");
	log_seq(s, "< qRcmd,6770613268766120307838303030",	/* gpa2hva 0x8000 */
	    "< qRcmd,7870202f3332786720307838303030",	/* xp /32xg 0x8000 */
	    "< qRcmd,7870202f3332786720307838663030");	/* xp /32xg 0x8f00 */
	assert_false(log_has(s, "< m8000"));

	stub_start(s, false, "-m", "nophymem", "-m", "xp-tail", (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, NULL);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, "disagrees with the gdbstub at "
	    "guest-physical 0x8f00"));
	t.ops->close(t.ctx);
	stub_finish(s);
}

static void
test_direct_no_memory_map_refused(void **state)
{
	check_direct_refused(*state, "nomtree", "no RAM at guest address 0");
}

/* --guest-ram: the stub's memory lives in a shared file. */
static void
test_guest_ram_file(void **state)
{
	struct stub *s = *state;
	char file[64], other[64];
	struct target t;
	uint8_t b[0x1000];
	struct pt_err e;
	int fd;

	snprintf(file, sizeof file, "/tmp/ptdump-ram.XXXXXX");
	assert_true((fd = mkstemp(file)) >= 0);
	close(fd);
	stub_start(s, false, "-F", file, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, file);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_pattern(b, 0x1000, 0);
	check_ram_access(&t, "direct (/tmp/ptdump-ram.");
	t.ops->close(t.ctx);
	stub_finish(s);
	/* The check's reads only, the mode set and put back around them. */
	assert_int_equal(log_count(s, "< m8000,800"), 1);
	assert_int_equal(log_count(s, "< m8800,800"), 1);
	log_seq(s, "< Qqemu.PhyMemMode:1", "< m8000,800", "< m8800,800",
	    "< Qqemu.PhyMemMode:0");

	/* Another file of the same size: not the guest's RAM. */
	snprintf(other, sizeof other, "/tmp/ptdump-ram.XXXXXX");
	assert_true((fd = mkstemp(other)) >= 0);
	assert_int_equal(ftruncate(fd, 0x10000), 0);
	close(fd);
	stub_start(s, false, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_AUTO, other);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), 0);
	check_pattern(b, 0x1000, 0);
	check_ram_access(&t, "rsp");
	t.ops->close(t.ctx);
	stub_finish(s);
	stub_start(s, false, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, other);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, "disagrees with the gdbstub"));
	t.ops->close(t.ctx);
	stub_finish(s);

	/* Too small to hold guest RAM. */
	assert_int_equal(truncate(other, 0x4000), 0);
	stub_start(s, false, (char *)NULL);
	open_ram(s, &t, GDBREMOTE_RAM_DIRECT, other);
	assert_int_equal(t.ops->read_phys(t.ctx, 0x8000, b, sizeof b, &e), -1);
	assert_non_null(strstr(e.msg, "smaller than guest RAM"));
	t.ops->close(t.ctx);
	stub_finish(s);
	unlink(file);
	unlink(other);
}

/* ---- requests in flight ------------------------------------------------ */

struct tracebuf {
	char text[16384];
	size_t len;
};

/* Keep the trace's notes and its closing stats, one per line. */
static void
trace_keep(void *ctx, enum rsp_trace_kind kind, const char *text, size_t len)
{
	struct tracebuf *tb = ctx;

	if (kind != RSP_TRACE_NOTE && kind != RSP_TRACE_STATS)
		return;
	if (tb->len + len + 2 > sizeof tb->text)
		return;
	memcpy(tb->text + tb->len, text, len);
	tb->len += len;
	tb->text[tb->len++] = '\n';
	tb->text[tb->len] = '\0';
}

/* Open with a trace kept in tb. */
static void
open_traced(struct stub *s, struct target *t, struct tracebuf *tb)
{
	struct gdbremote_opts o;

	fast_opts(&o);
	o.trace = trace_keep;
	o.trace_ctx = tb;
	open_opts(s, t, &o);
}

/* The round trips of a closed connection's trace. */
static unsigned long
round_trips(const struct tracebuf *tb)
{
	const char *rt = strstr(tb->text, "round trips ");

	if (rt == NULL)
		fail_msg("no stats in the trace:\n%s", tb->text);
	return strtoul(rt + 12, NULL, 10);
}

/*
 * Sixteen pages read as one batch: the same bytes as one at a time,
 * and as the stub has them.  In flight (a few round trips more than a
 * connection that reads nothing) only if the stub answers in order;
 * otherwise one round trip per `m`, 32 or more.
 */
static void
check_batch(struct stub *s, const char *mode, bool want_pipe,
    const char *log_want)
{
	struct target_read r[16];
	struct tracebuf tb = { .len = 0 }, idle = { .len = 0 };
	struct target t;
	struct pt_err e;
	uint8_t *many = calloc(16, 0x1000), *one = malloc(0x1000);
	unsigned long trips;

	assert_non_null(many);
	assert_non_null(one);
	stub_start(s, false, mode != NULL ? "-m" : (char *)NULL, mode,
	    (char *)NULL);
	open_traced(s, &t, &idle);
	t.ops->close(t.ctx);
	stub_finish(s);

	stub_start(s, false, mode != NULL ? "-m" : (char *)NULL, mode,
	    (char *)NULL);
	open_traced(s, &t, &tb);
	for (size_t i = 0; i < 16; i++)
		r[i] = (struct target_read){ .pa = 0x1000 * i,
		    .buf = many + 0x1000 * i, .len = 0x1000, .rc = 1 };
	if (t.ops->read_phys_many(t.ctx, r, 16, &e) < 0)
		fail_msg("batch: %s; trace:\n%s", e.msg, tb.text);
	t.ops->close(t.ctx);
	stub_finish(s);
	if (log_want != NULL && !log_has(s, log_want))
		fail_msg("stub log lacks '%s':\n%s", log_want, s->logtext);
	if (strstr(tb.text, want_pipe ? "the stub answers them in order" :
	    "one at a time from now on") == NULL)
		fail_msg("trace lacks the probe's verdict:\n%s", tb.text);
	trips = round_trips(&tb) - round_trips(&idle);
	if (want_pipe ? trips > 16 : trips < 32)
		fail_msg("the batch took %lu round trips:\n%s", trips,
		    tb.text);

	stub_start(s, false, (char *)NULL);
	open_ok(s, &t);
	for (size_t i = 0; i < 16; i++) {
		if (r[i].rc != 0)
			fail_msg("page %zu not read; trace:\n%s", i, tb.text);
		assert_int_equal(t.ops->read_phys(t.ctx, 0x1000 * i, one,
		    0x1000, &e), 0);
		assert_memory_equal(one, many + 0x1000 * i, 0x1000);
	}
	t.ops->close(t.ctx);
	stub_finish(s);
	check_pattern(many + 0x8000, 0x1000, 0);
	assert_string_equal((char *)many + 0x9000, "hello from physical 0x9000");
	assert_int_equal(many[0x1000], 0x07);	/* PML4[0] = 0x2007 */
	assert_int_equal(many[0x1001], 0x20);
	free(many);
	free(one);
}

static void
test_batch_in_flight(void **state)
{
	check_batch(*state, NULL, true, NULL);
}

static void
test_batch_in_flight_noack(void **state)
{
	check_batch(*state, "noack", true, NULL);
}

/* A NAK in the middle: that request goes again, its reply comes last. */
static void
test_batch_nak_in_flight(void **state)
{
	check_batch(*state, "nak-m", true, "nak m");
}

static void
test_batch_stub_drops_requests(void **state)
{
	check_batch(*state, "pipe-drop", false, "dropped input");
}

static void
test_batch_stub_reorders_replies(void **state)
{
	check_batch(*state, "pipe-reorder", false, "held reply to m");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_running_guest),
		T(test_stopped_guest_stays_stopped),
		T(test_phymem_mode_restored),
		T(test_resume_overrides),
		T(test_no_multiprocess),
		T(test_select_cpu),
		T(test_tcp_and_small_packets),
		T(test_bad_checksum_once),
		T(test_bad_checksum_always),
		T(test_close_mid_packet),
		T(test_silent_stub_times_out),
		T(test_huge_packet_is_clean_error),
		T(test_error_reply_names_address),
		T(test_no_phymem_support),
		T(test_noack_mode),
		T(test_run_length_replies),
		T(test_noise_before_replies),
		T(test_short_memory_replies),
		T(test_packet_size_overstated),
		T(test_nak_once_retransmits),
		T(test_nak_always_gives_up),
		T(test_console_output_acked_while_running),
		T(test_resume_and_wait),
		T(test_wait_cancel_interrupts_once),
		T(test_wait_interrupt_unanswered),
		T(test_step),
		T(test_stop_reply_parsing),
		T(test_points),
		T(test_points_unsupported),
		T(test_close_running_with_points),
		T(test_close_guest_started_behind_back),
		T(test_request_after_guest_started_behind_back),
		T(test_monitor_cont_starts_guest),
		T(test_resume_guest_started_behind_back),
		T(test_monitor_guest_started_behind_back),
		T(test_exit_while_waiting),
		T(test_exit_during_close),
		T(test_hangup_while_running),
		T(test_bad_specs_are_usage_errors),
		T(test_parse_forms),
		T(test_connect_failures),
		T(test_connect_timeout),
		T(test_thread_ids),
		T(test_direct_over_unix_socket),
		T(test_direct_over_tcp),
		T(test_direct_over_tcp_wrong_thread),
		T(test_direct_wrong_address_refused),
		T(test_direct_tail_mismatch_refused),
		T(test_direct_checked_by_xp_without_phymem),
		T(test_direct_no_memory_map_refused),
		T(test_guest_ram_file),
		T(test_batch_in_flight),
		T(test_batch_in_flight_noack),
		T(test_batch_nak_in_flight),
		T(test_batch_stub_drops_requests),
		T(test_batch_stub_reorders_replies),
	};
	const char *slash;

	if (argc > 1) {
		snprintf(stub_path, sizeof stub_path, "%s", argv[1]);
	} else if ((slash = strrchr(argv[0], '/')) != NULL) {
		snprintf(stub_path, sizeof stub_path, "%.*sfakestub",
		    (int)(slash - argv[0] + 1), argv[0]);
	} else {
		snprintf(stub_path, sizeof stub_path, "./fakestub");
	}
	if (access(stub_path, X_OK) != 0) {
		fprintf(stderr, "test_gdbremote: no fake stub at %s\n",
		    stub_path);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
