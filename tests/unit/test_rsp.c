/*
 * Unit tests for rsp.c: framing over an in-memory stream (and one real
 * socket pair for the timeout), no stub and no QEMU.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net.h"
#include "rsp.h"

/*
 * The peer: everything it will ever send is known in advance (its
 * answers do not depend on timing), so `in` is a script and `out`
 * collects what we sent.  At the end of the script it either hangs up
 * or goes quiet (a timeout).
 */
struct mem_io {
	const char *in;
	size_t in_len, in_pos;
	size_t chunk;		/* bytes per read; 0 = as many as fit */
	bool hang_up;		/* at the end: closed, else timeout */
	int write_errno;	/* nonzero: writes fail */
	char *out;
	size_t out_len, out_cap;
	int reads_at_end;
	int writes;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct mem_io *m = ctx;
	size_t n = m->in_len - m->in_pos;

	(void)timeout_ms;
	if (n == 0) {
		m->reads_at_end++;
		return m->hang_up ? RSP_IO_CLOSED : RSP_IO_TIMEOUT;
	}
	if (n > len)
		n = len;
	if (m->chunk > 0 && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->in + m->in_pos, n);
	m->in_pos += n;
	return (ssize_t)n;
}

static int
mem_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct mem_io *m = ctx;

	(void)timeout_ms;
	if (m->write_errno != 0) {
		errno = m->write_errno;
		return -1;
	}
	if (m->out_len + len + 1 > m->out_cap) {
		m->out_cap = 2 * (m->out_len + len + 1);
		m->out = realloc(m->out, m->out_cap);
		assert_non_null(m->out);
	}
	memcpy(m->out + m->out_len, buf, len);
	m->out_len += len;
	m->writes++;
	m->out[m->out_len] = '\0';
	return 0;
}

struct fixture {
	struct mem_io m;
	struct rsp_conn c;
	struct pt_err e;
};

/* Set up a connection whose peer sends `script` (with len, may hold NULs). */
static void
setup(struct fixture *f, const char *script, size_t len, size_t rx_max)
{
	struct rsp_io io;

	memset(f, 0, sizeof *f);
	f->m.in = script;
	f->m.in_len = len;
	io.read = mem_read;
	io.write = mem_write;
	io.ctx = &f->m;
	assert_int_equal(rsp_init(&f->c, &io, rx_max, 100, &f->e), 0);
}

static void
teardown(struct fixture *f)
{
	rsp_free(&f->c);
	free(f->m.out);
}

/* Append `$payload#cs` (payload taken as is: no escaping) to buf. */
static void
add_frame(char *buf, size_t size, const char *payload)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "$%s#%02x", payload,
	    rsp_checksum(payload, strlen(payload)));
}

#define SETUP(f, s) setup((f), (s), strlen(s), 4096)

static void
test_recv_good_packet_is_acked(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "$OK#9a");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(p, "OK");
	assert_string_equal(f.m.out, "+");
	teardown(&f);
}

/* A pipeline's replies, counted. */
static int
count_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	(void)i;
	(void)r;
	(void)n;
	(void)err;
	++*(int *)ctx;
	return RSP_REPLY_DONE;
}

/*
 * A pipeline's acks go with the next request, in one write; or, when a
 * reply is still to come, before we wait for it.
 */
static void
test_pipeline_acks_ride_with_next_request(void **state)
{
	const struct rsp_req req[2] = { { "g", 1 }, { "?", 1 } };
	struct fixture f;
	char script[64] = "++";
	int replies;

	(void)state;
	add_frame(script, sizeof script, "00");
	add_frame(script, sizeof script, "S05");
	strcat(script, "+");
	for (int apart = 0; apart < 2; apart++) {
		SETUP(&f, script);
		f.m.chunk = apart ? 8 : 0;	/* "++$00#60", then the rest */
		replies = 0;
		assert_int_equal(rsp_pipeline(&f.c, req, 2, 0, -1, count_reply,
		    &replies, &f.e), 0);
		assert_int_equal(replies, 2);
		assert_string_equal(f.m.out, apart ? "$g#67$?#3f+" :
		    "$g#67$?#3f");
		assert_int_equal(rsp_send_str(&f.c, "D", &f.e), 0);
		assert_string_equal(f.m.out, "$g#67$?#3f++$D#44");
		assert_int_equal(f.m.writes, apart ? 3 : 2);
		teardown(&f);
	}
}

/* A reply function that gives up at once. */
static int
refuse_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	(void)ctx;
	(void)i;
	(void)r;
	(void)n;
	return pt_err_set(err, PT_EXIT_TARGET, "refused");
}

