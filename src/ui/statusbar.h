/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statusbar: per-provider health on one line. */
#ifndef CIRCUIT_UI_STATUSBAR_H
#define CIRCUIT_UI_STATUSBAR_H

#include <curses.h>

#include "model/status.h"
#include "util/buf.h"

/* The text of the bar for cols columns, without colours (for tests and
 * for narrow terminals): provider segments "name ● 331ms 32t/s 1/4" joined
 * by " │ ", then the model at the right. Segments that do not fit are
 * dropped from the end with a "…"; the model is shortened last. */
void statusbar_format(const struct status *s, int cols, struct buf *out);
void statusbar_draw(const struct status *s, WINDOW *w);

#endif
