/* instances.c - see instances.h. */
#include "instances.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void inst_begin(struct inst_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].seen = false;
}

static struct inst *find(struct inst_table *t, const char *name, size_t hint)
{
	if (hint < t->n && strcmp(t->v[hint].name, name) == 0)
		return &t->v[hint];
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

struct inst *inst_update(struct inst_table *t, const char *name, uint64_t ident, const uint64_t *vals,
			 size_t nvals, size_t hint, bool *created)
{
	struct inst *in = find(t, name, hint);

	if (nvals > INST_MAX_FIELDS)
		nvals = INST_MAX_FIELDS;
	*created = false;
	if (in) {
		memcpy(in->prev, in->cur, sizeof(in->prev));
		in->have_prev = in->ident == ident;
	} else {
		if (array_reserve(&t->v, &t->cap, t->n + 1, sizeof(*t->v), 16) < 0)
			return NULL;
		in = &t->v[t->n++];
		memset(in, 0, sizeof(*in));
		snprintf(in->name, sizeof(in->name), "%s", name);
		*created = true;
	}
	in->ident = ident;
	memset(in->cur, 0, sizeof(in->cur));
	memcpy(in->cur, vals, nvals * sizeof(*vals));
	in->seen = true;
	return in;
}

void inst_end(struct inst_table *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].seen)
			t->v[kept++] = t->v[i];
	t->n = kept;
}

double inst_delta(const struct inst *in, size_t f)
{
	return (double)counter_delta(in->prev[f], in->cur[f]);
}

void inst_free(struct inst_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
