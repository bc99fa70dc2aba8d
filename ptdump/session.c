/* session.c - options, output stream and the lazily connected target. */
#include <string.h>

#include "gdbremote.h"
#include "session.h"
#include "walk.h"

void
session_init(struct session *s, FILE *out)
{
	memset(s, 0, sizeof *s);
	s->out = out;
	s->opt.target = SESSION_DEFAULT_TARGET;
	s->opt.timeout_ms = SESSION_DEFAULT_TIMEOUT_MS;
	s->opt.format = OUT_TEXT;
	s->opt.max_entries = WALK_DEFAULT_MAX_ENTRIES;
	s->opt.maxphyaddr = X86PT_MAXPHYADDR_DEFAULT;
	s->opt.pat = X86PT_PAT_DEFAULT;
}

struct target *
session_target(struct session *s, struct pt_err *err)
{
	struct gdbremote_opts o;

	if (s->connected)
		return &s->tgt;
	gdbremote_opts_init(&o);
	o.connect_timeout_ms = s->opt.timeout_ms;
	o.reply_timeout_ms = s->opt.timeout_ms;
	o.trace = s->opt.trace;
	o.trace_ctx = s->opt.trace_ctx;
	if (gdbremote_open(s->opt.target, &o, &s->tgt, err) < 0)
		return NULL;
	if (s->cache == NULL) {
		s->cache = walk_cache_new(0, err);
		if (s->cache == NULL) {
			s->tgt.ops->close(s->tgt.ctx);
			return NULL;
		}
	}
	s->connected = true;
	return &s->tgt;
}

int
session_close(struct session *s, struct pt_err *err)
{
	int rc = 0;

	if (s->connected) {
		if (gdbremote_is(&s->tgt))
			rc = gdbremote_close(&s->tgt, err);
		else
			s->tgt.ops->close(s->tgt.ctx);
		s->connected = false;
	}
	walk_cache_free(s->cache);
	s->cache = NULL;
	return rc;
}
