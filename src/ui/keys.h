/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keys: the terminal's bytes cut into keys. A pure tokenizer: no terminal,
 * no clock, no readline. The app feeds what each read() returned and maps
 * the tokens to actions; bytes that may be the start of a longer sequence
 * (an Esc, a CSI without its final byte, a paste's end marker cut in two)
 * are held until the next feed, or until the caller decides a pause has
 * passed (keys_flush), as tmux's escape-time does.
 *
 * The bytes are read one at a time through a small state machine, so the
 * tokens are the same however a burst is split across feeds (the tests
 * split every case at every offset; tests/fuzz/fuzz_keys.c checks random
 * input). A flush between two feeds is the only thing that changes the
 * meaning: it says the pause passed. */
#ifndef CIRCUIT_UI_KEYS_H
#define CIRCUIT_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* How long a held Esc waits for what follows before it counts alone. */
#define KEYS_ESC_MS 50

enum key_kind {
	KEYS_BYTE,       /* one byte for the input line (text, UTF-8, controls) */
	KEYS_SEQ,        /* an escape sequence for the input line (arrows, Del..),
	                 * or one cut short (32 bytes without a final byte, a
	                 * control byte inside it, a flush before its end) */
	KEYS_ALT,        /* Esc then one byte in the same burst: Alt-x, Alt-Enter
	                 * (ESC CR); also ESC [ or ESC O with no sequence after */
	KEYS_ESC,        /* a lone Esc: nothing followed within the pause, or
	                 * another Esc followed (ESC ESC is two Escs) */
	KEYS_PASTE,      /* a bracketed paste's text, markers removed */
	KEYS_PAGE_UP,    /* ESC [ 5 ~ */
	KEYS_PAGE_DOWN,  /* ESC [ 6 ~ */
	KEYS_HOME,       /* ESC [ H, ESC [ 1 ~, ESC [ 7 ~, ESC O H */
	KEYS_END,        /* ESC [ F, ESC [ 4 ~, ESC [ 8 ~, ESC O F */
	KEYS_WHEEL_UP,   /* SGR mouse ESC [ < 64 ; x ; y M */
	KEYS_WHEEL_DOWN, /* SGR mouse ESC [ < 65 ; x ; y M */
	KEYS_MOUSE,      /* any other SGR mouse report (ESC [ < ... M or m) */
};

struct key {
	enum key_kind kind;
	/* The bytes as they came (KEYS_PASTE: the pasted text only, never
	 * NULL, NUL-terminated at len). Borrowed: valid during the callback. */
	const unsigned char *bytes;
	size_t len;
	unsigned char alt; /* KEYS_ALT: the byte after Esc */
	bool cut;          /* KEYS_PASTE: longer than the cap; the rest was dropped */
};

/* Called for each key, in order. It may not call keys_feed or keys_flush on
 * the same struct keys. */
typedef void (*key_fn)(void *ctx, const struct key *k);

/* Embedded by the caller; the fields are the tokenizer's own. */
struct keys {
	struct buf paste; /* a paste in progress (capped) */
	bool pasting;
	/* Outside a paste: an Esc and what followed it so far. Inside: the
	 * bytes of a possible end marker. */
	unsigned char held[32];
	size_t nheld;
	bool overflow; /* a paste passed its cap: the rest is dropped */
};

/* paste_max: the longest paste kept, in bytes (0: no cap; the rest is
 * dropped, the paste still ends at its marker, its key says cut). */
void keys_init(struct keys *k, size_t paste_max);
/* Frees a paste in progress; k may be initialised again. */
void keys_done(struct keys *k);

/* Cuts s[0..n) (with whatever was held) into keys, calling fn for each, in
 * order; s is borrowed for the call. Returns true when bytes are held: call
 * keys_flush if nothing more arrives within KEYS_ESC_MS. The result is the
 * same however the bytes of a burst are split across feeds. Inside a paste
 * everything (Esc, CR, Ctrl-C) is text until ESC [ 201 ~. */
bool keys_feed(struct keys *k, const unsigned char *s, size_t n, key_fn fn, void *ctx);
/* The pause passed: what is held is taken as it is (a lone Esc as KEYS_ESC,
 * ESC [ or ESC O as KEYS_ALT, a longer cut sequence as KEYS_SEQ). A paste
 * stays open until its end marker: a flush inside one does nothing. */
void keys_flush(struct keys *k, key_fn fn, void *ctx);
/* True while bytes are held that a flush would emit (never inside a paste:
 * the paste waits for its end marker, not for a pause). */
bool keys_holding(const struct keys *k);

#endif
