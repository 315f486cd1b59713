/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main: which front end a command line asks for: the screen, headless,
 * --replay, or the history's --search and --export. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/files.h"
#include "app/blind.h"
#include "app/headless.h"
#include "app/headless_thread.h"
#include "app/headless_vote.h"
#include "app/leaderboard.h"
#include "app/output.h"
#include "app/history_cli.h"
#include "app/stats.h"
#include "app/replay.h"
#include "app/screen.h"
#include "model/config.h"
#include "model/history.h"
#include "util/buf.h"
#include "util/glyphs.h"
#include "util/clock.h"
#include "util/words.h"

#define RESUME_ALONE                                                                              \
	"-c and --resume go on with one model's conversation: not with --compare"

#define RAW_OR_RENDER "--raw and --render ask for opposite things: give one of them"

static int replay(const struct cli *c)
{
	if (c->raw && c->render)
		return cli_bad_usage(RAW_OR_RENDER);
	if (c->wire == NULL)
		return cli_bad_usage("--replay needs --wire FORMAT");
	if (c->nfiles > 0 || c->force)
		return cli_bad_usage("-f and --force go with a prompt or the chat screen, not --replay");
	struct replay_opts ro = {
		.file = c->replay_file,
		.wire = c->wire,
		.events = c->events,
		.raw = c->raw,
		.render = c->render,
		.no_color = c->no_color,
		.status = c->status,
		.save_images = c->save_images,
	};
	return replay_run(&ro);
}

/* --blind and --vote: with a compare; --vote's word names one of its
 * columns. 0, or 2 after a usage message. */
static int judging(const struct cli *c)
{
	if (c->blind && blind_mode_of(c->blind_mode) < 0)
		return cli_bad_usage("--blind takes nothing or =strict (--blind=strict)");
	if (c->blind && c->compare == NULL)
		return cli_bad_usage("--blind goes with --compare M1,M2,...");
	if (c->blind && (c->json || c->jsonl))
		return cli_bad_usage("--blind hides who answers, --json and --jsonl name them: give "
		                     "one of them");
	if (c->vote == NULL)
		return 0;
	if (c->compare != NULL && c->prompt == NULL && isatty(STDIN_FILENO))
		return cli_bad_usage("--vote with --compare goes with -p (on the screen: /vote)");
	if (c->no_history)
		return cli_bad_usage("--vote keeps the vote in the history: not with --no-history");
	char *m[SESSION_CHAIN_MAX + 1];
	int n = c->compare ? words_split(c->compare, ",", m, SESSION_CHAIN_MAX + 1) : 0;
	int winner = n > 0 ? blind_vote_of(c->vote, n) : 0;
	words_free(m, n > 0 ? (size_t)n : 0);
	if (winner == BLIND_BAD_VOTE)
		return cli_bad_usage("--vote takes a column's letter (A, B...), its number, tie or "
		                     "none");
	return 0;
}

/* --leaderboard and --vote alone: the history's votes. */
static int votes_cli(const struct cli *c)
{
	if (c->prompt || c->compare || c->resume || c->no_history || c->blind ||
	    (c->leaderboard && c->vote))
		return cli_bad_usage("--leaderboard and --vote (alone: the last blind compare's) "
		                     "each stand alone");
	if (c->vote != NULL)
		return c->json || c->since || c->grep
		           ? cli_bad_usage("--json, --since and --grep go with --leaderboard")
		           : headless_vote_cli(c->vote);
	return leaderboard_cli(c->since, c->grep, c->json);
}

