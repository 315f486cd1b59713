/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock: the time, read only by the event loop and handed down from there. */
#ifndef CIRCUIT_UTIL_CLOCK_H
#define CIRCUIT_UTIL_CLOCK_H

/* Monotonic milliseconds (CLOCK_MONOTONIC): for durations and deadlines. */
long long clock_ms(void);
/* Wall-clock seconds since the epoch: for Retry-After dates and records. */
long long clock_unix(void);

/* A --since word at now (unix s): "7d", "24h", "30m", "2w" (that long
 * before now) or a local date "2026-12-01" (its midnight; 2026-02-31 is no
 * date). 0 and *since set, or -1 when it is none of these. */
int clock_since(const char *word, long long now, long long *since);

#endif
