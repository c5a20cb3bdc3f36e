// SPDX-License-Identifier: GPL-2.0-only
/* devstats.c - see devstats.h. */
#include "devstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void devstats_begin(struct devstats *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].seen = false;
}

static struct devstat *find(struct devstats *t, const char *name, size_t hint)
{
	if (hint < t->n && strcmp(t->v[hint].name, name) == 0)
		return &t->v[hint];
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

struct devstat *devstats_update(struct devstats *t, const char *name, uint64_t ident, const uint64_t *vals,
			 size_t nvals, size_t hint, bool *created)
{
	struct devstat *in = find(t, name, hint);

	if (nvals > DEVSTAT_FIELDS)
		nvals = DEVSTAT_FIELDS;
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

void devstats_end(struct devstats *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].seen)
			t->v[kept++] = t->v[i];
	t->n = kept;
}

double devstats_delta(const struct devstat *in, size_t f)
{
	return (double)counter_delta(in->prev[f], in->cur[f]);
}

void devstats_free(struct devstats *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
