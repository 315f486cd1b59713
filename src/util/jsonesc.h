/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonesc: write JSON string literals in one canonical form. */
#ifndef CIRCUIT_UTIL_JSONESC_H
#define CIRCUIT_UTIL_JSONESC_H

#include <stddef.h>

#include "util/buf.h"

/* Append the n bytes at s as a quoted JSON string. Only " \ and controls
 * below U+0020 are escaped (\n \r \t \b \f by name, others as \u00xx in
 * lowercase hex); everything else, DEL and non-ASCII included, is written
 * raw. s should be valid UTF-8. Returns -1 past out's cap. */
int jsonesc_append(struct buf *out, const char *s, size_t n);

#endif
