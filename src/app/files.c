/* SPDX-License-Identifier: GPL-3.0-or-later */
/* files: -f's files read before anything is sent, and /file on the screen:
 * files wait (sc->pending) for the next message, which takes them. */
#include "app/files.h"

#include <stdio.h>
#include <string.h>

#include "app/cmd.h"
#include "util/paths.h"

int files_load(const char *const *paths, int n, bool force, struct attachments *out)
{
	for (int i = 0; i < n; i++) {
		struct attachment a;
		char err[512];
		int rc = attachment_load(paths[i], force, &a, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "circuit: %s%s\n", err,
			        rc == -2 ? "; --force attaches it anyway" : "");
			return 2;
		}
		attachments_take(out, &a);
	}
	return 0;
}

/* "attached NAME (type, size) to your next message". */
static void say_attached(struct screen *sc, const struct attachment *a)
{
	char desc[320];
	attachment_describe(a, desc, sizeof(desc));
	screen_sayf(sc, MSG_NOTICE, "attached %s to your next message", desc);
}

void screen_files_start(struct screen *sc)
{
	if (sc->o->files == NULL)
		return;
	attachments_copy(&sc->pending, sc->o->files);
	for (size_t i = 0; i < sc->pending.n; i++)
		say_attached(sc, &sc->pending.v[i]);
}

/* /file alone: what waits for the next message. */
static void list_pending(struct screen *sc)
{
	if (sc->pending.n == 0) {
		screen_say(sc, MSG_NOTICE, "no files wait for your next message: /file PATH attaches "
		                           "one");
		return;
	}
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%zu file%s for your next message (/file clear drops them):",
	           sc->pending.n, sc->pending.n == 1 ? "" : "s");
	for (size_t i = 0; i < sc->pending.n; i++) {
		char desc[320];
		attachment_describe(&sc->pending.v[i], desc, sizeof(desc));
		buf_printf(&b, "\n  %s", desc);
	}
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
}

int cmd_file(struct screen *sc, const char *args)
{
	if (*args == '\0') {
		list_pending(sc);
		return REACT_NONE;
	}
	if (strcmp(args, "clear") == 0) {
		size_t n = sc->pending.n;
		attachments_done(&sc->pending);
		screen_sayf(sc, MSG_NOTICE, "%zu file%s dropped: your next message goes without", n,
		            n == 1 ? "" : "s");
		return REACT_NONE;
	}
	bool force = strncmp(args, "--force ", 8) == 0;
	if (force)
		args += 8 + strspn(args + 8, " \t");
	if (sc->pending.n >= ATTACH_MAX) {
		screen_sayf(sc, MSG_ERROR, "%d files already wait for your next message, the most it "
		                           "takes: /file clear drops them", ATTACH_MAX);
		return REACT_NONE;
	}
	char path[1024];
	if (paths_expand(args, path, sizeof(path)) == NULL) {
		screen_sayf(sc, MSG_ERROR, "cannot read %.200s: HOME is not set", args);
		return REACT_NONE;
	}
	struct attachment a;
	char err[512];
	int rc = attachment_load(path, force, &a, err, sizeof(err));
	if (rc < 0) {
		screen_sayf(sc, MSG_ERROR, "%s%s", err,
		            rc == -2 ? "; /file --force PATH attaches it anyway" : "");
		return REACT_NONE;
	}
	say_attached(sc, &a);
	attachments_take(&sc->pending, &a);
	return REACT_NONE;
}
