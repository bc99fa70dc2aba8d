/*
 * rsp.h - GDB remote serial protocol framing.
 *
 * A packet on the wire is `$payload#cs`: cs is the sum of the payload
 * bytes mod 256 as two hex digits.  The receiver answers `+` (good) or
 * `-` (bad checksum: send it again).  Inside the payload `}` escapes the
 * next byte (XOR 0x20) and `X*N` repeats X N-29 more times.  Our ack
 * of a packet received alone goes out at once; those of a pipeline's
 * replies go with the next bytes we send, or before we wait for the
 * stub: one write, not one a packet.
 *
 * This layer knows nothing about sockets: bytes move through the two
 * callbacks of struct rsp_io, so tests drive it from a buffer or a pipe.
 * Nothing here is global; all state lives in struct rsp_conn.
 */
#ifndef PTDUMP_RSP_H
#define PTDUMP_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Results of rsp_io.read besides a positive byte count. */
#define RSP_IO_TIMEOUT 0
#define RSP_IO_CLOSED (-1)	/* orderly end of stream */
#define RSP_IO_ERROR (-2)	/* errno says why */

struct rsp_io {
	/*
	 * Read 1..len bytes, waiting at most timeout_ms (< 0: forever).
	 * Returns the count, RSP_IO_TIMEOUT, RSP_IO_CLOSED or RSP_IO_ERROR.
	 */
	ssize_t (*read)(void *ctx, void *buf, size_t len, int timeout_ms);
	/*
	 * Write all len bytes within timeout_ms (< 0: however long it
	 * takes); 0 on success, -1 with errno on failure (ETIMEDOUT).
	 */
	int (*write)(void *ctx, const void *buf, size_t len, int timeout_ms);
	void *ctx;
};

enum rsp_trace_kind {
	RSP_TRACE_SEND,		/* a packet we sent (payload, unescaped) */
	RSP_TRACE_RECV,		/* a packet we received (payload, decoded) */
	RSP_TRACE_NOTE,		/* a protocol event: NAK, retransmit, noise */
	RSP_TRACE_STATS,	/* at the end: what the connection cost */
};

/* Sees every packet; `text` is not NUL-terminated. */
typedef void (*rsp_trace_fn)(void *ctx, enum rsp_trace_kind kind,
    const char *text, size_t len);

/* How many times a packet is sent, or a corrupt one re-requested. */
#define RSP_DEFAULT_TRIES 3
/* How long an ack may lag behind a stop reply before we resend. */
#define RSP_DROPPED_MS 300
/* Received packets that arrived early (while we waited for an ack). */
#define RSP_MAX_EARLY 4
/* Packets nobody asked for (stop replies, console output) taken while
 * waiting for one ack or reply, before giving up on the stub. */
#define RSP_MAX_UNSOLICITED 64

/* Read-ahead buffer.  Allocated apart, not inside the connection (which
 * its owner may calloc): fresh pages are only touched as bytes arrive,
 * and a short session reads a few KiB. */
#define RSP_IN_SIZE 65536

struct rsp_early {
	char *data;
	size_t len;
};

struct rsp_conn {
	struct rsp_io io;
	int timeout_ms;		/* per ack or reply; < 0 waits forever */
	long long deadline;	/* of the wait under way (deadline.h) */
	long long limit;	/* a deadline no wait goes past (NONE) */
	unsigned unsolicited;	/* packets nobody asked for, this wait */
	int tries;		/* send attempts and checksum retries */
	bool ack;		/* false once QStartNoAckMode is in force */
	unsigned acks;		/* `+` owed for packets received, sent
				 * with what we send next, or before we
				 * wait again */
	bool pipelining;	/* in rsp_pipeline: acks go with requests */
	bool dead;		/* framing lost or stream closed: no more I/O */
	bool closed;		/* ... because the peer closed the stream */
	bool timed_out;		/* the last pipeline ended at its deadline */
	unsigned long long n_bytes;	/* received, all told */

	size_t rx_max;		/* largest decoded payload accepted */
	char *rx;		/* rx_max + 1 bytes; last packet, NUL-terminated */
	size_t rx_len;

	char *tx;		/* encoded outgoing frame */
	size_t tx_cap;
	char *batch;		/* frames of a pipeline, sent together */
	size_t batch_cap;

	uint8_t *in;		/* RSP_IN_SIZE bytes read ahead from io.read */
	size_t in_pos, in_len;

	struct rsp_early early[RSP_MAX_EARLY];
	size_t n_early;

	rsp_trace_fn trace;
	void *trace_ctx;

	/* Counters, for tests and --trace summaries. */
	unsigned long n_sent, n_recv, n_retransmit, n_nak_sent, n_noise;
	/* Round trips: waits for the stream after sending something. */
	unsigned long n_rtt;
	bool sent_since_wait;
};

/*
 * Set up `c` to talk through `io`, accepting payloads of up to rx_max
 * bytes.  Returns 0, or -1 with err set (out of memory).
 */
int rsp_init(struct rsp_conn *c, const struct rsp_io *io, size_t rx_max,
    int timeout_ms, struct pt_err *err);

