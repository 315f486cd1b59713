/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request: what an adapter needs to build a request body. */
#ifndef CIRCUIT_WIRE_REQUEST_H
#define CIRCUIT_WIRE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

enum wire_role { WIRE_ROLE_USER, WIRE_ROLE_ASSISTANT };

/* An image sent with a user message: its bytes as they are (each adapter
 * base64-encodes them into its own part), borrowed like the text. mime is
 * "image/png", "image/jpeg", "image/webp" or "image/gif". */
struct wire_image {
	const char *mime;
	const unsigned char *data;
	size_t len;
};

/* One turn. A user turn may carry images (nimages 0: none, and the body is
 * what it was before images existed, byte for byte); text attachments are
 * already folded into text by the caller. */
struct wire_message {
	enum wire_role role;
	const char *text;
	const struct wire_image *images;
	size_t nimages;
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

/* A deep copy of src into dst: its text and its images' bytes (the
 * router keeps a request for its retries; wire/adapter.c). */
void wire_message_copy(struct wire_message *dst, const struct wire_message *src);
/* Frees what wire_message_copy made. */
void wire_message_free(struct wire_message *m);

#endif
