// SPDX-License-Identifier: GPL-2.0-only
/* report_scan.c - see report_scan.h. One pass over the text, no allocation: the path of the value
 * being read is a stack buffer that grows by a segment on the way into a member and shrinks back on
 * the way out. An element of an instance list is read twice: once for its labels (which need not
 * come first), then for its values. */
#include "report_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

struct walker {
	const char *p, *end;
	const struct scan_handler *h;
	bool mute;
	int depth;
	size_t plen;
	char path[SCAN_PATH_MAX];
};

static const double pow10_tab[23] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

static inline void skip_ws(struct walker *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\n' || *w->p == '\t' || *w->p == '\r'))
		w->p++;
}

int scan_number(const char **pp, const char *end, double *out)
{
	const char *p = *pp, *start = p;
	uint64_t mant = 0;
	int ndig = 0, frac = 0, ex = 0;
	bool neg = false;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || !is_digit(*p))
		return -1;
	if (*p == '0') {
		p++;
	} else {
		for (; p < end && is_digit(*p); p++) {
			if (ndig < 19)
				mant = mant * 10 + (uint64_t)(*p - '0');
			else
				ex++; /* digits past the 19th: only their count matters (slow path anyway) */
			ndig++;
		}
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !is_digit(*p))
			return -1;
		for (; p < end && is_digit(*p); p++) {
			if (ndig == 0 && *p == '0') { /* leading zeros of 0.000278 are not significant */
				frac++;
				continue;
			}
			if (ndig < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				frac++;
			}
			ndig++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		int e = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || !is_digit(*p))
			return -1;
		for (; p < end && is_digit(*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		ex += eneg ? -e : e;
	}
	*pp = p;
	ex -= frac;
	if (ndig <= 15 && ex >= -22 && ex <= 22) {
		double v = (double)mant;

		v = ex >= 0 ? v * pow10_tab[ex] : v / pow10_tab[-ex];
		*out = neg ? -v : v;
		return 0;
	}
	{
		char buf[512];
		size_t n = (size_t)(p - start);

		if (n >= sizeof(buf))
			return -1;
		memcpy(buf, start, n);
		buf[n] = '\0';
		*out = strtod(buf, NULL);
	}
	return 0;
}

/* A string at w->p (the opening quote): its text (escapes as written) in *s, *len. */
static int scan_string(struct walker *w, const char **s, size_t *len)
{
	const char *p = w->p + 1;

	*s = p;
	while (p < w->end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			*len = (size_t)(p - *s);
			w->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++p >= w->end)
				return -1;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (p + i >= w->end || !strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return -1;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return -1;
			}
		}
		p++;
	}
	return -1;
}

static int skip_value(struct walker *w);

/* Validates an object or array at w->p without events. */
static int skip_container(struct walker *w)
{
	char close = *w->p == '{' ? '}' : ']';
	bool obj = close == '}';
	const char *s;
	size_t n;

	if (++w->depth > SCAN_DEPTH_MAX)
		return -1;
	w->p++;
	skip_ws(w);
	if (w->p < w->end && *w->p == close) {
		w->p++;
		w->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(w);
		if (obj) {
			if (w->p >= w->end || *w->p != '"' || scan_string(w, &s, &n) < 0)
				return -1;
			skip_ws(w);
			if (w->p >= w->end || *w->p++ != ':')
				return -1;
		}
		if (skip_value(w) < 0)
			return -1;
		skip_ws(w);
		if (w->p >= w->end)
			return -1;
		if (*w->p == ',') {
			w->p++;
			continue;
		}
		if (*w->p++ != close)
			return -1;
		w->depth--;
		return 0;
	}
}

static int skip_literal(struct walker *w, const char *lit, size_t n)
{
	if ((size_t)(w->end - w->p) < n || memcmp(w->p, lit, n) != 0)
		return -1;
	w->p += n;
	return 0;
}

static int skip_value(struct walker *w)
{
	const char *s;
	size_t n;
	double d;

	skip_ws(w);
	if (w->p >= w->end)
		return -1;
	switch (*w->p) {
	case '"':
		return scan_string(w, &s, &n);
	case '{':
	case '[':
		return skip_container(w);
	case 't':
		return skip_literal(w, "true", 4);
	case 'f':
		return skip_literal(w, "false", 5);
	case 'n':
		return skip_literal(w, "null", 4);
	default:
		return scan_number(&w->p, w->end, &d);
	}
}

static bool is_label_key(const char *k, size_t n)
{
	for (int i = 0; schema_label_keys[i]; i++)
		if (schema_label_keys[i][0] == k[0] && strncmp(schema_label_keys[i], k, n) == 0 &&
		    !schema_label_keys[i][n])
			return true;
	return false;
}

