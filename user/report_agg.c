// SPDX-License-Identifier: GPL-2.0-only
/* report_agg.c - see report_agg.h. The hot path is the number event: the k-th number of a record is
 * almost always the same series as the k-th of the record before, so that one is tried first with a
 * memcmp of the path, and the hash table only on a miss. A line's events wait in a pending list and
 * are applied only when the whole line parsed, so a torn record adds nothing. */
#include "report_agg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "report_grid.h"
#include "report_scan.h"
#include "report_time.h"
#include "schema.h"
#include "util.h"

enum rtype { RT_NONE, RT_METRICS, RT_ALERT, RT_OTHER };
enum pkind { PK_VALUE, PK_HCOUNT, PK_HSUM, PK_HMAX, PK_BUCKET };

struct rec_state {
	bool schema, decided, in, bad; /* bad: a value no agent writes (a bucket count of -1 or 1e45) */
	enum rtype type;
	int64_t t_ms, ts;
	char host[256];
	double value, duration_s;
	char name[128], state[16], severity[16], metric[256], reason[32], labels[256];
	size_t llen;
};

/* ---- series and histograms ---- */

static uint64_t hash_path(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Finds path in the table tab (ids + 1 into items of stride size whose first fields are path and
 * plen), or returns UINT32_MAX. *slot receives where it would go. */
#define LOOKUP(tab, cap, items, key, klen, slot)                                              \
	({                                                                                     \
		size_t _i = hash_path(key, klen) & ((cap) - 1);                                \
		uint32_t _r = UINT32_MAX;                                                      \
		while ((tab)[_i]) {                                                            \
			uint32_t _id = (tab)[_i] - 1;                                          \
			if ((items)[_id].plen == (klen) && !memcmp((items)[_id].path, key, klen)) { \
				_r = _id;                                                      \
				break;                                                         \
			}                                                                      \
			_i = (_i + 1) & ((cap) - 1);                                           \
		}                                                                              \
		*(slot) = _i;                                                                  \
		_r;                                                                            \
	})

static int rehash(uint32_t **tab, size_t *cap, size_t n, const void *items, size_t stride)
{
	size_t ncap = *cap ? *cap * 2 : 1024;
	uint32_t *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (size_t id = 0; id < n; id++) {
		const char *path = *(char *const *)((const char *)items + id * stride);
		uint32_t plen = *(const uint32_t *)((const char *)items + id * stride + sizeof(char *));
		size_t i = hash_path(path, plen) & (ncap - 1);

		while (nt[i])
			i = (i + 1) & (ncap - 1);
		nt[i] = (uint32_t)id + 1;
	}
	free(*tab);
	*tab = nt;
	*cap = ncap;
	return 0;
}

static uint32_t series_find(struct report_agg *a, const char *path, size_t plen)
{
	size_t slot;
	uint32_t id = LOOKUP(a->stab, a->stabcap, a->s, path, (uint32_t)plen, &slot);
	struct series *s;

	if (id != UINT32_MAX)
		return id;
	if ((a->ns + 1) * 2 > a->stabcap) {
		if (rehash(&a->stab, &a->stabcap, a->ns, a->s, sizeof(*a->s)) < 0)
			return UINT32_MAX;
		LOOKUP(a->stab, a->stabcap, a->s, path, (uint32_t)plen, &slot);
	}
	if (array_reserve(&a->s, &a->scap, a->ns + 1, sizeof(*a->s), 256) < 0)
		return UINT32_MAX;
	s = &a->s[a->ns];
	memset(s, 0, sizeof(*s));
	if (!(s->path = strndup(path, plen)))
		return UINT32_MAX;
	s->plen = (uint32_t)plen;
	s->selected = report_filter_select(a->filters, a->nfilters, path, plen, false);
	s->klimit = report_top_k(a->bound);
	a->stab[slot] = (uint32_t)a->ns + 1;
	return (uint32_t)a->ns++;
}

static uint32_t hist_find(struct report_agg *a, const char *path, size_t plen)
{
	size_t slot;
	uint32_t id = LOOKUP(a->htab, a->htabcap, a->h, path, (uint32_t)plen, &slot);
	struct hseries *h;

	if (id != UINT32_MAX)
		return id;
	if ((a->nh + 1) * 2 > a->htabcap) {
		if (rehash(&a->htab, &a->htabcap, a->nh, a->h, sizeof(*a->h)) < 0)
			return UINT32_MAX;
		LOOKUP(a->htab, a->htabcap, a->h, path, (uint32_t)plen, &slot);
	}
	if (array_reserve(&a->h, &a->hcap, a->nh + 1, sizeof(*a->h), 16) < 0)
		return UINT32_MAX;
	h = &a->h[a->nh];
	memset(h, 0, sizeof(*h));
	if (!(h->path = strndup(path, plen)))
		return UINT32_MAX;
	h->plen = (uint32_t)plen;
	h->selected = report_filter_select(a->filters, a->nfilters, path, plen, true);
	a->htab[slot] = (uint32_t)a->nh + 1;
	return (uint32_t)a->nh++;
}

/* ---- records ---- */

static void push(struct report_agg *a, uint32_t id, enum pkind kind, int slot, double v)
{
	if (id == UINT32_MAX ||
	    array_reserve(&a->pend, &a->pendcap, a->npend + 1, sizeof(*a->pend), 512) < 0) {
		a->oom = true;
		return;
	}
	a->pend[a->npend++] = (struct pend){ id, (uint8_t)kind, (uint8_t)slot, v };
}

static void commit(struct report_agg *a, int64_t t)
{
	long col = a->pass2 ? -1 : report_grid_col(a, t);

	for (size_t i = 0; i < a->npend; i++) {
		const struct pend *p = &a->pend[i];
		struct series *s;
		struct hseries *h;

		if (p->kind == PK_VALUE) {
			s = &a->s[p->id];
			if (!s->selected)
				continue;
			if (!a->pass2)
				a->oom |= report_series_add(s, p->v, t, col) < 0;
			else if (s->again && isfinite(p->v))
				a->oom |= report_series_push(s, p->v) < 0;
			continue;
		}
		h = &a->h[p->id];
		if (a->pass2 || !h->selected)
			continue;
		switch (p->kind) {
		case PK_HCOUNT:
			h->count += p->v;
			h->records++;
			break;
		case PK_HSUM:
			h->sum += p->v;
			break;
		case PK_HMAX:
			h->max = fmax(h->max, p->v);
			break;
		default:
			h->has_buckets = true;
			h->slots[p->slot] += (uint64_t)p->v;
			if (col >= 0) {
				if (!h->heat && !(h->heat = calloc(REPORT_COLS, sizeof(*h->heat)))) {
					a->oom = true;
					break;
				}
				h->heat[col][p->slot] += (uint64_t)p->v;
			}
		}
	}
}

static bool key_is_n(const struct scan_event *ev, const char *k, size_t n)
{
	return ev->plen - ev->leaf == n && memcmp(ev->path + ev->leaf, k, n) == 0;
}

/* Whether the event's last path segment is the string literal k (its length known at compile time). */
#define key_is(ev, k) key_is_n(ev, "" k "", sizeof(k) - 1)

static bool header_key(const struct scan_event *ev)
{
	return ev->leaf == 0 && (key_is(ev, "schema") || key_is(ev, "type") || key_is(ev, "time") ||
				 key_is(ev, "timestamp") || key_is(ev, "host") || key_is(ev, "interval_s"));
}

/* Once the header is read: whether this record counts. Returns 1 (mute the walk) when not. */
static int decide(struct report_agg *a)
{
	struct rec_state *r = a->rec;

	r->decided = true;
	if (!r->schema || (r->type != RT_METRICS && r->type != RT_ALERT))
		return 1;
	if (r->t_ms == INT64_MIN)
		r->t_ms = r->ts != INT64_MIN ? r->ts * 1000 : INT64_MIN;
	if (r->t_ms == INT64_MIN || r->t_ms < a->from_ms || r->t_ms >= a->to_ms)
		return 1;
	if (a->host && strcmp(a->host, r->host) != 0)
		return 1;
	r->in = true;
	return 0;
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int on_number(void *ctx, const struct scan_event *ev, double v)
{
	struct report_agg *a = ctx;
	struct rec_state *r = a->rec;
	size_t e;

	if (!r->decided && header_key(ev)) {
		if (key_is(ev, "schema"))
			r->schema = true;
		else if (key_is(ev, "timestamp") && v >= 0 && v < 1e12)
			r->ts = (int64_t)v;
		if (key_is(ev, "interval_s") && v > 0 && (a->min_interval_s == 0 || v < a->min_interval_s))
			a->min_interval_s = v;
		return 0;
	}
	if (!r->decided && decide(a))
		return 1;
	if (r->type == RT_ALERT) {
		if (key_is(ev, "value") && ev->leaf == 0)
			r->value = v;
		else if (key_is(ev, "duration_s") && ev->leaf == 0)
			r->duration_s = v;
		return 0;
	}
	e = a->nev++;
	if (e >= a->predcap) {
		size_t ncap = a->predcap ? a->predcap * 2 : 1024;
		uint32_t *np = realloc(a->pred, ncap * sizeof(*np));

		if (!np)
			return 1;
		memset(np + a->predcap, 0, (ncap - a->predcap) * sizeof(*np));
		a->pred = np;
		a->predcap = ncap;
	}
	if (ev->hist) {
		enum pkind k;
		uint32_t id, p = a->pred[e];
		size_t hl = ev->leaf - 1;

		if (key_is(ev, "count"))
			k = PK_HCOUNT;
		else if (key_is(ev, "sum"))
			k = PK_HSUM;
		else if (key_is(ev, "max"))
			k = PK_HMAX;
		else
			return 0;
		if (p && (p & 1) && a->h[p >> 1].plen == hl && !memcmp(a->h[p >> 1].path, ev->path, hl))
			id = p >> 1;
		else if ((id = hist_find(a, ev->path, hl)) != UINT32_MAX)
			a->pred[e] = id << 1 | 1;
		push(a, id, k, 0, v);
	} else {
		uint32_t id, p = a->pred[e];

		if (p && !(p & 1) && a->s[(p >> 1) - 1].plen == ev->plen &&
		    !memcmp(a->s[(p >> 1) - 1].path, ev->path, ev->plen))
			id = (p >> 1) - 1;
		else if ((id = series_find(a, ev->path, ev->plen)) != UINT32_MAX)
			a->pred[e] = (id + 1) << 1;
		push(a, id, PK_VALUE, 0, v);
	}
	return 0;
}

static int on_string(void *ctx, const struct scan_event *ev, const char *s, size_t n)
{
	struct report_agg *a = ctx;
	struct rec_state *r = a->rec;

	if (!r->decided && header_key(ev)) {
		if (key_is(ev, "type"))
			r->type = n == 7 && !memcmp(s, "metrics", 7) ? RT_METRICS
				  : n == 5 && !memcmp(s, "alert", 5) ? RT_ALERT
								      : RT_OTHER;
		else if (key_is(ev, "time"))
			r->t_ms = report_record_time(s, n);
		else if (key_is(ev, "host"))
			copy_str(r->host, sizeof(r->host), s, n);
		return 0;
	}
	if (!r->decided && decide(a))
		return 1;
	if (r->type != RT_ALERT)
		return 0;
	if (ev->leaf == 0) {
		if (key_is(ev, "name"))
			copy_str(r->name, sizeof(r->name), s, n);
		else if (key_is(ev, "state"))
			copy_str(r->state, sizeof(r->state), s, n);
		else if (key_is(ev, "severity"))
			copy_str(r->severity, sizeof(r->severity), s, n);
		else if (key_is(ev, "metric"))
			copy_str(r->metric, sizeof(r->metric), s, n);
		else if (key_is(ev, "reason"))
			copy_str(r->reason, sizeof(r->reason), s, n);
	} else if (ev->leaf == 7 && !memcmp(ev->path, "labels.", 7)) {
		int w = snprintf(r->labels + r->llen, sizeof(r->labels) - r->llen, "%s%.*s=%.*s",
				 r->llen ? "," : "", (int)(ev->plen - 7), ev->path + 7, (int)n, s);

		if (w > 0 && r->llen + (size_t)w < sizeof(r->labels))
			r->llen += (size_t)w;
	}
	return 0;
}

static int on_bucket(void *ctx, const struct scan_event *ev, int slot, double count)
{
	struct report_agg *a = ctx;
	struct rec_state *r = a->rec;

	if (!r->decided && decide(a))
		return 1;
	if (r->type == RT_METRICS && !(count >= 0 && count < 0x1p63)) { /* not a count: not our record */
		r->bad = true;
		return 1;
	}
	if (r->type == RT_METRICS && count > 0) {
		uint32_t id = a->last_bucket_h; /* the buckets of one histogram come in a row */

		if (id >= a->nh || a->h[id].plen != ev->plen || memcmp(a->h[id].path, ev->path, ev->plen))
			a->last_bucket_h = id = hist_find(a, ev->path, ev->plen);
		push(a, id, PK_BUCKET, slot, count);
	}
	return 0;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

static void alert_record(struct report_agg *a)
{
	struct rec_state *r = a->rec;
	size_t i;

	for (i = 0; i < a->nopen; i++)
		if (!strcmp(a->open[i].name, r->name) && !strcmp(a->open[i].instance, r->labels))
			break;
	if (strcmp(r->state, "firing") == 0) {
		struct alert_span *o;

		if (i < a->nopen) /* re-sent (--alert-repeat): still the same alert */
			return;
		if (array_reserve(&a->open, &a->ocap, a->nopen + 1, sizeof(*a->open), 8) < 0) {
			a->oom = true;
			return;
		}
		o = &a->open[a->nopen++];
		*o = (struct alert_span){ dup_or_empty(r->name), dup_or_empty(r->labels), dup_or_empty(r->severity),
					  dup_or_empty(r->metric), NULL, r->t_ms, -1, r->value, 0, true };
		return;
	}
	if (strcmp(r->state, "resolved") != 0)
		return;
	if (array_reserve(&a->alerts, &a->acap, a->nalerts + 1, sizeof(*a->alerts), 8) < 0) {
		a->oom = true;
		return;
	}
	if (i < a->nopen) {
		struct alert_span *s = &a->alerts[a->nalerts++];

		*s = a->open[i];
		s->resolved_ms = r->t_ms;
		s->duration_s = (double)(r->t_ms - s->fired_ms) / 1000.0;
		s->still_firing = false;
		s->reason = dup_or_empty(r->reason);
		a->open[i] = a->open[--a->nopen];
	} else { /* fired before the window: its own duration_s says since when */
		a->alerts[a->nalerts++] = (struct alert_span){ dup_or_empty(r->name), dup_or_empty(r->labels),
			dup_or_empty(r->severity), dup_or_empty(r->metric), dup_or_empty(r->reason), -1, r->t_ms,
			r->value, r->duration_s, false };
	}
}

static void note_host(struct report_agg *a, const char *host)
{
	for (size_t i = 0; i < a->nhosts; i++)
		if (strcmp(a->hosts[i], host) == 0)
			return;
	if (a->nhosts < REPORT_MAX_HOSTS)
		a->hosts[a->nhosts++] = strdup(host);
	else
		a->more_hosts = true;
}

void report_agg_line(struct report_agg *a, const char *line, size_t len)
{
	struct scan_handler h = { on_number, on_string, on_bucket, a, HIST_SLOTS - 1 };
	struct rec_state *r = a->rec;
	const char *j = line;
	size_t jl = len;

	while (jl && (j[jl - 1] == '\r' || j[jl - 1] == ' '))
		jl--;
	if (!jl)
		return;
	if (!a->pass2)
		a->lines++;
	if (*j >= '0' && *j <= '9') { /* stamped: "<epoch> - {...}" */
		while (jl && *j >= '0' && *j <= '9')
			j++, jl--;
		if (jl < 3 || memcmp(j, " - ", 3) != 0) {
			a->foreign += !a->pass2;
			return;
		}
		j += 3;
		jl -= 3;
	}
	memset(r, 0, offsetof(struct rec_state, host));
	r->t_ms = r->ts = INT64_MIN;
	r->host[0] = r->name[0] = r->state[0] = r->severity[0] = r->metric[0] = r->reason[0] = r->labels[0] = 0;
	r->llen = 0;
	r->value = r->duration_s = 0;
	a->npend = 0;
	a->nev = 0;
	if (scan_record(j, jl, &h) < 0) {
		if (!a->pass2) {
			if (jl >= 10 && memcmp(j, "{\"schema\":", 10) == 0)
				a->torn++;
			else
				a->foreign++;
		}
		return;
	}
	if (!r->decided)
		decide(a);
	if (!r->schema || r->type == RT_NONE || r->bad) {
		a->foreign += !a->pass2;
		return;
	}
	if (!r->in) {
		a->other += !a->pass2 && r->type == RT_OTHER;
		return;
	}
	if (a->pass2) {
		if (r->type == RT_METRICS)
			commit(a, r->t_ms);
		return;
	}
	if (!a->host)
		note_host(a, r->host);
	if (r->type == RT_ALERT) {
		alert_record(a);
		return;
	}
	a->records++;
	if (!a->first_ms || r->t_ms < a->first_ms)
		a->first_ms = r->t_ms;
	if (r->t_ms > a->last_ms)
		a->last_ms = r->t_ms;
	commit(a, r->t_ms);
}

int report_agg_init(struct report_agg *a)
{
	a->rec = calloc(1, sizeof(*a->rec));
	if (!a->rec || rehash(&a->stab, &a->stabcap, 0, NULL, sizeof(*a->s)) < 0 ||
	    rehash(&a->htab, &a->htabcap, 0, NULL, sizeof(*a->h)) < 0)
		return -ENOMEM;
	return 0;
}

size_t report_agg_finish(struct report_agg *a)
{
	size_t again = 0;

	for (size_t i = 0; i < a->ns; i++) {
		struct series *s = &a->s[i];

		if (a->pass2 && !s->again)
			continue;
		if (s->pts && !a->pass2)
			for (size_t c = 0; c < REPORT_COLS; c++) {
				s->pts[c].t_ms = a->origin_ms + (int64_t)c * a->width_ms;
				if (s->pts[c].n)
					s->pts[c].avg /= s->pts[c].n;
			}
		if (report_series_p95(s) == 0) {
			s->again = false;
		} else if (!a->pass2) { /* more samples than the bound allowed for: K now exact */
			s->again = true;
			report_series_restart_top(s, report_top_k(s->n));
			again++;
		} else {
			a->oom = true; /* the exact K lost values */
		}
	}
	if (!a->pass2)
		for (size_t i = 0; i < a->nopen; i++) { /* still firing at the end */
			struct alert_span *o = &a->open[i];

			o->duration_s = (double)((a->last_ms > o->fired_ms ? a->last_ms : o->fired_ms) - o->fired_ms) / 1000.0;
			o->reason = strdup("");
			if (array_reserve(&a->alerts, &a->acap, a->nalerts + 1, sizeof(*a->alerts), 8) == 0)
				a->alerts[a->nalerts++] = *o;
			else
				free(o->name);
		}
	a->nopen = 0;
	return again;
}

double report_hist_quantile(const struct hseries *h, double q)
{
	struct hist x = { 0 };
	double v;

	memcpy(x.slots, h->slots, sizeof(x.slots));
	v = hist_quantile(&x, q);
	return v > h->max ? h->max : v;
}

void report_agg_free(struct report_agg *a)
{
	for (size_t i = 0; i < a->ns; i++) {
		free(a->s[i].path);
		free(a->s[i].top);
		free(a->s[i].pts);
	}
	for (size_t i = 0; i < a->nh; i++) {
		free(a->h[i].path);
		free(a->h[i].heat);
	}
	for (size_t i = 0; i < a->nalerts; i++) {
		struct alert_span *s = &a->alerts[i];

		free(s->name);
		free(s->instance);
		free(s->severity);
		free(s->metric);
		free(s->reason);
	}
	for (size_t i = 0; i < a->nopen; i++) { /* firing, when finish was not reached */
		struct alert_span *s = &a->open[i];

		free(s->name);
		free(s->instance);
		free(s->severity);
		free(s->metric);
		free(s->reason);
	}
	for (size_t i = 0; i < a->nfilters; i++)
		free(a->filters[i].text);
	for (size_t i = 0; i < a->nhosts; i++)
		free(a->hosts[i]);
	free(a->s);
	free(a->h);
	free(a->alerts);
	free(a->open);
	free(a->stab);
	free(a->htab);
	free(a->pend);
	free(a->pred);
	free(a->rec);
}
