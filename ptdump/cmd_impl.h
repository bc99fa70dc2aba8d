/* cmd_impl.h - handlers of the commands in cmd.c's table, by module. */
#ifndef PTDUMP_CMD_IMPL_H
#define PTDUMP_CMD_IMPL_H

#include "cmd.h"

/* cmd_pt.c: paging commands */
int cmd_regs(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_dump(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_walk(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_decode(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_monitor(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_ptov(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_run.c: run control */
int cmd_continue(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_stepi(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_interrupt(struct session *s, int argc, char **argv,
    struct pt_err *err);
int cmd_break(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_delete(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_watch(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_watch_pte(struct session *s, int argc, char **argv,
    struct pt_err *err);
int cmd_catch(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_snap.c */
int cmd_snapshot(struct session *s, int argc, char **argv,
    struct pt_err *err);
int cmd_diff(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_map.c */
int cmd_map(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_tlb.c */
int cmd_tlb(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_check.c */
int cmd_check(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_fault.c */
int cmd_fault(struct session *s, int argc, char **argv, struct pt_err *err);

/* cmd_sess.c: the session */
int cmd_info(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_cpu(struct session *s, int argc, char **argv, struct pt_err *err);
int cmd_symbols(struct session *s, int argc, char **argv,
    struct pt_err *err);
int cmd_target(struct session *s, int argc, char **argv, struct pt_err *err);

/* Shared helpers. */
struct fmt_regs;
struct walk_ctx;
/*
 * Connect, read the registers a dump prints, refuse a mode not walked,
 * and set up a walk of the tables at *cr3 (NULL: the current ones) with
 * the session's settings.  0, or -1 with err set.
 */
int cmd_prepare_walk(struct session *s, const uint64_t *cr3,
    struct fmt_regs *r, struct walk_ctx *w, struct pt_err *err);
/* An address: a number or a symbol expression (symbols.h). */
int cmd_addr(struct session *s, const char *word, uint64_t *addr,
    struct pt_err *err);
/* Print a stop in the session's format. */
void cmd_print_stop(struct session *s, const struct run_stop *st);
/*
 * After a failed command: if the gdbstub hung up (QEMU exited, say),
 * let go of the target, so that the next command connects again, and
 * say so in err.  Returns -1.
 */
int cmd_target_lost(struct session *s, struct pt_err *err);

#endif