/* Release the buffers; `c` must be initialised again before reuse. */
void rsp_free(struct rsp_conn *c);

/* Change the largest accepted payload (e.g. after qSupported). */
int rsp_set_rx_max(struct rsp_conn *c, size_t rx_max, struct pt_err *err);

/* Send the acks still owed (before closing); 0 or -1 with err set. */
int rsp_send_acks(struct rsp_conn *c, struct pt_err *err);

/*
 * Send one packet and, in ack mode, wait for its `+`: a `-` resends it,
 * up to c->tries times.  Packets that arrive while waiting are acked and
 * kept for rsp_recv, in order.  A stop reply (`T`/`S`) in place of the
 * ack means the stub took our first byte as a request to stop a running
 * target and dropped the rest (QEMU does): when no ack follows within
 * RSP_DROPPED_MS, the packet is sent again.  Returns 0 or -1 with err.
 */
int rsp_send(struct rsp_conn *c, const char *payload, size_t len,
    struct pt_err *err);

/* rsp_send of a NUL-terminated string. */
int rsp_send_str(struct rsp_conn *c, const char *payload,
    struct pt_err *err);

/*
 * Receive one packet: skip noise before `$`, check the checksum (asking
 * for it again with `-`, up to c->tries times), decode escapes and run
 * lengths, and ack it.  On success *payload points to c->rx
 * (valid until the next send or receive), NUL-terminated, and *len is
 * its length.
 */
int rsp_recv(struct rsp_conn *c, const char **payload, size_t *len,
    struct pt_err *err);

/* True if a packet (or part of one) is already buffered: rsp_recv will
 * not wait for the stream. */
bool rsp_pending(const struct rsp_conn *c);

/* rsp_send then rsp_recv. */
int rsp_command(struct rsp_conn *c, const char *request,
    const char **reply, size_t *len, struct pt_err *err);

/* ---- requests in flight ---- */

/* Most requests rsp_pipeline keeps unanswered at once. */
#define RSP_MAX_WINDOW 64

struct rsp_req {
	const char *payload;
	size_t len;
};

/* What a reply function says of a packet. */
#define RSP_REPLY_DONE 0	/* the request's answer */
#define RSP_REPLY_MORE 1	/* part of it: more packets follow */
#define RSP_REPLY_STRAY 2	/* not for it (a stop reply, console
				 * output): counted against the stub */

/*
 * Sees each reply of a pipeline with its request's index, in request
 * order.  Returns RSP_REPLY_DONE, _MORE or _STRAY, or -1 with err set
 * to give up.
 */
typedef int (*rsp_reply_fn)(void *ctx, size_t i, const char *payload,
    size_t len, struct pt_err *err);

/*
 * Send n requests keeping up to `window` of them unanswered, and hand
 * every reply to fn.  A stub takes packets in the order it accepts them,
 * so in ack mode each `+` moves the oldest unacknowledged request to
 * the line awaiting replies, and a `-` sends that one again at the end
 * of the line.  Waits at most timeout_ms for each reply (< 0: the
 * connection's timeout); a timeout leaves the connection alive but out
 * of step (rsp_drain puts it back).  Returns 0, or -1 with err set.
 */
int rsp_pipeline(struct rsp_conn *c, const struct rsp_req *req, size_t n,
    size_t window, int timeout_ms, rsp_reply_fn fn, void *ctx,
    struct pt_err *err);

/*
 * Read and drop whatever the stub still sends until it has been quiet
 * for quiet_ms: after a pipeline that went wrong.  Returns 0, or -1
 * with err set if the connection is lost or the stub is not quiet
 * within the connection's timeout.
 */
int rsp_drain(struct rsp_conn *c, int quiet_ms, struct pt_err *err);

/* Send the interrupt byte 0x03 (stop a running target). */
int rsp_interrupt(struct rsp_conn *c, struct pt_err *err);

/*
 * Is this reply an error (`Exx` or `E.text`)?  If so, returns -1 with err
 * set to "target replied Exx" (kind PT_EXIT_TARGET); otherwise 0.
 */
int rsp_reply_error(const char *payload, size_t len, struct pt_err *err);

/* Tell the trace callback (if any) about an event, printf-style. */
void rsp_note(struct rsp_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Two's complement checksum of a payload as sent on the wire. */
uint8_t rsp_checksum(const void *buf, size_t len);

/*
 * Hex helpers.  rsp_hex_encode writes 2*len chars plus a NUL into out
 * (which must hold them).  rsp_hex_decode decodes exactly 2*len hex chars
 * from `hex`; returns 0 or -1 on a non-hex char.
 */
void rsp_hex_encode(const void *buf, size_t len, char *out);
int rsp_hex_decode(const char *hex, void *buf, size_t len);

/*
 * Parse up to 16 hex digits at *s into *val and advance *s past them.
 * Returns 0, or -1 if there is no digit or the value overflows 64 bits.
 */
int rsp_parse_hex(const char **s, uint64_t *val);

#endif
