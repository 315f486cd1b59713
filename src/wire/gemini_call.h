/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gemini_call: one function call whose arguments Vertex streams in pieces
 * (functionCall.partialArgs, willContinue), joined into one JSON object.
 * Internal to src/wire (gemini.c). */
#ifndef CIRCUIT_WIRE_GEMINI_CALL_H
#define CIRCUIT_WIRE_GEMINI_CALL_H

#include <jansson.h>
#include <stdbool.h>

#include "wire/adapter.h"

struct gemini_call {
	bool open;           /* a call is being joined */
	json_t *args;        /* its arguments so far: an object */
	char *cont_path;     /* the path whose string goes on in the next piece */
	struct wire_tools t; /* [0]: id, name, the string going on; [1]: a meter */
};

void gemini_call_init(struct gemini_call *c);
void gemini_call_done(struct gemini_call *c);

/* Adds one functionCall object: its id and name (the first ones win), an
 * "args" object (merged), and each "partialArgs" piece {jsonPath,
 * stringValue | numberValue | boolValue | nullValue, willContinue}: the
 * value set at the path ("$.a.b[0]", "$['a']"), a string whose piece says
 * willContinue joined with the next piece for the same path. A piece
 * whose path is not one of those is dropped. Every piece's bytes count
 * toward the reply cap (past it: TOO_BIG, and the piece is dropped). Opens
 * the call. */
void gemini_call_add(struct gemini_call *c, struct wire_sink *s, json_t *fc);

/* True when the open call has a name and it differs from name (NULL: no). */
bool gemini_call_other(const struct gemini_call *c, const char *name);

/* Emits the open call as one TOOL_CALL with this index (its arguments as
 * compact JSON text, "{}" when none came) and closes it. Nothing when no
 * call is open. */
void gemini_call_emit(struct gemini_call *c, struct wire_sink *s, int index);

#endif
