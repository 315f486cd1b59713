/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli: the command line: its options, their words, --help. */
#include "app/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static const char usage_text[] =
	"usage: circuit [-m MODEL | --compare M1,M2,...] [-s SYSTEM] [--theme NAME]\n"
	"                                                   the interactive screen\n"
	"       circuit -p PROMPT [-m MODEL] [-s SYSTEM] [--compare M1,M2,...]\n"
	"                         [--json | --jsonl]\n"
	"       circuit [options] WORDS...  |  CMD | circuit [options] [WORDS...]\n"
	"       circuit -c [WORDS...]  |  circuit --resume ID [WORDS...]\n"
	"       circuit --resume [ID]                        the screen, going on with a\n"
	"                                                   conversation of the history\n"
	"       circuit --search TEXT | --export ID|last [--format md|json]\n"
	"       circuit --sessions [--json] | --last\n"
	"       circuit --replay FILE --wire FORMAT [--events] [--status CODE]\n"
	"       circuit --help | --version\n"
	"\n"
	"circuit is a terminal chat client for large language models. On a terminal\n"
	"it opens a chat screen (/help there lists commands and keys); with -p or a\n"
	"prompt on standard input it streams the reply to stdout.\n"
	"\n"
	"  -p, --prompt TEXT   the prompt (or WORDS; with standard input: see below)\n"
	"  -m, --model MODEL   [PROVIDER:]MODEL: gpt-*, o1.. -> openai; claude-* ->\n"
	"                      anthropic; gemini-* -> google; ollama:NAME; mock, mock-fast,\n"
	"                      mock-slow, mock-flaky (offline). Default: the first provider\n"
	"                      with a key (openai, anthropic, google), else mock\n"
	"  -s, --system TEXT   system prompt\n"
	"      --config FILE   the config file (default $XDG_CONFIG_HOME/circuit/config;\n"
	"                      docs/config.example)\n"
	"      --fallback M1,M2  models tried, in order, when the model fails before\n"
	"                      its first visible token (retries first; docs/resilience.md)\n"
	"      --compare M1,M2 send each prompt to every model at once: on a terminal,\n"
	"                      side by side in columns (2 to 6 models); with -p, each\n"
	"                      reply in a labelled block as soon as it is complete\n"
	"                      (fastest first), then a metrics table on stderr\n"
	"      --json          one JSON object: per model text, stop, usage, tokens,\n"
	"                      ttfb/ttft/ttfo/total ms, tokens per second, cost, error;\n"
	"                      per provider the run's figures (docs/metrics.md)\n"
	"      --jsonl         JSON lines as the reply streams, one per event and model:\n"
	"                      label, model, kind (text, thinking, tool, stop, error,\n"
	"                      done), text, t_ms; done has --json's figures (docs/jsonl.md)\n"
	"      --raw           model text as it came: not rendered, unsanitised\n"
	"                      (terminal control passes)\n"
	"      --render        render the reply's Markdown even when stdout is not a\n"
	"                      terminal (on a terminal it is the default)\n"
	"      --record DIR    save each raw response body there (replay with --replay)\n"
	"      --debug FILE    debug log (URLs, headers, timings; keys redacted); a new\n"
	"                      file is made 0600, an existing one keeps its mode\n"
	"      --theme NAME    default, light, solarized-dark, mono, or a file of yours\n"
	"                      in $XDG_CONFIG_HOME/circuit/themes/NAME.theme\n"
	"      --no-color      no colours (NO_COLOR in the environment does the same)\n"
	"      --resume [ID]   reopen the last conversation (or conversation ID) and go on\n"
	"      --search TEXT   list the messages of the history containing every word\n"
	"      --export ID     print conversation ID, as --format md (default) or json\n"
	"      --no-history    keep nothing of this run in the history (config:\n"
	"                      history = off); history: $XDG_DATA_HOME/circuit/history.db\n"
	"      --replay FILE   decode a recorded response body offline (\"-\": stdin):\n"
	"                      text on stdout, thinking on stderr, a [stop: ...] line\n"
	"      --wire FORMAT   openai, openai-responses, anthropic, gemini, gemini-json,\n"
	"                      ollama; sse with --events prints the raw SSE events\n"
	"      --events        with --replay: normalised events as JSON lines\n"
	"      --status CODE   with --replay: FILE is an HTTP error body of this status\n"
	"  -h, --help          this text\n"
	"      --version       the version\n";

