/*
 * fuzz_rsp.c - the RSP framing layer against any byte stream a stub may
 * send: acks, NAKs, noise, escapes, run lengths, checksums, early
 * packets.  The input is the stub's side of the connection; ptdump asks
 * for the registers, then takes packets until the stream ends or the
 * connection gives up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rsp.h"

struct feed {
	const uint8_t *p;
	size_t n, pos;
};

static ssize_t
feed_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct feed *f = ctx;
	size_t n = f->n - f->pos;

	(void)timeout_ms;
	if (n == 0)
		return RSP_IO_CLOSED;
	/* Small pieces: frames cut anywhere. */
	if (n > len)
		n = len;
	if (n > 7)
		n = 7;
	memcpy(buf, f->p + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static int
feed_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = { data, size, 0 };
	struct rsp_io io = { feed_read, feed_write, &f };
	struct rsp_conn c;
	struct pt_err e;
	const char *p;
	size_t n;

	if (rsp_init(&c, &io, 4096, 0, &e) < 0)
		return 0;
	if (rsp_command(&c, "g", &p, &n, &e) == 0) {
		uint8_t out[2048];

		if (n % 2 == 0 && n / 2 <= sizeof out)
			rsp_hex_decode(p, out, n / 2);
		rsp_reply_error(p, n, &e);
		for (int i = 0; i < 64 && rsp_recv(&c, &p, &n, &e) == 0; i++)
			;
	}
	rsp_free(&c);
	return 0;
}
