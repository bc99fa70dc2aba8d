/* session.c - options, output stream and the lazily connected target. */
#include <stdlib.h>
#include <string.h>

#include "gdbremote.h"
#include "session.h"
#include "sig.h"
#include "symbols.h"
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
	s->opt.max_tables = WALK_DEFAULT_MAX_TABLES;
	s->opt.maxphyaddr = X86PT_MAXPHYADDR_DEFAULT;
	s->opt.pat = X86PT_PAT_DEFAULT;
	s->opt.cpu = -1;
	run_reset(&s->run);
}

struct target *
session_target(struct session *s, struct pt_err *err)
{
	struct gdbremote_opts o;

	if (s->connected) {
		if (!gdbremote_is(&s->tgt) || gdbremote_alive(&s->tgt))
			return &s->tgt;
		/* Gone since the last command (QEMU exited): what we cached
		 * of it must not pass for the guest. */
		session_disconnect(s, err);
		pt_err_set(err, PT_EXIT_TARGET, "%s closed the connection (did "
		    "QEMU exit?); the next command connects again",
		    s->opt.target);
		return NULL;
	}
	gdbremote_opts_init(&o);
	o.connect_timeout_ms = s->opt.timeout_ms;
	o.reply_timeout_ms = s->opt.timeout_ms;
	o.ram = s->opt.ram_access;
	o.guest_ram = s->opt.guest_ram;
	o.trace = s->opt.trace;
	o.trace_ctx = s->opt.trace_ctx;
	if (s->opt.offline.core != NULL || s->opt.offline.image != NULL) {
		if (offline_open(&s->opt.offline, &s->tgt, err) < 0)
			return NULL;
	} else if (gdbremote_open(s->opt.target, &o, &s->tgt, err) < 0) {
		return NULL;
	}
	if (s->cache == NULL) {
		s->cache = walk_cache_new(0, err);
		if (s->cache == NULL) {
			s->tgt.ops->close(s->tgt.ctx);
			return NULL;
		}
	}
	s->connected = true;
	s->ram_known = false;
	run_reset(&s->run);
	if (s->opt.cpu >= 0 && (s->tgt.ops->select_cpu == NULL ||
	    s->tgt.ops->select_cpu(s->tgt.ctx, (unsigned)s->opt.cpu, err) < 0)) {
		struct pt_err ignored;

		if (s->tgt.ops->select_cpu == NULL)
			pt_err_set(err, PT_EXIT_USAGE, "this target has no vCPUs "
			    "to choose from");
		session_disconnect(s, &ignored);
		return NULL;
	}
	return &s->tgt;
}

/*
 * The end of guest RAM, from the target's memory map (QEMU's `info mtree
 * -f`): the top of the RAM block at guest address 0, not a device's RAM
 * such as "vga.vram".  0 when it cannot be told.
 */
static uint64_t
read_ram_limit(struct target *t)
{
	const struct memmap *m;
	struct pt_err ignored;

	if (t->ops->memmap == NULL || t->ops->memmap(t->ctx, &m, &ignored) < 0)
		return 0;
	return memmap_ram_end(m);
}

uint64_t
session_ram_limit(struct session *s)
{
	if (!s->connected)
		return 0;
	if (!s->ram_known) {
		s->ram_limit = read_ram_limit(&s->tgt);
		s->ram_known = true;
	}
	return s->ram_limit;
}

int
session_walk_ctx(struct session *s, struct walk_ctx *w, struct pt_err *err)
{
	struct target *t = session_target(s, err);

	if (t == NULL || walk_ctx_load(w, t, s->cache, err) < 0 ||
	    walk_check_mode(w->pt.mode, err) < 0)
		return -1;
	session_walk_settings(s, w);
	return 0;
}

void
session_walk_settings(struct session *s, struct walk_ctx *w)
{
	x86pt_ctx_set_maxphyaddr(&w->pt, s->opt.maxphyaddr);
	x86pt_ctx_set_pat(&w->pt, s->opt.pat);
	w->max_entries = s->opt.max_entries;
	w->max_tables = s->opt.max_tables;
	w->cancel = sig_cancel_cb;
	w->ram_limit = session_ram_limit(s);
}

int
session_cpu(struct session *s)
{
	if (!s->connected || s->tgt.ops->cpu_current == NULL)
		return -1;
	return s->tgt.ops->cpu_current(s->tgt.ctx);
}

int
session_disconnect(struct session *s, struct pt_err *err)
{
	int rc = 0;

	if (s->connected) {
		if (gdbremote_is(&s->tgt))
			rc = gdbremote_close(&s->tgt, err);
		else
			s->tgt.ops->close(s->tgt.ctx);
		s->connected = false;
	}
	run_reset(&s->run);
	return rc;
}

int
session_close(struct session *s, struct pt_err *err)
{
	int rc = session_disconnect(s, err);

	walk_cache_free(s->cache);
	s->cache = NULL;
	sym_free(s->syms);
	s->syms = NULL;
	while (s->nsnaps > 0)
		snapshot_free(&s->snaps[--s->nsnaps]);
	return rc;
}
