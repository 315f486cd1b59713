/* SPDX-License-Identifier: GPL-3.0-or-later */
/* openai_items: what OpenAI sends beside the reply's text, read for the
 * Responses adapter and the Chat Completions one: the output items of tools
 * the provider ran (web search, code interpreter, MCP...), the images it
 * made, and url_citation annotations. Internal to src/wire. */
#ifndef CIRCUIT_WIRE_OPENAI_ITEMS_H
#define CIRCUIT_WIRE_OPENAI_ITEMS_H

#include <jansson.h>

#include "util/buf.h"
#include "wire/adapter.h"
#include "wire/cites.h"

/* A finished Responses output item (response.output_item.done's "item"):
 * a provider-run tool gives one SERVER_TOOL call (its name as the provider
 * names it, its main argument) and, where the item carries one, a result
 * (a summary, or "failed"); an image_generation_call also gives its IMAGE;
 * a message gives its url_citation annotations (through cites). Function
 * calls, reasoning and other items give nothing here. scratch is the
 * caller's, reused. */
void openai_item_done(struct wire_sink *s, struct wire_cites *cites, struct buf *scratch,
                      json_t *item);
/* An array of annotations, in either shape: Responses' flat {"type":
 * "url_citation","url","title"} or Chat Completions' {"type":"url_citation",
 * "url_citation":{"url","title"}} (OpenRouter, the search models). Each
 * url_citation becomes a CITATION through cites; other kinds (file
 * citations, paths) are skipped. NULL or not an array: nothing. */
void openai_annotations(struct wire_sink *s, struct wire_cites *cites, json_t *annotations);
/* One annotation, as above. */
void openai_annotation(struct wire_sink *s, struct wire_cites *cites, json_t *annotation);

#endif