/*
 * A pipeline that fails sends the acks it owes at once: a stub that
 * waits for them then sends the rest, for the drain that follows to
 * take, and is not left holding a stale reply.
 */
static void
test_failed_pipeline_acks_at_once(void **state)
{
	const struct rsp_req req[2] = { { "g", 1 }, { "?", 1 } };
	struct fixture f;
	char script[64] = "++";

	(void)state;
	add_frame(script, sizeof script, "00");
	SETUP(&f, script);
	assert_int_equal(rsp_pipeline(&f.c, req, 2, 0, -1, refuse_reply, NULL,
	    &f.e), -1);
	assert_string_equal(f.e.msg, "refused");
	assert_string_equal(f.m.out, "$g#67$?#3f+");
	teardown(&f);
}

static void
test_recv_bad_checksum_naks_then_accepts(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "$OK#00$OK#9A");	/* upper-case digits are fine too */
	f.m.chunk = 1;
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_int_equal(rsp_send_acks(&f.c, &f.e), 0);
	assert_string_equal(f.m.out, "-+");
	assert_int_equal(f.c.n_nak_sent, 1);
	teardown(&f);
}

static void
test_recv_bad_checksum_retries_exhausted(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "$OK#00$OK#00$OK#zz$OK#9a");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_string_equal(f.e.msg, "bad checksum (retries exhausted)");
	assert_int_equal(f.e.kind, PT_EXIT_TARGET);
	assert_string_equal(f.m.out, "--");
	/* Nothing more is trusted on this connection. */
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_non_null(strstr(f.e.msg, "earlier error"));
	teardown(&f);
}

static void
test_send_escapes(void **state)
{
	struct fixture f;
	char want[64];
	const char body[] = "a}\x04" "b}\x03" "c}]d}\x0a" "e";

	(void)state;
	SETUP(&f, "+");
	assert_int_equal(rsp_send_str(&f.c, "a$b#c}d*e", &f.e), 0);
	snprintf(want, sizeof want, "$%s#%02x", body,
	    rsp_checksum(body, strlen(body)));
	assert_string_equal(f.m.out, want);
	teardown(&f);
}

static void
test_recv_unescapes(void **state)
{
	struct fixture f;
	char script[64] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "x}\x03y}]z}\x04}\x0a");
	SETUP(&f, script);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "x#y}z$*");
	teardown(&f);
}

static void
test_run_length_decoding(void **state)
{
	struct fixture f;
	char script[128] = "";
	const char *p;
	size_t n, i;

	(void)state;
	add_frame(script, sizeof script, "0* ");
	add_frame(script, sizeof script, "ab*!c");	/* b + 4 more */
	add_frame(script, sizeof script, "f*~0*~0*~");
	SETUP(&f, script);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "0000");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "abbbbbc");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_int_equal(n, 3 * 98);
	for (i = 0; i < 98; i++)
		assert_int_equal(p[i], 'f');
	for (; i < n; i++)
		assert_int_equal(p[i], '0');
	teardown(&f);
}

static void
test_run_length_malformed(void **state)
{
	struct fixture f;
	char script[128] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "*3");	/* nothing to repeat */
	add_frame(script, sizeof script, "0*");	/* count is the '#' */
	add_frame(script, sizeof script, "x}");	/* dangling escape */
	add_frame(script, sizeof script, "OK");
	SETUP(&f, script);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_non_null(strstr(f.e.msg, "malformed"));
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_non_null(strstr(f.e.msg, "malformed"));
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	/* Each was acked and the stream is still in step. */
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_int_equal(rsp_send_acks(&f.c, &f.e), 0);
	assert_string_equal(f.m.out, "++++");
	teardown(&f);
}

static void
test_run_length_overflow_is_too_long(void **state)
{
	struct fixture f;
	char script[128] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "a*~*~");	/* 1 + 97 + 97 */
	setup(&f, script, strlen(script), 100);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_string_equal(f.e.msg, "packet too long (more than 100 bytes)");
	teardown(&f);
}

static void
test_noise_before_packet(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "garbage\r\n+++\x03 $O$OK#9a");	/* and a cut-off one */
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_true(f.c.n_noise > 0);
	teardown(&f);
}

