/* alert.c - rule parsing (checked against the record schema) and the alert engine (see alert.h). */
#include "alert.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"
#include "util.h"

#define NAME_MAX_LEN 63
#define MAX_LABELS 8
/* Instances one rule tracks at once (pending or firing). Top-N lists can name new pids every interval;
 * the engine's memory stays bounded whatever the record holds. */
#define MAX_INSTANCES 512


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

/* A whitespace-delimited word at lx->pos (advanced past it), or NULL at the end. */
static char *take_word(struct lex *lx)
{
	size_t start;

	skip_ws(lx);
	start = lx->pos;
	while (lx->s[lx->pos] && lx->s[lx->pos] != ' ' && lx->s[lx->pos] != '\t')
		lx->pos++;
	return lx->pos > start ? strndup(lx->s + start, lx->pos - start) : NULL;
}

static int parse_selectors(struct lex *lx, struct alert_segment *sg)
{
	lx->pos++; /* '{' */
	for (;;) {
		struct alert_selector *ns;
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
		ns = realloc(sg->sel, (sg->nsel + 1) * sizeof(*ns));
		if (!val || !*val || !ns) {
			bool empty = val && !*val;

			if (ns)
				sg->sel = ns;
			free(key);
			free(val);
			return lex_err(lx, vstart, empty ? "empty selector value" : "out of memory");
		}
		sg->sel = ns;
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
		struct alert_segment *ns;
		size_t p = lx->pos;
		char *name = take_ident(lx);

		if (!name)
			return lex_err(lx, p, r->nseg ? "expected a field name after '.'"
						      : "expected a metric (a dotted path such as cpu.busy_pct)");
		if (r->nseg == max_seg) {
			free(name);
			return lex_err(lx, p, "metric path too deep");
		}
		ns = realloc(r->seg, (r->nseg + 1) * sizeof(*ns));
		if (!ns) {
			free(name);
			return lex_err(lx, p, "out of memory");
		}
		r->seg = ns;
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

static int parse_op(struct lex *lx, enum alert_op *op)
{
	static const char *const ops2[] = { ">=", "<=", "==", "!=" };
	static const enum alert_op vals2[] = { OP_GE, OP_LE, OP_EQ, OP_NE };
	const char *p;

	skip_ws(lx);
	p = lx->s + lx->pos;
	for (int i = 0; i < 4; i++)
		if (strncmp(p, ops2[i], 2) == 0) {
			*op = vals2[i];
			lx->pos += 2;
			return 0;
		}
	if (*p == '>' || *p == '<') {
		*op = *p == '>' ? OP_GT : OP_LT;
		lx->pos++;
		return 0;
	}
	return lex_err(lx, lx->pos, "expected an operator (> >= < <= == !=) after the metric");
}

static int parse_number_word(struct lex *lx, const char *what, double *out)
{
	size_t p;
	char *w;
	int rc;

	skip_ws(lx);
	p = lx->pos;
	w = take_word(lx);
	if (!w)
		return lex_err(lx, p, "expected %s", what);
	rc = parse_double(w, out);
	if (rc < 0 || !isfinite(*out))
		lex_err(lx, p, "'%s' is not a number (%s)", w, what);
	free(w);
	return rc < 0 || !isfinite(*out) ? -1 : 0;
}

static int parse_clauses(struct lex *lx, struct alert_rule *r, bool *has_clear)
{
	bool seen_for = false, seen_sev = false;

	for (;;) {
		size_t p, vp;
		char *w, *v;

		skip_ws(lx);
		p = lx->pos;
		w = take_word(lx);
		if (!w)
			return 0;
		if (strcmp(w, "clear") == 0 && !*has_clear) {
			free(w);
			if (parse_number_word(lx, "the clear value", &r->clear) < 0)
				return -1;
			*has_clear = true;
			continue;
		}
		if ((strcmp(w, "for") == 0 && !seen_for) || (strcmp(w, "severity") == 0 && !seen_sev)) {
			bool is_for = w[0] == 'f';

			skip_ws(lx);
			vp = lx->pos;
			v = take_word(lx);
			if (!v) {
				free(w);
				return lex_err(lx, vp, is_for ? "expected a duration after 'for' (30s, 5m)"
							   : "expected info, warning or critical");
			}
			if (is_for) {
				seen_for = true;
				if (parse_duration_ms(v, &r->for_ms) < 0 || r->for_ms > 7 * 86400000ull) {
					lex_err(lx, vp, "'%s' is not a duration up to 7 days (30s, 5m, 1h)", v);
					goto fail_v;
				}
			} else {
				int i;

				seen_sev = true;
				for (i = 0; i < 3 && strcmp(v, sev_names[i]) != 0; i++)
					;
				if (i == 3) {
					lex_err(lx, vp, "severity '%s' is not info, warning or critical", v);
					goto fail_v;
				}
				r->severity = (enum alert_severity)i;
			}
			free(v);
			free(w);
			continue;
fail_v:
			free(v);
			free(w);
			return -1;
		}
		if (!strcmp(w, "for") || !strcmp(w, "clear") || !strcmp(w, "severity"))
			lex_err(lx, p, "'%s' given twice", w);
		else
			lex_err(lx, p, "unexpected '%s' (expected for, clear or severity)", w);
		free(w);
		return -1;
	}
}

/* Lists the names of an object schema's properties, for "has no field" errors. */
static void list_fields(const cJSON *obj, char *buf, size_t len)
{
	const cJSON *p;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj, "properties")) {
		int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", p->string);

		if (w < 0 || (size_t)w >= len - n) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		n += (size_t)w;
	}
}

