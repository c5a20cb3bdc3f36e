// SPDX-License-Identifier: GPL-2.0-only
/* alert_engine.c - the alert engine (see alert.h): per rule and instance, pending then firing after
 * `for`, resolved past `clear` or when the instance disappears; repeats; rule sets swapped on SIGHUP
 * with the state of unchanged rules kept. */
#include "alert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"
#include "util.h"

#define MAX_LABELS 8
/* Instances one rule tracks at once (pending or firing). Top-N lists can name new pids every interval;
 * the engine's memory stays bounded whatever the record holds. */
#define MAX_INSTANCES 512


enum inst_state { ST_PENDING, ST_FIRING };

/* Why an alert record is sent: REASON_NONE for a firing one, else why it resolved. */
enum reason { REASON_NONE, REASON_CLEARED, REASON_ABSENT, REASON_RULE_CHANGED };

/* The record's "reason" of each resolve reason. */
static const char *const reason_names[] = {
	[REASON_CLEARED] = "cleared",          /* the value is back past the clear value */
	[REASON_ABSENT] = "absent",            /* the metric or instance is no longer reported */
	[REASON_RULE_CHANGED] = "rule_changed", /* SIGHUP changed or removed the rule */
};

struct label {
	const char *key;
	char value[96];
};

struct instance {
	char *key;                 /* "k=v,k=v": identity within its rule */
	struct label *labels;
	size_t nlabels;
	double value;
	enum inst_state state;
	int64_t since_ms, sent_ms;
	unsigned gen;              /* last feed that saw it */
};

struct rule_state {
	struct alert_rule rule;
	struct instance *inst;
	size_t n, cap;
	bool overflow_warned;
	/* Whether the last feed had its metric (see alert_unfed_fn): */
	unsigned fed_gen;          /* last feed that gave it a number */
	bool empty;                /* that feed found an array of instances empty (not a fault) */
	size_t miss;               /* segments reached before the path ended (the deepest) */
	bool nomatch;              /* and there, an array whose instances the selector all left out */
	bool missing_told;         /* the callback was told it is missing, and not told otherwise since */
};

struct alert_engine {
	struct rule_state *r;
	size_t n;
	uint64_t repeat_ms;
	alert_emit_fn emit;
	alert_unfed_fn unfed;
	void *ctx;
	unsigned gen;
};

static bool compare(double v, enum alert_op op, double t)
{
	switch (op) {
	case OP_GT: return v > t;
	case OP_GE: return v >= t;
	case OP_LT: return v < t;
	case OP_LE: return v <= t;
	case OP_EQ: return v == t;
	case OP_NE: return v != t;
	}
	return false;
}

/* Numbers in messages: 96.2, 3.26, 0.123, 25000. */
static void fmt_value(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

/* Bytes in messages, in the binary units rules take: 812 bytes, 23.1 GiB, 1 TiB. */
static void fmt_bytes(double v, char *buf, size_t len)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;

	while (fabs(v) >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.3g %s" : "%.0f %s", v, units[u]);
}

/* The unit a field name carries, for messages. */
static const char *unit_of(const struct alert_rule *r)
{
	static const struct { const char *suffix, *unit; } units[] = {
		{ "_pct", "%" }, { "_per_s", "/s" }, { "_us", " us" }, { "_ms", " ms" },
		{ "_bytes", " bytes" }, { "_s", " s" },
	};

	/* A histogram's p99 takes the unit of the histogram's name (latency_us.p99). */
	for (size_t i = r->nseg; i-- > 0;) {
		const char *n = r->seg[i].name;
		size_t ln = strlen(n);

		for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
			size_t ls = strlen(units[u].suffix);

			if (ln > ls && strcmp(n + ln - ls, units[u].suffix) == 0)
				return units[u].unit;
		}
		if (i + 1 < r->nseg)
			break; /* only the last two segments */
	}
	return "";
}

static const char *label_value(const struct instance *in, const char *key)
{
	for (size_t i = 0; i < in->nlabels; i++)
		if (strcmp(in->labels[i].key, key) == 0)
			return in->labels[i].value;
	return "?";
}

/* What the alert is about, in words: "filesystem /var", "CPU 3 busy", "disk sda util_pct", or the
 * metric and its labels. */
