/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main: the command line. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "headless.h"
#include "histcli.h"
#include "model/config.h"
#include "util/buf.h"
#include "replay.h"

static const char usage_text[] =
	"usage: circuit [-m MODEL | --compare M1,M2,...] [-s SYSTEM] [--theme NAME]\n"
	"                                                   the interactive screen\n"
	"       circuit -p PROMPT [-m MODEL] [-s SYSTEM] [--compare M1,M2,...] [--json]\n"
	"       echo PROMPT | circuit [options]\n"
	"       circuit --resume [ID]                        the screen, going on with a\n"
	"                                                   conversation of the history\n"
	"       circuit --search TEXT | --export ID [--format md|json]\n"
	"       circuit --replay FILE --wire FORMAT [--events] [--status CODE]\n"
	"       circuit --help | --version\n"
	"\n"
	"circuit is a terminal chat client for large language models. On a terminal\n"
	"it opens a chat screen (/help there lists commands and keys); with -p or a\n"
	"prompt on standard input it streams the reply to stdout.\n"
	"\n"
	"  -p, --prompt TEXT   the prompt (else standard input, when it is not a terminal)\n"
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
	"                      reply in a labelled block, then a metrics table on stderr\n"
	"      --json          one JSON object: per model text, stop, usage, tokens,\n"
	"                      ttfb/ttft/ttfo/total ms, tokens per second, cost, error;\n"
	"                      per provider the run's figures (docs/metrics.md)\n"
	"      --raw           model text unsanitised (terminal control passes)\n"
	"      --record DIR    save each raw response body there (replay with --replay)\n"
	"      --debug FILE    debug log (URLs, headers, timings; keys redacted)\n"
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
	"      --version       the version\n"
	"\n"
	"Keys: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (or GOOGLE_API_KEY).\n"
	"Servers: OPENAI_BASE_URL (with /v1), ANTHROPIC_BASE_URL, GEMINI_BASE_URL,\n"
	"OLLAMA_HOST. With no key at all, circuit answers offline from mock.\n"
	"\n"
	"Exit status: 0 done; 1 the request failed (one line on stderr says what\n"
	"happened and what to do; the text so far is kept); 2 bad usage.\n";

static int run(struct headless_opts *ho, struct app_opts *ao);

/* A timeout in ms from the environment, else fallback. */
static long env_ms(const char *name, long fallback)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return fallback;
	char *end;
	long ms = strtol(v, &end, 10);
	return *end == '\0' && ms > 0 ? ms : fallback;
}

