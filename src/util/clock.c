/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock: the time, read only by the event loop and handed down from there. */
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
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

/* "2026-12-01": its local midnight. 0, or -1. */
static int parse_date(const char *s, long long *out)
{
	int y, mo, d, used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || s[used] != '\0' || used != 10 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d) /* 2026-02-31 is not a date */
		return -1;
	*out = (long long)t;
	return 0;
}

int clock_since(const char *s, long long now, long long *since)
{
	if (s == NULL || *s == '\0')
		return -1;
	if (parse_date(s, since) == 0)
		return 0;
	char *end;
	long long n = strtoll(s, &end, 10);
	long long unit = 0;
	switch (*end) {
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	/* a hundred years at most: no overflow, and before any history */
	if (end == s || s[0] < '0' || s[0] > '9' || end[1] != '\0' || n > 100LL * 365 * 86400 / unit)
		return -1;
	*since = now - n * unit;
	return 0;
}