static void subject(const struct alert_rule *r, const struct instance *in, char *buf, size_t len)
{
	/* arrays of instances by what people call one, and the label that names it */
	static const struct { const char *path, *thing, *label; } things[] = {
		{ "filesystems", "filesystem", "mount" }, { "disks", "disk", "device" },
		{ "network.interfaces", "interface", "name" }, { "block.devices", "block device", "device" },
		{ "cpu.cores", "CPU", "cpu" }, { "sched.cpus", "CPU", "cpu" },
	};
	char path[128] = "";
	size_t n = 0, arr = 0;

	for (size_t i = 0; i < r->nseg && n < sizeof(path); i++) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%s%s", i ? "." : "", r->seg[i].name);
		if (r->seg[i].array && !arr)
			arr = n;
	}
	if (strcmp(path, "filesystems.used_pct") == 0)
		snprintf(buf, len, "filesystem %s", label_value(in, "mount"));
	else if (strcmp(path, "cpu.busy_pct") == 0)
		snprintf(buf, len, "CPU busy");
	else if (strcmp(path, "cpu.cores.busy_pct") == 0)
		snprintf(buf, len, "CPU %s busy", label_value(in, "cpu"));
	else if (strcmp(path, "memory.used_pct") == 0)
		snprintf(buf, len, "memory used");
	else if (strncmp(path, "load.load", 9) == 0)
		snprintf(buf, len, "load average (%s min)", path + 9);
	else {
		for (size_t t = 0; arr && t < ARRAY_SIZE(things); t++)
			if (strlen(things[t].path) == arr && strncmp(path, things[t].path, arr) == 0 &&
			    path[arr] == '.') {
				snprintf(buf, len, "%s %s %s", things[t].thing, label_value(in, things[t].label),
					 path + arr + 1);
				return;
			}
		int w = snprintf(buf, len, "%s", path);

		for (size_t i = 0; i < in->nlabels && w > 0 && (size_t)w < len; i++)
			w += snprintf(buf + w, len - (size_t)w, "%s%s=%s%s", i ? "," : "{",
				      in->labels[i].key, in->labels[i].value,
				      i + 1 == in->nlabels ? "}" : "");
	}
}

/* The record's "message": the alert in words. */
static void message(const struct rule_state *rs, const struct instance *in, enum reason reason,
		    char *buf, size_t len)
{
	const struct alert_rule *r = &rs->rule;
	const char *unit = unit_of(r), *op = r->op == OP_GT ? "" : alert_op_name(r->op);
	char subj[256], val[32], thr[32], clr[32], dur[32] = "";
	bool fs;

	subject(r, in, subj, sizeof(subj));
	fs = strncmp(subj, "filesystem ", 11) == 0;
	if (strcmp(unit, " bytes") == 0) {
		fmt_bytes(in->value, val, sizeof(val));
		fmt_bytes(r->threshold, thr, sizeof(thr));
		fmt_bytes(r->clear, clr, sizeof(clr));
		unit = ""; /* (in the numbers) */
	} else {
		fmt_value(in->value, val, sizeof(val));
		fmt_value(r->threshold, thr, sizeof(thr));
		fmt_value(r->clear, clr, sizeof(clr));
	}
	if (r->for_ms) {
		strcpy(dur, " for ");
		format_duration_ms(r->for_ms, dur + 5, sizeof(dur) - 5);
	}
	switch (reason) {
	case REASON_NONE:
		snprintf(buf, len, "%s is %s%s%s (threshold %s%s%s%s%s)", subj, val, unit,
			 fs ? " full" : "", op, *op ? " " : "", thr, unit, dur);
		break;
	case REASON_CLEARED:
		snprintf(buf, len, "resolved: %s is %s%s%s (clears at %s%s)", subj, val, unit,
			 fs ? " full" : "", clr, unit);
		break;
	case REASON_ABSENT:
		snprintf(buf, len, "resolved: %s is no longer reported (last %s%s)", subj, val, unit);
		break;
	case REASON_RULE_CHANGED:
		snprintf(buf, len, "resolved: the rule %s was changed or removed (%s was %s%s)", r->name,
			 subj, val, unit);
		break;
	}
}

/* One alert body to the callback: firing (REASON_NONE) or resolved for reason. */
static void send_alert(struct alert_engine *e, struct rule_state *rs, struct instance *in,
		       enum reason reason, int64_t now_ms)
{
	const struct alert_rule *r = &rs->rule;
	bool resolved = reason != REASON_NONE;
	cJSON *a = cJSON_CreateObject(), *labels;
	char buf[512], ts[40];

