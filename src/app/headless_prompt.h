/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_prompt: the prompt of a run from the shell. */
#ifndef CIRCUIT_APP_HEADLESS_PROMPT_H
#define CIRCUIT_APP_HEADLESS_PROMPT_H

#include <stddef.h>

/* The most bytes a prompt may have (the command line's and standard
 * input's together). */
#define PROMPT_MAX ((size_t)1 << 20)

/* The prompt as UTF-8: given (-p or the words; NULL: none), checked, then
 * standard input when it is not a terminal (PROMPT, a blank line, STDIN,
 * as llm and mods join them), or standard input alone. Returns it
 * malloc'd, or NULL after one line on stderr saying what is wrong with it
 * (not UTF-8, over PROMPT_MAX, empty): exit status 2. */
char *headless_prompt(const char *given);

#endif
