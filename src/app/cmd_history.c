/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_history: the commands that read and change the history file:
 * /sessions, /load, /search, /export, /delete. */
#include "app/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/paths.h"
#include "util/units.h"

#define SESSIONS_PAGE 20
#define HITS_SHOWN 20

static long long parse_id(const char *args)
{
	char *end = NULL;
	long long id = strtoll(args, &end, 10);
	return *args != '\0' && end != NULL && *end == '\0' && id > 0 ? id : -1;
}

int cmd_sessions(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	int offset = strcmp(args, "more") == 0 ? sc->sessions_shown : 0;
	struct history_session ss[SESSIONS_PAGE];
	int n = history_sessions(sc->hist, ss, SESSIONS_PAGE, offset);
	long long total = history_count(sc->hist);
	if (n < 0 || total < 0) {
		screen_history_failed(sc);
		return REACT_NONE;
	}
	sc->sessions_shown = offset + n;
	struct buf b;
	buf_init(&b, 0);
	if (n == 0)
		buf_append_str(&b, offset ? "no more conversations" : "no conversations yet");
	else
		buf_printf(&b, "conversations %d to %d of %lld, newest first (/load ID opens one%s):",
		           offset + 1, offset + n, total,
		           offset + n < total ? "; /sessions more shows the next" : "");
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(ss[i].updated, date, sizeof(date));
		buf_printf(&b, "\n%6lld  %s  %3d turn%s  %s  · %s%s", ss[i].id, date, ss[i].turns,
		           ss[i].turns == 1 ? " " : "s", ss[i].title, ss[i].models,
		           ss[i].id == sc->hist_conv ? "  (this one)" : "");
	}
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
	return REACT_NONE;
}

int cmd_load(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	long long conv = parse_id(args);
	if (conv < 0)
		screen_say(sc, MSG_ERROR, "/load takes a conversation id (/sessions lists them)");
	else if (screen_streaming(sc))
		screen_say(sc, MSG_ERROR, "still streaming: Ctrl-C cancels, then /load");
	else if (sc->ncol > 0)
		screen_say(sc, MSG_ERROR, "in a compare: /compare off or /adopt N first, then /load");
	else
		screen_history_load(sc, conv, false);
	return REACT_NONE;
}

int cmd_search(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	if (*args == '\0') {
		screen_say(sc, MSG_ERROR, "/search takes words to find in the history");
		return REACT_NONE;
	}
	struct history_hit hits[HITS_SHOWN];
	int n = history_find(sc->hist, args, hits, HITS_SHOWN);
	if (n < 0) {
		screen_sayf(sc, MSG_ERROR, "search failed: %s", history_error(sc->hist));
		return REACT_NONE;
	}
	struct buf b;
	buf_init(&b, 0);
	if (n == 0)
		buf_printf(&b, "no message contains every word of “%s”", args);
	else
		buf_printf(&b, "%d match%s, newest first (/load ID opens the conversation):", n,
		           n == 1 ? "" : "es");
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(hits[i].when, date, sizeof(date));
		buf_printf(&b, "\n%6lld  %s  %s: %s", hits[i].conv, date, hits[i].label,
		           hits[i].snippet);
	}
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
	return REACT_NONE;
}

/* The export's sink: the open file, and what went into it. */
struct written {
	FILE *f;
	size_t bytes;
	int err; /* errno of a failed write; 0 none */
};

static int to_file(void *ctx, const char *p, size_t n)
{
	struct written *w = ctx;
	if (fwrite(p, 1, n, w->f) != n) {
		w->err = errno != 0 ? errno : EIO;
		return -1;
	}
	w->bytes += n;
	return 0;
}

/* A file written whole before it takes its name: path's folder and a
 * temporary name there (mode 0600: as private as the history it comes
 * from), renamed over path at the end, so a file replaced gets the new
 * mode and never shows half written. */
struct outfile {
	char tmp[1100];
	FILE *f;
};