static int history_cli(const struct cli *c)
{
	int asked = (c->search != NULL) + (c->export_id != NULL) + c->sessions + c->last;
	if (c->no_history || c->resume || c->prompt || c->compare || asked > 1)
		return cli_bad_usage("--search, --export, --sessions and --last each stand alone");
	if (c->json && !c->sessions)
		return cli_bad_usage("--json goes with -p, a prompt on standard input, or --sessions");
	if (c->format != NULL && c->export_id == NULL)
		return cli_bad_usage("--format goes with --export ID");
	if (c->search != NULL)
		return history_cli_search(NULL, c->search);
	if (c->sessions)
		return history_cli_sessions(NULL, c->json, isatty(STDOUT_FILENO));
	if (c->last)
		return history_cli_last(NULL, isatty(STDOUT_FILENO));
	if (strcmp(c->export_id, "last") == 0)
		return history_cli_export(NULL, 0, c->format ? c->format : "md");
	char *end;
	long long id = strtoll(c->export_id, &end, 10);
	if (*c->export_id == '\0' || *end != '\0' || id <= 0)
		return cli_bad_usage("--export takes a conversation id (see --sessions) or last");
	return history_cli_export(NULL, id, c->format ? c->format : "md");
}

/* circuit --stats: the history's figures, read-only. */
static int stats(const struct cli *c)
{
	if (c->no_history || c->resume || c->prompt || c->compare || c->search || c->export_id ||
	    c->sessions || c->last || c->jsonl)
		return cli_bad_usage("--stats stands alone, with --since, -m, --sort and --json");
	return stats_cli(NULL, c->since, c->model, c->sort, c->json, clock_unix());
}

/* --resume [ID]: -1 the last, the id, or 0 after a usage message. */
static long long resume_of(const struct cli *c, bool history)
{
	long long id = -1;
	if (c->resume_id != NULL) {
		char *end;
		id = strtoll(c->resume_id, &end, 10);
		if (*c->resume_id == '\0' || *end != '\0' || id <= 0) {
			cli_bad_usage("--resume takes a conversation id, or nothing for the last one");
			return 0;
		}
	}
	if (c->compare != NULL) {
		cli_bad_usage(RESUME_ALONE);
		return 0;
	}
	if (!history) {
		cli_bad_usage(c->no_history ? "-c and --resume read the history: not with --no-history"
		                            : "-c and --resume read the history, which the config "
		                              "turns off (history = off)");
		return 0;
	}
	return id;
}

/* --resume ID for the screen: 0 when the history holds conversation id (or
 * cannot be read: the screen says why), else 2 after the line headless
 * says, before the screen opens. */
static int resume_there(long long id)
{
	char path[1024], err[512];
	const char *p = history_default_path(path, sizeof(path));
	struct stat st;
	int has = 0; /* no file yet: no conversation */
	if (p == NULL)
		return 0;
	if (stat(p, &st) == 0) {
		struct history *h = history_open_readonly(p, err, sizeof(err));
		has = h != NULL ? history_has(h, id) : -1;
		history_close(h);
	} else if (errno != ENOENT) {
		return 0;
	}
	if (has != 0)
		return 0;
	fprintf(stderr, NO_SUCH_CONVERSATION, id);
	return 2;
}

static int screen(const struct cli *c, const struct config *cfg, const char *warnings,
                  const struct session_opts *so, const struct attachments *files)
{
	if (c->json || c->jsonl || c->record_dir || c->raw)
		return cli_bad_usage("--json, --jsonl, --record and --raw go with -p or a prompt on "
		                     "standard input");
	if (!isatty(STDOUT_FILENO))
		return cli_bad_usage("the interactive screen needs a terminal on stdout; use -p");
	struct screen_opts o = {
		.model = c->model ? c->model : cfg->model,
		.model_given = c->model != NULL,
		.system = c->system,
		.theme = c->theme ? c->theme : cfg->theme,
		.no_color = c->no_color,
		.compare = c->compare,
		.blind = c->blind ? blind_mode_of(c->blind_mode) : BLIND_OFF,
		.history = cfg->history && !c->no_history,
		.warnings = warnings,
		.save_images = c->save_images,
		.session = *so,
		.files = files,
	};
	if (c->resume) {
		o.resume = resume_of(c, o.history);
		if (o.resume == 0 || (o.resume > 0 && resume_there(o.resume) != 0))
			return 2;
	}
	return screen_run(&o);
}

