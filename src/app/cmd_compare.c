/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_compare: /compare and /adopt. */
#include "app/cmd.h"

#include <stdlib.h>
#include <string.h>

int cmd_compare(struct screen *sc, const char *args)
{
	if (strcmp(args, "off") == 0) {
		if (sc->ncol == 0) {
			screen_say(sc, MSG_ERROR, "not comparing: nothing to turn off");
			return REACT_NONE;
		}
		return screen_compare_off(sc, -1);
	}
	if (*args != '\0')
		return screen_compare_start(sc, args);
	struct buf b;
	buf_init(&b, 0);
	if (sc->ncol == 0)
		buf_append_str(&b, "not comparing: /compare M1 M2 [M3 ...] sends each prompt to every "
		                   "model at once");
	char letter[4];
	for (int i = 0; i < sc->ncol; i++)
		buf_printf(&b, "%s%d %s", i ? " · " : screen_blind(sc) ? "comparing blind: " : "comparing: ",
		           i + 1, screen_blind_label(sc, i, sc->col[i].model, letter));
	if (sc->ncol > 0)
		buf_append_str(&b, screen_blind(sc) ? " (/vote A|B...|tie|none reveals the names)"
		                                    : " (/compare off · /adopt N · /vote N)");
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
	return REACT_NONE;
}

int cmd_adopt(struct screen *sc, const char *args)
{
	char *end = NULL;
	long k = strtol(args, &end, 10);
	if (sc->ncol == 0) {
		screen_say(sc, MSG_ERROR, "/adopt N follows a /compare: nothing to adopt");
		return REACT_NONE;
	}
	if (screen_blind(sc)) {
		screen_say(sc, MSG_ERROR, "a blind compare: /vote first (it reveals the names), then "
		                          "/adopt N");
		return REACT_NONE;
	}
	if (*args == '\0' || end == NULL || *end != '\0' || k < 1 || k > sc->ncol) {
		screen_sayf(sc, MSG_ERROR, "/adopt takes a column number, 1 to %d", sc->ncol);
		return REACT_NONE;
	}
	return screen_compare_off(sc, (int)k - 1);
}
