// SPDX-License-Identifier: GPL-2.0-only
/* report_path.c - see report_path.h. Paths are only ever split into pointers into their text: no
 * allocation, so matching a new series against the filters costs a few compares. */
#include "report_path.h"

#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "util.h"

/* Splits text[0..len) into segments "name{labels}" separated by '.'. Returns their number, or -1. */
static int split_path(const char *text, size_t len, struct rseg *seg, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		struct rseg *s = &seg[n];

		if (n == max)
			return -1;
		s->name = text + i;
		while (i < len && text[i] != '.' && text[i] != '{')
			i++;
		s->nlen = (size_t)(text + i - s->name);
		s->labels = NULL;
		s->llen = 0;
		if (!s->nlen)
			return -1;
		if (i < len && text[i] == '{') {
			bool q = false;

			s->labels = text + ++i;
			while (i < len && (q || text[i] != '}')) {
				if (text[i] == '"')
					q = !q;
				i++;
			}
			if (i >= len)
				return -1;
			s->llen = (size_t)(text + i - s->labels);
			i++;
		}
		n++;
		if (i < len) {
			if (text[i] != '.' || i + 1 == len)
				return -1;
			i++;
		}
	}
	return (int)n;
}

/* The next "key=value" of a label list at *p (before end), the value unquoted. Returns 0 or -1. */
static int next_label(const char **p, const char *end, const char **k, size_t *kn, const char **v, size_t *vn)
{
	const char *s = *p;

	*k = s;
	while (s < end && *s != '=')
		s++;
	if (s >= end || s == *k)
		return -1;
	*kn = (size_t)(s - *k);
	s++;
	if (s < end && *s == '"') {
		*v = ++s;
		while (s < end && *s != '"')
			s++;
		if (s >= end)
			return -1;
		*vn = (size_t)(s - *v);
		s++;
	} else {
		*v = s;
		while (s < end && *s != ',')
			s++;
		*vn = (size_t)(s - *v);
	}
	if (s < end && *s == ',')
		s++;
	*p = s;
	return 0;
}

/* Whether every label the filter segment names is in the series segment with that value. */
static bool labels_match(const struct rseg *f, const struct rseg *s)
{
	const char *fp = f->labels, *fe = f->labels + f->llen;

	while (fp < fe) {
		const char *k, *v, *sp = s->labels, *se = s->labels + s->llen, *k2, *v2;
		size_t kn, vn, kn2, vn2;
		bool found = false;

		if (next_label(&fp, fe, &k, &kn, &v, &vn) < 0 || !s->labels)
			return false;
		while (!found && sp < se && next_label(&sp, se, &k2, &kn2, &v2, &vn2) == 0)
			found = kn == kn2 && vn == vn2 && !memcmp(k, k2, kn) && !memcmp(v, v2, vn);
		if (!found)
			return false;
	}
	return true;
}

/* Whether the filter selects path; extra_ok: path is a histogram, and a filter one segment longer
 * (its count, p99...) selects it too. */
static bool filter_match(const struct rfilter *f, const char *path, size_t plen, bool extra_ok)
{
	struct rseg seg[16];
	int n = split_path(path, plen, seg, 16);

	if (n < 0 || (f->nseg > (size_t)n && !(extra_ok && f->nseg == (size_t)n + 1)))
		return false;
	for (size_t i = 0; i < f->nseg && i < (size_t)n; i++)
		if (f->seg[i].nlen != seg[i].nlen || memcmp(f->seg[i].name, seg[i].name, seg[i].nlen) ||
		    !labels_match(&f->seg[i], &seg[i]))
			return false;
	return true;
}

bool report_filter_select(struct rfilter *f, size_t n, const char *path, size_t plen, bool hist)
{
	bool any = n == 0;

	for (size_t i = 0; i < n; i++)
		if (filter_match(&f[i], path, plen, hist))
			any = f[i].used = true;
	return any;
}