	if (!a)
		return;
	jstr(a, "name", r->name);
	jstr(a, "state", resolved ? "resolved" : "firing");
	if (resolved)
		jstr(a, "reason", reason_names[reason]);
	jstr(a, "severity", alert_severity_name(r->severity));
	jstr(a, "metric", r->metric);
	labels = jobj(a, "labels");
	for (size_t i = 0; i < in->nlabels; i++)
		jstr(labels, in->labels[i].key, in->labels[i].value);
	jnum(a, "value", in->value);
	jstr(a, "op", alert_op_name(r->op));
	cJSON_AddNumberToObject(a, "threshold", r->threshold);
	cJSON_AddNumberToObject(a, "clear", r->clear);
	jnum(a, "for_s", (double)r->for_ms / 1000.0);
	format_rfc3339_ms(in->since_ms, ts, sizeof(ts));
	jstr(a, "started_at", ts);
	if (resolved)
		jnum(a, "duration_s", (double)(now_ms - in->since_ms) / 1000.0);
	message(rs, in, reason, buf, sizeof(buf));
	jstr(a, "message", buf);
	e->emit(e->ctx, a, now_ms);
	in->sent_ms = now_ms;
}

static void drop_instance(struct rule_state *rs, size_t i)
{
	free(rs->inst[i].key);
	free(rs->inst[i].labels);
	rs->inst[i] = rs->inst[--rs->n];
}

/* A new instance (the caller found none with this key), or NULL when full or out of memory. */
static struct instance *add_instance(struct rule_state *rs, const char *key, const struct label *lb,
				     size_t nlb)
{
	struct instance *in;

	if (rs->n == MAX_INSTANCES) {
		if (!rs->overflow_warned)
			log_warnx("alert %s: more than %d instances match at once; the others are not "
				  "evaluated (narrow the rule with a selector)", rs->rule.name, MAX_INSTANCES);
		rs->overflow_warned = true;
		return NULL;
	}
	if (array_reserve(&rs->inst, &rs->cap, rs->n + 1, sizeof(*rs->inst), 4) < 0)
		return NULL;
	in = &rs->inst[rs->n];
	memset(in, 0, sizeof(*in));
	in->key = strdup(key);
	in->labels = nlb ? malloc(nlb * sizeof(*lb)) : NULL;
	if (!in->key || (nlb && !in->labels)) {
		free(in->key);
		free(in->labels);
		return NULL;
	}
	if (nlb)
		memcpy(in->labels, lb, nlb * sizeof(*lb));
	in->nlabels = nlb;
	rs->n++;
	return in;
}

/* One value of one instance: the state machine. */
static void observe(struct alert_engine *e, struct rule_state *rs, const struct label *lb, size_t nlb,
		    double v, int64_t now_ms)
{
	const struct alert_rule *r = &rs->rule;
	char key[MAX_LABELS * 110] = "";
	size_t n = 0;
	struct instance *in = NULL;
	bool holds = compare(v, r->op, r->threshold);

	for (size_t i = 0; i < nlb && n < sizeof(key); i++)
		n += (size_t)snprintf(key + n, sizeof(key) - n, "%s%s=%s", i ? "," : "", lb[i].key,
				      lb[i].value);
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->inst[i].key, key) == 0)
			in = &rs->inst[i];
	if (!in) {
		if (!holds || !(in = add_instance(rs, key, lb, nlb)))
			return;
		in->state = ST_PENDING;
		in->since_ms = now_ms;
	}
	in->gen = e->gen;
	in->value = v;
	if (in->state == ST_PENDING) {
		if (!holds) {
			drop_instance(rs, (size_t)(in - rs->inst));
			return;
		}
		if (now_ms - in->since_ms >= (int64_t)r->for_ms) {
			in->state = ST_FIRING;
			send_alert(e, rs, in, REASON_NONE, now_ms);
		}
		return;
	}
	/* Firing: hysteresis - it resolves once the value is past the clear value. */
	if (!compare(v, r->op, r->clear)) {
		send_alert(e, rs, in, REASON_CLEARED, now_ms);
		drop_instance(rs, (size_t)(in - rs->inst));
	} else if (e->repeat_ms && now_ms - in->sent_ms + (int64_t)e->repeat_ms / 20 >= (int64_t)e->repeat_ms) {
		/* (5% slack: records come at ticks that jitter by milliseconds; a record 497 ms after one
		 * that was 3 ms late is the next one of a 500 ms repeat, not a reason to skip it) */
		send_alert(e, rs, in, REASON_NONE, now_ms);
	}
}

