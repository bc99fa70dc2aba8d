/* sig.c - signals as flags: see sig.h. */
#include <signal.h>
#include <stddef.h>

#include "sig.h"

/* Written only by the handler (and cleared by the main line of code). */
static volatile sig_atomic_t sig_int, sig_term;

static void
sig_handler(int signo)
{
	if (signo == SIGINT)
		sig_int = 1;
	else
		sig_term = signo;
}

int
sig_install(void)
{
	static const int catch[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = sig_handler;
	for (i = 0; i < sizeof catch / sizeof catch[0]; i++)
		if (sigaction(catch[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

bool
sig_pending(void)
{
	return sig_int || sig_term;
}

bool
sig_leaving(void)
{
	return sig_term != 0;
}

int
sig_which(void)
{
	if (sig_term)
		return (int)sig_term;
	return sig_int ? SIGINT : 0;
}

void
sig_clear_interrupt(void)
{
	sig_int = 0;
}

bool
sig_cancel_cb(void *unused)
{
	(void)unused;
	return sig_pending();
}