/* Checks every segment against the metrics schema and marks the arrays. */
static int check_schema(struct lex *lx, struct alert_rule *r, const size_t *seg_pos)
{
	const cJSON *node = schema_metrics();
	char fields[300];

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
		if (t && strcmp(t, "array") == 0) {
			const cJSON *item = schema_resolve(cJSON_GetObjectItemCaseSensitive(p, "items"));
			const cJSON *iprops = cJSON_GetObjectItemCaseSensitive(item, "properties");

			if (cJSON_GetObjectItemCaseSensitive(iprops, "le"))
				return lex_err(lx, seg_pos[i], "histogram buckets are not alertable; use "
					       "count, p50, p90, p99 or max of the histogram");
			sg->array = true;
			for (size_t k = 0; k < sg->nsel; k++)
				if (!is_label_key(sg->sel[k].key) ||
				    !cJSON_GetObjectItemCaseSensitive(iprops, sg->sel[k].key))
					return lex_err(lx, seg_pos[i], "'%.*s' instances have no label '%s' "
						       "(labels: mount, device, name, cpu, op, comm, pid, "
						       "address, port, where the instance has them)",
						       (int)(seg_pos[i] - seg_pos[0] + strlen(sg->name)),
						       lx->s + seg_pos[0], sg->sel[k].key);
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

static int check_clear(struct lex *lx, struct alert_rule *r, bool has_clear, size_t pos)
{
	if (!has_clear) {
		r->clear = r->threshold;
		return 0;
	}
	if (r->op == OP_EQ || r->op == OP_NE)
		return lex_err(lx, pos, "'clear' applies only to > >= < <=");
	if ((r->op == OP_GT || r->op == OP_GE) && r->clear > r->threshold)
		return lex_err(lx, pos, "clear %g is above the threshold %g: with '%s' the alert resolves "
			       "when the value falls back to the clear value", r->clear, r->threshold,
			       op_names[r->op]);
	if ((r->op == OP_LT || r->op == OP_LE) && r->clear < r->threshold)
		return lex_err(lx, pos, "clear %g is below the threshold %g: with '%s' the alert resolves "
			       "when the value rises back to the clear value", r->clear, r->threshold,
			       op_names[r->op]);
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
	    parse_number_word(&lx, "the threshold", &r->threshold) < 0)
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
	struct alert_rule *nv;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, r->name) == 0) {
			snprintf(why, whylen, "a rule named '%s' is already defined", r->name);
			return -1;
		}
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	l->v = nv;
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
	l->n = 0;
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

/* ---- the engine ---- */

enum inst_state { ST_PENDING, ST_FIRING };

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
};

