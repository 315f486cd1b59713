/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sanitize: model text is data, never terminal control. */
#include "util/sanitize.h"

#include <string.h>

/* U+2400 + c is the Control Picture for C0 control c; U+2421 is DEL's. */
static int picture(struct buf *out, unsigned char c)
{
	char u[3] = {'\xE2', '\x90', (char)(0x80 + c)};
	if (c == 0x7F)
		u[2] = '\xA1';
	return buf_append(out, u, 3);
}

#define C1_PLACEHOLDER "\xE2\x90\xA6" /* U+2426 */

void sanitizer_init(struct sanitizer *s)
{
	utf8_decoder_init(&s->utf8);
	s->cr = false;
	buf_init(&s->scratch, 0);
}

void sanitizer_done(struct sanitizer *s)
{
	buf_done(&s->scratch);
}

bool sanitize_is_clean(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c < 0x20 && c != '\n' && c != '\t')
			return false;
		if (c == 0x7F)
			return false;
		if (c == 0xC2 && (i + 1 == n || u[i + 1] < 0xA0))
			return false; /* C2 80..C2 9F are the C1 controls */
	}
	return utf8_valid(p, n);
}

/* p holds complete, valid UTF-8: copy it, replacing controls. Plain bytes
 * are copied in runs; run is where the current run starts. */
static int transform(struct sanitizer *s, const unsigned char *p, size_t n, struct buf *out)
{
	size_t run = 0;
#define FLUSH()                                                                \
	do {                                                                   \
		if (i > run && buf_append(out, p + run, i - run) < 0)          \
			return -1;                                             \
		run = i + 1;                                                   \
	} while (0)
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (s->cr) {
			/* run == i here: the CR itself was flushed. */
			s->cr = false;
			if (c == '\n') {
				run = i; /* CR LF is one newline: keep the LF */
				continue;
			}
			if (picture(out, '\r') < 0)
				return -1;
		}
		if (c == '\r') {
			FLUSH();
			s->cr = true;
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
			FLUSH();
			if (picture(out, c) < 0)
				return -1;
		} else if (c == 0xC2 && i + 1 < n && p[i + 1] < 0xA0) {
			FLUSH();
			if (buf_append(out, C1_PLACEHOLDER, 3) < 0)
				return -1;
			run = ++i + 1;
		}
	}
#undef FLUSH
	if (n > run && buf_append(out, p + run, n - run) < 0)
		return -1;
	return 0;
}

int sanitizer_feed(struct sanitizer *s, const char *p, size_t n, struct buf *out)
{
	if (!s->cr && s->utf8.need == 0 && sanitize_is_clean(p, n))
		return buf_append(out, p, n);
	buf_reset(&s->scratch);
	if (utf8_decode(&s->utf8, p, n, &s->scratch) < 0)
		return -1;
	return transform(s, (const unsigned char *)s->scratch.data, s->scratch.len, out);
}

int sanitizer_finish(struct sanitizer *s, struct buf *out)
{
	buf_reset(&s->scratch);
	if (utf8_decode_finish(&s->utf8, &s->scratch) < 0)
		return -1;
	int rc = transform(s, (const unsigned char *)buf_str(&s->scratch), s->scratch.len, out);
	if (rc == 0 && s->cr) {
		s->cr = false;
		rc = picture(out, '\r');
	}
	return rc;
}

int sanitize_append(struct buf *out, const char *p, size_t n)
{
	struct sanitizer s;
	sanitizer_init(&s);
	int rc = sanitizer_feed(&s, p, n, out);
	if (rc == 0)
		rc = sanitizer_finish(&s, out);
	sanitizer_done(&s);
	return rc;
}
