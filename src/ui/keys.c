/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keys: the terminal's bytes cut into keys, one byte at a time, so that the
 * keys are the same however a burst is split across reads. */
#include "ui/keys.h"

#include <string.h>

#define ESC      0x1b
#define MARK_LEN 6 /* ESC [ 2 0 0 ~ and ESC [ 2 0 1 ~ */

static const unsigned char paste_begin[] = "\x1b[200~";
static const unsigned char paste_end[] = "\x1b[201~";

static void emit(key_fn fn, void *ctx, enum key_kind kind, const unsigned char *b, size_t n)
{
	struct key key = {.kind = kind, .bytes = b, .len = n};
	if (kind == KEYS_ALT)
		key.alt = b[1];
	fn(ctx, &key);
}

/* ---- paste -------------------------------------------------------------- */

/* Adds text to the paste up to its cap; past it, drops the rest and marks
 * the paste cut. */
static void paste_add(struct keys *k, const unsigned char *p, size_t n)
{
	if (k->overflow || n == 0)
		return;
	size_t take = n;
	if (k->paste.max > 0 && take > k->paste.max - k->paste.len)
		take = k->paste.max - k->paste.len;
	if (take > 0)
		buf_append(&k->paste, p, take); /* fits: cannot fail */
	if (take < n)
		k->overflow = true;
}

static void paste_finish(struct keys *k, key_fn fn, void *ctx)
{
	struct key key = {
	    .kind = KEYS_PASTE,
	    .bytes = (const unsigned char *)buf_str(&k->paste),
	    .len = k->paste.len,
	    .cut = k->overflow,
	};
	fn(ctx, &key);
	buf_reset(&k->paste);
	k->overflow = false;
	k->pasting = false;
	k->nheld = 0;
}

/* One byte of a paste that may be part of its end marker. The marker holds
 * a single Esc, at its start, so a byte that breaks a partial match can only
 * begin a new one if it is an Esc. */
static void paste_byte(struct keys *k, unsigned char c, key_fn fn, void *ctx)
{
	if (c == paste_end[k->nheld]) {
		k->held[k->nheld++] = c;
		if (k->nheld == MARK_LEN)
			paste_finish(k, fn, ctx);
		return;
	}
	paste_add(k, k->held, k->nheld); /* not the marker: text after all */
	k->nheld = 0;
	if (c == ESC)
		k->held[k->nheld++] = c;
	else
		paste_add(k, &c, 1);
}

/* Takes bytes of s[0..n) (n > 0) inside a paste: a run of text up to the
 * next Esc at once, else one byte. Returns how many. */
static size_t paste_step(struct keys *k, const unsigned char *s, size_t n, key_fn fn, void *ctx)
{
	if (k->nheld == 0 && s[0] != ESC) {
		const unsigned char *e = memchr(s, ESC, n);
		size_t run = e != NULL ? (size_t)(e - s) : n;
		paste_add(k, s, run);
		return run;
	}
	paste_byte(k, s[0], fn, ctx);
	return 1;
}

/* ---- sequences ---------------------------------------------------------- */

/* An SGR mouse report ESC [ < b ; x ; y M (press) or m (release): the wheel
 * sends buttons 64 and 65, pressed. */
static enum key_kind mouse_kind(const unsigned char *s, size_t n)
{
	unsigned char final = s[n - 1];
	if (final != 'M' && final != 'm')
		return KEYS_SEQ;
	unsigned b = 0;
	size_t i = 3;
	for (; i < n && s[i] >= '0' && s[i] <= '9' && b < 1000; i++)
		b = b * 10 + (unsigned)(s[i] - '0');
	bool press = i > 3 && i < n && s[i] == ';' && final == 'M';
	if (press && b == 64)
		return KEYS_WHEEL_UP;
	if (press && b == 65)
		return KEYS_WHEEL_DOWN;
	return KEYS_MOUSE;
}

/* ESC [ n ~ with one digit n. */
static enum key_kind tilde_kind(unsigned char n)
{
	switch (n) {
	case '5': return KEYS_PAGE_UP;
	case '6': return KEYS_PAGE_DOWN;
	case '1':
	case '7': return KEYS_HOME;
	case '4':
	case '8': return KEYS_END;
	default: return KEYS_SEQ;
	}
}

