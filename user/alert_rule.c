// SPDX-License-Identifier: GPL-2.0-only
/* alert_rule.c - alert rules (see alert.h): the text of one rule parsed and checked against the record
 * schema, with the column of any error; the rule list; a rule as JSON. */
#include "alert.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

#define NAME_MAX_LEN 63

static const char *const op_names[] = { ">", ">=", "<", "<=", "==", "!=" };
static const char *const sev_names[] = { "info", "warning", "critical" };

const char *alert_op_name(enum alert_op op) { return op_names[op]; }
const char *alert_severity_name(enum alert_severity s) { return sev_names[s]; }

static bool is_label_key(const char *k)
{
	for (int i = 0; schema_label_keys[i]; i++)
		if (strcmp(schema_label_keys[i], k) == 0)
			return true;
	return false;
}

/* ---- parsing ---- */

struct lex {
	const char *s;
	size_t pos;
	char *why;
	size_t whylen;
};

static int lex_err(struct lex *lx, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lex_err(struct lex *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(lx->why, lx->whylen, "column %zu: ", pos + 1);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < lx->whylen)
		vsnprintf(lx->why + n, lx->whylen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_ws(struct lex *lx)
{
	while (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t')
		lx->pos++;
}

static bool ident_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

/* An identifier at lx->pos (advanced past it): a fresh string, or NULL when there is none. */
static char *take_ident(struct lex *lx)
{
	size_t start = lx->pos;

	if (!ident_char(lx->s[lx->pos], true))
		return NULL;
	while (ident_char(lx->s[lx->pos], false))
		lx->pos++;
	return strndup(lx->s + start, lx->pos - start);
}

/* The next whitespace-delimited word (lx->pos advanced past it; *start receives its column): a fresh
 * string, or NULL at the end. */
static char *take_word(struct lex *lx, size_t *start)
{
	skip_ws(lx);
	*start = lx->pos;
	while (lx->s[lx->pos] && lx->s[lx->pos] != ' ' && lx->s[lx->pos] != '\t')
		lx->pos++;
	return lx->pos > *start ? strndup(lx->s + *start, lx->pos - *start) : NULL;
}

static int parse_selectors(struct lex *lx, struct alert_segment *sg)
{
	lx->pos++; /* '{' */
	for (;;) {
		size_t kpos = lx->pos, vstart;
		char *key = take_ident(lx), *val;

		if (!key)
			return lex_err(lx, kpos, "expected a label name in the selector");
		if (lx->s[lx->pos] != '=') {
			free(key);
			return lex_err(lx, lx->pos, "expected '=' after '%.*s'", (int)(lx->pos - kpos),
				       lx->s + kpos);
		}
		lx->pos++;
		if (lx->s[lx->pos] == '"') {
			const char *end = strchr(lx->s + lx->pos + 1, '"');

			if (!end) {
				free(key);
				return lex_err(lx, lx->pos, "unterminated quoted value");
			}
			vstart = lx->pos + 1;
			val = strndup(lx->s + vstart, (size_t)(end - (lx->s + vstart)));
			lx->pos = (size_t)(end - lx->s) + 1;
		} else {
			vstart = lx->pos;
			while (lx->s[lx->pos] && !strchr(",} \t", lx->s[lx->pos]))
				lx->pos++;
			val = strndup(lx->s + vstart, lx->pos - vstart);
		}
		if (!val || !*val || array_reserve(&sg->sel, &sg->selcap, sg->nsel + 1, sizeof(*sg->sel), 2) < 0) {
			bool empty = val && !*val;

			free(key);
			free(val);
			return lex_err(lx, vstart, empty ? "empty selector value" : "out of memory");
		}
		sg->sel[sg->nsel++] = (struct alert_selector){ key, val };
		if (lx->s[lx->pos] == ',') {
			lx->pos++;
			continue;
		}
		if (lx->s[lx->pos] == '}') {
			lx->pos++;
			return 0;
		}
		return lex_err(lx, lx->pos, "expected ',' or '}' in the selector");
	}
}

/* METRIC: name[{k=v,...}](.name[{...}])*. seg_pos receives each segment's column. */
static int parse_metric(struct lex *lx, struct alert_rule *r, size_t *seg_pos, size_t max_seg)
{
	size_t start = lx->pos;

	for (;;) {
		size_t p = lx->pos;
		char *name = take_ident(lx);

		if (!name)
			return lex_err(lx, p, r->nseg ? "expected a field name after '.'"
						      : "expected a metric (a dotted path such as cpu.busy_pct)");
		if (r->nseg == max_seg) {
			free(name);
			return lex_err(lx, p, "metric path too deep");
		}
		if (array_reserve(&r->seg, &r->segcap, r->nseg + 1, sizeof(*r->seg), 4) < 0) {
			free(name);
			return lex_err(lx, p, "out of memory");
		}
		seg_pos[r->nseg] = p;
		r->seg[r->nseg++] = (struct alert_segment){ .name = name };
		if (lx->s[lx->pos] == '{' && parse_selectors(lx, &r->seg[r->nseg - 1]) < 0)
			return -1;
		if (lx->s[lx->pos] != '.')
			break;
		lx->pos++;
	}
	r->metric = strndup(lx->s + start, lx->pos - start);
	return r->metric ? 0 : lex_err(lx, start, "out of memory");
}

/* OP: the longest of op_names that the text starts with (">=" rather than ">"). */
static int parse_op(struct lex *lx, enum alert_op *op)
{
	size_t best = 0;

	skip_ws(lx);
	for (size_t i = 0; i < ARRAY_SIZE(op_names); i++) {
		size_t len = strlen(op_names[i]);

		if (len > best && strncmp(lx->s + lx->pos, op_names[i], len) == 0) {
			*op = (enum alert_op)i;
			best = len;
		}
	}
	if (!best)
		return lex_err(lx, lx->pos, "expected an operator (> >= < <= == !=) after the metric");
	lx->pos += best;
	return 0;
}

/* Whether r's metric counts bytes (memory.available_bytes, disks.read_bytes_per_s): its values may
 * be written with a size unit. */
static bool bytes_metric(const struct alert_rule *r)
{
	const char *n = r->nseg ? r->seg[r->nseg - 1].name : "";
	size_t ln = strlen(n);

	return (ln > 6 && strcmp(n + ln - 6, "_bytes") == 0) ||
	       (ln > 12 && strcmp(n + ln - 12, "_bytes_per_s") == 0);
}

/* The next word as a finite number, with a size unit (2G, 512MiB) when r's metric counts bytes;
 * what names it in errors. */
static int parse_number_word(struct lex *lx, const struct alert_rule *r, const char *what, double *out)
{
	size_t p;
	char *w = take_word(lx, &p);
	bool unit;
	int rc = 0;

	if (!w)
		return lex_err(lx, p, "expected %s", what);
	if (parse_size_bytes(w, out, &unit) < 0 || !isfinite(*out))
		rc = lex_err(lx, p, bytes_metric(r) ? "'%s' is not a number or a size such as 64K, 500M, "
			     "1.5G, 2T, 512MiB (%s)" : "'%s' is not a number (%s)", w, what);
	else if (unit && !bytes_metric(r))
		rc = lex_err(lx, p, "'%s': a size unit applies only to a metric in bytes (*_bytes, "
			     "*_bytes_per_s), not to '%s'", w, r->metric);
	free(w);
	return rc;
}

/* The word after 'for': a duration up to 7 days. */
static int parse_for(struct lex *lx, uint64_t *for_ms)
{
	size_t p;
	char *v = take_word(lx, &p);
	int rc = 0;

	if (!v)
		return lex_err(lx, p, "expected a duration after 'for' (30s, 5m)");
	if (parse_duration_ms(v, for_ms) < 0 || *for_ms > 7 * 86400000ull)
		rc = lex_err(lx, p, "'%s' is not a duration up to 7 days (30s, 5m, 1h)", v);
	free(v);
	return rc;
}

/* The word after 'severity': one of sev_names. */
static int parse_severity(struct lex *lx, enum alert_severity *sev)
{
	size_t p, i;
	char *v = take_word(lx, &p);
	int rc = 0;

	if (!v)
		return lex_err(lx, p, "expected info, warning or critical");
	for (i = 0; i < ARRAY_SIZE(sev_names) && strcmp(v, sev_names[i]) != 0; i++)
		;
	if (i < ARRAY_SIZE(sev_names))
		*sev = (enum alert_severity)i;
	else
		rc = lex_err(lx, p, "severity '%s' is not info, warning or critical", v);
	free(v);
	return rc;
}

/* [for D] [clear V] [severity S], in any order, each at most once. */
static int parse_clauses(struct lex *lx, struct alert_rule *r, bool *has_clear)
{
	bool seen_for = false, seen_sev = false;

	for (;;) {
		size_t p;
		char *w = take_word(lx, &p);
		int rc;

		if (!w)
			return 0;
		if (strcmp(w, "clear") == 0 && !*has_clear) {
			*has_clear = true;
			rc = parse_number_word(lx, r, "the clear value", &r->clear);
		} else if (strcmp(w, "for") == 0 && !seen_for) {
			seen_for = true;
			rc = parse_for(lx, &r->for_ms);
		} else if (strcmp(w, "severity") == 0 && !seen_sev) {
			seen_sev = true;
			rc = parse_severity(lx, &r->severity);
		} else if (!strcmp(w, "for") || !strcmp(w, "clear") || !strcmp(w, "severity")) {
			rc = lex_err(lx, p, "'%s' given twice", w);
		} else {
			rc = lex_err(lx, p, "unexpected '%s' (expected for, clear or severity)", w);
		}
		free(w);
		if (rc < 0)
			return -1;
	}
}

/* Appends name to the ", "-separated list in buf, *n long so far. Returns false once buf is full (it
 * then ends in "..."). */
static bool list_add(char *buf, size_t len, size_t *n, const char *name)
{
	int w = snprintf(buf + *n, len - *n, "%s%s", *n ? ", " : "", name);

	if (w < 0 || (size_t)w >= len - *n) {
		if (len > 4)
			strcpy(buf + len - 4, "...");
		return false;
	}
	*n += (size_t)w;
	return true;
}

/* Lists the names of an object schema's properties, for "has no field" errors. */
static void list_fields(const cJSON *obj, char *buf, size_t len)
{
	const cJSON *p;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj, "properties"))
		if (!list_add(buf, len, &n, p->string))
			return;
}

/* Lists schema_label_keys, for "has no label" errors. */
static void list_label_keys(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; schema_label_keys[i] && list_add(buf, len, &n, schema_label_keys[i]); i++)
		;
}

