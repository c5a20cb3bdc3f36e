/* SPDX-License-Identifier: GPL-2.0-only */
/* alert.h - threshold rules and the engine that evaluates them on each metrics record.
 *
 * A rule: NAME: METRIC OP VALUE [for DURATION] [clear VALUE] [severity info|warning|critical]
 * METRIC is a dotted path into the record, checked against the record's schema; where it crosses an
 * array of instances (filesystems, disks, cores...) it is evaluated per instance, optionally narrowed
 * by a selector: filesystems{mount=/var}.used_pct > 95.
 *
 * The engine is fed whole records (tests feed synthetic ones) and calls back with one alert body per
 * state change: firing after the condition held for `for`, resolved when the value crosses back past
 * `clear` or the instance disappears. It knows nothing of output or delivery.
 *
 * Rules are alert_rule.c, the engine alert_engine.c; the engine sees rules only through this header.
 */
#ifndef COREWATCH_ALERT_H
#define COREWATCH_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

enum alert_op { OP_GT, OP_GE, OP_LT, OP_LE, OP_EQ, OP_NE };
enum alert_severity { SEV_INFO, SEV_WARNING, SEV_CRITICAL };

struct alert_selector {
	char *key, *value;
};

struct alert_segment {
	char *name;
	bool array;                      /* the schema says this field is an array of instances */
	struct alert_selector *sel;      /* only on array segments */
	size_t nsel, selcap;
};

struct alert_rule {
	char *name;
	char *text;                      /* the rule as written */
	char *metric;                    /* the METRIC part as written, selectors included */
	struct alert_segment *seg;
	size_t nseg, segcap;
	enum alert_op op;
	double threshold, clear;         /* clear == threshold unless given */
	uint64_t for_ms;
	enum alert_severity severity;
	/* the option the metric's section needs (the schema's "x-corewatch-needs": "per-cpu"), or NULL;
	 * needs_nseg: how many segments name that section (cpu.cores: 2) */
	const char *needs;
	size_t needs_nseg;
};

struct alert_rules {
	struct alert_rule *v;
	size_t n, cap;
};

/* ---- rules (alert_rule.c) ---- */

/* Parses and schema-checks one rule. Returns 0 and fills *r (free with alert_rule_free), or -1 with
 * "column N: reason" in why. */
int alert_rule_parse(const char *text, struct alert_rule *r, char *why, size_t whylen);
/* When r's metric lies under a section the record has only with an option (--per-cpu), and opt_on
 * says that option is off: writes "alert rule 'NAME': cpu.cores is per-CPU detail: add --per-cpu"
 * into why and returns -1. Else returns 0. */
int alert_rule_check_needs(const struct alert_rule *r, bool per_cpu, char *why, size_t whylen);
/* Frees what r holds and zeroes it (r itself is the caller's); a zeroed rule is fine. */
void alert_rule_free(struct alert_rule *r);

/* Appends a copy of r to the list, refusing a second rule of the same name. Returns 0, or -1 with the
 * reason in why. The list owns r's contents afterwards (r is zeroed) on success only. */
int alert_rules_add(struct alert_rules *l, struct alert_rule *r, char *why, size_t whylen);
/* Frees every rule and the array; l is left empty and reusable. */
void alert_rules_free(struct alert_rules *l);

/* The text of an operator (">=") and of a severity ("warning"), as rules and records spell them;
 * static strings. */
const char *alert_op_name(enum alert_op op);
const char *alert_severity_name(enum alert_severity s);

/* The rule as one JSON object (for --check-config); caller deletes. */
cJSON *alert_rule_json(const struct alert_rule *r);

/* ---- the engine (alert_engine.c) ---- */

struct alert_engine;

/* Receives one alert body (name, state, labels, value...; no record header) and the time it belongs
 * to: the now_ms of the feed or rule change that caused it. Ownership of alert passes to the callee. */
typedef void (*alert_emit_fn)(void *ctx, cJSON *alert, int64_t now_ms);

/* Builds an engine for a copy of rules. repeat_ms re-sends a still-firing alert that often (0: never).
 * Returns NULL when out of memory. */
struct alert_engine *alert_engine_new(const struct alert_rules *rules, uint64_t repeat_ms,
				      alert_emit_fn emit, void *ctx);
/* Evaluates every rule on one metrics record taken at now_ms (epoch milliseconds). */
void alert_engine_feed(struct alert_engine *e, const cJSON *record, int64_t now_ms);
/* Switches to a copy of a new rule set (SIGHUP). A rule kept with the same text keeps its state; firing
 * alerts of a rule removed or changed are resolved at now_ms with reason "rule_changed". Returns 0, or
 * -1 when out of memory (the running rules and their state are kept). */
int alert_engine_set_rules(struct alert_engine *e, const struct alert_rules *rules, uint64_t repeat_ms,
			   int64_t now_ms);
/* Told when a rule's metric is not in a fed record (missing names the part of the path that is not:
 * "sched", "filesystems{mount=/srv}"), once until it is again (missing NULL), and again for every
 * rule still missing after alert_engine_set_rules (SIGHUP). An array found empty is not missing: its
 * instances come and go. record is the record fed; ctx is alert_engine_new's. */
typedef void (*alert_unfed_fn)(void *ctx, const struct alert_rule *r, const char *missing,
			       const cJSON *record);
void alert_engine_on_unfed(struct alert_engine *e, alert_unfed_fn fn);
/* Alerts pending or firing now (for status lines and tests). */
size_t alert_engine_active(const struct alert_engine *e, size_t *firing);
/* The alerts firing now, as a JSON array of {name, severity, metric, labels, value, started_at,
 * message} (the live page's list), in rule order. Caller deletes; NULL when out of memory. */
cJSON *alert_engine_firing(const struct alert_engine *e);
/* Frees the engine and its state, sending nothing; NULL is fine. */
void alert_engine_free(struct alert_engine *e);

#endif
