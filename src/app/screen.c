/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen: the chat screen: start-up, the loop, the end.
 *
 * One thread, one loop: wait in transport_wait on the network plus the
 * terminal and the signal pipe, with the nearest timer as timeout; then
 * move bytes, apply events to the conversation, read keys, and draw what
 * changed once. Nothing streaming and no key pressed: no wakeups at all.
 * The first frame comes before any slow work (the history file). */
#include "app/screen_core.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/transport.h"
#include "ui/inputline.h"
#include "ui/transcript.h"
#include "util/clock.h"
#include "util/glyphs.h"
#include "util/mem.h"
#include "util/paths.h"
#include "util/words.h"

/* The models Tab offers after "/model" besides the config's. */
static const char *const known_models[] = {
	"mock", "mock-fast", "mock-slow", "mock-flaky", "gpt-4o", "gpt-4o-mini", "o4-mini",
	"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "gemini-2.5-flash",
	"gemini-2.5-pro", "ollama:llama3.2", "ollama:qwen3",
};

/* Caught before curses starts: ncurses then leaves SIGTSTP to circuit
 * rather than swapping its handler twice in every frame. */
static const int caught[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGTSTP};

struct conversation *screen_view_conv(struct screen *sc)
{
	return sc->ncol > 0 ? &sc->col[columns_focused(sc->cv)].conv : &sc->conv;
}

void screen_say_in(struct conversation *c, enum msg_kind kind, const char *text)
{
	/* circuit's own words carry its marks (── · →): ASCII outside UTF-8. */
	struct buf b;
	buf_init(&b, 0);
	glyphs_text(text, &b);
	conv_add(c, kind, kind == MSG_ERROR ? "error" : "circuit", buf_str(&b));
	buf_done(&b);
}

void screen_say(struct screen *sc, enum msg_kind kind, const char *text)
{
	screen_say_in(screen_view_conv(sc), kind, text);
}

void screen_sayf(struct screen *sc, enum msg_kind kind, const char *fmt, ...)
{
	struct buf b;
	buf_init(&b, 0);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	screen_say(sc, kind, buf_str(&b));
	buf_done(&b);
}