static bool selected(const struct alert_segment *sg, const cJSON *item)
{
	for (size_t k = 0; k < sg->nsel; k++) {
		char num[32];
		const char *have = schema_label(item, sg->sel[k].key, num);

		if (!have || strcmp(have, sg->sel[k].value) != 0)
			return false;
	}
	return true;
}

static size_t add_labels(const cJSON *item, struct label *lb, size_t nlb)
{
	for (int i = 0; schema_label_keys[i] && nlb < MAX_LABELS; i++) {
		char num[32];
		const char *v = schema_label(item, schema_label_keys[i], num);

		if (!v)
			continue;
		snprintf(lb[nlb].value, sizeof(lb[nlb].value), "%s", v);
		lb[nlb++].key = schema_label_keys[i];
	}
	return nlb;
}

/* The path ended at depth (nomatch: a selector left every instance out); the deepest end is kept. */
static void ended(struct rule_state *rs, size_t depth, bool nomatch)
{
	if (depth > rs->miss || (depth == rs->miss && nomatch)) {
		rs->miss = depth;
		rs->nomatch = nomatch;
	}
}

static void walk(struct alert_engine *e, struct rule_state *rs, const cJSON *node, size_t depth,
		 struct label *lb, size_t nlb, int64_t now_ms)
{
	const struct alert_segment *sg;
	const cJSON *child, *item;
	bool any = false;

	if (depth == rs->rule.nseg) {
		if (cJSON_IsNumber(node) && isfinite(node->valuedouble)) {
			rs->fed_gen = e->gen;
			observe(e, rs, lb, nlb, node->valuedouble, now_ms);
		} else {
			ended(rs, depth - 1, false);
		}
		return;
	}
	sg = &rs->rule.seg[depth];
	child = cJSON_GetObjectItemCaseSensitive(node, sg->name);
	if (!sg->array) {
		if (cJSON_IsObject(child) || (child && depth + 1 == rs->rule.nseg))
			walk(e, rs, child, depth + 1, lb, nlb, now_ms);
		else
			ended(rs, depth, false);
		return;
	}
	if (!cJSON_IsArray(child)) {
		ended(rs, depth, false);
		return;
	}
	if (!cJSON_GetArraySize(child))
		rs->empty = true;
	cJSON_ArrayForEach(item, child) {
		if (cJSON_IsObject(item) && selected(sg, item)) {
			any = true;
			walk(e, rs, item, depth + 1, lb, add_labels(item, lb, nlb), now_ms);
		}
	}
	if (!any && cJSON_GetArraySize(child))
		ended(rs, depth, true);
}

/* The part of r's metric that a feed did not find: its segments up to the one at depth, with that
 * one's selector when it matched nothing. */
static void missing_part(const struct alert_rule *r, size_t depth, bool nomatch, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i <= depth && i < r->nseg && n < len; i++) {
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "." : "", r->seg[i].name);
		for (size_t k = 0; nomatch && i == depth && k < r->seg[i].nsel && n < len; k++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s%s", k ? "," : "{", r->seg[i].sel[k].key,
					      r->seg[i].sel[k].value, k + 1 == r->seg[i].nsel ? "}" : "");
	}
}

/* Tells the unfed callback when r's metric went missing from the records, or came back. */
static void track_fed(struct alert_engine *e, struct rule_state *rs, const cJSON *record)
{
	char part[256];

	if (rs->fed_gen == e->gen || rs->empty) {
		if (rs->missing_told && e->unfed)
			e->unfed(e->ctx, &rs->rule, NULL, record);
		rs->missing_told = false;
		return;
	}
	if (rs->missing_told || !e->unfed)
		return;
	missing_part(&rs->rule, rs->miss, rs->nomatch, part, sizeof(part));
	e->unfed(e->ctx, &rs->rule, part, record);
	rs->missing_told = true;
}

void alert_engine_feed(struct alert_engine *e, const cJSON *record, int64_t now_ms)
{
	struct label lb[MAX_LABELS];

	e->gen++;
	for (size_t i = 0; i < e->n; i++) {
		struct rule_state *rs = &e->r[i];

		rs->empty = rs->nomatch = false;
		rs->miss = 0;
		walk(e, rs, record, 0, lb, 0, now_ms);
		track_fed(e, rs, record);
		/* Instances not seen this time: a firing alert resolves as absent, never fires. */
		for (size_t k = rs->n; k-- > 0;) {
			if (rs->inst[k].gen == e->gen)
				continue;
			if (rs->inst[k].state == ST_FIRING)
				send_alert(e, rs, &rs->inst[k], REASON_ABSENT, now_ms);
			drop_instance(rs, k);
		}
	}
}

