/* SPDX-License-Identifier: GPL-3.0-or-later */
/* turns: a conversation's messages as the provider sees them, for the
 * screen's next request and a headless -c / --resume ID alike. */
#ifndef CIRCUIT_APP_TURNS_H
#define CIRCUIT_APP_TURNS_H

#include <stddef.h>

#include "model/conversation.h"
#include "wire/request.h"

struct turns {
	struct wire_message *msgs; /* the turns, then one free slot */
	size_t n;
	char **joined; /* turns joined from two replies, prompts with files folded in; owned */
	size_t njoined;
	struct wire_image *images; /* the prompts' images, pointing into their messages */
	size_t nimages;
	size_t bytes; /* the text sent, for the input estimate */
};

/* conv's messages from index `from` on: user and assistant turns; those a
 * /retry replaced (dropped), queued prompts, a reply still streaming and
 * replies without text (failed before their first token) left out. A
 * /continue's reply follows the interrupted one directly: the two are one
 * turn, joined with nothing between (a blank line would split a word the
 * model continued). A prompt's text files are folded into its text, its
 * images beside it (-f, /file). t borrows from conv's messages: keep them
 * until turns_free. msgs has room for one more turn after the n built. */
void turns_build(struct turns *t, const struct conversation *conv, size_t from);
void turns_free(struct turns *t);

#endif
