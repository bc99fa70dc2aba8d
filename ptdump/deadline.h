/*
 * deadline.h - points in time to give up at, on a monotonic clock in
 * milliseconds.  Every wait in ptdump is bounded by one of these: the
 * whole of a reply, a connection, a name lookup, not each read.
 */
#ifndef PTDUMP_DEADLINE_H
#define PTDUMP_DEADLINE_H

#include <stdbool.h>

/* No deadline: wait as long as it takes. */
#define DEADLINE_NONE (-1LL)

/* The monotonic clock now, in ms. */
long long deadline_now(void);

/* timeout_ms from now; DEADLINE_NONE when timeout_ms < 0. */
long long deadline_in(int timeout_ms);

/* The earlier of two deadlines (NONE is the latest of all). */
long long deadline_min(long long a, long long b);

/* What to pass poll(): ms left (0 once passed), -1 for NONE. */
int deadline_left(long long d);

/* Has d passed?  Never for NONE. */
bool deadline_passed(long long d);

#endif
