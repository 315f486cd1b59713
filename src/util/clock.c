/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock: the time, read only by the event loop and handed down from there. */
#include "util/clock.h"

#include <time.h>

long long clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec;
}