static int bad_usage(const char *msg)
{
	fprintf(stderr, "circuit: %s\n", msg);
	fputs("Try 'circuit --help'.\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	enum { OPT_REPLAY = 256, OPT_WIRE, OPT_EVENTS, OPT_STATUS, OPT_RAW, OPT_VERSION,
	       OPT_COMPARE, OPT_JSON, OPT_RECORD, OPT_DEBUG, OPT_THEME, OPT_NO_COLOR,
	       OPT_FALLBACK, OPT_CONFIG, OPT_RESUME, OPT_SEARCH, OPT_EXPORT, OPT_FORMAT,
	       OPT_NO_HISTORY };
	static const struct option longopts[] = {
		{"prompt", required_argument, NULL, 'p'},
		{"model", required_argument, NULL, 'm'},
		{"system", required_argument, NULL, 's'},
		{"compare", required_argument, NULL, OPT_COMPARE},
		{"json", no_argument, NULL, OPT_JSON},
		{"record", required_argument, NULL, OPT_RECORD},
		{"debug", required_argument, NULL, OPT_DEBUG},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"wire", required_argument, NULL, OPT_WIRE},
		{"events", no_argument, NULL, OPT_EVENTS},
		{"status", required_argument, NULL, OPT_STATUS},
		{"raw", no_argument, NULL, OPT_RAW},
		{"theme", required_argument, NULL, OPT_THEME},
		{"fallback", required_argument, NULL, OPT_FALLBACK},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"resume", optional_argument, NULL, OPT_RESUME},
		{"search", required_argument, NULL, OPT_SEARCH},
		{"export", required_argument, NULL, OPT_EXPORT},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"no-history", no_argument, NULL, OPT_NO_HISTORY},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct replay_opts ro = {0};
	struct headless_opts ho = {.max_retries = -1};
	struct app_opts ao = {0};
	const char *config_path = NULL;
	const char *search = NULL, *export_id = NULL, *format = NULL;
	bool no_history = false, resume = false;
	const char *resume_id = NULL;
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "hp:m:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': ho.prompt = optarg; break;
		case 'm': ho.model = optarg; break;
		case 's': ho.system = optarg; break;
		case OPT_COMPARE: ho.compare = optarg; break;
		case OPT_JSON: ho.json = true; break;
		case OPT_RECORD: ho.record_dir = optarg; break;
		case OPT_DEBUG: ho.debug_file = ao.debug_file = optarg; break;
		case OPT_THEME: ao.theme = optarg; break;
		case OPT_FALLBACK: ho.fallback = optarg; break;
		case OPT_CONFIG: config_path = optarg; break;
		case OPT_NO_COLOR: ao.no_color = true; break;
		case OPT_RESUME:
			resume = true;
			/* "--resume ID" as well as "--resume=ID": a number next. */
			resume_id = optarg;
			if (resume_id == NULL && optind < argc && argv[optind][0] >= '0' &&
			    argv[optind][0] <= '9')
				resume_id = argv[optind++];
			break;
		case OPT_SEARCH: search = optarg; break;
		case OPT_EXPORT: export_id = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_NO_HISTORY: no_history = true; break;
		case OPT_REPLAY: ro.file = optarg; break;
		case OPT_WIRE: ro.wire = optarg; break;
		case OPT_EVENTS: ro.events = true; break;
		case OPT_RAW: ro.raw = ho.raw = true; break;
		case OPT_STATUS: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 100 || v > 599)
				return bad_usage("--status takes an HTTP status code (100-599)");
			ro.status = (int)v;
			break;
		}
		case 'h': fputs(usage_text, stdout); return 0;
		case OPT_VERSION: printf("circuit %s\n", CIRCUIT_VERSION); return 0;
		default: {
			char msg[128];
			snprintf(msg, sizeof(msg), "unknown or incomplete option '%s'", argv[optind - 1]);
			return bad_usage(msg);
		}
		}
	}
	if (optind < argc) {
		char msg[128];
		snprintf(msg, sizeof(msg), "unexpected argument '%s'", argv[optind]);
		return bad_usage(msg);
	}
	/* no-color.org: NO_COLOR set and not empty turns colour off, as the flag does. */
	const char *no_color_env = getenv("NO_COLOR");
	if (no_color_env != NULL && *no_color_env != '\0')
		ao.no_color = true;
	ro.no_color = ho.no_color = ao.no_color;
	if (ro.file != NULL) {
		if (ro.wire == NULL)
			return bad_usage("--replay needs --wire FORMAT");
		return replay_run(&ro);
	}
	if (ro.wire || ro.events || ro.status)
		return bad_usage("--wire, --events and --status go with --replay FILE");
	if (search != NULL || export_id != NULL) {
		if (no_history || resume || ho.prompt || ho.compare || (search && export_id))
			return bad_usage("--search and --export each stand alone");
		if (search != NULL)
			return histcli_search(NULL, search);
		char *end;
		long long id = strtoll(export_id, &end, 10);
		if (*export_id == '\0' || *end != '\0' || id <= 0)
			return bad_usage("--export takes a conversation id (see /sessions)");
		return histcli_export(NULL, id, format ? format : "md");
	}
	if (format != NULL)
		return bad_usage("--format goes with --export ID");
	if (resume) {
		ao.resume = -1;
		if (resume_id != NULL) {
			char *end;
			ao.resume = strtoll(resume_id, &end, 10);
			if (*resume_id == '\0' || *end != '\0' || ao.resume <= 0)
				return bad_usage("--resume takes a conversation id, or nothing for the last one");
		}
		if (ho.prompt != NULL || ho.compare != NULL || !isatty(STDIN_FILENO))
			return bad_usage("--resume opens a conversation on the chat screen: not with -p, "
			                 "--compare or a prompt on standard input");
	}
	/* The config file: defaults under the command line's options. A bad
	 * line is a warning naming FILE:LINE; its default is used. */
	struct config cfg;
	config_init(&cfg);
	struct buf warnings;
	buf_init(&warnings, 0);
	config_load(&cfg, config_path, config_path != NULL, &warnings);
	if (warnings.len > 0)
		fputs(buf_str(&warnings), stderr);
	buf_done(&warnings);
	char *fallback_list = NULL;
	if (ho.fallback == NULL && cfg.nfallback > 0) {
		struct buf fb;
		buf_init(&fb, 0);
		for (size_t i = 0; i < cfg.nfallback; i++)
			buf_printf(&fb, "%s%s", i ? "," : "", cfg.fallback[i]);
		fallback_list = fb.data;
		ho.fallback = fallback_list;
	}
	ao.model_given = ho.model != NULL;
	if (ho.model == NULL && ho.compare == NULL)
		ho.model = cfg.model;
	ao.model = cfg.model;
	ao.history = ho.history = cfg.history && !no_history;
	if (ao.resume != 0 && !ao.history) {
		config_done(&cfg);
		free(fallback_list);
		return bad_usage(no_history ? "--resume reads the history: not with --no-history"
		                            : "--resume reads the history, which the config turns off "
		                              "(history = off)");
	}
	if (ao.theme == NULL)
		ao.theme = cfg.theme;
	struct breaker_config bc;
	breaker_config_init(&bc);
	bc.consecutive = cfg.breaker_failures;
	/* "Half of the last 10" must not open it sooner than the failures in a
	 * row the user asked for. */
	if (bc.window_min_failures < cfg.breaker_failures)
		bc.window_min_failures = cfg.breaker_failures;
	bc.open_ms = cfg.breaker_open_ms;
	bc.open_max_ms = cfg.breaker_open_max_ms;
	ho.breaker = &bc;
	ho.config = &cfg;
	ho.max_retries = cfg.max_retries;
	/* The environment overrides the config file (tests use it for short
	 * timeouts), for the screen and headless alike. */
	ho.connect_timeout_ms = env_ms("CIRCUIT_CONNECT_TIMEOUT_MS", cfg.connect_timeout_ms);
	ho.first_byte_timeout_ms = env_ms("CIRCUIT_FIRST_BYTE_TIMEOUT_MS", cfg.first_byte_timeout_ms);
	ho.idle_timeout_ms = env_ms("CIRCUIT_IDLE_TIMEOUT_MS", cfg.idle_timeout_ms);
	int rc = run(&ho, &ao);
	free(fallback_list);
	config_done(&cfg);
	return rc;
}

