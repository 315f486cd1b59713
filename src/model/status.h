/* SPDX-License-Identifier: GPL-3.0-or-later */
/* status: what the status bar shows, copied in by the app each turn. */
#ifndef CIRCUIT_MODEL_STATUS_H
#define CIRCUIT_MODEL_STATUS_H

#include <stdbool.h>

/* HALFOPEN: the breaker lets one probe through; with active > 0 the probe
 * is in flight ("probing"), else the next request is the probe. */
enum provider_health { HEALTH_IDLE, HEALTH_OK, HEALTH_ERROR, HEALTH_OPEN, HEALTH_HALFOPEN };

struct provider_status {
	char name[24];
	enum provider_health health;
	bool current;      /* the provider of the model in use: drawn first, never hidden */
	long long ttft_ms; /* last reply's, -1 none yet */
	double tps;        /* last reply's tokens per second, < 0 none */
	bool tps_estimated;
	/* Replies, as /stats counts them (not attempts): streaming now, and
	 * begun this session. Drawn "1/4". */
	unsigned active, total;
	long long stall_ms; /* a live stream's time since its last byte, -1 none */
	long long open_ms;  /* an open breaker's time until its probe, -1 none */
};

#define STATUS_MAX_PROVIDERS 8

struct status {
	struct provider_status p[STATUS_MAX_PROVIDERS];
	int np;
	char model[64];  /* the current model */
	char notice[96]; /* a short transient note ("cancelled"), "" none */
};

#endif
