/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mem: allocation that aborts with a message instead of spreading OOM paths. */
#ifndef CIRCUIT_UTIL_MEM_H
#define CIRCUIT_UTIL_MEM_H

#include <stddef.h>

/* Like malloc/calloc/realloc/strdup, but never return NULL: out of memory
 * prints one line on stderr and aborts. xmalloc(0) returns a valid pointer. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copy of the n bytes at s plus a terminating NUL. */
char *xstrndup(const char *s, size_t n);

#endif
