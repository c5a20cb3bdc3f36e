/* SPDX-License-Identifier: GPL-2.0-only */
/* col_disks.h - /proc/diskstats parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_DISKS_H
#define COREWATCH_COL_DISKS_H

#include <stdint.h>

#include "devstats.h"

/* Fields of a diskstats line after "major minor name", in kernel order (Documentation/admin-guide/
 * iostats.rst). Later kernels append discard and flush fields, which are not read here. */
enum ds_field { DS_RD_IOS, DS_RD_MERGES, DS_RD_SECTORS, DS_RD_MS, DS_WR_IOS, DS_WR_MERGES,
		DS_WR_SECTORS, DS_WR_MS, DS_IN_FLIGHT, DS_IO_MS, DS_WEIGHTED_MS, DS_NFIELDS };

struct diskstat_line {
	unsigned major, minor;
	char name[DEVSTAT_NAME_MAX];
	uint64_t f[DS_NFIELDS];
};

/* Parses one line; returns 0 or -EINVAL. */
int diskstats_parse_line(const char *line, struct diskstat_line *out);

#endif