static void free_rule_state(struct rule_state *rs)
{
	while (rs->n)
		drop_instance(rs, rs->n - 1);
	free(rs->inst);
	alert_rule_free(&rs->rule);
}

/* A fresh state array for rules: each rule re-parsed from its text (a deep copy that cannot drift). */
static struct rule_state *states_for(const struct alert_rules *rules)
{
	struct rule_state *v = calloc(rules->n ? rules->n : 1, sizeof(*v));
	char why[256];

	for (size_t i = 0; v && i < rules->n; i++) {
		if (alert_rule_parse(rules->v[i].text, &v[i].rule, why, sizeof(why)) < 0) {
			while (i-- > 0)
				alert_rule_free(&v[i].rule);
			free(v);
			return NULL;
		}
	}
	return v;
}

struct alert_engine *alert_engine_new(const struct alert_rules *rules, uint64_t repeat_ms,
				      alert_emit_fn emit, void *ctx)
{
	struct alert_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->emit = emit;
	e->ctx = ctx;
	/* From no rules at all: nothing to carry over or resolve, so now_ms does not matter. */
	if (alert_engine_set_rules(e, rules, repeat_ms, 0) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

int alert_engine_set_rules(struct alert_engine *e, const struct alert_rules *rules, uint64_t repeat_ms,
			   int64_t now_ms)
{
	struct rule_state *nv = states_for(rules);

	if (!nv)
		return -1;
	for (size_t i = 0; i < e->n; i++) {
		struct rule_state *old = &e->r[i];
		size_t j;

		for (j = 0; j < rules->n && strcmp(nv[j].rule.text, old->rule.text) != 0; j++)
			;
		if (j < rules->n) {
			/* Same rule: carry its state over. */
			nv[j].inst = old->inst;
			nv[j].n = old->n;
			nv[j].cap = old->cap;
			nv[j].overflow_warned = old->overflow_warned;
			old->inst = NULL;
			old->n = old->cap = 0;
		} else {
			for (size_t k = 0; k < old->n; k++)
				if (old->inst[k].state == ST_FIRING)
					send_alert(e, old, &old->inst[k], REASON_RULE_CHANGED, now_ms);
		}
		free_rule_state(old);
	}
	free(e->r);
	e->r = nv;
	e->n = rules->n;
	e->repeat_ms = repeat_ms;
	return 0;
}

void alert_engine_on_unfed(struct alert_engine *e, alert_unfed_fn fn)
{
	e->unfed = fn;
}

size_t alert_engine_active(const struct alert_engine *e, size_t *firing)
{
	size_t n = 0, f = 0;

	for (size_t i = 0; i < e->n; i++) {
		n += e->r[i].n;
		for (size_t k = 0; k < e->r[i].n; k++)
			f += e->r[i].inst[k].state == ST_FIRING;
	}
	if (firing)
		*firing = f;
	return n;
}

cJSON *alert_engine_firing(const struct alert_engine *e)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < e->n; i++)
		for (size_t k = 0; k < e->r[i].n; k++) {
			const struct rule_state *rs = &e->r[i];
			const struct instance *in = &rs->inst[k];
			cJSON *a, *labels;
			char buf[512], ts[40];

			if (in->state != ST_FIRING)
				continue;
			if (!(a = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, a)) {
				cJSON_Delete(a);
				cJSON_Delete(arr);
				return NULL;
			}
			jstr(a, "name", rs->rule.name);
			jstr(a, "severity", alert_severity_name(rs->rule.severity));
			jstr(a, "metric", rs->rule.metric);
			labels = jobj(a, "labels");
			for (size_t l = 0; l < in->nlabels; l++)
				jstr(labels, in->labels[l].key, in->labels[l].value);
			jnum(a, "value", in->value);
			format_rfc3339_ms(in->since_ms, ts, sizeof(ts));
			jstr(a, "started_at", ts);
			message(rs, in, REASON_NONE, buf, sizeof(buf));
			jstr(a, "message", buf);
		}
	return arr;
}

void alert_engine_free(struct alert_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free_rule_state(&e->r[i]);
	free(e->r);
	free(e);
}
