/* SPDX-License-Identifier: GPL-2.0-only */
/* col_load.h - /proc/loadavg and /proc/uptime parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_LOAD_H
#define COREWATCH_COL_LOAD_H

#include <stdint.h>

struct loadavg {
	double load1, load5, load15;
	uint64_t runnable, threads;
};

/* "0.30 0.07 0.02 2/77 2281". Returns 0 or -EINVAL. */
int loadavg_parse(const char *text, struct loadavg *l);
/* "1266.24 2505.83": seconds since boot. Returns 0 or -EINVAL. */
int uptime_parse(const char *text, double *uptime_s);

#endif
