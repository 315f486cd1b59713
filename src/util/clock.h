/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock: the time, read only by the event loop and handed down from there. */
#ifndef CIRCUIT_UTIL_CLOCK_H
#define CIRCUIT_UTIL_CLOCK_H

/* Monotonic milliseconds (CLOCK_MONOTONIC): for durations and deadlines. */
long long clock_ms(void);
/* Wall-clock seconds since the epoch: for Retry-After dates and records. */
long long clock_unix(void);

#endif
