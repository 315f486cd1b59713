/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keys: the terminal's bytes cut into keys. A pure tokenizer: no terminal,
 * no clock, no readline. The app feeds what each read() returned and maps
 * the tokens to actions; bytes that may be the start of a longer sequence
 * (an Esc, a CSI without its final byte, a paste's end marker cut in two)
 * are held until the next feed, or until the caller decides a pause has
 * passed (keys_flush), as tmux's escape-time does. */
#ifndef CIRCUIT_UI_KEYS_H
#define CIRCUIT_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* How long a held Esc waits for what follows before it counts alone. */
#define KEYS_ESC_MS 50

enum key_kind {
	KEY_BYTE,       /* one byte for the input line (text, UTF-8, controls) */
	KEY_SEQ,        /* an escape sequence for the input line (arrows, Del..) */
	KEY_ALT,        /* Esc then one byte in the same burst: Alt-x, Alt-Enter */
	KEY_ESC,        /* a lone Esc: nothing followed within the pause */
	KEY_PASTE,      /* a bracketed paste's text, markers removed */
	KEY_PAGE_UP,    /* ESC [ 5 ~ */
	KEY_PAGE_DOWN,  /* ESC [ 6 ~ */
	KEY_HOME,       /* ESC [ H, ESC [ 1 ~, ESC O H */
	KEY_END,        /* ESC [ F, ESC [ 4 ~, ESC O F */
	KEY_WHEEL_UP,   /* SGR mouse button 64 */
	KEY_WHEEL_DOWN, /* SGR mouse button 65 */
	KEY_MOUSE,      /* any other mouse report: swallowed */
};

struct key {
	enum key_kind kind;
	/* The bytes as they came (KEY_PASTE: the pasted text only). Valid
	 * during the callback. */
	const unsigned char *bytes;
	size_t len;
	unsigned char alt; /* KEY_ALT: the byte after Esc */
};

typedef void (*key_fn)(void *ctx, const struct key *k);

struct keys {
	struct buf paste; /* a paste in progress (capped) */
	bool pasting;
	unsigned char held[32];
	size_t nheld;
	bool overflow; /* a paste passed its cap: the rest is dropped */
};

/* paste_max: the longest paste kept (the rest is dropped, the paste still
 * ends at its marker). */
void keys_init(struct keys *k, size_t paste_max);
void keys_done(struct keys *k);

/* Cuts s[0..n) (with whatever was held) into keys, calling fn for each, in
 * order. Returns true when bytes are held: call keys_flush if nothing more
 * arrives within KEYS_ESC_MS. The result is the same however the bytes of
 * a burst are split across feeds. */
bool keys_feed(struct keys *k, const unsigned char *s, size_t n, key_fn fn, void *ctx);
/* The pause passed: what is held is taken as it is (a lone Esc, a cut
 * sequence as KEY_SEQ). A paste stays open until its end marker. */
void keys_flush(struct keys *k, key_fn fn, void *ctx);
/* True while bytes are held (a flush is due after the pause). */
bool keys_holding(const struct keys *k);

#endif
