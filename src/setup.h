/* SPDX-License-Identifier: GPL-3.0-or-later */
/* setup: what the config file adds to the providers. */
#ifndef CIRCUIT_SETUP_H
#define CIRCUIT_SETUP_H

#include "model/config.h"
#include "route/providers.h"
#include "util/buf.h"

/* Adds each [provider.NAME] of cfg to ps. The key comes from key_env (the
 * variable, looked up with env as providers_new does), else key_file (already read by the config), else the first
 * line printed by key_cmd; every key is registered for redaction. Problems
 * (a duplicate name, a key_cmd that fails) are one line each in warnings.
 * A provider whose base_url was unusable is left out (the config warned). */
void setup_providers(struct providers *ps, const struct config *cfg, env_fn env,
                     struct buf *warnings);

/* Splits "M1, M2,,M3" into trimmed, non-empty copies in out (the caller
 * frees them). Returns how many, or -1 (nothing to free) when there are more
 * than max. */
int split_list(const char *list, char **out, size_t max);

#endif
