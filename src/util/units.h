/* SPDX-License-Identifier: GPL-3.0-or-later */
/* units: one formatter per quantity. The status bar, column headers,
 * /stats, the headless table, reply labels and exports all write a time, a
 * rate, a token count and a cost through these, so a figure reads the same
 * wherever it shows. Pure: no locale, no allocation. */
#ifndef CIRCUIT_UTIL_UNITS_H
#define CIRCUIT_UTIL_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text any formatter here writes, NUL included. */
#define UNITS_MAX 32

/* A duration: "-" unknown (ms < 0); "0ms".."9999ms" under 10 s; "10.0s"..
 * "99.9s" under 100 s; "100s" and up in whole seconds. */
void units_ms(long long ms, char *out, size_t size);

/* A wait or a countdown, which a screen redraws each second: whole
 * seconds, rounded up ("27s", "3s"; "0s" for ms <= 0); under a second,
 * tenths ("0.4s"). "-" unknown (ms < 0 is 0s: a countdown that passed). */
void units_seconds(long long ms, char *out, size_t size);

/* A rate: "-" unknown (tps < 0); "61.2 tok/s" under 100; "123 tok/s" from
 * there; "≈" first when estimated ("≈61.2 tok/s"). */
void units_tps(double tps, bool estimated, char *out, size_t size);

/* A count with no unit, for tables whose header names the unit: "0".."9999",
 * "10.0k".."9999.9k", "10.0M" and up; "≈" first when estimated. */
void units_count(long long n, bool estimated, char *out, size_t size);

/* A token count with its unit, singular or plural: "1 token", "104 tokens",
 * "12.3k tokens", "≈104 tokens"; "-" when n < 0. */
void units_tokens(long long n, bool estimated, char *out, size_t size);

/* USD: "-" unknown (usd < 0); "$0" for exactly 0; "<$0.0001" above 0 and
 * under a hundredth of a cent; "$0.0021" (4 decimals) under $1; "$12.35"
 * (2 decimals) from $1; "≈" first when estimated. */
void units_cost(double usd, bool estimated, char *out, size_t size);

/* "1 line" / "3 lines": n and the word, singular or plural (word is the
 * singular; plural adds "s"). */
void units_plural(long long n, const char *word, char *out, size_t size);

/* A size: "1 byte", "512 bytes" under 1 KiB; "1.2 KiB".."1023.9 KiB";
 * "1.5 MiB" and up (one decimal). */
void units_bytes(unsigned long long n, char *out, size_t size);

/* A time (unix seconds) as lists show it, local time: "2026-11-24 10:34"
 * (the number itself if it cannot be converted). */
void units_date(long long t, char *out, size_t size);

#endif