static void
test_error_replies_surface(void **state)
{
	struct fixture f;
	char script[128] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "E14");
	add_frame(script, sizeof script, "E.no such thing");
	add_frame(script, sizeof script, "E1");
	SETUP(&f, script);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "E14");
	assert_int_equal(rsp_reply_error(p, n, &f.e), -1);
	assert_string_equal(f.e.msg, "target replied E14");
	assert_int_equal(f.e.kind, PT_EXIT_TARGET);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_int_equal(rsp_reply_error(p, n, &f.e), -1);
	assert_string_equal(f.e.msg, "target replied error: no such thing");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_int_equal(rsp_reply_error(p, n, &f.e), 0);	/* not one */
	assert_int_equal(rsp_reply_error("OK", 2, &f.e), 0);
	teardown(&f);
}

static void
test_close_mid_packet(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "$0000");
	f.m.hang_up = true;
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_string_equal(f.e.msg, "connection closed by target");
	assert_int_equal(f.e.kind, PT_EXIT_TARGET);
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), -1);
	assert_int_equal(f.m.out_len, 0);
	teardown(&f);
}

static void
test_silent_peer_times_out(void **state)
{
	struct fixture f;
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "+");
	assert_int_equal(rsp_command(&f.c, "?", &p, &n, &f.e), -1);
	assert_string_equal(f.e.msg, "timed out waiting for reply (100 ms)");
	assert_int_equal(f.m.reads_at_end, 1);
	teardown(&f);
}

/* ---- over a real socket: the net.c reader and its timeout ---------- */

struct fd_io {
	int fd;
};

static ssize_t
fd_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	return net_read(((struct fd_io *)ctx)->fd, buf, len, timeout_ms);
}

static int
fd_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	return net_write(((struct fd_io *)ctx)->fd, buf, len, timeout_ms);
}

static void
test_socket_timeout_is_fast(void **state)
{
	struct fd_io fio;
	struct rsp_io io = { fd_read, fd_write, &fio };
	struct rsp_conn c;
	struct pt_err e;
	struct timespec a, b;
	const char *p;
	size_t n;
	int sv[2];
	double ms;
	char buf[64];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fio.fd = sv[0];
	assert_int_equal(rsp_init(&c, &io, 4096, 50, &e), 0);
	/* The peer acks but never answers. */
	assert_int_equal(write(sv[1], "+", 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(rsp_command(&c, "g", &p, &n, &e), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms >= 45 && ms < 1000);
	assert_string_equal(e.msg, "timed out waiting for reply (50 ms)");
	assert_int_equal(read(sv[1], buf, sizeof buf), 5);	/* $g#67 */
	rsp_free(&c);

	/* A peer that hangs up: closed, and writes do not kill us. */
	fio.fd = sv[0];
	assert_int_equal(rsp_init(&c, &io, 4096, 50, &e), 0);
	close(sv[1]);
	assert_int_equal(rsp_send_str(&c, "g", &e), -1);
	assert_true(strcmp(e.msg, "connection closed by target") == 0 ||
	    strcmp(e.msg, "cannot send to target: connection closed by "
	    "target") == 0);
	rsp_free(&c);
	close(sv[0]);
}

/*
 * A peer that sends a byte every 30 ms never lets one read wait its
 * 100 ms, yet the reply as a whole must come within them.
 */
static void
test_trickle_times_out_by_the_reply(void **state)
{
	struct fd_io fio;
	struct rsp_io io = { fd_read, fd_write, &fio };
	struct rsp_conn c;
	struct pt_err e;
	struct timespec a, b;
	const char *p;
	size_t n;
	int sv[2], status;
	double ms;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		static const char reply[] = "+$0123456789abcdef0123456789#00";

		close(sv[0]);
		for (size_t i = 0; i < sizeof reply - 1; i++) {
			if (write(sv[1], &reply[i], 1) != 1)
				_exit(0);
			nanosleep(&(struct timespec){ 0, 30 * 1000 * 1000 },
			    NULL);
		}
		_exit(0);
	}
	close(sv[1]);
	fio.fd = sv[0];
	assert_int_equal(rsp_init(&c, &io, 4096, 100, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(rsp_command(&c, "g", &p, &n, &e), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_string_equal(e.msg, "timed out waiting for reply (100 ms)");
	/* The ack came at once; the reply's 100 ms ran from there. */
	assert_true(ms >= 95 && ms < 400);
	rsp_free(&c);
	close(sv[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_one_megabyte_packet_is_too_long(void **state)
{
	struct fixture f;
	size_t big = 1u << 20, len;
	char *script = malloc(big + 32);
	const char *p;
	size_t n;

	(void)state;
	assert_non_null(script);
	script[0] = '$';
	memset(script + 1, 'a', big);
	len = 1 + big;
	len += (size_t)sprintf(script + len, "#%02x",
	    rsp_checksum(script + 1, big));
	add_frame(script + len, 32, "OK");
	len += strlen(script + len);
	setup(&f, script, len, 4096);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), -1);
	assert_string_equal(f.e.msg, "packet too long (more than 4096 bytes)");
	/* Drained and acked: the next packet is read normally. */
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_int_equal(rsp_send_acks(&f.c, &f.e), 0);
	assert_string_equal(f.m.out, "++");
	teardown(&f);
	free(script);
}

static void
test_send_retransmits_on_nak(void **state)
{
	struct fixture f;
	char frame[16] = "";

	(void)state;
	SETUP(&f, "-+");
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), 0);
	add_frame(frame, sizeof frame, "?");
	assert_int_equal(f.m.out_len, 2 * strlen(frame));
	assert_memory_equal(f.m.out, frame, strlen(frame));
	assert_memory_equal(f.m.out + strlen(frame), frame, strlen(frame));
	assert_int_equal(f.c.n_retransmit, 1);
	teardown(&f);
}

static void
test_send_retransmit_limit(void **state)
{
	struct fixture f;

	(void)state;
	SETUP(&f, "---+");
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), -1);
	assert_string_equal(f.e.msg,
	    "packet rejected by target 3 times (retries exhausted)");
	assert_int_equal(f.m.out_len, 3 * 5);
	teardown(&f);
}

/* A stop reply sent before the stub read ours (QEMU on connect). */
static void
test_early_packets_kept_in_order(void **state)
{
	struct fixture f;
	char script[256] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "T02thread:01;");
	strcat(script, "+");
	add_frame(script, sizeof script, "PacketSize=1000");
	SETUP(&f, script);
	assert_int_equal(rsp_send_str(&f.c, "qSupported", &f.e), 0);
	assert_int_equal(f.c.n_early, 1);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "T02thread:01;");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "PacketSize=1000");
	/* Our frame, then an ack for each of the two packets. */
	assert_int_equal(rsp_send_acks(&f.c, &f.e), 0);
	assert_string_equal(f.m.out + strlen(f.m.out) - 2, "++");
	teardown(&f);
}