/* What a complete sequence s[0..n) (ESC, '[' or 'O', a final byte last)
 * means. */
static enum key_kind seq_kind(const unsigned char *s, size_t n)
{
	if (n == 3 && s[2] == 'H')
		return KEYS_HOME; /* ESC [ H, ESC O H */
	if (n == 3 && s[2] == 'F')
		return KEYS_END; /* ESC [ F, ESC O F */
	if (s[1] != '[')
		return KEYS_SEQ;
	if (s[2] == '<')
		return mouse_kind(s, n);
	if (n == 4 && s[3] == '~')
		return tilde_kind(s[2]);
	return KEYS_SEQ;
}

/* What is held is taken as it is: ESC [ or ESC O alone was Alt-[ or Alt-O,
 * anything longer a sequence cut short. */
static void seq_cut(struct keys *k, key_fn fn, void *ctx)
{
	emit(fn, ctx, k->nheld == 2 ? KEYS_ALT : KEYS_SEQ, k->held, k->nheld);
	k->nheld = 0;
}

/* Byte c after ESC [ or ESC O: parameter and intermediate bytes (0x20..0x3F)
 * go on, a final byte (0x40..0x7E) ends the sequence, anything else ends it
 * cut short and is read again. Returns how many bytes it took (0 or 1). */
static size_t seq_byte(struct keys *k, unsigned char c, key_fn fn, void *ctx)
{
	if (c < 0x20 || c > 0x7e) {
		seq_cut(k, fn, ctx);
		return 0;
	}
	k->held[k->nheld++] = c;
	if (c >= 0x40) {
		if (k->nheld == MARK_LEN && memcmp(k->held, paste_begin, MARK_LEN) == 0)
			k->pasting = true; /* the paste's key comes at its end */
		else
			emit(fn, ctx, seq_kind(k->held, k->nheld), k->held, k->nheld);
		k->nheld = 0;
	} else if (k->nheld == sizeof(k->held)) {
		seq_cut(k, fn, ctx); /* no final byte in sight: not held forever */
	}
	return 1;
}

/* Byte c right after an Esc in the same burst. */
static void esc_byte(struct keys *k, unsigned char c, key_fn fn, void *ctx)
{
	if (c == ESC) { /* the first was a lone Esc; the second is held */
		emit(fn, ctx, KEYS_ESC, k->held, 1);
		return;
	}
	k->held[k->nheld++] = c;
	if (c == '[' || c == 'O')
		return; /* CSI or SS3 */
	emit(fn, ctx, KEYS_ALT, k->held, 2);
	k->nheld = 0;
}

/* Takes the byte at s outside a paste. Returns how many bytes it took: 0
 * when it ended a held sequence and must be read again (nothing is held
 * then, so the next call takes it). */
static size_t key_step(struct keys *k, const unsigned char *s, key_fn fn, void *ctx)
{
	if (k->nheld == 0) {
		if (*s == ESC)
			k->held[k->nheld++] = ESC;
		else
			emit(fn, ctx, KEYS_BYTE, s, 1);
		return 1;
	}
	if (k->nheld == 1) {
		esc_byte(k, *s, fn, ctx);
		return 1;
	}
	return seq_byte(k, *s, fn, ctx);
}

/* ---- the API ------------------------------------------------------------ */

void keys_init(struct keys *k, size_t paste_max)
{
	memset(k, 0, sizeof(*k));
	buf_init(&k->paste, paste_max);
}

void keys_done(struct keys *k)
{
	buf_done(&k->paste);
	k->pasting = false;
	k->overflow = false;
	k->nheld = 0;
}

bool keys_feed(struct keys *k, const unsigned char *s, size_t n, key_fn fn, void *ctx)
{
	size_t i = 0;
	while (i < n) {
		if (k->pasting)
			i += paste_step(k, s + i, n - i, fn, ctx);
		else
			i += key_step(k, s + i, fn, ctx);
	}
	return keys_holding(k);
}

void keys_flush(struct keys *k, key_fn fn, void *ctx)
{
	if (!keys_holding(k))
		return;
	if (k->nheld == 1) {
		emit(fn, ctx, KEYS_ESC, k->held, 1);
		k->nheld = 0;
		return;
	}
	seq_cut(k, fn, ctx);
}

bool keys_holding(const struct keys *k)
{
	return !k->pasting && k->nheld > 0;
}
