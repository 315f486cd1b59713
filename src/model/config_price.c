/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_price: [price.MODEL] sections (USD per million tokens in and out)
 * and the price of a model, looked up with or without its provider. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/config_parse.h"
#include "util/mem.h"

#define PRICE_MAX 10000.0 /* USD per million tokens */

static const char *const price_keys[] = {"input", "output"};

bool config_is_price_key(const char *name)
{
	for (size_t i = 0; i < sizeof price_keys / sizeof price_keys[0]; i++) {
		if (strcmp(price_keys[i], name) == 0)
			return true;
	}
	return false;
}

void config_set_price(struct config_parser *st, const char *name, const char *value)
{
	struct config_price *pp = &st->c->prices[st->idx];
	double *dst;
	bool *has;
	if (strcmp(name, "input") == 0) {
		dst = &pp->input;
		has = &pp->has_input;
	} else if (strcmp(name, "output") == 0) {
		dst = &pp->output;
		has = &pp->has_output;
	} else {
		config_warn(st, st->line,
		            "unknown key '%s' in [price.%s] (it takes input and output)",
		            config_q(st, name), config_q(st, pp->model));
		return;
	}
	double v;
	if (config_decimal(value, &v) && v <= PRICE_MAX) {
		*dst = v;
		*has = true;
	} else {
		*dst = 0;
		*has = false;
		config_warn(
		    st, st->line,
		    "%s wants USD per million tokens, a number from 0 to 10000, got '%s'; ignored",
		    name, config_q(st, value));
	}
}

static bool price_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch == 0x7F)
			return false;
	}
	return true;
}

/* FNV-1a of a price section's name. */
static size_t name_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return (size_t)h;
}

/* The slot of model (n bytes) in st's index: the one holding it, else the
 * empty one where it goes. The index is never full (see grow_index). */
static size_t *slot_of(struct config_parser *st, const char *model, size_t n)
{
	size_t mask = st->price_nslots - 1;
	for (size_t i = name_hash(model, n) & mask;; i = (i + 1) & mask) {
		size_t *slot = &st->price_slots[i];
		if (*slot == 0)
			return slot;
		const char *m = st->c->prices[*slot - 1].model;
		if (strlen(m) == n && memcmp(m, model, n) == 0)
			return slot;
	}
}

/* Room for one more price: the array grows by doubling, the index stays
 * under half full (rebuilt from prices[] when it grows, which also covers
 * the prices c held before this file). Linear in the sections overall:
 * 40k [price] sections took 5.3 s with a search of every name before. */
static void grow_index(struct config_parser *st)
{
	struct config *c = st->c;
	if (c->nprices == st->price_cap || st->price_slots == NULL) {
		st->price_cap = c->nprices < 8 ? 16 : c->nprices * 2;
		c->prices = xrealloc(c->prices, st->price_cap * sizeof *c->prices);
	}
	if (st->price_slots != NULL && (c->nprices + 1) * 2 <= st->price_nslots)
		return;
	size_t nslots = 64;
	while (nslots < (c->nprices + 1) * 2)
		nslots *= 2;
	free(st->price_slots);
	st->price_slots = xcalloc(nslots, sizeof *st->price_slots);
	st->price_nslots = nslots;
	for (size_t i = 0; i < c->nprices; i++)
		*slot_of(st, c->prices[i].model, strlen(c->prices[i].model)) = i + 1;
}

static void open_price(struct config_parser *st, const char *model, size_t n)
{
	struct config *c = st->c;
	grow_index(st);
	size_t *slot = slot_of(st, model, n);
	st->sec = CONFIG_SEC_PRICE;
	if (*slot != 0) {
		st->idx = *slot - 1; /* a second [price.MODEL]: the same one */
		return;
	}
	struct config_price *pp = &c->prices[c->nprices];
	memset(pp, 0, sizeof *pp);
	pp->model = xstrndup(model, n);
	st->idx = c->nprices++;
	*slot = c->nprices;
}

void config_price_end(struct config_parser *st)
{
	free(st->price_slots);
	st->price_slots = NULL;
	st->price_nslots = 0;
}

void config_price_section(struct config_parser *st, const char *header, const char *model)
{
	if (price_name_ok(model, strlen(model))) {
		open_price(st, model, strlen(model));
		return;
	}
	st->sec = CONFIG_SEC_SKIP;
	config_warn(st, st->line,
	            "[%s]: a model name without blanks must follow 'price.'; "
	            "its keys are ignored",
	            config_q(st, header));
}

static const struct config_price *find_price(const struct config *c, const char *model)
{
	for (size_t i = 0; i < c->nprices; i++) {
		const struct config_price *pp = &c->prices[i];
		if (strcmp(pp->model, model) == 0 && (pp->has_input || pp->has_output))
			return pp;
	}
	return NULL;
}

bool config_price(const struct config *c, const char *model, double *input, double *output)
{
	const struct config_price *pp = find_price(c, model);
	const char *colon = strchr(model, ':');
	if (pp == NULL && colon != NULL)
		pp = find_price(c, colon + 1);
	if (pp == NULL)
		return false;
	if (input != NULL)
		*input = pp->has_input ? pp->input : 0;
	if (output != NULL)
		*output = pp->has_output ? pp->output : 0;
	return true;
}