/* Creates the temporary file beside path. 0, or -1 with errno. */
static int outfile_open(struct outfile *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dir = slash != NULL ? (int)(slash - path) + 1 : 0;
	if (snprintf(o->tmp, sizeof(o->tmp), "%.*s.circuit-export-XXXXXX", dir, path) >=
	    (int)sizeof(o->tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(o->tmp); /* 0600 */
	if (fd < 0)
		return -1;
	o->f = fdopen(fd, "w");
	if (o->f == NULL) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* Closes the temporary file and gives it path's name: replacing what is
 * there when replace, else failing with EEXIST when path exists (link(2)
 * never replaces). ok false: the write failed, the file is removed. 0, or
 * -1 with errno. */
static int outfile_commit(struct outfile *o, const char *path, bool replace, bool ok)
{
	int e = errno;
	if (fclose(o->f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && replace && rename(o->tmp, path) == 0)
		return 0;
	if (ok && !replace && link(o->tmp, path) == 0) {
		unlink(o->tmp);
		return 0;
	}
	if (ok)
		e = errno;
	unlink(o->tmp);
	errno = e;
	return -1;
}

/* Exports the thread into path (see struct outfile); *bytes its size.
 * 0; -1 with errno (the file), or -2 (the history failed: its error). */
static int export_file(struct screen *sc, const char *path, bool md, bool replace,
                       size_t *bytes)
{
	struct outfile o = {"", NULL};
	if (outfile_open(&o, path) < 0)
		return -1;
	struct written w = {o.f, 0, 0};
	int rc = history_export_to(sc->hist, sc->hist_conv, md ? HISTORY_MD : HISTORY_JSON,
	                           to_file, &w);
	*bytes = w.bytes;
	errno = w.err;
	if (outfile_commit(&o, path, replace, rc == 0) < 0)
		return rc < 0 && w.err == 0 ? -2 : -1;
	return 0;
}

int cmd_export(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	size_t k = strcspn(args, " \t");
	bool replace = k > 0 && args[k - 1] == '!';
	size_t fk = replace ? k - 1 : k;
	bool md = fk == 2 && strncmp(args, "md", 2) == 0;
	bool json = fk == 4 && strncmp(args, "json", 4) == 0;
	const char *file = args + k + strspn(args + k, " \t");
	if ((!md && !json) || *file == '\0') {
		screen_say(sc, MSG_ERROR, "/export md FILE or /export json FILE (md! or json! replaces "
		                          "an existing FILE)");
		return REACT_NONE;
	}
	if (sc->hist_conv == 0) {
		screen_say(sc, MSG_ERROR, "nothing to export yet: this thread has no prompt");
		return REACT_NONE;
	}
	char path[1024];
	if (paths_expand(file, path, sizeof(path)) == NULL) {
		screen_sayf(sc, MSG_ERROR, "cannot write %.200s: HOME is not set", file);
		return REACT_NONE;
	}
	struct stat st;
	bool existed = lstat(path, &st) == 0;
	size_t bytes = 0;
	int rc = export_file(sc, path, md, replace, &bytes);
	if (rc == -2)
		screen_sayf(sc, MSG_ERROR, "export failed: %s", history_error(sc->hist));
	else if (rc == 0)
		screen_sayf(sc, MSG_NOTICE, "conversation %lld written to %.200s (%zu bytes%s)",
		            sc->hist_conv, path, bytes, existed ? "; replaced the file that was there" : "");
	else if (errno == EEXIST)
		screen_sayf(sc, MSG_ERROR, "%.200s exists: /export %s! %.200s replaces it", path,
		            md ? "md" : "json", file);
	else
		screen_sayf(sc, MSG_ERROR, "cannot write %.200s: %s", path, strerror(errno));
	return REACT_NONE;
}

int cmd_delete(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	long long conv = parse_id(args);
	if (conv < 0) {
		screen_say(sc, MSG_ERROR, "/delete takes a conversation id (/sessions lists them)");
		return REACT_NONE;
	}
	if (conv == sc->hist_conv && screen_streaming(sc)) {
		screen_say(sc, MSG_ERROR, "this conversation is still streaming: Ctrl-C cancels, then "
		                          "/delete");
		return REACT_NONE;
	}
	int r = history_delete(sc->hist, conv);
	if (r < 0) {
		screen_history_failed(sc);
	} else if (r == 0) {
		screen_sayf(sc, MSG_ERROR, "no conversation %lld in the history", conv);
	} else {
		if (conv == sc->hist_conv) /* what follows is saved as a new one */
			sc->hist_conv = sc->hist_group = 0;
		screen_sayf(sc, MSG_NOTICE, "conversation %lld deleted", conv);
	}
	return REACT_NONE;
}