static bool is_hist_key(const char *k, size_t n)
{
#define NAME(s) { s, sizeof(s) - 1 }
	static const struct { const char *s; size_t n; } names[] = {
		NAME("runqueue_latency_us"), NAME("latency_us"), NAME("queue_us"), NAME("connection_duration_ms"),
	};
#undef NAME

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == n && memcmp(names[i].s, k, n) == 0)
			return true;
	return false;
}

static int path_add(struct walker *w, const char *s, size_t n)
{
	if (w->plen + n + 2 >= SCAN_PATH_MAX)
		return -1;
	memcpy(w->path + w->plen, s, n);
	w->plen += n;
	w->path[w->plen] = '\0';
	return 0;
}

static void emit_number(struct walker *w, size_t leaf, bool hist, double v)
{
	struct scan_event ev = { w->path, w->plen, leaf, hist };

	if (w->h->number && w->h->number(w->h->ctx, &ev, v))
		w->mute = true;
}

static void emit_string(struct walker *w, size_t leaf, const char *s, size_t n)
{
	struct scan_event ev = { w->path, w->plen, leaf, false };

	if (w->h->string && w->h->string(w->h->ctx, &ev, s, n))
		w->mute = true;
}

/* The labels of the instance object at w->p appended to the path as "{k=v,...}" (nothing when it
 * has none: *found false). w->p is left where it was. */
static int add_labels(struct walker *w, bool *found)
{
	const char *save = w->p, *k, *v;
	size_t kn, vn;
	int rc = -1;

	*found = false;
	w->p++;
	skip_ws(w);
	if (w->p < w->end && *w->p == '}')
		goto done;
	for (;;) {
		skip_ws(w);
		if (w->p >= w->end || *w->p != '"' || scan_string(w, &k, &kn) < 0)
			goto out;
		skip_ws(w);
		if (w->p >= w->end || *w->p++ != ':')
			goto out;
		skip_ws(w);
		v = w->p;
		if (w->p < w->end && is_label_key(k, kn) && (*w->p == '"' || *w->p == '-' || is_digit(*w->p))) {
			bool str = *w->p == '"', quote = false;
			double d;

			if (str ? scan_string(w, &v, &vn) < 0 : scan_number(&w->p, w->end, &d) < 0)
				goto out;
			if (!str)
				vn = (size_t)(w->p - v);
			for (size_t i = 0; i < vn && !quote; i++)
				quote = strchr(",{}=\" ", v[i]) != NULL;
			quote = quote || vn == 0;
			if (path_add(w, *found ? "," : "{", 1) < 0 || path_add(w, k, kn) < 0 ||
			    path_add(w, quote ? "=\"" : "=", quote ? 2 : 1) < 0 || path_add(w, v, vn) < 0 ||
			    (quote && path_add(w, "\"", 1) < 0))
				goto out;
			*found = true;
		} else if (skip_value(w) < 0) {
			goto out;
		}
		skip_ws(w);
		if (w->p >= w->end)
			goto out;
		if (*w->p == ',') {
			w->p++;
			continue;
		}
		if (*w->p++ != '}')
			goto out;
		break;
	}
done:
	if (*found && path_add(w, "}", 1) < 0)
		goto out;
	rc = 0;
out:
	w->p = save;
	return rc;
}

static int walk_value(struct walker *w, size_t leaf, bool in_hist);

static int walk_object(struct walker *w, bool hist)
{
	const char *k;
	size_t kn;

	if (++w->depth > SCAN_DEPTH_MAX)
		return -1;
	w->p++;
	skip_ws(w);
	if (w->p < w->end && *w->p == '}') {
		w->p++;
		w->depth--;
		return 0;
	}
	for (;;) {
		size_t save = w->plen, leaf;

		skip_ws(w);
		if (w->p >= w->end || *w->p != '"' || scan_string(w, &k, &kn) < 0)
			return -1;
		skip_ws(w);
		if (w->p >= w->end || *w->p++ != ':')
			return -1;
		if (w->mute) {
			if (skip_value(w) < 0)
				return -1;
		} else {
			if (save && path_add(w, ".", 1) < 0)
				return -1;
			leaf = w->plen;
			if (path_add(w, k, kn) < 0 || walk_value(w, leaf, hist) < 0)
				return -1;
			w->plen = save;
			w->path[save] = '\0';
		}
		skip_ws(w);
		if (w->p >= w->end)
			return -1;
		if (*w->p == ',') {
			w->p++;
			continue;
		}
		if (*w->p++ != '}')
			return -1;
		w->depth--;
		return 0;
	}
}