struct alert_engine {
	struct rule_state *r;
	size_t n;
	uint64_t repeat_ms;
	alert_emit_fn emit;
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

/* What the alert is about, in words: "filesystem /var", "CPU 3", or the metric and its labels. */
static void subject(const struct alert_rule *r, const struct instance *in, char *buf, size_t len)
{
	char path[128] = "";
	size_t n = 0;

	for (size_t i = 0; i < r->nseg && n < sizeof(path); i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%s%s", i ? "." : "", r->seg[i].name);
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
		int w = snprintf(buf, len, "%s", path);

		for (size_t i = 0; i < in->nlabels && w > 0 && (size_t)w < len; i++)
			w += snprintf(buf + w, len - (size_t)w, "%s%s=%s%s", i ? "," : "{",
				      in->labels[i].key, in->labels[i].value,
				      i + 1 == in->nlabels ? "}" : "");
	}
}

static void message(const struct rule_state *rs, const struct instance *in, const char *reason,
		    char *buf, size_t len)
{
	const struct alert_rule *r = &rs->rule;
	const char *unit = unit_of(r), *op = r->op == OP_GT ? "" : op_names[r->op];
	char subj[256], val[32], thr[32], clr[32], dur[32] = "";
	bool fs;

	subject(r, in, subj, sizeof(subj));
	fs = strncmp(subj, "filesystem ", 11) == 0;
	fmt_value(in->value, val, sizeof(val));
	fmt_value(r->threshold, thr, sizeof(thr));
	fmt_value(r->clear, clr, sizeof(clr));
	if (r->for_ms) {
		strcpy(dur, " for ");
		format_duration_ms(r->for_ms, dur + 5, sizeof(dur) - 5);
	}
	if (reason && strcmp(reason, "absent") == 0)
		snprintf(buf, len, "resolved: %s is no longer reported (last %s%s)", subj, val, unit);
	else if (reason && strcmp(reason, "rule_changed") == 0)
		snprintf(buf, len, "resolved: the rule %s was changed or removed (%s was %s%s)", r->name,
			 subj, val, unit);
	else if (reason)
		snprintf(buf, len, "resolved: %s is %s%s%s (clears at %s%s)", subj, val, unit,
			 fs ? " full" : "", clr, unit);
	else
		snprintf(buf, len, "%s is %s%s%s (threshold %s%s%s%s%s)", subj, val, unit,
			 fs ? " full" : "", op, *op ? " " : "", thr, unit, dur);
}

static void send_alert(struct alert_engine *e, struct rule_state *rs, struct instance *in,
		       const char *reason, int64_t now_ms)
{
	const struct alert_rule *r = &rs->rule;
	cJSON *a = cJSON_CreateObject(), *labels;
	char buf[512], ts[40];

	if (!a)
		return;
	jstr(a, "name", r->name);
	jstr(a, "state", reason ? "resolved" : "firing");
	if (reason)
		jstr(a, "reason", reason);
	jstr(a, "severity", sev_names[r->severity]);
	jstr(a, "metric", r->metric);
	labels = jobj(a, "labels");
	for (size_t i = 0; i < in->nlabels; i++)
		jstr(labels, in->labels[i].key, in->labels[i].value);
	jnum(a, "value", in->value);
	jstr(a, "op", op_names[r->op]);
	cJSON_AddNumberToObject(a, "threshold", r->threshold);
	cJSON_AddNumberToObject(a, "clear", r->clear);
	jnum(a, "for_s", (double)r->for_ms / 1000.0);
	format_rfc3339_ms(in->since_ms, ts, sizeof(ts));
	jstr(a, "started_at", ts);
	if (reason)
		jnum(a, "duration_s", (double)(now_ms - in->since_ms) / 1000.0);
	message(rs, in, reason, buf, sizeof(buf));
	jstr(a, "message", buf);
	e->emit(e->ctx, a);
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
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 4;
		struct instance *nv = realloc(rs->inst, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		rs->inst = nv;
		rs->cap = nc;
	}
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
			send_alert(e, rs, in, NULL, now_ms);
		}
		return;
	}
	/* Firing: hysteresis - it resolves once the value is past the clear value. */
	if (!compare(v, r->op, r->clear)) {
		send_alert(e, rs, in, "cleared", now_ms);
		drop_instance(rs, (size_t)(in - rs->inst));
	} else if (e->repeat_ms && now_ms - in->sent_ms >= (int64_t)e->repeat_ms) {
		send_alert(e, rs, in, NULL, now_ms);
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

static void walk(struct alert_engine *e, struct rule_state *rs, const cJSON *node, size_t depth,
		 struct label *lb, size_t nlb, int64_t now_ms)
{
	const struct alert_segment *sg;
	const cJSON *child, *item;

	if (depth == rs->rule.nseg) {
		if (cJSON_IsNumber(node) && isfinite(node->valuedouble))
			observe(e, rs, lb, nlb, node->valuedouble, now_ms);
		return;
	}
	sg = &rs->rule.seg[depth];
	child = cJSON_GetObjectItemCaseSensitive(node, sg->name);
	if (!sg->array) {
		if (cJSON_IsObject(child) || depth + 1 == rs->rule.nseg)
			walk(e, rs, child, depth + 1, lb, nlb, now_ms);
		return;
	}
	if (!cJSON_IsArray(child))
		return;
	cJSON_ArrayForEach(item, child) {
		if (cJSON_IsObject(item) && selected(sg, item))
			walk(e, rs, item, depth + 1, lb, add_labels(item, lb, nlb), now_ms);
	}
}

void alert_engine_feed(struct alert_engine *e, const cJSON *record, int64_t now_ms)
{
	struct label lb[MAX_LABELS];

	e->gen++;
	for (size_t i = 0; i < e->n; i++) {
		struct rule_state *rs = &e->r[i];

		walk(e, rs, record, 0, lb, 0, now_ms);
		/* Instances not seen this time: a firing alert resolves as absent, never fires. */
		for (size_t k = rs->n; k-- > 0;) {
			if (rs->inst[k].gen == e->gen)
				continue;
			if (rs->inst[k].state == ST_FIRING)
				send_alert(e, rs, &rs->inst[k], "absent", now_ms);
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
	e->repeat_ms = repeat_ms;
	e->r = states_for(rules);
	if (!e->r) {
		free(e);
		return NULL;
	}
	e->n = rules->n;
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
					send_alert(e, old, &old->inst[k], "rule_changed", now_ms);
		}
		free_rule_state(old);
	}
	free(e->r);
	e->r = nv;
	e->n = rules->n;
	e->repeat_ms = repeat_ms;
	return 0;
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

void alert_engine_free(struct alert_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free_rule_state(&e->r[i]);
	free(e->r);
	free(e);
}