/* Checks every segment against the metrics schema and marks the arrays. */
static int check_schema(struct lex *lx, struct alert_rule *r, const size_t *seg_pos)
{
	const cJSON *node = schema_metrics();
	char fields[300], labels[128];

	if (!node)
		return lex_err(lx, 0, "out of memory");
	for (size_t i = 0; i < r->nseg; i++) {
		struct alert_segment *sg = &r->seg[i];
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");
		const cJSON *p = schema_resolve(cJSON_GetObjectItemCaseSensitive(props, sg->name));
		const char *t = schema_type(p);
		int plen = (int)(seg_pos[i] - seg_pos[0]) - 1;

		if (!p) {
			list_fields(node, fields, sizeof(fields));
			if (i == 0)
				return lex_err(lx, seg_pos[i], "the record has no section '%s' (sections: %s)",
					       sg->name, fields);
			return lex_err(lx, seg_pos[i], "'%.*s' has no field '%s' (fields: %s)", plen,
				       lx->s + seg_pos[0], sg->name, fields);
		}
		if (!r->needs && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "x-corewatch-needs"))) {
			r->needs = cJSON_GetObjectItemCaseSensitive(p, "x-corewatch-needs")->valuestring;
			r->needs_nseg = i + 1;
		}
		if (t && strcmp(t, "array") == 0) {
			const cJSON *item = schema_resolve(cJSON_GetObjectItemCaseSensitive(p, "items"));
			const cJSON *iprops = cJSON_GetObjectItemCaseSensitive(item, "properties");

			const cJSON *itype = cJSON_GetObjectItemCaseSensitive(item, "type");

			/* histogram buckets: [le, count] pairs */
			if (cJSON_IsString(itype) && strcmp(itype->valuestring, "array") == 0)
				return lex_err(lx, seg_pos[i], "histogram buckets are not alertable; use "
					       "count, p50, p90, p99 or max of the histogram");
			sg->array = true;
			for (size_t k = 0; k < sg->nsel; k++) {
				if (is_label_key(sg->sel[k].key) &&
				    cJSON_GetObjectItemCaseSensitive(iprops, sg->sel[k].key))
					continue;
				list_label_keys(labels, sizeof(labels));
				return lex_err(lx, seg_pos[i], "'%.*s' instances have no label '%s' "
					       "(labels: %s, where the instance has them)",
					       (int)(seg_pos[i] - seg_pos[0] + strlen(sg->name)),
					       lx->s + seg_pos[0], sg->sel[k].key, labels);
			}
			node = item;
			t = schema_type(item);
		} else {
			if (sg->nsel)
				return lex_err(lx, seg_pos[i], "'%s' is not a list of instances: a selector "
					       "applies to filesystems, disks, cpu.cores...", sg->name);
			node = p;
		}
		if (i + 1 == r->nseg) {
			if (t && (strcmp(t, "number") == 0 || strcmp(t, "integer") == 0))
				return 0;
			list_fields(node, fields, sizeof(fields));
			return lex_err(lx, seg_pos[i], "'%s' is not a number%s%s%s", r->metric,
				       fields[0] ? " (pick one of its fields: " : "", fields,
				       fields[0] ? ")" : "");
		}
		if (!t || strcmp(t, "object") != 0)
			return lex_err(lx, seg_pos[i + 1], "'%.*s' is a value, it has no fields",
				       (int)(seg_pos[i + 1] - seg_pos[0]) - 1, lx->s + seg_pos[0]);
	}
	return 0;
}

