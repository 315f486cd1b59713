/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request: what an adapter needs to build a request body. */
#ifndef CIRCUIT_WIRE_REQUEST_H
#define CIRCUIT_WIRE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

enum wire_role { WIRE_ROLE_USER, WIRE_ROLE_ASSISTANT };

struct wire_message {
	enum wire_role role;
	const char *text;
};

/* A conversation as the wire sees it: plain, borrowed strings. The system
 * prompt is apart because every provider places it differently. */
struct wire_request {
	const char *model;
	const char *system; /* NULL or "": none */
	const struct wire_message *messages;
	size_t nmessages;
	int max_tokens;      /* 0: the provider's default (Anthropic: 8192) */
	int thinking_budget; /* 0: no thinking requested */
};

#define WIRE_ANTHROPIC_DEFAULT_MAX_TOKENS 8192

#endif