/* A histogram's "buckets": [[le, count], ...]; events name the histogram (the path before ".buckets"). */
static int walk_buckets(struct walker *w, size_t leaf)
{
	struct scan_event ev = { w->path, leaf ? leaf - 1 : 0, 0, true };
	char saved = w->path[ev.plen];

	w->path[ev.plen] = '\0';
	w->p++;
	skip_ws(w);
	if (w->p < w->end && *w->p == ']') {
		w->p++;
		goto ok;
	}
	for (;;) {
		double le = 0, count;
		const char *s;
		size_t n;
		int slot;

		skip_ws(w);
		if (w->p >= w->end || *w->p++ != '[')
			goto bad;
		skip_ws(w);
		if (w->p < w->end && *w->p == '"') {
			if (scan_string(w, &s, &n) < 0 || n != 4 || memcmp(s, "+Inf", 4) != 0)
				goto bad;
			slot = w->h->last_slot;
		} else {
			if (scan_number(&w->p, w->end, &le) < 0 || le < 0)
				goto bad;
			for (slot = 0; slot < w->h->last_slot && (double)((1ull << slot) - 1) < le; slot++)
				;
		}
		skip_ws(w);
		if (w->p >= w->end || *w->p++ != ',')
			goto bad;
		skip_ws(w);
		if (scan_number(&w->p, w->end, &count) < 0)
			goto bad;
		skip_ws(w);
		if (w->p >= w->end || *w->p++ != ']')
			goto bad;
		if (!w->mute && w->h->bucket && w->h->bucket(w->h->ctx, &ev, slot, count))
			w->mute = true;
		skip_ws(w);
		if (w->p >= w->end)
			goto bad;
		if (*w->p == ',') {
			w->p++;
			continue;
		}
		if (*w->p++ != ']')
			goto bad;
		break;
	}
ok:
	w->path[ev.plen] = saved;
	return 0;
bad:
	w->path[ev.plen] = saved;
	return -1;
}

/* An array member named path[leaf..plen): instances, buckets, or a list skipped. */
static int walk_array(struct walker *w, size_t leaf, bool in_hist)
{
	const char *name = w->path + leaf;
	size_t nlen = w->plen - leaf, save = w->plen;
	const char *q;

	if (in_hist && nlen == 7 && memcmp(name, "buckets", 7) == 0)
		return walk_buckets(w, leaf);
	if (nlen >= 4 && memcmp(name, "top_", 4) == 0)
		return skip_container(w);
	q = w->p + 1;
	while (q < w->end && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
		q++;
	if (q >= w->end || *q != '{')
		return skip_container(w);
	if (++w->depth > SCAN_DEPTH_MAX)
		return -1;
	w->p++;
	for (;;) {
		bool found;

		skip_ws(w);
		if (w->p >= w->end)
			return -1;
		if (*w->p != '{') { /* a mixed list: the rest is only validated */
			if (skip_value(w) < 0)
				return -1;
		} else if (w->mute) {
			if (skip_container(w) < 0)
				return -1;
		} else {
			if (add_labels(w, &found) < 0)
				return -1;
			if (!found) {
				if (skip_container(w) < 0)
					return -1;
			} else if (walk_object(w, false) < 0) {
				return -1;
			}
			w->plen = save;
			w->path[save] = '\0';
		}
		skip_ws(w);
		if (w->p >= w->end)
			return -1;
		if (*w->p == ',') {
			w->p++;
			continue;
		}
		if (*w->p++ != ']')
			return -1;
		w->depth--;
		return 0;
	}
}

static int walk_value(struct walker *w, size_t leaf, bool in_hist)
{
	const char *s;
	size_t n;
	double d;

	skip_ws(w);
	if (w->p >= w->end)
		return -1;
	switch (*w->p) {
	case '"':
		if (scan_string(w, &s, &n) < 0)
			return -1;
		emit_string(w, leaf, s, n);
		return 0;
	case '{':
		return walk_object(w, is_hist_key(w->path + leaf, w->plen - leaf));
	case '[':
		return walk_array(w, leaf, in_hist);
	case 't':
	case 'f':
	case 'n':
		return skip_value(w);
	default:
		if (scan_number(&w->p, w->end, &d) < 0)
			return -1;
		emit_number(w, leaf, in_hist, d);
		return 0;
	}
}

int scan_record(const char *s, size_t len, const struct scan_handler *h)
{
	struct walker w = { .p = s, .end = s + len, .h = h };

	w.path[0] = '\0';
	skip_ws(&w);
	if (w.p >= w.end || *w.p != '{' || walk_object(&w, false) < 0)
		return -1;
	skip_ws(&w);
	return w.p == w.end ? 0 : -1;
}
