/* SPDX-License-Identifier: GPL-2.0-only */
/* http_auth.h - who may read the --listen endpoint when --listen-token-file is given: a request with
 * "Authorization: Bearer TOKEN", or one with the session cookie that POST /login hands out for the
 * token (the live page's login form). The cookie's value is a random session key drawn at start, not
 * the token: it is worth nothing once the agent restarts, and the token never travels back to the
 * browser. Every comparison takes the same time whatever the guess (no early exit). Free of
 * libmicrohttpd: http.c feeds it header values and the form body.
 */
#ifndef COREWATCH_HTTP_AUTH_H
#define COREWATCH_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_COOKIE "corewatch_session"
#define AUTH_FORM_MAX 4096 /* the most of a login form's body that is read */

struct http_auth;

/* Reads the token (the file's first line, at least 16 characters; util.h's secret_file_read()
 * rules) and draws the session key. Returns the state (caller frees with auth_free), or NULL with
 * "--listen-token-file: path: reason" in err. */
struct http_auth *auth_open(const char *path, char *err, size_t errlen);
/* Wipes and frees (NULL is fine). */
void auth_free(struct http_auth *a);
/* An Authorization header value: "Bearer TOKEN" (the scheme in any case, RFC 7235). NULL: false. */
bool auth_bearer_ok(const struct http_auth *a, const char *authorization);
/* The value of the AUTH_COOKIE cookie (NULL: false). */
bool auth_cookie_ok(const struct http_auth *a, const char *cookie);
/* An application/x-www-form-urlencoded body of len bytes (not NUL-terminated): whether its "token"
 * field, decoded, is the token. */
bool auth_form_ok(const struct http_auth *a, const char *body, size_t len);
/* The Set-Cookie value that logs a browser in: AUTH_COOKIE=KEY; HttpOnly; SameSite=Strict; Path=/
 * (borrowed, valid while a is). */
const char *auth_set_cookie(const struct http_auth *a);

#endif
