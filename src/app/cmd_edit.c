/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_edit: the input line through the user's editor (Ctrl-X Ctrl-E,
 * /edit). The screen goes back to the shell's state while the editor runs
 * (as for Ctrl-Z) and circuit waits: no frames, no network; replies
 * streaming go on from where they were once the editor ends. */
#include "app/cmd.h"

#include <stdlib.h>

#include "app/editor.h"
#include "ui/inputline.h"
#include "util/mem.h"

void screen_edit(struct screen *sc, const char *text)
{
	const char *cmd = editor_command(getenv("VISUAL"), getenv("EDITOR"));
	char *was = xstrdup(text != NULL ? text : inputline_text());
	struct buf out;
	buf_init(&out, 0);
	char err[320];
	tui_suspend(&sc->tui);
	int rc = editor_run(cmd, was, &out, err, sizeof(err));
	tui_resume(&sc->tui); /* at the terminal's size now: it may have changed */
	sc->relayout = true;
	if (rc == 0)
		inputline_set_text(buf_str(&out)); /* not sent: Enter sends it */
	else
		screen_sayf(sc, MSG_ERROR, "%s; the input line is as it was", err);
	buf_done(&out);
	free(was);
}

int cmd_edit(struct screen *sc, const char *args)
{
	/* The line is readline's again only once this command's line is
	 * done: the editor runs right after it (screen_keys). */
	free(sc->edit);
	sc->edit = xstrdup(args);
	return REACT_NONE;
}
