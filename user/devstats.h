/* SPDX-License-Identifier: GPL-2.0-only */
/* devstats.h - a table of named devices (disks, interfaces) each holding the previous and current
 * value of up to DEVSTAT_FIELDS counters, for collectors whose devices come and go between samples.
 *
 * Per sample: devstats_begin(), devstats_update() for every device read, devstats_end() to drop the
 * ones that went away (a later device of the same name then starts fresh, with no rate for one
 * interval).
 */
#ifndef COREWATCH_DEVSTATS_H
#define COREWATCH_DEVSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVSTAT_FIELDS 16
#define DEVSTAT_NAME_MAX 64

struct devstat {
	char name[DEVSTAT_NAME_MAX];
	uint64_t ident;        /* e.g. major:minor; a change means a new device under the old name */
	uint64_t prev[DEVSTAT_FIELDS], cur[DEVSTAT_FIELDS];
	bool have_prev;        /* prev holds a sample of this same device: rates can be computed */
	bool include;          /* set by the collector when the device is created */
	bool seen;
};

struct devstats {
	struct devstat *v;
	size_t n, cap;
};

void devstats_begin(struct devstats *t);
/* Records a sample of device name (nvals <= DEVSTAT_FIELDS). hint is its position last time.
 * Returns the device, with *created true when it is new (the caller then sets ->include), or NULL
 * when out of memory. The pointer is valid until the next devstats_update() or devstats_end(). */
struct devstat *devstats_update(struct devstats *t, const char *name, uint64_t ident, const uint64_t *vals,
			 size_t nvals, size_t hint, bool *created);
void devstats_end(struct devstats *t);
/* counter_delta() of field f between the two samples. */
double devstats_delta(const struct devstat *in, size_t f);
void devstats_free(struct devstats *t);

#endif
