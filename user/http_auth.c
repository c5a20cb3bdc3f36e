// SPDX-License-Identifier: GPL-2.0-only
/* http_auth.c - see http_auth.h. */
#include "http_auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "util.h"

#define KEY_BYTES 32

struct http_auth {
	char *token;
	char key[KEY_BYTES * 2 + 1];			/* the session key, hex */
	char set_cookie[sizeof(AUTH_COOKIE) + KEY_BYTES * 2 + 48];
};

struct http_auth *auth_open(const char *path, char *err, size_t errlen)
{
	struct http_auth *a = calloc(1, sizeof(*a));
	unsigned char raw[KEY_BYTES];

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(a->token = secret_file_read("listen-token-file", path, err, errlen)))
		goto fail;
	a->token[strcspn(a->token, "\r\n")] = '\0';
	if (strlen(a->token) < 16) {
		snprintf(err, errlen, "--listen-token-file: %s: the token must be at least 16 characters", path);
		goto fail;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "--listen-token-file: cannot draw a session key");
		goto fail;
	}
	for (size_t i = 0; i < KEY_BYTES; i++)
		snprintf(a->key + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	snprintf(a->set_cookie, sizeof(a->set_cookie), AUTH_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/", a->key);
	return a;
fail:
	auth_free(a);
	return NULL;
}

void auth_free(struct http_auth *a)
{
	if (!a)
		return;
	secret_free(a->token);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

/* Whether the n bytes at guess are secret, in a time that depends only on strlen(secret). */
static bool same(const char *secret, const char *guess, size_t n)
{
	size_t ls = strlen(secret);
	unsigned char diff = 0;

	for (size_t i = 0; i < ls; i++)
		diff |= (unsigned char)(secret[i] ^ (i < n ? guess[i] : 0));
	return diff == 0 && n == ls;
}

bool auth_bearer_ok(const struct http_auth *a, const char *auth)
{
	size_t la;

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	auth += 7 + strspn(auth + 7, " ");
	la = strcspn(auth, " \t");
	if (auth[la] != '\0' && auth[la + strspn(auth + la, " \t")] != '\0')
		return false;
	return same(a->token, auth, la);
}

bool auth_cookie_ok(const struct http_auth *a, const char *cookie)
{
	return cookie && same(a->key, cookie, strlen(cookie));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the n bytes at s ('+' a space, %XX a byte) into out (room for n + 1). Returns the length,
 * or -1 for a malformed escape or a NUL in it. */
static long form_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

bool auth_form_ok(const struct http_auth *a, const char *body, size_t len)
{
	char val[AUTH_FORM_MAX + 1];
	size_t i = 0;
	bool ok = false;

	if (len > AUTH_FORM_MAX)
		return false;
	while (i < len) {
		const char *p = body + i, *amp = memchr(p, '&', len - i), *eq;
		size_t n = amp ? (size_t)(amp - p) : len - i;
		long lv;

		eq = memchr(p, '=', n);
		i += n + 1;
		if (!eq || eq - p != 5 || memcmp(p, "token", 5) != 0)
			continue;
		lv = form_decode(eq + 1, n - 6, val);
		ok = lv >= 0 && same(a->token, val, (size_t)lv);
		break;
	}
	explicit_bzero(val, sizeof(val));
	return ok;
}

const char *auth_set_cookie(const struct http_auth *a)
{
	return a->set_cookie;
}
