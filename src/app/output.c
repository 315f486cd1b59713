/* SPDX-License-Identifier: GPL-3.0-or-later */
/* output: write errors on standard output, caught where they happen. */
#include "app/output.h"

#include <errno.h>
#include <string.h>

static int noted; /* the first error writing stdout, 0 none */

int output_note(FILE *f)
{
	if (f != stdout)
		return 0;
	if (noted == 0 && ferror(f))
		noted = errno != 0 ? errno : EIO;
	return noted;
}

int output_flush(FILE *f)
{
	output_note(f); /* a write before failed: its errno, before fflush's */
	errno = 0;
	int rc = fflush(f);
	if (f != stdout)
		return 0;
	if (rc != 0 && noted == 0)
		noted = errno != 0 ? errno : EIO;
	return output_note(f);
}

int output_error(void)
{
	return noted;
}

int output_status(void)
{
	int e = output_flush(stdout);
	if (e == 0)
		return 0;
	if (e == EPIPE)
		return OUTPUT_EPIPE_STATUS;
	fprintf(stderr, "circuit: cannot write to standard output: %s; check the disk or "
	        "where the output is redirected\n", strerror(e));
	return 1;
}

void output_reset(void)
{
	noted = 0;
	clearerr(stdout);
}