void screen_note(struct screen *sc, const char *fmt, ...)
{
	char note[sizeof(sc->notice)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	struct buf b;
	buf_init(&b, 0);
	glyphs_text(note, &b);
	snprintf(sc->notice, sizeof(sc->notice), "%s", buf_str(&b));
	buf_done(&b);
}

void screen_react(struct screen *sc, int reaction)
{
	if (reaction & REACT_LAYOUT)
		sc->relayout = true;
	if (reaction & REACT_FOLLOW) {
		if (sc->ncol > 0)
			columns_follow(sc->cv);
		else
			transcript_follow(sc->tr);
	}
	if (reaction & REACT_QUIT)
		sc->quit = true;
}

int screen_load_theme(struct screen *sc, const char *name, bool report)
{
	char found[PATHS_SEARCH_MAX][512];
	size_t nd = paths_search("themes", found, PATHS_SEARCH_MAX);
	const char *dirs[PATHS_SEARCH_MAX];
	for (size_t i = 0; i < nd; i++)
		dirs[i] = found[i];
	struct buf errors;
	buf_init(&errors, 0);
	struct theme t;
	if (sc->o->no_color)
		theme_mono(&t);
	else
		theme_load(&t, name, dirs, nd, &errors);
	int rc = errors.len > 0 ? -1 : 0;
	if (rc < 0 && report) {
		/* A failed /theme keeps the theme there is. */
		screen_sayf(sc, MSG_ERROR, "%sthe theme stays as it was", buf_str(&errors));
	} else {
		if (rc < 0)
			screen_sayf(sc, MSG_ERROR, "%susing the default theme", buf_str(&errors));
		sc->theme = t;
		theme_apply(&sc->theme);
		if (report)
			screen_note(sc, "theme %s", name);
		sc->relayout = true;
	}
	buf_done(&errors);
	return rc;
}

/* Tab's models: the config's providers' first, then the usual ones. */
static void set_models(struct screen *sc)
{
	const char *names[64];
	size_t n = 0;
	for (size_t i = 0; i < providers_count(sc->s.ps) && n < 48; i++) {
		const struct provider *p = providers_at(sc->s.ps, i);
		for (size_t k = 0; k < p->nmodels && n < 48; k++)
			names[n++] = p->models[k];
	}
	for (size_t i = 0; i < sizeof(known_models) / sizeof(known_models[0]); i++)
		names[n++] = known_models[i];
	inputline_set_models(names, n);
}

/* The first words on the screen: version, model, and how it will answer. */
static void banner(struct screen *sc)
{
	const char *how = "";
	if (strncmp(sc->model, "mock", 4) == 0)
		how = session_any_key(&sc->s) ? " · answering offline from mock"
		                              : " · no API key set: answering offline from mock";
	screen_sayf(sc, MSG_NOTICE, "circuit %s · model %s · /help for commands and keys%s",
	            CIRCUIT_VERSION, sc->model, how);
	if (!glyphs_utf8())
		screen_say(sc, MSG_NOTICE, "the locale is not UTF-8: rules and marks are drawn in "
		                           "ASCII (set LANG=C.UTF-8 for the full screen)");
}

/* The model and the compare's models must resolve before the screen
 * opens. Returns 0, or 2 after a message on stderr. */
static int check_start(struct screen *sc)
{
	char err[320];
	bool bad = session_check_model(&sc->s, sc->model, true, err, sizeof(err)) < 0;
	char *cmp[COMPARE_MAX + 1];
	int ncmp = 0;
	if (!bad && sc->o->compare != NULL) {
		ncmp = words_split(sc->o->compare, ",", cmp, COMPARE_MAX + 1);
		if (ncmp < 2 || ncmp > COMPARE_MAX) {
			snprintf(err, sizeof(err), "--compare takes 2 to %d models separated by commas",
			         COMPARE_MAX);
			bad = true;
		}
	}
	for (int i = 0; i < ncmp; i++)
		if (!bad && session_check_model(&sc->s, cmp[i], false, err, sizeof(err)) < 0)
			bad = true;
	words_free(cmp, ncmp > 0 ? (size_t)ncmp : 0);
	if (bad)
		fprintf(stderr, "circuit: %s\n", err);
	return bad ? 2 : 0;
}

static void on_line(void *ctx, char *line)
{
	screen_line(ctx, line);
}

/* The screen up and its first frame drawn; then the slow work. */
static int start(struct screen *sc)
{
	char err[256];
	session_catch(&sc->s, caught, sizeof(caught) / sizeof(caught[0]), false);
	if (tui_init(&sc->tui, err, sizeof(err)) < 0) {
		session_uncatch(caught, sizeof(caught) / sizeof(caught[0]));
		fprintf(stderr, "circuit: %s\n", err);
		return -1;
	}
	sc->tr = transcript_new();
	keys_init(&sc->keys, (size_t)1 << 24);
	banner(sc); /* first: a theme's or the config's trouble is said under it */
	screen_load_theme(sc, sc->o->theme ? sc->o->theme : "default", false);
	char path[1024];
	inputline_init(paths_user(PATHS_STATE, "input_history", true, path, sizeof(path)), on_line,
	               sc);
	commands_register();
	set_models(sc);
	inputline_set_screen_size(sc->tui.rows, sc->tui.cols);
	if (sc->o->warnings != NULL && *sc->o->warnings)
		screen_say(sc, MSG_ERROR, sc->o->warnings);
	if (sc->o->compare != NULL) {
		char args[1024];
		snprintf(args, sizeof(args), "%s%s", sc->o->blind == 2   ? "--blind=strict "
		                                     : sc->o->blind == 1 ? "--blind "
		                                                         : "",
		         sc->o->compare);
		screen_react(sc, screen_compare_start(sc, args));
	}
	screen_files_start(sc);
	screen_draw(sc, clock_ms()); /* the first frame, before the slow work */
	screen_history_open(sc);
	screen_draw(sc, clock_ms());
	return 0;
}

void screen_suspend(struct screen *sc)
{
	static const int tstp[] = {SIGTSTP};
	tui_suspend(&sc->tui);
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP); /* stopped here until the shell's fg */
	session_catch(&sc->s, tstp, 1, false);
	tui_resume(&sc->tui);
	sc->relayout = true;
}

