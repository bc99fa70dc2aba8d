/* rsp.c - GDB remote serial protocol framing: see rsp.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "rsp.h"

/* Bytes of garbage tolerated before a `$`, and of an oversized packet
 * drained (to keep the stream in step) before giving up on it. */
#define RSP_NOISE_MAX (64u * 1024)
#define RSP_DRAIN_MAX (16u * 1024 * 1024)

/* Outcome of reading one frame body. */
enum frame {
	FRAME_OK,
	FRAME_BADSUM,		/* checksum mismatch: ask again */
	FRAME_TOOLONG,		/* decoded payload over rx_max: drained */
	FRAME_MALFORMED,	/* dangling escape or bad run-length count */
	FRAME_FAIL,		/* I/O failure; err is set, c->dead */
};

void
rsp_note(struct rsp_conn *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (c->trace == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	c->trace(c->trace_ctx, RSP_TRACE_NOTE, buf, (size_t)n);
}

static int
fail_dead(struct rsp_conn *c, struct pt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report an error after which the byte stream can no longer be trusted. */
static int
fail_dead(struct rsp_conn *c, struct pt_err *err, const char *fmt, ...)
{
	char buf[sizeof err->msg];
	va_list ap;

	c->dead = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return pt_err_set(err, PT_EXIT_TARGET, "%s", buf);
}

int
rsp_init(struct rsp_conn *c, const struct rsp_io *io, size_t rx_max,
    int timeout_ms, struct pt_err *err)
{
	memset(c, 0, sizeof *c);
	c->io = *io;
	c->timeout_ms = timeout_ms;
	c->deadline = c->limit = DEADLINE_NONE;
	c->tries = RSP_DEFAULT_TRIES;
	c->ack = true;
	if ((c->in = malloc(RSP_IN_SIZE)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "out of memory for the read-ahead buffer");
	if (rsp_set_rx_max(c, rx_max, err) < 0) {
		free(c->in);
		c->in = NULL;
		return -1;
	}
	return 0;
}

void
rsp_free(struct rsp_conn *c)
{
	size_t i;

	free(c->in);
	free(c->rx);
	free(c->tx);
	free(c->batch);
	for (i = 0; i < c->n_early; i++)
		free(c->early[i].data);
	c->in = NULL;
	c->rx = c->tx = c->batch = NULL;
	c->in_pos = c->in_len = 0;
	c->n_early = 0;
	c->dead = true;
}

int
rsp_set_rx_max(struct rsp_conn *c, size_t rx_max, struct pt_err *err)
{
	char *p;

	if (rx_max == 0 || rx_max > RSP_DRAIN_MAX)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "packet size %zu out of range", rx_max);
	/* Not realloc: it would copy the whole old buffer, touching as
	 * many fresh pages, for the one packet (if any) worth keeping. */
	p = malloc(rx_max + 1);
	if (p == NULL)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "out of memory for a %zu-byte packet buffer", rx_max);
	if (c->rx_len > rx_max || c->rx == NULL)
		c->rx_len = 0;
	else
		memcpy(p, c->rx, c->rx_len);
	p[c->rx_len] = '\0';
	free(c->rx);
	c->rx = p;
	c->rx_max = rx_max;
	return 0;
}

static int flush_acks(struct rsp_conn *c, struct pt_err *err);

/*
 * Start a wait of timeout_ms (< 0: none) for an ack or a reply, within
 * c->limit: every byte read or written until the next one shares it.
 */
static void
arm(struct rsp_conn *c, int timeout_ms)
{
	c->deadline = deadline_min(deadline_in(timeout_ms), c->limit);
	c->unsolicited = 0;
}

int
rsp_send_acks(struct rsp_conn *c, struct pt_err *err)
{
	arm(c, c->timeout_ms);
	return flush_acks(c, err);
}

/* Give up on a stub that keeps sending what nobody asked for. */
static int
unsolicited(struct rsp_conn *c, struct pt_err *err)
{
	if (++c->unsolicited <= RSP_MAX_UNSOLICITED)
		return 0;
	return fail_dead(c, err, "the target sent %d packets nobody asked "
	    "for while we waited", RSP_MAX_UNSOLICITED);
}

/*
 * Next byte from the stream by the wait's deadline, or -1 with err set
 * (and the conn dead).  With `soft`, -2 instead when the deadline passes
 * or, sooner, after soft_ms (>= 0) of silence: the conn lives on.
 */
static int
getbyte_within(struct rsp_conn *c, int soft_ms, bool soft,
    struct pt_err *err)
{
	int left, wait;
	bool brief;
	ssize_t n;

	if (c->in_pos < c->in_len)
		return c->in[c->in_pos++];
	if (flush_acks(c, err) < 0)
		return -1;
	if (c->sent_since_wait) {
		c->n_rtt++;
		c->sent_since_wait = false;
	}
	left = deadline_left(c->deadline);
	brief = soft_ms >= 0 && (left < 0 || soft_ms < left);
	wait = brief ? soft_ms : left;
	n = c->io.read(c->io.ctx, c->in, RSP_IN_SIZE, wait);
	if (n == RSP_IO_TIMEOUT && soft)
		return -2;
	if (n > 0) {
		c->in_pos = 0;
		c->in_len = (size_t)n;
		c->n_bytes += (size_t)n;
		return c->in[c->in_pos++];
	}
	if (n == RSP_IO_TIMEOUT)
		return fail_dead(c, err, "timed out waiting for reply "
		    "(%d ms)", c->timeout_ms);
	/* A reset is a close too: the stub went away with our bytes
	 * unread (QEMU exiting under a 0x03 we sent). */
	if (n == RSP_IO_CLOSED || (n == RSP_IO_ERROR && errno == ECONNRESET)) {
		c->closed = true;
		return fail_dead(c, err, "connection closed by target");
	}
	return fail_dead(c, err, "cannot read from target: %s",
	    strerror(errno));
}

/* Next byte by the wait's deadline; -1 with err set. */
static int
getbyte(struct rsp_conn *c, struct pt_err *err)
{
	return getbyte_within(c, -1, false, err);
}

/* Write to the stub by the wait's deadline; 0 or -1 with errno set. */
static int
put(struct rsp_conn *c, const void *buf, size_t len)
{
	return c->io.write(c->io.ctx, buf, len, deadline_left(c->deadline));
}

static int batch_room(struct rsp_conn *c, size_t need, struct pt_err *err);

/*
 * Start c->batch with the acks owed, and room for `more` bytes after
 * them: *len is where those go.  0, or -1 with err set.
 */
static int
batch_acks(struct rsp_conn *c, size_t more, size_t *len, struct pt_err *err)
{
	if (batch_room(c, c->acks + more, err) < 0)
		return -1;
	memset(c->batch, '+', c->acks);
	*len = c->acks;
	c->acks = 0;
	return 0;
}

/*
 * Send the acks owed for packets received, in one write.  A stub that
 * hung up after its last packet (QEMU does after W/X) leaves those
 * packets standing, but nothing more can be said.
 */
static int
flush_acks(struct rsp_conn *c, struct pt_err *err)
{
	size_t n;

	if (c->acks == 0 || c->dead) {
		c->acks = 0;
		return 0;
	}
	if (batch_acks(c, 0, &n, err) < 0)
		return -1;
	if (put(c, c->batch, n) == 0)
		return 0;
	if (errno != EPIPE && errno != ECONNRESET)
		return fail_dead(c, err, "cannot send to target: %s",
		    strerror(errno));
	rsp_note(c, "target hung up after its last packet");
	c->dead = c->closed = true;
	return 0;
}

/*
 * Send buf, after the acks owed, in one write.  (A buf built in c->batch
 * by transmit_many has its acks in front already.)
 */
static int
putbytes(struct rsp_conn *c, const void *buf, size_t len,
    struct pt_err *err)
{
	size_t n;

	if (c->dead)
		return pt_err_set(err, PT_EXIT_TARGET, "cannot send to "
		    "target: connection closed by target");
	if (c->acks > 0 && buf != c->batch) {
		if (batch_acks(c, len, &n, err) < 0)
			return -1;
		memcpy(c->batch + n, buf, len);
		buf = c->batch;
		len += n;
	}
	c->sent_since_wait = true;
	if (put(c, buf, len) == 0)
		return 0;
	if (errno == ETIMEDOUT)
		return fail_dead(c, err, "timed out sending to target (%d ms): "
		    "it reads nothing", c->timeout_ms);
	if (errno == EPIPE || errno == ECONNRESET) {
		c->closed = true;
		return fail_dead(c, err, "cannot send to target: connection "
		    "closed by target");
	}
	return fail_dead(c, err, "cannot send to target: %s", strerror(errno));
}

/* The bytes that end the plain run of a packet body: '#' (the end),
 * '$' (a new start), '}' (an escape) and '*' (a run length). */
static const uint8_t body_special[256] = {
	['#'] = 1, ['$'] = 1, ['}'] = 1, ['*'] = 1,
};

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Read the rest of a frame whose `$` was consumed: body, `#`, checksum.
 * The decoded payload goes to c->rx.  A `$` inside the body means the
 * frame was cut short and a new one starts: begin again (gdb does too).
 */
static enum frame
read_body(struct rsp_conn *c, struct pt_err *err)
{
	size_t out, raw;
	uint8_t sum;
	bool esc, toolong, bad;
	int ch, hi, lo;

restart:
	out = raw = 0;
	sum = 0;
	esc = toolong = bad = false;
	for (;;) {
		/*
		 * The common case first: plain bytes already read, copied
		 * and summed in one tight loop (a byte at a time through
		 * getbyte() costs several times more, and a dump reads
		 * megabytes of hex).  Anything special, the end of what was
		 * read or of the room in rx goes the careful way below.
		 */
		if (!esc && !toolong) {
			const uint8_t *p = c->in + c->in_pos;
			size_t n = c->in_len - c->in_pos, k = 0;

			if (n > c->rx_max - out)
				n = c->rx_max - out;
			while (k < n && !body_special[p[k]])
				k++;
			memcpy(c->rx + out, p, k);
			for (size_t j = 0; j < k; j++)
				sum += p[j];
			out += k;
			raw += k;
			c->in_pos += k;
			if (raw > RSP_DRAIN_MAX) {
				fail_dead(c, err, "packet too long (over %u "
				    "bytes without an end)", RSP_DRAIN_MAX);
				return FRAME_FAIL;
			}
		}
		if ((ch = getbyte(c, err)) < 0)
			return FRAME_FAIL;
		if (ch == '#')
			break;
		if (ch == '$') {
			rsp_note(c, "frame restarted by '$' after %zu bytes", raw);
			c->n_noise += raw + 1;
			goto restart;
		}
		if (++raw > RSP_DRAIN_MAX) {
			fail_dead(c, err, "packet too long (over %u bytes "
			    "without an end)", RSP_DRAIN_MAX);
			return FRAME_FAIL;
		}
		sum += (uint8_t)ch;
		if (esc) {
			esc = false;
			ch ^= 0x20;
		} else if (ch == '}') {
			esc = true;
			continue;
		} else if (ch == '*') {
			/* Run length: the previous char, N - 29 more times. */
			int n;

			if ((n = getbyte(c, err)) < 0)
				return FRAME_FAIL;
			if (n == '$') {
				/* Not a count (GDB allows none): a new frame
				 * starts, as anywhere in a body. */
				rsp_note(c, "frame restarted by '$' after %zu "
				    "bytes", raw);
				c->n_noise += raw + 1;
				goto restart;
			}
			raw++;
			sum += (uint8_t)n;
			if (n == '#') {
				/* Cannot be a count; keep framing intact. */
				sum -= (uint8_t)n;
				bad = true;
				break;
			}
			if (out == 0 || n < 30 || n > 126) {
				bad = true;
				continue;
			}
			n -= 29;
			if (toolong || out + (size_t)n > c->rx_max) {
				toolong = true;
				continue;
			}
			memset(c->rx + out, c->rx[out - 1], (size_t)n);
			out += (size_t)n;
			continue;
		}
		if (toolong || out >= c->rx_max) {
			toolong = true;
			continue;
		}
		c->rx[out++] = (char)ch;
	}
	if ((hi = getbyte(c, err)) < 0 || (lo = getbyte(c, err)) < 0)
		return FRAME_FAIL;
	if (hexval(hi) < 0 || hexval(lo) < 0 ||
	    (uint8_t)(hexval(hi) << 4 | hexval(lo)) != sum)
		return FRAME_BADSUM;
	if (toolong) {
		c->rx_len = 0;
		c->rx[0] = '\0';
		return FRAME_TOOLONG;
	}
	c->rx_len = out;
	c->rx[out] = '\0';
	return bad || esc ? FRAME_MALFORMED : FRAME_OK;
}

/*
 * Receive one whole packet into c->rx, `$` already consumed if `started`.
 * Handles NAK/retry and the ack.  Returns 0 or -1 with err set.
 */
static int
recv_frame(struct rsp_conn *c, bool started, struct pt_err *err)
{
	int bad = 0, ch;
	size_t noise = 0;
	enum frame f;

	for (;;) {
		while (!started) {
			if ((ch = getbyte(c, err)) < 0)
				return -1;
			if (ch == '$')
				break;
			if (ch == '+' || ch == '-')
				continue;	/* stray ack, e.g. after noack */
			c->n_noise++;
			if (++noise == 1)
				rsp_note(c, "skipping noise before '$'");
			if (noise > RSP_NOISE_MAX)
				return fail_dead(c, err, "no packet start in "
				    "%u bytes from target", RSP_NOISE_MAX);
		}
		started = false;
		f = read_body(c, err);
		if (f == FRAME_FAIL)
			return -1;
		if (f != FRAME_BADSUM)
			break;
		if (!c->ack)
			return fail_dead(c, err, "bad checksum (no-ack mode, "
			    "cannot ask again)");
		if (++bad >= c->tries)
			return fail_dead(c, err,
			    "bad checksum (retries exhausted)");
		rsp_note(c, "bad checksum, sending NAK");
		c->n_nak_sent++;
		if (putbytes(c, "-", 1, err) < 0)
			return -1;
	}
	/*
	 * A packet alone is acked as soon as no byte follows it: a stub
	 * may wait for that before it sends more (console output before
	 * a stop).  In a pipeline, acks go with the next requests, or
	 * before we next wait.
	 */
	if (c->ack) {
		c->acks++;
		if (c->in_pos == c->in_len && !c->pipelining &&
		    flush_acks(c, err) < 0)
			return -1;
	}
	if (f == FRAME_TOOLONG)
		return pt_err_set(err, PT_EXIT_TARGET, "packet too long "
		    "(more than %zu bytes)", c->rx_max);
	if (f == FRAME_MALFORMED)
		return pt_err_set(err, PT_EXIT_TARGET, "malformed packet "
		    "(bad escape or run-length encoding)");
	c->n_recv++;
	if (c->trace != NULL)
		c->trace(c->trace_ctx, RSP_TRACE_RECV, c->rx, c->rx_len);
	return 0;
}

/* `O` and hex digits: console output (gdbremote has its own test). */
static bool
is_console(const char *p, size_t len)
{
	if (len < 3 || p[0] != 'O' || len % 2 == 0)
		return false;
	for (size_t i = 1; i < len; i++)
		if (hexval((unsigned char)p[i]) < 0)
			return false;
	return true;
}

/* Keep a packet that arrived while we waited for an ack. */
static int
stash_early(struct rsp_conn *c, struct pt_err *err)
{
	char *p;

	if (c->n_early == RSP_MAX_EARLY) {
		/* Console output may go; a stop reply tells how the guest
		 * stands, and is never dropped. */
		size_t i = 0;

		while (i < c->n_early && !is_console(c->early[i].data,
		    c->early[i].len))
			i++;
		if (i == c->n_early)
			return fail_dead(c, err, "the target sent %d stop "
			    "replies before acknowledging our packet",
			    RSP_MAX_EARLY);
		rsp_note(c, "dropping early console output: queue full");
		free(c->early[i].data);
		memmove(&c->early[i], &c->early[i + 1],
		    (c->n_early - i - 1) * sizeof c->early[0]);
		c->n_early--;
	}
	if ((p = malloc(c->rx_len + 1)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	memcpy(p, c->rx, c->rx_len + 1);
	c->early[c->n_early].data = p;
	c->early[c->n_early].len = c->rx_len;
	c->n_early++;
	return 0;
}

static int
encode(struct rsp_conn *c, const char *payload, size_t len,
    struct pt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 2 * len + 4, i, o;
	uint8_t sum = 0;
	char *p;

	if (need > c->tx_cap) {
		if ((p = realloc(c->tx, need)) == NULL)
			return pt_err_set(err, PT_EXIT_TARGET,
			    "out of memory");
		c->tx = p;
		c->tx_cap = need;
	}
	o = 0;
	c->tx[o++] = '$';
	for (i = 0; i < len; i++) {
		char ch = payload[i];

		if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
			c->tx[o++] = '}';
			sum += (uint8_t)'}';
			ch ^= 0x20;
		}
		c->tx[o++] = ch;
		sum += (uint8_t)ch;
	}
	c->tx[o++] = '#';
	c->tx[o++] = hex[sum >> 4];
	c->tx[o++] = hex[sum & 15];
	return (int)o;
}

int
rsp_send(struct rsp_conn *c, const char *payload, size_t len,
    struct pt_err *err)
{
	int n, try, ch;
	size_t noise = 0;
	bool dropped = false;

	if (c->dead)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "connection to target lost after an earlier error");
	if ((n = encode(c, payload, len, err)) < 0)
		return -1;
	if (c->trace != NULL)
		c->trace(c->trace_ctx, RSP_TRACE_SEND, payload, len);
	c->n_sent++;
	arm(c, c->timeout_ms);
	for (try = 0; try < c->tries; try++) {
		if (try > 0)
			c->n_retransmit++;
		if (putbytes(c, c->tx, (size_t)n, err) < 0)
			return -1;
		if (!c->ack)
			return 0;
		for (;;) {
			ch = dropped ? getbyte_within(c, RSP_DROPPED_MS, true,
			    err) : getbyte(c, err);
			if (ch == -2 && deadline_passed(c->deadline))
				return fail_dead(c, err, "timed out waiting for "
				    "an ack (%d ms)", c->timeout_ms);
			if (ch == -2) {
				rsp_note(c, "a stop reply instead of an ack: the "
				    "target dropped the packet; sending again");
				dropped = false;
				break;
			}
			if (ch < 0)
				return -1;
			if (ch == '+')
				return 0;
			if (ch == '-') {
				rsp_note(c, "NAK from target, sending again");
				break;
			}
			if (ch == '$') {
				/* A stop or console packet sent before it
				 * read ours: keep it for rsp_recv. */
				if (recv_frame(c, true, err) < 0) {
					if (c->dead || unsolicited(c, err) < 0)
						return -1;
					rsp_note(c, "early packet: %s", err->msg);
					continue;
				}
				if (unsolicited(c, err) < 0 ||
				    stash_early(c, err) < 0)
					return -1;
				dropped = c->rx_len > 0 && (c->rx[0] == 'T' ||
				    c->rx[0] == 'S');
				continue;
			}
			c->n_noise++;
			if (++noise > RSP_NOISE_MAX)
				return fail_dead(c, err, "no ack in %u bytes "
				    "from target", RSP_NOISE_MAX);
		}
	}
	return fail_dead(c, err, "packet rejected by target %d times "
	    "(retries exhausted)", c->tries);
}

int
rsp_send_str(struct rsp_conn *c, const char *payload, struct pt_err *err)
{
	return rsp_send(c, payload, strlen(payload), err);
}

int
rsp_recv(struct rsp_conn *c, const char **payload, size_t *len,
    struct pt_err *err)
{
	if (c->n_early > 0) {
		/* Early packets were traced and counted when they came. */
		struct rsp_early e = c->early[0];

		c->n_early--;
		memmove(&c->early[0], &c->early[1],
		    c->n_early * sizeof c->early[0]);
		if (e.len > c->rx_max) {
			free(e.data);
			return pt_err_set(err, PT_EXIT_TARGET, "packet too "
			    "long (more than %zu bytes)", c->rx_max);
		}
		memcpy(c->rx, e.data, e.len + 1);
		c->rx_len = e.len;
		free(e.data);
	} else {
		if (c->dead)
			return pt_err_set(err, PT_EXIT_TARGET,
			    "connection to target lost after an earlier "
			    "error");
		arm(c, c->timeout_ms);
		if (recv_frame(c, false, err) < 0)
			return -1;
	}
	*payload = c->rx;
	*len = c->rx_len;
	return 0;
}

bool
rsp_pending(const struct rsp_conn *c)
{
	return c->n_early > 0 || c->in_pos < c->in_len;
}

int
rsp_command(struct rsp_conn *c, const char *request, const char **reply,
    size_t *len, struct pt_err *err)
{
	if (rsp_send_str(c, request, err) < 0)
		return -1;
	return rsp_recv(c, reply, len, err);
}

/* ---- requests in flight ---------------------------------------------- */

/* A line of requests, by index: a ring of at most RSP_MAX_WINDOW. */
struct line {
	size_t i[RSP_MAX_WINDOW];
	unsigned tries[RSP_MAX_WINDOW];
	size_t head, n;
};

static void
line_push(struct line *l, size_t i, unsigned tries)
{
	size_t at = (l->head + l->n++) % RSP_MAX_WINDOW;

	l->i[at] = i;
	l->tries[at] = tries;
}

static size_t
line_pop(struct line *l, unsigned *tries)
{
	size_t i = l->i[l->head];

	if (tries != NULL)
		*tries = l->tries[l->head];
	l->head = (l->head + 1) % RSP_MAX_WINDOW;
	l->n--;
	return i;
}

/* Put a request on the wire again. */
static int
retransmit(struct rsp_conn *c, const struct rsp_req *r, struct pt_err *err)
{
	int n;

	if ((n = encode(c, r->payload, r->len, err)) < 0)
		return -1;
	c->n_retransmit++;
	return putbytes(c, c->tx, (size_t)n, err);
}

/* Room for `need` bytes in c->batch; 0 or -1 with err set. */
static int
batch_room(struct rsp_conn *c, size_t need, struct pt_err *err)
{
	char *p;

	if (need <= c->batch_cap)
		return 0;
	if ((p = realloc(c->batch, 2 * need)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	c->batch = p;
	c->batch_cap = 2 * need;
	return 0;
}

/* Put n new requests on the wire in one write, after the acks owed. */
static int
transmit_many(struct rsp_conn *c, const struct rsp_req *r, size_t n,
    struct pt_err *err)
{
	size_t len;
	int f;

	if (batch_acks(c, 1, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((f = encode(c, r[i].payload, r[i].len, err)) < 0 ||
		    batch_room(c, len + (size_t)f, err) < 0)
			return -1;
		memcpy(c->batch + len, c->tx, (size_t)f);
		len += (size_t)f;
		c->n_sent++;
		if (c->trace != NULL)
			c->trace(c->trace_ctx, RSP_TRACE_SEND, r[i].payload,
			    r[i].len);
	}
	return putbytes(c, c->batch, len, err);
}

/* The next byte, or -2 after timeout_ms of silence (the conn lives). */
static int
pipe_byte(struct rsp_conn *c, int timeout_ms, struct pt_err *err)
{
	int ch = getbyte_within(c, -1, true, err);

	c->timed_out = ch == -2;
	if (ch == -2)
		pt_err_set(err, PT_EXIT_TARGET, "timed out waiting for reply "
		    "(%d ms) with requests in flight", timeout_ms);
	return ch;
}

static int
pipeline(struct rsp_conn *c, const struct rsp_req *req, size_t n,
    size_t window, int timeout_ms, rsp_reply_fn fn, void *ctx,
    struct pt_err *err)
{
	struct line unacked = { .n = 0 }, waiting = { .n = 0 };
	size_t next = 0, done = 0, noise = 0;
	unsigned tries;
	int ch, rc;

	arm(c, timeout_ms);
	while (done < n) {
		struct line *l;

		/* Refill a quarter of the window at a time (or when all
		 * is answered): fewer, larger writes. */
		if (next < n && (unacked.n + waiting.n == 0 ||
		    unacked.n + waiting.n + (window + 3) / 4 <= window)) {
			size_t k = window - unacked.n - waiting.n;

			if (k > n - next)
				k = n - next;
			if (transmit_many(c, &req[next], k, err) < 0)
				return -1;
			while (k-- > 0)
				line_push(c->ack ? &unacked : &waiting, next++,
				    1);
		}
		if (c->n_early > 0) {
			/* Came before these were sent: a stop reply. */
			ch = '$';
		} else if ((ch = pipe_byte(c, timeout_ms, err)) < 0) {
			return -1;
		}
		if (ch == '+' && c->ack && unacked.n > 0) {
			size_t i = line_pop(&unacked, &tries);

			line_push(&waiting, i, tries);
			continue;
		}
		if (ch == '-' && c->ack && unacked.n > 0) {
			size_t i = line_pop(&unacked, &tries);

			rsp_note(c, "NAK from target, sending again");
			if (tries >= (unsigned)c->tries)
				return fail_dead(c, err, "packet rejected by "
				    "target %d times (retries exhausted)",
				    c->tries);
			if (retransmit(c, &req[i], err) < 0)
				return -1;
			line_push(&unacked, i, tries + 1);
			continue;
		}
		if (ch == '+' || ch == '-')
			continue;	/* stray ack */
		if (ch != '$') {
			c->n_noise++;
			if (++noise > RSP_NOISE_MAX)
				return fail_dead(c, err, "no packet start in "
				    "%u bytes from target", RSP_NOISE_MAX);
			continue;
		}
		if (c->n_early > 0) {
			const char *p;
			size_t len;

			if (rsp_recv(c, &p, &len, err) < 0)
				return -1;
		} else if (recv_frame(c, true, err) < 0) {
			return -1;
		}
		/* A reply ahead of its ack acknowledges it too. */
		l = waiting.n > 0 ? &waiting : &unacked;
		if (l->n == 0) {
			rsp_note(c, "a packet nobody asked for: '%.20s'", c->rx);
			if (unsolicited(c, err) < 0)
				return -1;
			continue;
		}
		rc = fn(ctx, l->i[l->head], c->rx, c->rx_len, err);
		if (rc < 0)
			return -1;
		if (rc == RSP_REPLY_DONE) {
			/* An answer: the next one has its own time. */
			line_pop(l, NULL);
			done++;
			arm(c, timeout_ms);
			continue;
		}
		if (rc == RSP_REPLY_MORE) {
			/* Part of the answer (fn bounds its size). */
			c->deadline = deadline_min(deadline_in(timeout_ms),
			    c->limit);
			continue;
		}
		if (unsolicited(c, err) < 0)
			return -1;
		/*
		 * A stop reply that answers nothing: the first byte of the
		 * oldest unacknowledged request stopped a guest someone
		 * had started, and the stub dropped the rest of it (QEMU
		 * does), so it goes again.  The ones behind it are taken.
		 */
		if (c->rx_len > 0 && (c->rx[0] == 'T' || c->rx[0] == 'S') &&
		    unacked.n > 0) {
			size_t i;

			if (!c->ack)
				return pt_err_set(err, PT_EXIT_TARGET, "the "
				    "guest stopped with requests in flight");
			i = line_pop(&unacked, &tries);
			rsp_note(c, "a stop reply instead of an ack: the "
			    "target dropped the packet; sending again");
			if (retransmit(c, &req[i], err) < 0)
				return -1;
			line_push(&unacked, i, tries);
		}
	}
	return 0;
}

int
rsp_pipeline(struct rsp_conn *c, const struct rsp_req *req, size_t n,
    size_t window, int timeout_ms, rsp_reply_fn fn, void *ctx,
    struct pt_err *err)
{
	int rc;

	if (c->dead)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "connection to target lost after an earlier error");
	if (window == 0 || window > RSP_MAX_WINDOW)
		window = RSP_MAX_WINDOW;
	if (timeout_ms < 0)
		timeout_ms = c->timeout_ms;
	c->pipelining = true;
	rc = pipeline(c, req, n, window, timeout_ms, fn, ctx, err);
	c->pipelining = false;
	if (rc < 0) {
		struct pt_err ignored;

		/* Now: a stub that waits for them sends the rest of what
		 * it owes, which a drain can then take. */
		flush_acks(c, &ignored);
		return -1;
	}
	/* Those owed at the end go with what is sent next, or before we
	 * next wait. */
	return 0;
}

int
rsp_drain(struct rsp_conn *c, int quiet_ms, struct pt_err *err)
{
	size_t dropped = c->in_len - c->in_pos;
	ssize_t n;

	for (size_t i = 0; i < c->n_early; i++)
		free(c->early[i].data);
	c->n_early = 0;
	c->in_pos = c->in_len = 0;
	arm(c, c->timeout_ms);
	for (;;) {
		int left = deadline_left(c->deadline);

		n = c->io.read(c->io.ctx, c->in, RSP_IN_SIZE,
		    left >= 0 && left < quiet_ms ? left : quiet_ms);
		if (n == RSP_IO_TIMEOUT && left >= 0 && left < quiet_ms)
			return fail_dead(c, err, "the target does not fall "
			    "quiet (%d ms)", c->timeout_ms);
		if (n == RSP_IO_TIMEOUT)
			break;
		if (n < 0) {
			c->closed = n == RSP_IO_CLOSED;
			return fail_dead(c, err, "connection lost while "
			    "waiting for the target to fall quiet");
		}
		dropped += (size_t)n;
		if (dropped > RSP_DRAIN_MAX)
			return fail_dead(c, err, "the target does not fall "
			    "quiet");
	}
	rsp_note(c, "dropped %zu bytes to get back in step", dropped);
	return 0;
}

int
rsp_interrupt(struct rsp_conn *c, struct pt_err *err)
{
	static const char brk = 0x03;

	if (c->dead)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "connection to target lost after an earlier error");
	rsp_note(c, "interrupt (0x03)");
	arm(c, c->timeout_ms);
	return putbytes(c, &brk, 1, err);
}

int
rsp_reply_error(const char *payload, size_t len, struct pt_err *err)
{
	if (len == 3 && payload[0] == 'E' && hexval(payload[1]) >= 0 &&
	    hexval(payload[2]) >= 0)
		return pt_err_set(err, PT_EXIT_TARGET, "target replied %.3s",
		    payload);
	if (len >= 2 && payload[0] == 'E' && payload[1] == '.')
		return pt_err_set(err, PT_EXIT_TARGET,
		    "target replied error: %.*s", (int)(len - 2),
		    payload + 2);
	return 0;
}

uint8_t
rsp_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	while (len-- > 0)
		sum += *p++;
	return sum;
}

void
rsp_hex_encode(const void *buf, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int
rsp_hex_decode(const char *hex, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = hexval(hex[2 * i])) < 0 ||
		    (lo = hexval(hex[2 * i + 1])) < 0)
			return -1;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
rsp_parse_hex(const char **s, uint64_t *val)
{
	const char *p = *s;
	uint64_t v = 0;
	int d, n = 0;

	while ((d = hexval((unsigned char)*p)) >= 0) {
		if (v >> 60 != 0)
			return -1;
		v = v << 4 | (uint64_t)d;
		p++;
		n++;
	}
	if (n == 0)
		return -1;
	*s = p;
	*val = v;
	return 0;
}