/* Going on from the shell, getting things out (C99 compilers need take
 * only 4095 bytes of one string literal). */
static const char usage_shell[] =
	"\n"
	"In a shell:\n"
	"  circuit WORDS...    the words, joined by one space, are the prompt (as -p)\n"
	"  CMD | circuit PROMPT  the prompt, a blank line, then standard input: read to\n"
	"                      its end when it is not a terminal (</dev/null: nothing);\n"
	"                      with no prompt, standard input alone is the prompt\n"
	"  -c, --continue      go on with the last conversation: with a prompt, its\n"
	"                      turns are sent first, with its model (unless -m), and\n"
	"                      the reply is added to it; without one, on the screen\n"
	"      --resume ID PROMPT  the same with conversation ID\n"
	"      --sessions      the conversations, newest first: id, date, title, turns,\n"
	"                      models; aligned on a terminal, else one tab-separated\n"
	"                      line each; --json: an array of objects\n"
	"      --last          the newest conversation's last reply, as it came (for\n"
	"                      circuit --last | wl-copy); exit 1 when there is none\n"
	"      --export last   the newest conversation, as --export ID\n"
	"      --stats         the history's figures per provider:model: replies,\n"
	"                      errors and their kinds, TTFT p50/p95, TTFO p50, tok/s\n"
	"                      p50, tokens, cost, a TTFT spread (docs/metrics.md);\n"
	"                      --since 7d|24h|30m|2w|2026-12-01, -m MODEL (or a\n"
	"                      provider), --sort replies|ttft|tps|cost, --json\n"

	"      --save-images DIR  save the images a model makes in DIR (made 0700 if\n"
	"                      missing; default $XDG_DATA_HOME/circuit/images), with -p,\n"
	"                      --replay or on the screen; a line names each file\n";

/* Attachments: a block of their own. */
static const char usage_files[] =
	"\n"
	"Files and images:\n"
	"  -f, --file PATH     attach PATH to the prompt (repeatable, up to 16). A text\n"
	"                      file (UTF-8) follows the prompt in a fenced block\n"
	"                      labelled with its name; a png, jpeg, webp or gif image\n"
	"                      (known by its bytes) goes as an image part. On the\n"
	"                      screen they go with the first message; /file PATH there\n"
	"                      attaches more. A missing, unreadable, binary, directory\n"
	"                      or FIFO path: one line, exit 2, nothing sent\n"
	"      --force         attach a text file over 1 MiB anyway (nothing over 20 MiB\n"
	"                      is attached)\n";

/* Judging a compare (issue 20). */
static const char usage_judge[] =
	"\n"
	"Judging a compare:  circuit --compare M1,M2 --blind PROMPT, then --vote A;\n"
	"                    circuit --leaderboard [--since WHEN] [--grep WORD] [--json]\n"
	"      --blind[=strict]  with --compare: the models shuffled into columns (blocks)\n"
	"                      A, B, C...; no model, provider or price shows until the\n"
	"                      vote (strict: no times or rates either)\n"
	"      --vote A|N|tie|none  the vote on a blind compare: with --compare -p, taken\n"
	"                      once the replies are out; alone, on the last blind compare\n"
	"                      run without one. Stored in the history, then the names\n"
	"                      are shown (stderr)\n"
	"      --leaderboard   the models ranked from your votes: rating (Bradley-Terry,\n"
	"                      Elo-like scale), 95% interval, votes, win rate; --since\n"
	"                      7d|24h|2026-12-01, --grep WORD (in the prompt), --json\n"
	"                      (docs/leaderboard.md)\n";

