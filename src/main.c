/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main: the command line. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

static const char usage_text[] =
	"usage: circuit --replay FILE --wire FORMAT [--events] [--status CODE] [--raw]\n"
	"       circuit --help | --version\n"
	"\n"
	"circuit is a terminal chat client for large language models. This build\n"
	"has the streaming core: every provider's wire format, decoded offline.\n"
	"\n"
	"  --replay FILE     decode a recorded response body (\"-\": standard input)\n"
	"                    and print the reply text on stdout, thinking on stderr\n"
	"                    (dimmed on a terminal), then a [stop: ...] summary line\n"
	"  --wire FORMAT     openai, openai-responses, anthropic, gemini (alt=sse),\n"
	"                    gemini-json (streamed JSON array), ollama (NDJSON);\n"
	"                    sse with --events prints the raw SSE events\n"
	"  --events          print the normalised events as JSON lines instead\n"
	"  --status CODE     FILE is the body of an HTTP error with this status\n"
	"  --raw             print model text unsanitised (terminal control passes)\n"
	"  -h, --help        this text\n"
	"      --version     the version\n"
	"\n"
	"Exit status: 0 the reply is complete; 1 it failed (provider error, a stream\n"
	"cut short, an unreadable file; the message is on stderr); 2 bad usage.\n"
	"Formats of --events output: docs/replay.md.\n";

static int bad_usage(const char *msg)
{
	fprintf(stderr, "circuit: %s\n", msg);
	fputs("Try 'circuit --help'.\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	enum { OPT_REPLAY = 256, OPT_WIRE, OPT_EVENTS, OPT_STATUS, OPT_RAW, OPT_VERSION };
	static const struct option longopts[] = {
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"wire", required_argument, NULL, OPT_WIRE},
		{"events", no_argument, NULL, OPT_EVENTS},
		{"status", required_argument, NULL, OPT_STATUS},
		{"raw", no_argument, NULL, OPT_RAW},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct replay_opts ro = {0};
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_REPLAY: ro.file = optarg; break;
		case OPT_WIRE: ro.wire = optarg; break;
		case OPT_EVENTS: ro.events = true; break;
		case OPT_RAW: ro.raw = true; break;
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
	if (ro.file == NULL) {
		if (ro.wire || ro.events || ro.raw || ro.status)
			return bad_usage("--wire, --events, --status and --raw go with --replay FILE");
		return bad_usage("the interactive client is not in this build yet; see --replay");
	}
	if (ro.wire == NULL)
		return bad_usage("--replay needs --wire FORMAT");
	return replay_run(&ro);
}
