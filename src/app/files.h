/* SPDX-License-Identifier: GPL-3.0-or-later */
/* files: attachments from the command line (-f PATH, --force) and on the
 * screen (/file, and -f's files waiting for the first message). */
#ifndef CIRCUIT_APP_FILES_H
#define CIRCUIT_APP_FILES_H

#include <stdbool.h>

#include "model/attachment.h"

/* -f's n paths read, in order, into out (appended; the caller frees it
 * with attachments_done). Returns 0, or 2 after the first refusal's one
 * line on stderr ("circuit: PATH: what; what to do"): nothing is to be
 * sent then, and out holds what was read before it. */
int files_load(const char *const *paths, int n, bool force, struct attachments *out);

#endif
