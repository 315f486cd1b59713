/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_price: [price.MODEL] sections (USD per million tokens in and out)
 * and the price of a model, looked up with or without its provider. */
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

static const char *price_name(const struct config *c, size_t i)
{
	return c->prices[i].model;
}

static void open_price(struct config_parser *st, const char *model, size_t n)
{
	struct config *c = st->c;
	c->prices = config_index_room(&st->prices, c->prices, sizeof *c->prices, c->nprices);
	config_index_grow(&st->prices, c, c->nprices, price_name);
	size_t *slot = config_index_slot(&st->prices, c, price_name, model, n);
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