/* clear defaults to the threshold; given, it must lie on the side the alert resolves to. */
static int check_clear(struct lex *lx, struct alert_rule *r, bool has_clear, size_t pos)
{
	bool up;

	if (!has_clear) {
		r->clear = r->threshold;
		return 0;
	}
	if (r->op == OP_EQ || r->op == OP_NE)
		return lex_err(lx, pos, "'clear' applies only to > >= < <=");
	/* > and >= fire going up and resolve coming down: clear sits at or below the threshold. */
	up = r->op == OP_GT || r->op == OP_GE;
	if (up ? r->clear > r->threshold : r->clear < r->threshold)
		return lex_err(lx, pos, "clear %.15g is %s the threshold %.15g: with '%s' the alert resolves "
			       "when the value %s back to the clear value", r->clear, up ? "above" : "below",
			       r->threshold, op_names[r->op], up ? "falls" : "rises");
	return 0;
}

int alert_rule_parse(const char *text, struct alert_rule *r, char *why, size_t whylen)
{
	struct lex lx = { .s = text, .why = why, .whylen = whylen };
	size_t seg_pos[16], p;
	bool has_clear = false;

	memset(r, 0, sizeof(*r));
	r->severity = SEV_WARNING;
	if (!(r->text = strdup(text))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	skip_ws(&lx);
	p = lx.pos;
	r->name = take_ident(&lx);
	if (!r->name) {
		lex_err(&lx, p, "expected the rule's name (letters, digits, _) then ':'");
		goto fail;
	}
	if (strlen(r->name) > NAME_MAX_LEN) {
		lex_err(&lx, p, "name longer than %d characters", NAME_MAX_LEN);
		goto fail;
	}
	skip_ws(&lx);
	if (text[lx.pos] != ':') {
		lex_err(&lx, lx.pos, "expected ':' after the name '%s'", r->name);
		goto fail;
	}
	lx.pos++;
	skip_ws(&lx);
	if (parse_metric(&lx, r, seg_pos, 16) < 0 || parse_op(&lx, &r->op) < 0 ||
	    parse_number_word(&lx, r, "the threshold", &r->threshold) < 0)
		goto fail;
	p = lx.pos;
	if (parse_clauses(&lx, r, &has_clear) < 0 || check_clear(&lx, r, has_clear, p) < 0 ||
	    check_schema(&lx, r, seg_pos) < 0)
		goto fail;
	return 0;
fail:
	alert_rule_free(r);
	return -1;
}

int alert_rule_check_needs(const struct alert_rule *r, bool per_cpu, char *why, size_t whylen)
{
	char path[128] = "";
	size_t n = 0;

	if (!r->needs || (strcmp(r->needs, "per-cpu") == 0 && per_cpu))
		return 0;
	for (size_t i = 0; i < r->needs_nseg && n < sizeof(path); i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%s%s", i ? "." : "", r->seg[i].name);
	if (strcmp(r->needs, "per-cpu") == 0)
		snprintf(why, whylen, "alert rule '%s': %s is per-CPU detail: add --per-cpu", r->name, path);
	else
		snprintf(why, whylen, "alert rule '%s': %s needs --%s", r->name, path, r->needs);
	return -1;
}

void alert_rule_free(struct alert_rule *r)
{
	for (size_t i = 0; i < r->nseg; i++) {
		for (size_t k = 0; k < r->seg[i].nsel; k++) {
			free(r->seg[i].sel[k].key);
			free(r->seg[i].sel[k].value);
		}
		free(r->seg[i].sel);
		free(r->seg[i].name);
	}
	free(r->seg);
	free(r->name);
	free(r->text);
	free(r->metric);
	memset(r, 0, sizeof(*r));
}

int alert_rules_add(struct alert_rules *l, struct alert_rule *r, char *why, size_t whylen)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, r->name) == 0) {
			snprintf(why, whylen, "a rule named '%s' is already defined", r->name);
			return -1;
		}
	if (array_reserve(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 4) < 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	l->v[l->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

void alert_rules_free(struct alert_rules *l)
{
	for (size_t i = 0; i < l->n; i++)
		alert_rule_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

cJSON *alert_rule_json(const struct alert_rule *r)
{
	cJSON *o = cJSON_CreateObject();

	jstr(o, "name", r->name);
	jstr(o, "metric", r->metric);
	jstr(o, "op", op_names[r->op]);
	cJSON_AddNumberToObject(o, "threshold", r->threshold);
	cJSON_AddNumberToObject(o, "clear", r->clear);
	cJSON_AddNumberToObject(o, "for_s", (double)r->for_ms / 1000.0);
	jstr(o, "severity", sev_names[r->severity]);
	jbool(o, "per_instance", false);
	for (size_t i = 0; i < r->nseg; i++)
		if (r->seg[i].array)
			cJSON_ReplaceItemInObject(o, "per_instance", cJSON_CreateTrue());
	jstr(o, "rule", r->text);
	return o;
}