int report_filter_parse(const char *text, struct rfilter *f, char *why, size_t whylen)
{
	const cJSON *node = schema_metrics();
	int n;

	memset(f, 0, sizeof(*f));
	n = split_path(text, strlen(text), f->seg, ARRAY_SIZE(f->seg));
	if (n <= 0) {
		snprintf(why, whylen, "'%s' is not a metric path (e.g. cpu, memory.used_pct, "
			 "disks{device=vda}.write_bytes_per_s)", text);
		return -1;
	}
	f->nseg = (size_t)n;
	for (size_t i = 0; i < f->nseg; i++) {
		const struct rseg *s = &f->seg[i];
		char name[128];
		const cJSON *p;
		const char *t;

		if (s->nlen >= sizeof(name) || !node) {
			snprintf(why, whylen, "'%s': no such field", text);
			return -1;
		}
		memcpy(name, s->name, s->nlen);
		name[s->nlen] = '\0';
		p = schema_resolve(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(node, "properties"), name));
		if (!p) {
			if (i == 0)
				snprintf(why, whylen, "'%s': the record has no section '%s'", text, name);
			else
				snprintf(why, whylen, "'%s': '%.*s' has no field '%s'", text,
					 (int)(s->name - 1 - text), text, name);
			return -1;
		}
		t = schema_type(p);
		if (t && strcmp(t, "array") == 0) {
			const cJSON *item = schema_resolve(cJSON_GetObjectItemCaseSensitive(p, "items"));
			const cJSON *props = cJSON_GetObjectItemCaseSensitive(item, "properties");
			const char *lp = s->labels, *le = s->labels + s->llen, *k, *v;
			size_t kn, vn;

			while (lp && lp < le) {
				char key[64];

				if (next_label(&lp, le, &k, &kn, &v, &vn) < 0 || kn >= sizeof(key)) {
					snprintf(why, whylen, "'%s': a selector is {key=value,...}", text);
					return -1;
				}
				memcpy(key, k, kn);
				key[kn] = '\0';
				if (!cJSON_GetObjectItemCaseSensitive(props, key)) {
					snprintf(why, whylen, "'%s': '%s' instances have no label '%s'", text, name,
						 key);
					return -1;
				}
			}
			node = item;
		} else {
			if (s->labels) {
				snprintf(why, whylen, "'%s': '%s' is not a list of instances: a selector applies "
					 "to filesystems, disks, network.interfaces...", text, name);
				return -1;
			}
			node = p;
			if (t && strcmp(t, "object") != 0 && i + 1 < f->nseg) {
				snprintf(why, whylen, "'%s': '%s' is a value, it has no fields", text, name);
				return -1;
			}
		}
	}
	if (!(f->text = strdup(text))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* the segments point into text: re-split the copy */
	split_path(f->text, strlen(f->text), f->seg, ARRAY_SIZE(f->seg));
	return 0;
}

size_t report_path_split(const char *path, char *buf, size_t len, char *inst, size_t ilen)
{
	struct rseg seg[16];
	int n = split_path(path, strlen(path), seg, 16);
	size_t b = 0, in = 0;

	buf[0] = inst[0] = '\0';
	if (n <= 0) {
		snprintf(buf, len, "%s", path);
		return strlen(path);
	}
	for (int i = 0; i < n; i++) {
		b += (size_t)snprintf(buf + b, b < len ? len - b : 0, "%s%.*s", i ? "." : "", (int)seg[i].nlen,
				      seg[i].name);
		if (b >= len)
			b = len - 1;
		if (seg[i].labels) {
			in += (size_t)snprintf(inst + in, in < ilen ? ilen - in : 0, "%s%.*s", in ? " " : "",
					       (int)seg[i].llen, seg[i].labels);
			if (in >= ilen)
				in = ilen - 1;
		}
	}
	return seg[0].nlen;
}
