/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_cli: the history from the command line (circuit --search, --export). */
#include "app/history_cli.h"

#include <stdio.h>
#include <string.h>

#include "app/output.h"
#include "model/history.h"
#include "util/buf.h"
#include "util/units.h"

#define HITS_MAX 50

static struct history *open_or_say(const char *path)
{
	char buf[1024], err[512];
	const char *p = path ? path : history_default_path(buf, sizeof(buf));
	if (p == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is\n", stderr);
		return NULL;
	}
	struct history *h = history_open_readonly(p, err, sizeof(err)); /* reads only */
	if (h == NULL)
		fprintf(stderr, "circuit: %s\n", err);
	return h;
}

int history_cli_search(const char *path, const char *query)
{
	struct history *h = open_or_say(path);
	if (h == NULL)
		return 1;
	struct history_hit hits[HITS_MAX];
	int n = history_find(h, query, hits, HITS_MAX);
	if (n < 0) {
		fprintf(stderr, "circuit: search failed: %s\n", history_error(h));
		history_close(h);
		return 1;
	}
	if (n == 0) /* as grep: nothing found is status 1 */
		fprintf(stderr, "circuit: no message contains every word of \"%s\"\n", query);
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(hits[i].when, date, sizeof(date));
		printf("%lld\t%s\t%s: %s\n", hits[i].conv, date, hits[i].label, hits[i].snippet);
		output_note(stdout);
	}
	history_close(h);
	int out = output_status();
	return out != 0 ? out : n > 0 ? 0 : 1;
}

/* The export's sink: standard output, as it is built; a write error stops
 * the export (output.c says which at the end). */
static int to_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	fwrite(p, 1, n, stdout);
	return output_note(stdout) != 0 ? -1 : 0;
}

int history_cli_export(const char *path, long long id, const char *format)
{
	enum history_format f;
	if (strcmp(format, "md") == 0) {
		f = HISTORY_MD;
	} else if (strcmp(format, "json") == 0) {
		f = HISTORY_JSON;
	} else {
		fprintf(stderr, "circuit: --format is md or json, not '%s'\n", format);
		return 2;
	}
	struct history *h = open_or_say(path);
	if (h == NULL)
		return 1;
	int rc = 0;
	if (history_export_to(h, id, f, to_stdout, NULL) < 0 && output_error() == 0) {
		fprintf(stderr, "circuit: cannot export conversation %lld: %s\n", id, history_error(h));
		rc = 1;
	} else {
		output_flush(stdout);
		rc = output_status();
	}
	history_close(h);
	return rc;
}