/* The part after the options. */
static const char usage_notes[] =
	"\n"
	"Keys: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (or GOOGLE_API_KEY).\n"
	"Servers: OPENAI_BASE_URL (with /v1), ANTHROPIC_BASE_URL, GEMINI_BASE_URL,\n"
	"OLLAMA_HOST. With no key at all, circuit answers offline from mock.\n"
	"\n"
	"Exit status: 0 done; 1 the request failed (one line on stderr says what\n"
	"happened and what to do; the text so far is kept), or stdout could not be\n"
	"written (a full disk); 2 bad usage, or a prompt that is not UTF-8 (UTF-16\n"
	"with a byte-order mark is converted); 130 ended by Ctrl-C (SIGINT), 143 by\n"
	"SIGTERM (the text so far is kept and stored); 141 the reader of stdout went\n"
	"away (| head): the request is cancelled at once, silently, as SIGPIPE would.\n";


void cli_usage(FILE *f)
{
	fputs(usage_text, f);
	fputs(usage_shell, f);
	fputs(usage_files, f);
	fputs(usage_judge, f);
	fputs(usage_notes, f);
}

int cli_bad_usage(const char *msg)
{
	fprintf(stderr, "circuit: %s\n", msg);
	fputs("Try 'circuit --help'.\n", stderr);
	return 2;
}

enum {
	OPT_REPLAY = 256, OPT_WIRE, OPT_EVENTS, OPT_STATUS, OPT_RAW, OPT_VERSION, OPT_COMPARE,
	OPT_JSON, OPT_RECORD, OPT_DEBUG, OPT_THEME, OPT_NO_COLOR, OPT_FALLBACK, OPT_CONFIG,
	OPT_RESUME, OPT_SEARCH, OPT_EXPORT, OPT_FORMAT, OPT_NO_HISTORY, OPT_RENDER,
	OPT_SESSIONS, OPT_LAST, OPT_JSONL, OPT_FORCE,
	OPT_STATS, OPT_SINCE, OPT_SORT, OPT_SAVE_IMAGES,
	OPT_BLIND, OPT_VOTE, OPT_LEADERBOARD, OPT_GREP,
};

static const struct option longopts[] = {
	{"prompt", required_argument, NULL, 'p'},
	{"model", required_argument, NULL, 'm'},
	{"system", required_argument, NULL, 's'},
	{"compare", required_argument, NULL, OPT_COMPARE},
	{"json", no_argument, NULL, OPT_JSON},
	{"jsonl", no_argument, NULL, OPT_JSONL},
	{"record", required_argument, NULL, OPT_RECORD},
	{"debug", required_argument, NULL, OPT_DEBUG},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"wire", required_argument, NULL, OPT_WIRE},
	{"events", no_argument, NULL, OPT_EVENTS},
	{"status", required_argument, NULL, OPT_STATUS},
	{"raw", no_argument, NULL, OPT_RAW},
	{"render", no_argument, NULL, OPT_RENDER},
	{"theme", required_argument, NULL, OPT_THEME},
	{"fallback", required_argument, NULL, OPT_FALLBACK},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"resume", optional_argument, NULL, OPT_RESUME},
	{"search", required_argument, NULL, OPT_SEARCH},
	{"export", required_argument, NULL, OPT_EXPORT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"no-history", no_argument, NULL, OPT_NO_HISTORY},
	{"continue", no_argument, NULL, 'c'},
	{"sessions", no_argument, NULL, OPT_SESSIONS},
	{"last", no_argument, NULL, OPT_LAST},
	{"file", required_argument, NULL, 'f'},
	{"force", no_argument, NULL, OPT_FORCE},
	{"stats", no_argument, NULL, OPT_STATS},
	{"since", required_argument, NULL, OPT_SINCE},
	{"sort", required_argument, NULL, OPT_SORT},
	{"save-images", required_argument, NULL, OPT_SAVE_IMAGES},
	{"blind", optional_argument, NULL, OPT_BLIND},
	{"vote", required_argument, NULL, OPT_VOTE},
	{"leaderboard", no_argument, NULL, OPT_LEADERBOARD},
	{"grep", required_argument, NULL, OPT_GREP},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* Where an option that takes a word keeps it. */
