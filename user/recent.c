// SPDX-License-Identifier: GPL-2.0-only
/* recent.c - see recent.h. The ring is one array allocated at recent_new(); adding a record never
 * allocates. */
#include "recent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct recent {
	int64_t slot_ms;
	size_t cap, start, len; /* slots [start, start + len) modulo cap, oldest first */
	struct recent_slot *s;
};

struct recent *recent_new(uint64_t interval_ms)
{
	struct recent *r = calloc(1, sizeof(*r));
	uint64_t w = interval_ms < 1000 ? 1000 : interval_ms;

	if (!r)
		return NULL;
	r->slot_ms = (int64_t)w;
	r->cap = (size_t)((RECENT_SPAN_MS + w - 1) / w);
	if (r->cap > RECENT_MAX_SLOTS)
		r->cap = RECENT_MAX_SLOTS;
	if (r->cap < 1)
		r->cap = 1;
	r->s = calloc(r->cap, sizeof(*r->s));
	if (!r->s) {
		free(r);
		return NULL;
	}
	return r;
}

void recent_free(struct recent *r)
{
	if (!r)
		return;
	free(r->s);
	free(r);
}

size_t recent_len(const struct recent *r)
{
	return r->len;
}

size_t recent_capacity(const struct recent *r)
{
	return r->cap;
}

int64_t recent_slot_ms(const struct recent *r)
{
	return r->slot_ms;
}

size_t recent_bytes(const struct recent *r)
{
	return sizeof(*r) + r->cap * sizeof(*r->s);
}

const struct recent_slot *recent_slot(const struct recent *r, size_t i)
{
	return i < r->len ? &r->s[(r->start + i) % r->cap] : NULL;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The sum of field over the objects of array arr (skipping the one named skip by "name"); NaN when
 * the array is absent. */
static double sum_of(const cJSON *arr, const char *field, const char *skip)
{
	const cJSON *it;
	double sum = 0;

	if (!cJSON_IsArray(arr))
		return NAN;
	cJSON_ArrayForEach(it, arr) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		double v = num(it, field);

		if (skip && cJSON_IsString(name) && strcmp(name->valuestring, skip) == 0)
			continue;
		if (isfinite(v))
			sum += v;
	}
	return sum;
}

/* The largest latency_us.p99 of the block devices' entries for op; NaN when there is none. */
static double block_p99(const cJSON *rec, const char *op)
{
	const cJSON *devs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "block"),
							     "devices"), *d;
	double best = NAN;

	cJSON_ArrayForEach(d, devs) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "op");
		double v = num(cJSON_GetObjectItemCaseSensitive(d, "latency_us"), "p99");

		if (cJSON_IsString(o) && strcmp(o->valuestring, op) == 0 && isfinite(v) && !(v <= best))
			best = v;
	}
	return best;
}

static void put(struct recent_slot *s, enum recent_series k, double v)
{
	struct recent_val *x = &s->v[k];
	float f = (float)v;

	if (!isfinite(v))
		return;
	if (!x->n || f < x->min)
		x->min = f;
	if (!x->n || f > x->max)
		x->max = f;
	x->sum += f;
	x->n++;
}

/* The log2 slot of a bucket's "le" (2^b - 1 -> b); "+Inf" is the last. */
static int bucket_slot(const cJSON *le)
{
	int b = 0;

	if (!cJSON_IsNumber(le))
		return CHART_SLOTS - 1;
	while (b < CHART_SLOTS - 1 && ldexp(1.0, b) - 1 < le->valuedouble)
		b++;
	return b;
}

static void put_hist(struct recent_slot *s, const cJSON *hist)
{
	const cJSON *b;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(hist, "buckets")) {
		const cJSON *count = cJSON_GetArrayItem(b, 1);
		uint32_t *c;
		double n;

		if (cJSON_GetArraySize(b) != 2 || !cJSON_IsNumber(count) || !(count->valuedouble >= 0))
			continue;
		c = &s->runq[bucket_slot(cJSON_GetArrayItem(b, 0))];
		n = *c + count->valuedouble;
		*c = n >= UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
}

