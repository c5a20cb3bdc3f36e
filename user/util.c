// SPDX-License-Identifier: GPL-2.0-only
/* util.c - see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0') {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || *end != '\0' || !isfinite(v)) {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

static const struct {
	const char *suffix;
	double factor;
} size_units[] = {
	{ "K", 0x1p10 }, { "M", 0x1p20 }, { "G", 0x1p30 }, { "T", 0x1p40 },
	{ "KiB", 0x1p10 }, { "MiB", 0x1p20 }, { "GiB", 0x1p30 }, { "TiB", 0x1p40 },
};

int parse_size_bytes(const char *s, double *out, bool *had_unit)
{
	size_t len = s ? strlen(s) : 0, nlen = len;
	char num[64];
	double v;

	if (parse_double(s, &v) == 0) {
		*out = v;
		*had_unit = false;
		return 0;
	}
	/* the unit is the trailing letters: "1.5T" -> "1.5" and "T" */
	while (nlen > 0 && isalpha((unsigned char)s[nlen - 1]))
		nlen--;
	if (nlen == 0 || nlen == len || nlen >= sizeof(num)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(num, s, nlen);
	num[nlen] = '\0';
	if (parse_double(num, &v) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(size_units); i++) {
		if (strcmp(s + nlen, size_units[i].suffix) != 0)
			continue;
		if (v < 0 || !isfinite(v * size_units[i].factor))
			break;
		*out = v * size_units[i].factor;
		*had_unit = true;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 },
};

int parse_duration_ms(const char *s, uint64_t *out_ms)
{
	const char *p = s;
	uint64_t n;
	char num[32];
	size_t len;

	if (!s)
		goto bad;
	while (isdigit((unsigned char)*p))
		p++;
	len = (size_t)(p - s);
	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len);
	num[len] = '\0';
	if (parse_u64(num, 0, UINT64_MAX, &n) < 0)
		goto bad;
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
		if (strcmp(p, duration_units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / duration_units[i].ms) {
			errno = ERANGE;
			return -1;
		}
		*out_ms = n * duration_units[i].ms;
		return 0;
	}
bad:
	errno = EINVAL;
	return -1;
}

void format_duration_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int scan_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*p = s;
	return 0;
}