static const char **word_of(struct cli *c, int opt)
{
	switch (opt) {
	case 'p': return &c->prompt;
	case 'm': return &c->model;
	case 's': return &c->system;
	case OPT_COMPARE: return &c->compare;
	case OPT_RECORD: return &c->record_dir;
	case OPT_DEBUG: return &c->debug_file;
	case OPT_REPLAY: return &c->replay_file;
	case OPT_WIRE: return &c->wire;
	case OPT_THEME: return &c->theme;
	case OPT_FALLBACK: return &c->fallback;
	case OPT_CONFIG: return &c->config_path;
	case OPT_SEARCH: return &c->search;
	case OPT_EXPORT: return &c->export_id;
	case OPT_FORMAT: return &c->format;
	case OPT_SINCE: return &c->since;
	case OPT_SORT: return &c->sort;
	case OPT_SAVE_IMAGES: return &c->save_images;
	case OPT_VOTE: return &c->vote;
	case OPT_GREP: return &c->grep;
	default: return NULL;
	}
}

/* Where a switch keeps itself. */
static bool *switch_of(struct cli *c, int opt)
{
	switch (opt) {
	case 'h': return &c->help;
	case OPT_VERSION: return &c->version;
	case OPT_JSON: return &c->json;
	case OPT_JSONL: return &c->jsonl;
	case OPT_EVENTS: return &c->events;
	case OPT_RAW: return &c->raw;
	case OPT_RENDER: return &c->render;
	case OPT_NO_COLOR: return &c->no_color;
	case OPT_NO_HISTORY: return &c->no_history;
	case 'c': return &c->cont;
	case OPT_SESSIONS: return &c->sessions;
	case OPT_LAST: return &c->last;
	case OPT_FORCE: return &c->force;
	case OPT_STATS: return &c->stats;
	case OPT_LEADERBOARD: return &c->leaderboard;
	default: return NULL;
	}
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The options that are neither a word nor a switch. 0, or 2 (reported). */
static int special(struct cli *c, int opt, int argc, char **argv)
{
	if (opt == OPT_RESUME) {
		c->resume = true;
		/* "--resume ID" as well as "--resume=ID": a number next (all
		 * digits: "--resume 3 more" goes on with 3; a prompt that starts
		 * with a digit is no id). */
		c->resume_id = optarg;
		if (c->resume_id == NULL && optind < argc && all_digits(argv[optind]))
			c->resume_id = argv[optind++];
		return 0;
	}
	if (opt == 'f') {
		if (c->nfiles == CLI_FILES_MAX)
			return cli_bad_usage("-f takes at most 16 files in one prompt");
		c->files[c->nfiles++] = optarg;
		return 0;
	}
	if (opt == OPT_BLIND) {
		c->blind = true;
		c->blind_mode = optarg; /* "--blind=strict"; plain --blind: NULL */
		return 0;
	}
	if (opt == OPT_STATUS) {
		char *end;
		long v = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || v < 100 || v > 599)
			return cli_bad_usage("--status takes an HTTP status code (100-599)");
		c->status = (int)v;
		return 0;
	}
	char msg[128];
	snprintf(msg, sizeof(msg), "unknown or incomplete option '%s'", argv[optind - 1]);
	return cli_bad_usage(msg);
}

/* The positional words, joined by one space: held until the next call
 * (for the process's life, as argv is). */
static const char *join_words(int n, char **w)
{
	static char *joined;
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	free(joined);
	joined = xmalloc(len);
	size_t at = 0;
	for (int i = 0; i < n; i++)
		at += (size_t)snprintf(joined + at, len - at, "%s%s", i > 0 ? " " : "", w[i]);
	return joined;
}

int cli_parse(int argc, char **argv, struct cli *c)
{
	memset(c, 0, sizeof(*c));
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "hcp:m:s:f:", longopts, NULL)) != -1) {
		const char **w = word_of(c, opt);
		bool *sw = switch_of(c, opt);
		if (w != NULL)
			*w = optarg;
		else if (sw != NULL)
			*sw = true;
		else if (special(c, opt, argc, argv) != 0)
			return 2;
	}
	if (c->cont && c->resume)
		return cli_bad_usage("-c goes on with the last conversation, --resume ID with a given "
		                     "one: give one of them");
	c->resume |= c->cont;
	if (optind < argc && c->prompt != NULL)
		return cli_bad_usage("give the prompt either with -p or as words, not both");
	if (optind < argc) {
		c->prompt = join_words(argc - optind, argv + optind);
		c->words = true;
	}
	return 0;
}
