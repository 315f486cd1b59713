/* SPDX-License-Identifier: GPL-3.0-or-later */
/* apikey: whether a key may go into an HTTP header, and the line a key file
 * or a key command gives. */
#include "util/apikey.h"

#include <stdio.h>
#include <string.h>

int apikey_check(const char *key, char *why, size_t n)
{
	for (size_t i = 0; key[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)key[i];
		if (ch > 0x20 && ch < 0x7F)
			continue;
		if (ch == ' ')
			snprintf(why, n, "a space at byte %zu", i);
		else if (ch < 0x20 || ch == 0x7F)
			snprintf(why, n, "a control character (0x%02x) at byte %zu", ch, i);
		else
			snprintf(why, n, "a byte outside ASCII (0x%02x) at byte %zu", ch, i);
		return -1;
	}
	return 0;
}

size_t apikey_line(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	if (nl == NULL)
		return len;
	size_t n = (size_t)(nl - data);
	if (n > 0 && data[n - 1] == '\r')
		n--;
	return n;
}
