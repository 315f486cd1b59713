/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_value: the shapes of values the config's keys share (words,
 * decimals, seconds, strings, lists), read without the locale. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config_parse.h"
#include "util/mem.h"

void config_free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* ASCII case-insensitive equality: strcasecmp follows the locale. */
bool config_word_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	}
	return *a == *b;
}

/* ms as seconds for a message: "30", "0.5", "2.25" (never the locale's comma). */
const char *config_secs(char out[32], long ms)
{
	long whole = ms / 1000, frac = ms % 1000;
	if (frac == 0) {
		snprintf(out, 32, "%ld", whole);
		return out;
	}
	snprintf(out, 32, "%ld.%03ld", whole, frac);
	size_t n = strlen(out);
	while (out[n - 1] == '0')
		out[--n] = '\0';
	return out;
}

/* "12", "0.5", ".25", "3.": digits with at most one '.', no sign, no
 * exponent. By hand, because strtod follows the locale's decimal point and
 * the app runs under setlocale(LC_ALL, ""). */
bool config_decimal(const char *s, double *out)
{
	uint64_t mant = 0;
	int digits = 0, frac = 0;
	bool dot = false, any = false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return false;
		any = true;
		if (mant == 0 && *p == '0' && !dot)
			continue; /* leading zeros */
		if (digits == 18) {
			if (!dot)
				return false; /* far past any range we accept */
			continue;             /* fraction digits past double's precision */
		}
		mant = mant * 10 + (uint64_t)(*p - '0');
		digits++;
		if (dot)
			frac++;
	}
	if (!any)
		return false;
	double scale = 1.0;
	for (int i = 0; i < frac; i++)
		scale *= 10.0; /* exact up to 1e22 */
	*out = (double)mant / scale;
	return true;
}

void config_set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
}

/* "a, b,,c " -> a b c: items trimmed, empty ones dropped, duplicates kept. */
void config_set_list(char ***items, size_t *n, const char *value)
{
	config_free_list(*items, *n);
	*items = NULL;
	*n = 0;
	const char *p = value;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma != NULL ? comma : p + strlen(p);
		const char *s = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			*items = xrealloc(*items, (*n + 1) * sizeof **items);
			(*items)[(*n)++] = xstrndup(s, (size_t)(e - s));
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* ---- an index of section names ----------------------------------------------- */

/* FNV-1a of a section's name. */
static size_t name_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return (size_t)h;
}

size_t *config_index_slot(struct config_index *x, const struct config *c, config_name_at name_at,
                          const char *name, size_t n)
{
	size_t mask = x->nslots - 1;
	for (size_t i = name_hash(name, n) & mask;; i = (i + 1) & mask) {
		size_t *slot = &x->slots[i];
		if (*slot == 0)
			return slot;
		const char *m = name_at(c, *slot - 1);
		if (strlen(m) == n && memcmp(m, name, n) == 0)
			return slot;
	}
}

/* 40k [price] sections took 5.3 s when each new name was searched for in
 * all before it and the array grew by one each time. */
void *config_index_room(struct config_index *x, void *array, size_t size, size_t count)
{
	/* x->cap is 0 when the array holds elements from an earlier file. */
	if (count < x->cap)
		return array;
	x->cap = count < 8 ? 16 : count * 2;
	return xrealloc(array, x->cap * size);
}

void config_index_grow(struct config_index *x, const struct config *c, size_t count,
                       config_name_at name_at)
{
	if (x->slots != NULL && (count + 1) * 2 <= x->nslots)
		return;
	size_t nslots = 64;
	while (nslots < (count + 1) * 2)
		nslots *= 2;
	free(x->slots);
	x->slots = xcalloc(nslots, sizeof *x->slots);
	x->nslots = nslots;
	for (size_t i = 0; i < count; i++) {
		const char *m = name_at(c, i);
		*config_index_slot(x, c, name_at, m, strlen(m)) = i + 1;
	}
}

void config_index_done(struct config_index *x)
{
	free(x->slots);
	memset(x, 0, sizeof *x);
}
