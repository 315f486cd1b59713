/* SPDX-License-Identifier: GPL-3.0-or-later */
/* words: a list the user typed ("M1, M2,,M3", "/compare a b") cut into words. */
#ifndef CIRCUIT_UTIL_WORDS_H
#define CIRCUIT_UTIL_WORDS_H

#include <stddef.h>

/* Splits list at any byte of seps into trimmed (blanks and tabs),
 * non-empty copies in out, which the caller frees. Returns how many, or -1
 * (nothing to free) when there are more than max. */
int words_split(const char *list, const char *seps, char **out, size_t max);
/* Frees n words of out. */
void words_free(char **out, size_t n);

#endif