/* A full queue of early packets drops console output, never a stop. */
static void
test_early_queue_keeps_stop_replies(void **state)
{
	struct fixture f;
	char script[512] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "T02thread:01;");
	add_frame(script, sizeof script, "O41");
	add_frame(script, sizeof script, "T05thread:01;");
	add_frame(script, sizeof script, "O42");
	add_frame(script, sizeof script, "T11thread:01;");
	strcat(script, "+");
	SETUP(&f, script);
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), 0);
	assert_int_equal(f.c.n_early, RSP_MAX_EARLY);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "T02thread:01;");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "T05thread:01;");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "O42");
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "T11thread:01;");
	teardown(&f);

	/* Stop replies only: one more than the queue holds is an error. */
	script[0] = '\0';
	for (int i = 0; i <= RSP_MAX_EARLY; i++)
		add_frame(script, sizeof script, "T02thread:01;");
	strcat(script, "+");
	SETUP(&f, script);
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), -1);
	assert_string_equal(f.e.msg, "the target sent 4 stop replies before "
	    "acknowledging our packet");
	assert_true(f.c.dead);
	teardown(&f);
}

/* Console output in place of an ack, for ever: bounded in number. */
static void
test_flood_instead_of_ack(void **state)
{
	static char script[64 * 1024];
	struct fixture f;

	(void)state;
	script[0] = '\0';
	for (int i = 0; i < RSP_MAX_UNSOLICITED + 10; i++)
		add_frame(script, sizeof script, "O41");
	SETUP(&f, script);
	f.m.chunk = 64;		/* so what is left unread shows */
	assert_int_equal(rsp_send_str(&f.c, "m0,8", &f.e), -1);
	assert_string_equal(f.e.msg, "the target sent 64 packets nobody "
	    "asked for while we waited");
	/* It gave up at the limit, not at the end of the stream. */
	assert_true(f.m.in_pos < f.m.in_len);
	teardown(&f);
}