void recent_add(struct recent *r, const cJSON *rec, int64_t t_ms)
{
	int64_t start = t_ms - ((t_ms % r->slot_ms) + r->slot_ms) % r->slot_ms;
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(rec, "cpu"),
		    *mem = cJSON_GetObjectItemCaseSensitive(rec, "memory"),
		    *load = cJSON_GetObjectItemCaseSensitive(rec, "load"),
		    *net = cJSON_GetObjectItemCaseSensitive(rec, "network"),
		    *runq = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "sched"),
							     "runqueue_latency_us");
	struct recent_slot *s = r->len ? &r->s[(r->start + r->len - 1) % r->cap] : NULL;

	if (s && start < s->t_ms)
		r->len = r->start = 0; /* the clock went back: the ring's order would break */
	if (!r->len || start != s->t_ms) {
		if (r->len == r->cap)
			r->start = (r->start + 1) % r->cap;
		else
			r->len++;
		s = &r->s[(r->start + r->len - 1) % r->cap];
		memset(s, 0, sizeof(*s));
		s->t_ms = start;
	}
	s->records++;
	put(s, RS_CPU_BUSY, num(cpu, "busy_pct"));
	put(s, RS_CPU_USER, num(cpu, "user_pct"));
	put(s, RS_CPU_SYSTEM, num(cpu, "system_pct"));
	put(s, RS_MEM_USED, num(mem, "used_bytes"));
	put(s, RS_MEM_AVAIL, num(mem, "available_bytes"));
	put(s, RS_LOAD1, num(load, "load1"));
	put(s, RS_LOAD5, num(load, "load5"));
	put(s, RS_LOAD15, num(load, "load15"));
	put(s, RS_DISK_READ, sum_of(cJSON_GetObjectItemCaseSensitive(rec, "disks"), "read_bytes_per_s", NULL));
	put(s, RS_DISK_WRITE, sum_of(cJSON_GetObjectItemCaseSensitive(rec, "disks"), "write_bytes_per_s", NULL));
	put(s, RS_NET_RX, sum_of(cJSON_GetObjectItemCaseSensitive(net, "interfaces"), "rx_bytes_per_s", "lo"));
	put(s, RS_NET_TX, sum_of(cJSON_GetObjectItemCaseSensitive(net, "interfaces"), "tx_bytes_per_s", "lo"));
	put(s, RS_BLOCK_READ_P99, block_p99(rec, "read"));
	put(s, RS_BLOCK_WRITE_P99, block_p99(rec, "write"));
	put(s, RS_RUNQ_P99, num(runq, "p99"));
	put_hist(s, runq);
}

/* The column of [from_ms, from_ms + n * step_ms) that t falls into, or -1. */
static long column(int64_t t, int64_t from_ms, int64_t step_ms, size_t n)
{
	if (t < from_ms || step_ms <= 0)
		return -1;
	t = (t - from_ms) / step_ms;
	return t < (int64_t)n ? (long)t : -1;
}

size_t recent_points(const struct recent *r, enum recent_series k, int64_t from_ms, int64_t step_ms,
		     struct chart_point *pts, size_t npts)
{
	double sum[npts ? npts : 1];
	size_t filled = 0;

	for (size_t i = 0; i < npts; i++) {
		pts[i] = (struct chart_point){ .t_ms = from_ms + (int64_t)i * step_ms };
		sum[i] = 0;
	}
	for (size_t i = 0; i < r->len; i++) {
		const struct recent_slot *s = recent_slot(r, i);
		const struct recent_val *v = &s->v[k];
		long c = column(s->t_ms, from_ms, step_ms, npts);
		struct chart_point *p;

		if (c < 0 || !v->n)
			continue;
		p = &pts[c];
		if (!p->n || v->min < p->min)
			p->min = v->min;
		if (!p->n || v->max > p->max)
			p->max = v->max;
		sum[c] += v->sum;
		p->n += v->n;
	}
	for (size_t i = 0; i < npts; i++)
		if (pts[i].n) {
			pts[i].avg = sum[i] / pts[i].n;
			filled++;
		}
	return filled;
}

size_t recent_heat(const struct recent *r, int64_t from_ms, int64_t step_ms, int64_t *col_t_ms,
		   uint64_t (*counts)[CHART_SLOTS], size_t ncols)
{
	size_t filled = 0;

	for (size_t i = 0; i < ncols; i++) {
		col_t_ms[i] = from_ms + (int64_t)i * step_ms;
		memset(counts[i], 0, sizeof(counts[i]));
	}
	for (size_t i = 0; i < r->len; i++) {
		const struct recent_slot *s = recent_slot(r, i);
		long c = column(s->t_ms, from_ms, step_ms, ncols);

		if (c < 0)
			continue;
		for (int b = 0; b < CHART_SLOTS; b++)
			counts[c][b] += s->runq[b];
	}
	for (size_t i = 0; i < ncols; i++)
		for (int b = 0; b < CHART_SLOTS; b++)
			if (counts[i][b]) {
				filled++;
				break;
			}
	return filled;
}
