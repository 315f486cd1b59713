/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli: the command line: its options, their words, --help. */
#ifndef CIRCUIT_APP_CLI_H
#define CIRCUIT_APP_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* The most -f options a command line takes. */
#define CLI_FILES_MAX 16

/* Every option as given; NULL or false when absent. */
struct cli {
	const char *prompt, *model, *system, *compare, *fallback, *theme, *config_path;
	const char *record_dir, *debug_file;
	const char *search, *export_id, *format;
	const char *replay_file, *wire;
	const char *resume_id; /* with resume: the id, NULL for the last */
	const char *since, *sort; /* --stats's */
	const char *save_images; /* --save-images DIR: a model's images go there */
	int status;            /* --status CODE, 0 none */
	bool events, raw, render, json, jsonl, no_color, no_history, resume, help, version;
	/* -c sets resume too (resume_id NULL); words: the prompt is the
	 * positional words, joined by one space (held for the process's life) */
	bool cont, sessions, last, words;
	const char *files[CLI_FILES_MAX]; /* -f PATH, in order */
	int nfiles;
	bool force; /* --force: text files over 1 MiB too */
	bool stats; /* --stats: the history's figures (with --since, -m, --sort, --json) */
	/* issue 20: --blind[=strict] (blind_mode its value, NULL plain),
	 * --vote WORD, --leaderboard [--since WORD] [--grep WORD] */
	bool blind, leaderboard;
	const char *blind_mode, *vote, *grep; /* --since: with --stats */
};

/* Reads argv into c (zeroed first). Words that are not options are the
 * prompt, joined by one space, as -p's (options may come after them).
 * Returns 0, or 2 after a one-line message and a hint on stderr (an
 * unknown option, -p and words both, -c and --resume both). */
int cli_parse(int argc, char **argv, struct cli *c);

/* --help's text. */
void cli_usage(FILE *f);

/* "circuit: MSG" and the hint on stderr; returns 2, the status of bad usage. */
int cli_bad_usage(const char *msg);

#endif