/* `$` after `*` is no count (GDB allows none): a new frame starts. */
static void
test_run_length_count_is_never_a_dollar(void **state)
{
	struct fixture f;
	char script[128] = "$0*";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "OK");
	SETUP(&f, script);
	assert_int_equal(rsp_recv(&f.c, &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_int_equal(f.c.n_noise, 3);
	teardown(&f);
}

static void
test_noack_mode(void **state)
{
	struct fixture f;
	char script[64] = "";
	const char *p;
	size_t n;

	(void)state;
	add_frame(script, sizeof script, "OK");
	SETUP(&f, script);
	f.c.ack = false;
	assert_int_equal(rsp_command(&f.c, "g", &p, &n, &f.e), 0);
	assert_string_equal(p, "OK");
	assert_string_equal(f.m.out, "$g#67");	/* no `+` sent */
	teardown(&f);
}

static void
test_interrupt_and_write_errors(void **state)
{
	struct fixture f;

	(void)state;
	SETUP(&f, "");
	assert_int_equal(rsp_interrupt(&f.c, &f.e), 0);
	assert_int_equal(f.m.out_len, 1);
	assert_int_equal(f.m.out[0], 0x03);
	f.m.write_errno = EPIPE;
	assert_int_equal(rsp_send_str(&f.c, "?", &f.e), -1);
	assert_string_equal(f.e.msg,
	    "cannot send to target: connection closed by target");
	teardown(&f);
}

struct seen {
	int sent, recv;
	char last[32];
};

static void
trace(void *ctx, enum rsp_trace_kind kind, const char *text, size_t len)
{
	struct seen *s = ctx;

	if (kind == RSP_TRACE_SEND)
		s->sent++;
	else if (kind == RSP_TRACE_RECV)
		s->recv++;
	snprintf(s->last, sizeof s->last, "%.*s", (int)len, text);
}

static void
test_trace_hook(void **state)
{
	struct fixture f;
	struct seen s = { 0, 0, "" };
	const char *p;
	size_t n;

	(void)state;
	SETUP(&f, "+$OK#9a");
	f.c.trace = trace;
	f.c.trace_ctx = &s;
	assert_int_equal(rsp_command(&f.c, "m1000,8", &p, &n, &f.e), 0);
	assert_int_equal(s.sent, 1);
	assert_int_equal(s.recv, 1);
	assert_string_equal(s.last, "OK");
	teardown(&f);
}

static void
test_hex_helpers(void **state)
{
	uint8_t b[4];
	char out[9];
	const char *s;
	uint64_t v;

	(void)state;
	rsp_hex_encode("\x01\xab\xff\x00", 4, out);
	assert_string_equal(out, "01abff00");
	assert_int_equal(rsp_hex_decode("01ABff00", b, 4), 0);
	assert_memory_equal(b, "\x01\xab\xff\x00", 4);
	assert_int_equal(rsp_hex_decode("01xz", b, 2), -1);
	s = "ffffffffffffffff,";
	assert_int_equal(rsp_parse_hex(&s, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_string_equal(s, ",");
	s = "10000000000000000";
	assert_int_equal(rsp_parse_hex(&s, &v), -1);
	s = "g";
	assert_int_equal(rsp_parse_hex(&s, &v), -1);
	assert_int_equal(rsp_checksum("OK", 2), 0x9a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv_good_packet_is_acked),
		cmocka_unit_test(test_pipeline_acks_ride_with_next_request),
		cmocka_unit_test(test_failed_pipeline_acks_at_once),
		cmocka_unit_test(test_recv_bad_checksum_naks_then_accepts),
		cmocka_unit_test(test_recv_bad_checksum_retries_exhausted),
		cmocka_unit_test(test_send_escapes),
		cmocka_unit_test(test_recv_unescapes),
		cmocka_unit_test(test_run_length_decoding),
		cmocka_unit_test(test_run_length_malformed),
		cmocka_unit_test(test_run_length_overflow_is_too_long),
		cmocka_unit_test(test_noise_before_packet),
		cmocka_unit_test(test_error_replies_surface),
		cmocka_unit_test(test_close_mid_packet),
		cmocka_unit_test(test_silent_peer_times_out),
		cmocka_unit_test(test_socket_timeout_is_fast),
		cmocka_unit_test(test_one_megabyte_packet_is_too_long),
		cmocka_unit_test(test_send_retransmits_on_nak),
		cmocka_unit_test(test_send_retransmit_limit),
		cmocka_unit_test(test_early_packets_kept_in_order),
		cmocka_unit_test(test_early_queue_keeps_stop_replies),
		cmocka_unit_test(test_flood_instead_of_ack),
		cmocka_unit_test(test_run_length_count_is_never_a_dollar),
		cmocka_unit_test(test_trickle_times_out_by_the_reply),
		cmocka_unit_test(test_noack_mode),
		cmocka_unit_test(test_interrupt_and_write_errors),
		cmocka_unit_test(test_trace_hook),
		cmocka_unit_test(test_hex_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
