/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_prompt: the prompt of a run from the shell, from the command
 * line and standard input. */
#include "app/headless_prompt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/textenc.h"

/* Reads standard input into b (capped at PROMPT_MAX). Returns 0, or -1
 * when it is longer. */
static int read_stdin(struct buf *b)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (buf_append(b, chunk, (size_t)n) < 0)
			return -1;
	}
}

/* One line on stderr: why the prompt's bytes were refused, and the iconv
 * command that fixes them. */
static void say_not_text(const char *where, const struct textenc_error *e)
{
	const char *enc = textenc_name(e->found);
	bool utf16 = e->found == TEXTENC_UTF16LE || e->found == TEXTENC_UTF16BE;
	switch (e->problem) {
	case TEXTENC_NUL:
		if (utf16)
			fprintf(stderr, "circuit: the %s prompt %s has a NUL character at offset %zu; "
			        "remove it\n", enc, where, e->offset);
		else
			fprintf(stderr, "circuit: the prompt %s has a NUL byte at offset %zu (UTF-16 "
			        "without a byte-order mark?); convert it: iconv -f UTF-16LE -t UTF-8\n",
			        where, e->offset);
		break;
	case TEXTENC_BAD_UTF8:
		fprintf(stderr, "circuit: the prompt %s is not UTF-8 (byte 0x%02X at offset %zu); "
		        "convert it: iconv -f ENCODING -t UTF-8 (e.g. -f LATIN1)\n", where, e->byte,
		        e->offset);
		break;
	case TEXTENC_LONE_SURROGATE:
	case TEXTENC_ODD_LENGTH:
		fprintf(stderr, "circuit: the %s prompt %s is broken (%s at offset %zu); check "
		        "it: iconv -f %s -t UTF-8\n", enc, where,
		        e->problem == TEXTENC_ODD_LENGTH ? "half a character" : "a lone surrogate",
		        e->offset, enc);
		break;
	case TEXTENC_TOO_LONG:
		fprintf(stderr, "circuit: the prompt %s is over %zu KiB\n", where, PROMPT_MAX / 1024);
		break;
	}
}

/* Standard input as UTF-8 (converted from UTF-16 when it starts with a
 * BOM: textenc), without the trailing newlines a pipe adds, appended to
 * text; after a prompt (after), a blank line first, unless it is empty.
 * 0, or -1 with e set. */
static int stdin_text(struct buf *text, bool after, struct textenc_error *e)
{
	struct buf raw, piped;
	buf_init(&raw, PROMPT_MAX);
	buf_init(&piped, 0);
	int rc = 0;
	if (read_stdin(&raw) < 0) {
		*e = (struct textenc_error){.problem = TEXTENC_TOO_LONG};
		rc = -1;
	} else {
		rc = textenc_to_utf8(raw.data ? raw.data : "", raw.len, &piped, e) < 0 ? -1 : 0;
	}
	while (piped.len > 0 &&
	       (piped.data[piped.len - 1] == '\n' || piped.data[piped.len - 1] == '\r'))
		piped.data[--piped.len] = '\0';
	if (rc == 0 && after && text->len > 0 && piped.len > 0)
		buf_append_str(text, "\n\n");
	if (rc == 0)
		buf_append(text, buf_str(&piped), piped.len);
	buf_done(&raw);
	buf_done(&piped);
	return rc;
}

char *headless_prompt(const char *given)
{
	struct buf text;
	buf_init(&text, 0);
	struct textenc_error e;
	const char *where = "given on the command line";
	int rc = 0;
	if (given != NULL) {
		rc = textenc_check_utf8(given, strlen(given), &e);
		if (rc == 0)
			buf_append_str(&text, given);
	}
	if (rc == 0 && (given == NULL || !isatty(STDIN_FILENO))) {
		where = "on standard input";
		rc = stdin_text(&text, given != NULL, &e);
	}
	if (rc < 0)
		say_not_text(where, &e);
	else if (text.len == 0)
		fputs("circuit: the prompt is empty: give one with -p or on standard input\n", stderr);
	if (rc < 0 || text.len == 0) {
		buf_done(&text);
		return NULL;
	}
	return text.data;
}