static int headless(const struct cli *c, const struct config *cfg, const struct session_opts *so,
                    const struct attachments *files)
{
	if (c->raw && c->render)
		return cli_bad_usage(RAW_OR_RENDER);
	if (c->json && c->jsonl)
		return cli_bad_usage("--json (one object at the end) and --jsonl (a line per event) "
		                     "ask for different things: give one of them");
	struct headless_opts o = {
		.prompt = c->prompt,
		.model = c->model,
		.system = c->system,
		.compare = c->compare,
		.json = c->json,
		.jsonl = c->jsonl,
		.raw = c->raw,
		.render = c->render,
		.no_color = c->no_color,
		.history = cfg->history && !c->no_history,
		.save_images = c->save_images,
		.blind = c->blind ? (enum blind_mode)blind_mode_of(c->blind_mode) : BLIND_OFF,
		.vote = c->vote,
		.session = *so,
		.files = files,
	};
	if (c->resume) {
		o.resume = resume_of(c, o.history);
		if (o.resume == 0)
			return 2;
	}
	return headless_run(&o);
}

/* The config file under the command line's options: a bad line is a
 * warning naming FILE:LINE, its default used. Then the front end. */
static int chat(const struct cli *c)
{
	if (c->compare != NULL && c->model != NULL)
		return cli_bad_usage("use either -m MODEL or --compare M1,M2,...");
	if (c->force && c->nfiles == 0)
		return cli_bad_usage("--force goes with -f FILE");
	/* -f's files are read first: one that cannot be sent stops the run
	 * before anything is. */
	struct attachments files;
	attachments_init(&files);
	if (files_load(c->files, c->nfiles, c->force, &files) != 0) {
		attachments_done(&files);
		return 2;
	}
	struct config cfg;
	config_init(&cfg);
	struct buf warnings;
	buf_init(&warnings, 0);
	config_load(&cfg, c->config_path, c->config_path != NULL, &warnings);
	struct session_opts so = {
		.config = &cfg,
		.fallback = c->fallback,
		.debug_file = c->debug_file,
		.record_dir = c->record_dir,
	};
	int rc;
	bool on_screen = c->prompt == NULL && isatty(STDIN_FILENO);
	if (on_screen) {
		rc = screen(c, &cfg, buf_str(&warnings), &so, &files);
	} else {
		fputs(buf_str(&warnings), stderr);
		rc = headless(c, &cfg, &so, &files);
	}
	attachments_done(&files);
	buf_done(&warnings);
	config_done(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	/* The one place the locale's character set is taken: widths (wcwidth
	 * counts a CJK character 2 only in a UTF-8 locale) and circuit's own
	 * marks (ASCII under LANG=C), for every front end. */
	setlocale(LC_CTYPE, "");
	glyphs_init();
	struct cli c;
	if (cli_parse(argc, argv, &c) != 0)
		return 2;
	if (c.help) {
		cli_usage(stdout);
		output_note(stdout);
		return output_status();
	}
	if (c.version) {
		printf("circuit %s\n", CIRCUIT_VERSION);
		output_note(stdout);
		return output_status();
	}
	/* no-color.org: NO_COLOR set and not empty turns colour off, as the flag does. */
	const char *no_color = getenv("NO_COLOR");
	if (no_color != NULL && *no_color != '\0')
		c.no_color = true;
	if (c.replay_file != NULL)
		return replay(&c);
	if (c.wire || c.events || c.status)
		return cli_bad_usage("--wire, --events and --status go with --replay FILE");
	if (c.stats)
		return stats(&c);
	if (c.leaderboard || (c.vote != NULL && c.compare == NULL))
		return votes_cli(&c);
	if (c.since != NULL || c.sort != NULL || c.grep != NULL)
		return cli_bad_usage("--since goes with --stats or --leaderboard, --sort with --stats, "
		                     "--grep with --leaderboard");
	if (c.search != NULL || c.export_id != NULL || c.sessions || c.last) {
		if (c.nfiles > 0 || c.force)
			return cli_bad_usage("-f and --force go with a prompt or the chat screen");
		return history_cli(&c);
	}
	if (judging(&c) != 0)
		return 2;
	if (c.format != NULL)
		return cli_bad_usage("--format goes with --export ID");
	return chat(&c);
}
