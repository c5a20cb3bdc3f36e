/* instances.h - a table of named instances (disks, interfaces) each holding the previous and current
 * value of up to INST_MAX_FIELDS counters, for collectors whose instances come and go between samples.
 *
 * Per sample: inst_begin(), inst_update() for every instance read, inst_end() to drop the ones that
 * went away (a later instance of the same name then starts fresh, with no rate for one interval).
 */
#ifndef COREWATCH_INSTANCES_H
#define COREWATCH_INSTANCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INST_MAX_FIELDS 16
#define INST_NAME_MAX 64

struct inst {
	char name[INST_NAME_MAX];
	uint64_t ident;        /* e.g. major:minor; a change means a new instance under the old name */
	uint64_t prev[INST_MAX_FIELDS], cur[INST_MAX_FIELDS];
	bool have_prev;        /* prev holds a sample of this same instance: rates can be computed */
	bool include;          /* set by the collector when the instance is created */
	bool seen;
};

struct inst_table {
	struct inst *v;
	size_t n, cap;
};

void inst_begin(struct inst_table *t);
/* Records a sample of instance name (nvals <= INST_MAX_FIELDS). hint is its position last time.
 * Returns the instance, with *created true when it is new (the caller then sets ->include), or NULL
 * when out of memory. The pointer is valid until the next inst_update() or inst_end(). */
struct inst *inst_update(struct inst_table *t, const char *name, uint64_t ident, const uint64_t *vals,
			 size_t nvals, size_t hint, bool *created);
void inst_end(struct inst_table *t);
/* counter_delta() of field f between the two samples. */
double inst_delta(const struct inst *in, size_t f);
void inst_free(struct inst_table *t);

#endif