static void on_signals(struct screen *sc, long long now)
{
	int sig;
	while ((sig = session_signal(&sc->s)) != 0) {
		if (sig == SIGWINCH) {
			tui_resize(&sc->tui);
			sc->relayout = true;
		} else if (sig == SIGINT) {
			screen_ctrl_c(sc, now);
		} else if (sig == SIGTSTP) {
			screen_suspend(sc);
		} else {
			sc->quit = true; /* SIGTERM, SIGHUP */
			sc->gone = true;
		}
	}
}

static void on_terminal(struct screen *sc)
{
	unsigned char buf[4096];
	ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		/* The terminal went away (EOF, or EIO from a closed pty): it
		 * stays "readable", so going on would spin. */
		sc->quit = true;
		sc->gone = true;
	} else if (k > 0) {
		screen_keys(sc, buf, (size_t)k);
	}
}

static void loop(struct screen *sc)
{
	while (!sc->quit) {
		int fds[2] = {STDIN_FILENO, session_signal_fd(&sc->s)};
		bool ready[2] = {false, false};
		struct transport *t = sc->s.t;
		transport_wait(t, fds, 2, transport_timeout(t, clock_ms()), ready);
		long long now = clock_ms();
		transport_run(t, now);
		screen_reap(sc);
		if (ready[1])
			on_signals(sc, now);
		if (ready[0])
			on_terminal(sc);
		screen_draw(sc, now);
	}
}

/* Cancelled transfers end from the loop: two turns see them out. */
static void end_streams(struct screen *sc)
{
	if (!screen_streaming(sc))
		return;
	screen_cancel_all(sc);
	for (int k = 0; k < 2 && screen_streaming(sc); k++) {
		transport_run(sc->s.t, clock_ms());
		screen_reap(sc);
	}
	if (sc->single != NULL)
		sc->single->done = true;
	for (int i = 0; i < sc->ncol; i++)
		if (sc->col[i].live != NULL)
			sc->col[i].live->done = true;
	screen_queue_clear(sc);
	screen_reap(sc);
}

static void finish(struct screen *sc)
{
	end_streams(sc);
	if (sc->ncol > 0)
		screen_compare_end(sc);
	metrics_done(&sc->metrics);
	history_close(sc->hist);
	inputline_done();
	tui_done(&sc->tui);
	transcript_free(sc->tr);
	keys_done(&sc->keys);
	conv_done(&sc->conv);
	session_uncatch(caught, sizeof(caught) / sizeof(caught[0]));
	session_close(&sc->s);
	free(sc->model);
	free(sc->system);
	free(sc->last_prompt);
	free(sc->edit);
	attachments_done(&sc->pending);
	free(sc->stats_history);
}

int screen_run(const struct screen_opts *o)
{
	struct screen screen;
	struct screen *sc = &screen;
	memset(sc, 0, sizeof(*sc));
	sc->o = o;
	setlocale(LC_ALL, "");
	struct buf warnings;
	buf_init(&warnings, 0);
	if (session_open(&sc->s, &o->session, &warnings) < 0) {
		fputs(buf_str(&warnings), stderr);
		buf_done(&warnings);
		session_close(&sc->s);
		return 1;
	}
	sc->model = xstrdup(o->model ? o->model : session_default_model(&sc->s));
	sc->system = o->system ? xstrdup(o->system) : NULL;
	conv_init(&sc->conv);
	metrics_init(&sc->metrics);
	int rc = check_start(sc);
	if (rc == 0 && start(sc) < 0)
		rc = 1;
	if (rc != 0) {
		metrics_done(&sc->metrics);
		conv_done(&sc->conv);
		session_close(&sc->s);
		free(sc->model);
		free(sc->system);
		buf_done(&warnings);
		return rc;
	}
	if (warnings.len > 0)
		screen_say(sc, MSG_ERROR, buf_str(&warnings));
	buf_done(&warnings);
	loop(sc);
	bool gone = sc->gone;
	finish(sc);
	/* Hung up: everything is stored and closed; leave at once. Exit-time
	 * handlers could block on a terminal that is gone (LeakSanitizer's at
	 * exit was seen spinning forever after its pty vanished). */
	if (gone)
		_exit(0);
	return 0;
}
