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

#endif
