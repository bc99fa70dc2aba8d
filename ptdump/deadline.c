/* deadline.c - points in time to give up at: see deadline.h. */
#include <limits.h>
#include <time.h>

#include "deadline.h"

long long
deadline_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
deadline_in(int timeout_ms)
{
	return timeout_ms < 0 ? DEADLINE_NONE : deadline_now() + timeout_ms;
}

long long
deadline_min(long long a, long long b)
{
	if (a == DEADLINE_NONE)
		return b;
	if (b == DEADLINE_NONE)
		return a;
	return a < b ? a : b;
}

int
deadline_left(long long d)
{
	long long left;

	if (d == DEADLINE_NONE)
		return -1;
	left = d - deadline_now();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

bool
deadline_passed(long long d)
{
	return d != DEADLINE_NONE && deadline_now() >= d;
}
