/* SPDX-License-Identifier: GPL-2.0-only */
/* col_pressure.h - /proc/pressure files (PSI) parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_PRESSURE_H
#define COREWATCH_COL_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

struct psi_line {
	bool present;
	double avg10, avg60, avg300; /* percent */
	uint64_t total_us;           /* cumulative stall time */
};

struct psi {
	struct psi_line some, full;
};

/* Parses one pressure file ("some avg10=.. avg60=.. avg300=.. total=..", then "full ..").
 * Returns 0, or -EINVAL when no line parses. */
int psi_parse(const char *text, struct psi *out);

#endif
