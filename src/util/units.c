/* SPDX-License-Identifier: GPL-3.0-or-later */
/* units: one formatter per quantity (time, rate, count, tokens, cost). */
#include "util/units.h"

#include <stdio.h>
#include <time.h>

#include "util/glyphs.h"

static const char *approx(bool estimated)
{
	return estimated ? glyph->approx : "";
}

void units_ms(long long ms, char *out, size_t size)
{
	if (ms < 0)
		snprintf(out, size, "-");
	else if (ms < 10000)
		snprintf(out, size, "%lldms", ms);
	else if (ms < 99950)
		snprintf(out, size, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(out, size, "%llds", (ms + 500) / 1000);
}

void units_seconds(long long ms, char *out, size_t size)
{
	long long tenths = (ms + 99) / 100;
	if (ms <= 0)
		snprintf(out, size, "0s");
	else if (tenths < 10)
		snprintf(out, size, "0.%llds", tenths);
	else
		snprintf(out, size, "%llds", (ms + 999) / 1000);
}

void units_tps(double tps, bool estimated, char *out, size_t size)
{
	if (tps < 0)
		snprintf(out, size, "-");
	else if (tps < 99.95)
		snprintf(out, size, "%s%.1f tok/s", approx(estimated), tps);
	else
		snprintf(out, size, "%s%.0f tok/s", approx(estimated), tps);
}

void units_count(long long n, bool estimated, char *out, size_t size)
{
	if (n < 0)
		snprintf(out, size, "-");
	else if (n < 10000)
		snprintf(out, size, "%s%lld", approx(estimated), n);
	else if (n < 9999950)
		snprintf(out, size, "%s%.1fk", approx(estimated), (double)n / 1e3);
	else
		snprintf(out, size, "%s%.1fM", approx(estimated), (double)n / 1e6);
}

void units_tokens(long long n, bool estimated, char *out, size_t size)
{
	if (n < 0) {
		snprintf(out, size, "-");
		return;
	}
	char c[UNITS_MAX];
	units_count(n, estimated, c, sizeof(c));
	snprintf(out, size, "%s token%s", c, n == 1 ? "" : "s");
}

void units_cost(double usd, bool estimated, char *out, size_t size)
{
	if (usd < 0)
		snprintf(out, size, "-");
	else if (usd == 0)
		snprintf(out, size, "%s$0", approx(estimated));
	else if (usd < 0.00005)
		snprintf(out, size, "%s<$0.0001", approx(estimated));
	else if (usd < 0.99995)
		snprintf(out, size, "%s$%.4f", approx(estimated), usd);
	else
		snprintf(out, size, "%s$%.2f", approx(estimated), usd);
}

void units_plural(long long n, const char *word, char *out, size_t size)
{
	snprintf(out, size, "%lld %s%s", n, word, n == 1 ? "" : "s");
}

void units_bytes(unsigned long long n, char *out, size_t size)
{
	if (n < 1024)
		snprintf(out, size, "%llu byte%s", n, n == 1 ? "" : "s");
	else if (n < 1024ULL * 1024 - 52) /* 1023.95 KiB and up reads as MiB */
		snprintf(out, size, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(out, size, "%.1f MiB", (double)n / (1024.0 * 1024.0));
}

void units_date(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (localtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, size, "%lld", t);
}
