/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_config: the INI config parser on any bytes.
 *
 * Beyond not crashing: every warning is whole lines of inert text (values
 * are quoted through sanitize, model/config.h: no control byte, no ESC may
 * reach a terminal), parsing the same text twice gives the same warnings,
 * and the parsed config can be freed and parsed into again. A key_file is
 * only ever read when it names a regular file (at most 8 KiB of it), so
 * fuzzing cannot hang on a device or a FIFO. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inert_lines(const struct buf *w)
{
	for (size_t i = 0; i < w->len; i++) {
		unsigned char c = (unsigned char)w->data[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
	}
	if (w->len > 0 && w->data[w->len - 1] != '\n')
		abort(); /* every warning ends its line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct buf w1, w2;
	buf_init(&w1, 0);
	buf_init(&w2, 0);
	config_init(&c);
	int n1 = config_parse(&c, (const char *)data, size, "fuzz.conf", &w1);
	config_done(&c);
	config_init(&c);
	int n2 = config_parse(&c, (const char *)data, size, "fuzz.conf", &w2);
	if (n1 != n2 || n1 < 0 || w1.len != w2.len ||
	    (w1.len > 0 && memcmp(w1.data, w2.data, w1.len) != 0))
		abort();
	inert_lines(&w1);
	/* What was parsed reads back: prices and providers are all named. */
	for (size_t i = 0; i < c.nproviders; i++)
		if (c.providers[i].name == NULL)
			abort();
	for (size_t i = 0; i < c.nprices; i++)
		if (c.prices[i].model == NULL)
			abort();
	config_done(&c);
	buf_done(&w1);
	buf_done(&w2);
	return 0;
}
