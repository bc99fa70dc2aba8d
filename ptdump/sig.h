/*
 * sig.h - the signals ptdump turns into requests.
 *
 * SIGINT asks to stop what runs now (a walk, a wait for the guest, the
 * line being typed); SIGTERM and SIGHUP ask ptdump to leave.  Both only
 * set a flag: the walker, the packet loop and the prompt look at it and
 * wind down through the same close that puts the guest back as found.
 * SIGPIPE is ignored, so a closed pipe shows up as EPIPE on a write.
 */
#ifndef PTDUMP_SIG_H
#define PTDUMP_SIG_H

#include <stdbool.h>

/* Install the handlers (no SA_RESTART: blocking calls return EINTR). */
int sig_install(void);

/* True if SIGINT, SIGTERM or SIGHUP came and was not taken yet. */
bool sig_pending(void);

/* True if SIGTERM or SIGHUP came: ptdump should leave. */
bool sig_leaving(void);

/*
 * The number of the signal that asked ptdump to stop (SIGTERM or SIGHUP
 * first, then SIGINT), or 0.
 */
int sig_which(void);

/* Forget a SIGINT once its command has stopped (the shell goes on). */
void sig_clear_interrupt(void);

/* A walk_ctx / wait cancel callback: true once a signal is pending. */
bool sig_cancel_cb(void *unused);

#endif
