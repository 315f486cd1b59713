/* SPDX-License-Identifier: GPL-3.0-or-later */
/* anthropic_trace: what an Anthropic stream carries beside the text (issue
 * 19): the tools the provider ran (server_tool_use, mcp_tool_use and their
 * *_tool_result blocks), the sources a reply cites (citations_delta), and the
 * plain-words markers (redacted_thinking, the stop reasons a user must act
 * on). Internal to src/wire: wire/anthropic.c calls it. */
#ifndef CIRCUIT_WIRE_ANTHROPIC_TRACE_H
#define CIRCUIT_WIRE_ANTHROPIC_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/adapter.h"
#include "wire/cites.h"

/* Per stream; zeroed is empty. */
struct an_trace {
	struct wire_tools calls; /* server and MCP tool calls, keyed by block index;
	                          * the name as shown ("web_search", "mcp S/T") */
	struct wire_cites cited; /* each source URL once per stream */
};

/* Releases what t holds (t stays usable, empty). */
void an_trace_free(struct an_trace *t);

/* A content_block_start of one of the trace kinds: a server or MCP tool call
 * (remembered until its block stops), a tool's result (emitted now, with a
 * summary), redacted thinking (a marker), a text block's own citations.
 * Returns true when the block was one of them, false otherwise (the caller
 * reads it). block is borrowed. */
bool an_trace_block_start(struct an_trace *t, struct wire_sink *s, int index, json_t *block);

/* The server or MCP call at this block index, or NULL when that block is
 * not one (its input_json_delta fragments belong to a client tool_use). */
struct wire_tool *an_trace_call(struct an_trace *t, int index);

/* Emits the call at this block index, if it is one and not emitted yet, with
 * its main argument (the query, the URL, the code or command; else the
 * compact input JSON). Returns true when index is a server or MCP call. */
bool an_trace_block_stop(struct an_trace *t, struct wire_sink *s, int index);

/* Emits every call not emitted yet, in the order they started (the message
 * stopped). */
void an_trace_flush(struct an_trace *t, struct wire_sink *s);

/* One citation object (citations_delta's delta.citation): a CITATION for its
 * URL (search results: their source; documents: "document:TITLE", or
 * "document:N" by document_index without a title), each URL once per
 * stream. A citation of none of these shapes emits nothing. */
void an_trace_cite(struct an_trace *t, struct wire_sink *s, json_t *citation);

/* The plain-words line for a stop reason a user must act on (pause_turn,
 * refusal, model_context_window_exceeded) into out (size > 0), or NULL for
 * the others. delta is message_delta's delta (its stop_details may name a
 * refusal's category). */
const char *an_trace_stop_words(const char *reason, json_t *delta, char *out, size_t size);

#endif