/* Headless or the screen, once options and config are settled. */
static int run(struct headless_opts *ho_, struct app_opts *ao_)
{
	struct headless_opts ho = *ho_;
	struct app_opts ao = *ao_;
	if (ho.compare != NULL && ho.model != NULL)
		return bad_usage("use either -m MODEL or --compare M1,M2,...");
	if (ho.prompt == NULL && isatty(STDIN_FILENO)) {
		if (ho.json || ho.record_dir || ho.raw)
			return bad_usage("--json, --record and --raw go with -p or a prompt on standard "
			                 "input");
		if (!isatty(STDOUT_FILENO))
			return bad_usage("the interactive screen needs a terminal on stdout; use -p");
		if (ho.model != NULL)
			ao.model = ho.model; /* else the config's, for after a compare */
		ao.compare = ho.compare;
		ao.system = ho.system;
		ao.fallback = ho.fallback;
		ao.max_retries = ho.max_retries;
		ao.breaker = ho.breaker;
		ao.config = ho.config;
		ao.connect_timeout_ms = ho.connect_timeout_ms;
		ao.first_byte_timeout_ms = ho.first_byte_timeout_ms;
		ao.idle_timeout_ms = ho.idle_timeout_ms;
		return app_run(&ao);
	}
	return headless_run(&ho);
}