int scan_i64(const char **p, int64_t *out)
{
	const char *s = *p;
	bool neg = false;
	uint64_t v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (scan_u64(&s, &v) < 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	*p = s;
	return 0;
}

char *path_join(char *buf, size_t len, const char *root, const char *rel)
{
	int n = snprintf(buf, len, "%s%s%s", root, (rel[0] == '/') ? "" : "/", rel);

	return (n < 0 || (size_t)n >= len) ? NULL : buf;
}

int fbuf_read(struct fbuf *b, const char *root, const char *rel)
{
	char path[4096];
	int fd, err = 0;

	if (!path_join(path, sizeof(path), root, rel))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b->len = 0;
	for (;;) {
		ssize_t n;

		/* /proc files report size 0, so grow on demand; keep room for the NUL. */
		if (array_reserve(&b->data, &b->cap, b->len + 4096 + 1, 1, 16384) < 0) {
			err = -ENOMEM;
			break;
		}
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	close(fd);
	if (b->data)
		b->data[b->len] = '\0';
	return err;
}

int fbuf_append(struct fbuf *b, const char *s, size_t n)
{
	if (array_reserve(&b->data, &b->cap, b->len + n + 1, 1, 4096) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int fbuf_printf(struct fbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap > b->len ? b->cap - b->len : 0;

		va_start(ap, fmt);
		n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		if (array_reserve(&b->data, &b->cap, b->len + (size_t)n + 1, 1, 4096) < 0) {
			if (b->data)
				b->data[b->len] = '\0';
			return -ENOMEM;
		}
	}
}

void fbuf_free(struct fbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint64_t counter_delta(uint64_t prev, uint64_t cur)
{
	uint64_t wrapped;

	if (cur >= prev)
		return cur - prev;
	if (prev <= UINT32_MAX) {
		wrapped = (UINT64_C(1) << 32) - prev + cur;
		if (wrapped < (UINT64_C(1) << 30))
			return wrapped;
	}
	return 0;
}

double safe_div(double num, double den)
{
	double r;

	if (den == 0.0)
		return 0.0;
	r = num / den;
	return isfinite(r) ? r : 0.0;
}

double pct(double part, double whole)
{
	double p = 100.0 * safe_div(part, whole);

	return p < 0.0 ? 0.0 : (p > 100.0 ? 100.0 : p);
}

void jnum(cJSON *obj, const char *name, double v)
{
	if (!isfinite(v))
		v = 0.0;
	v = round(v * 1000.0) / 1000.0;
	if (v == 0.0)
		v = 0.0; /* no "-0" in the output */
	cJSON_AddNumberToObject(obj, name, v);
}

void jnum1(cJSON *obj, const char *name, double v)
{
	if (!isfinite(v))
		v = 0.0;
	v = round(v * 10.0) / 10.0;
	if (v == 0.0)
		v = 0.0;
	cJSON_AddNumberToObject(obj, name, v);
}

void jrate(cJSON *obj, const char *name, double v)
{
	double scale;

	if (!isfinite(v) || v == 0.0) {
		cJSON_AddNumberToObject(obj, name, 0.0);
		return;
	}
	if (fabs(v) >= 10.0) {
		jnum1(obj, name, v);
		return;
	}
	scale = pow(10.0, 3.0 - floor(log10(fabs(v))));
	v = round(v * scale) / scale;
	cJSON_AddNumberToObject(obj, name, v == 0.0 ? 0.0 : v);
}

void jint(cJSON *obj, const char *name, uint64_t v)
{
	cJSON_AddNumberToObject(obj, name, (double)v);
}

void jstr(cJSON *obj, const char *name, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, name, s);
	else
		cJSON_AddNullToObject(obj, name);
}

void jbool(cJSON *obj, const char *name, bool v)
{
	cJSON_AddBoolToObject(obj, name, v);
}

cJSON *jobj(cJSON *obj, const char *name)
{
	return cJSON_AddObjectToObject(obj, name);
}

cJSON *jarr(cJSON *obj, const char *name)
{
	return cJSON_AddArrayToObject(obj, name);
}

void format_rfc3339_ms(int64_t epoch_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(epoch_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
}

int64_t clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int array_reserve(void *arrp, size_t *cap, size_t need, size_t size, size_t min)
{
	size_t ncap = *cap ? *cap : (min ? min : 1);
	void *old, *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -ENOMEM;
		ncap *= 2;
	}
	memcpy(&old, arrp, sizeof(old));
	nv = realloc(old, ncap * size);
	if (!nv)
		return -ENOMEM;
	memcpy(arrp, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *secret_file_read(const char *flag, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "--%s: %s: %s", flag, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "--%s: %s is %s by every user (mode %04o); a secret must be mode 0600 or 0640",
			 flag, path, st.st_mode & S_IROTH ? "readable" : "writable", (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	if (st.st_size > 65536 || !(buf = calloc(1, (size_t)st.st_size + 1))) {
		snprintf(err, errlen, "--%s: %s: too large", flag, path);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "--%s: %s: %s", flag, path, strerror(errno));
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

char *redact_url(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at, *colon;
	char *out;

	if (!auth)
		return strdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	/* the last '@' before the path: a password may hold '@' itself */
	for (at = NULL, colon = auth; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return strdup(url);
	if (asprintf(&out, "%.*s***%s", (int)(colon + 1 - url), url, at) < 0)
		return NULL;
	return out;
}

char *redact_header(const char *header)
{
	static const char *const words[] = { "authorization", "cookie", "token", "key", "secret", "password",
					     "auth", NULL };
	size_t n = strcspn(header, ":");
	char name[128], *out;
	bool secret = false;

	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), header);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; words[i] && !secret; i++)
		secret = strstr(name, words[i]) != NULL;
	if (!secret || header[n] != ':')
		return strdup(header);
	if (asprintf(&out, "%.*s: ***", (int)n, header) < 0)
		return NULL;
	return out;
}
