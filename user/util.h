/* SPDX-License-Identifier: GPL-2.0-only */
/* util.h - the small helpers every module shares: strict number and duration parsing, whole-file
 * reads (fbuf), counter arithmetic, JSON field helpers, time formatting and clocks, epoll and
 * secret-file helpers, growable arrays. Nothing here allocates except fbuf and array_reserve (the
 * caller owns what they grow).
 */
#ifndef COREWATCH_UTIL_H
#define COREWATCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cJSON.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- strict parsing: whole string, no sign for unsigned, range checked. 0 or -1 (errno set). ---- */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_double(const char *s, double *out);
/* "500ms", "2s", "1m", "1h" or a bare number of seconds; result in milliseconds. */
int parse_duration_ms(const char *s, uint64_t *out_ms);
/* A byte size: a number, then optionally one binary unit, K M G T or KiB MiB GiB TiB (both spellings
 * are powers of 1024: 1K = 1KiB = 1024). Decimal units (KB, MB...) and lower case are refused: they
 * would be read as 1000s by some and 1024s by others. A number with a unit must not be negative.
 * Returns 0 with *out in bytes and *had_unit telling whether a unit was given; -1 (errno EINVAL). */
int parse_size_bytes(const char *s, double *out, bool *had_unit);
/* true/false, yes/no, on/off, 1/0 (case-insensitive). */
int parse_bool(const char *s, bool *out);
/* Formats a millisecond duration the way parse_duration_ms reads it back ("1s", "500ms", "2m"). */
void format_duration_ms(uint64_t ms, char *buf, size_t len);

/* Scans one unsigned decimal field at *p (leading blanks skipped) and advances *p past it.
 * Returns 0, or -1 when no digits are there or the value overflows 64 bits. */
int scan_u64(const char **p, uint64_t *out);
/* Like scan_u64 for a signed field (some /proc/net/snmp values are -1). */
int scan_i64(const char **p, int64_t *out);

/* ---- files ---- */
/* A growable buffer reused across intervals so that steady-state sampling does not allocate. */
struct fbuf {
	char *data;
	size_t len;
	size_t cap;
};

/* Reads the whole file root/rel (rel may start with '/') into b, NUL-terminated.
 * Returns 0 or -errno. */
int fbuf_read(struct fbuf *b, const char *root, const char *rel);
void fbuf_free(struct fbuf *b);
/* Appends n bytes of s / a printf-formatted string to b, keeping it NUL-terminated. Returns 0, or
 * -ENOMEM with b as it was (a failed append never leaves half a string). */
int fbuf_append(struct fbuf *b, const char *s, size_t n);
int fbuf_printf(struct fbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Joins root and rel into buf; returns buf, or NULL when it does not fit. */
char *path_join(char *buf, size_t len, const char *root, const char *rel);

/* ---- counters and rates ---- */
/* Increase of a monotonic kernel counter between two samples. A counter that went backwards is
 * taken as a 32-bit wrap when the wrapped distance is small (< 2^30), else as a reset (0): a core
 * going offline or a device re-created never yields a negative or absurd rate. */
uint64_t counter_delta(uint64_t prev, uint64_t cur);
/* num / den, or 0 when den is 0 or the result is not finite. */
double safe_div(double num, double den);
/* 100 * part / whole, clamped to [0, 100]. */
double pct(double part, double whole);

/* ---- JSON: numbers rounded to 3 decimals, never NaN/Inf ---- */
void jnum(cJSON *obj, const char *name, double v);
/* Like jnum, rounded to one decimal (per-CPU lists: 0.1 % is finer than they are read). */
void jnum1(cJSON *obj, const char *name, double v);
/* A rate per second: to 0.1 from 10/s up (finer digits of a byte or packet rate are noise), else to
 * 4 significant digits (one event an hour, 0.000278/s, stays one event an hour). */
void jrate(cJSON *obj, const char *name, double v);
void jint(cJSON *obj, const char *name, uint64_t v);
void jstr(cJSON *obj, const char *name, const char *s);
void jbool(cJSON *obj, const char *name, bool v);
/* Adds and returns a new object / array member (NULL only on allocation failure). */
cJSON *jobj(cJSON *obj, const char *name);
cJSON *jarr(cJSON *obj, const char *name);

/* RFC 3339 UTC with milliseconds ("2026-11-22T01:24:08.123Z") of a CLOCK_REALTIME value in ms. */
void format_rfc3339_ms(int64_t epoch_ms, char *buf, size_t len);

/* clock_gettime(clock) in milliseconds (CLOCK_REALTIME: epoch ms; CLOCK_MONOTONIC: for intervals). */
int64_t clock_ms(clockid_t clock);
/* Makes room for need elements of size bytes in the growable array *arrp (the address of a T *),
 * doubling its capacity *cap, starting from min. Returns 0, or -ENOMEM with the array untouched. */
int array_reserve(void *arrp, size_t *cap, size_t need, size_t size, size_t min);

/* The same in seconds, with nanoseconds kept (rates over short spans). */
double clock_s(clockid_t clock);

/* Adds fd to the epoll set epfd for reading (data.fd = fd). Returns epoll_ctl's result. */
int epoll_watch(int epfd, int fd);

/* Reads a small file holding a secret (a token, credentials, headers; at most 64 KiB) into a
 * NUL-terminated malloc'd string (caller wipes and frees). Returns NULL with "--flag: path: reason"
 * in err, also when every user may read or write it (a secret others can read is not one). */
char *secret_file_read(const char *flag, const char *path, char *err, size_t errlen);
/* Wipes and frees a string holding a secret (NULL is fine). */
void secret_free(char *s);
/* The URL as it may be shown: a password in its userinfo replaced by "***" ("smtp://bob:***@host").
 * malloc'd (caller frees); NULL when out of memory. */
char *redact_url(const char *url);
/* A 'Name: value' header as it may be shown: the value replaced by "***" when the name says it
 * carries a secret (authorization, cookie, or a name with token, key, secret, password or auth in
 * it). malloc'd (caller frees); NULL when out of memory. */
char *redact_header(const char *header);

#endif
