// SPDX-License-Identifier: GPL-2.0-only
/* The --listen endpoint's credentials: the bearer header, the login form's body and the session
 * cookie it hands out (http_auth.h). */
#include "testlib.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_auth.h"

#define TOKEN "abc+def~ghi%jkl&mnop=q"

static struct http_auth *open_token(const char *content, mode_t mode, char *err, size_t errlen)
{
	char path[] = "/tmp/corewatch-auth-XXXXXX";
	int fd = mkstemp(path);
	struct http_auth *a;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	fchmod(fd, mode);
	close(fd);
	a = auth_open(path, err, errlen);
	unlink(path);
	return a;
}

static void test_open(void **st)
{
	char err[256];
	struct http_auth *a, *b;

	(void)st;
	assert_null(open_token("short\n", 0600, err, sizeof(err)));
	assert_non_null(strstr(err, "at least 16 characters"));
	assert_null(open_token(TOKEN "\n", 0644, err, sizeof(err)));
	assert_non_null(strstr(err, "readable by every user"));
	a = open_token(TOKEN "\nsecond line\n", 0600, err, sizeof(err));
	b = open_token(TOKEN "\n", 0600, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	/* the cookie: the attributes, a 64-hex-digit key, drawn anew for each start, never the token */
	assert_int_equal(strncmp(auth_set_cookie(a), AUTH_COOKIE "=", strlen(AUTH_COOKIE) + 1), 0);
	assert_non_null(strstr(auth_set_cookie(a), "; HttpOnly; SameSite=Strict; Path=/"));
	assert_int_equal(strcspn(auth_set_cookie(a) + strlen(AUTH_COOKIE) + 1, ";"), 64);
	assert_string_not_equal(auth_set_cookie(a), auth_set_cookie(b));
	/* not the token, nor a piece of it ("abc" alone is 3 hex digits, in a random 64-digit key
	 * 1.5 % of the time: a full suite failed so once) */
	assert_null(strstr(auth_set_cookie(a), TOKEN));
	assert_null(strstr(auth_set_cookie(a), "abc+def"));
	auth_free(a);
	auth_free(b);
}

static void test_bearer_and_cookie(void **st)
{
	char err[256], key[80];
	struct http_auth *a = open_token(TOKEN "\n", 0600, err, sizeof(err));
	const char *sc;

	(void)st;
	assert_true(auth_bearer_ok(a, "Bearer " TOKEN));
	assert_true(auth_bearer_ok(a, "bearer  " TOKEN "  "));
	assert_false(auth_bearer_ok(a, "Bearer " TOKEN "x"));
	assert_false(auth_bearer_ok(a, "Bearer abc+def"));
	assert_false(auth_bearer_ok(a, "Basic " TOKEN));
	assert_false(auth_bearer_ok(a, NULL));
	sc = auth_set_cookie(a) + strlen(AUTH_COOKIE) + 1;
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(sc, ";"), sc);
	assert_true(auth_cookie_ok(a, key));
	assert_false(auth_cookie_ok(a, TOKEN)); /* the token is not a session */
	key[63] ^= 1;
	assert_false(auth_cookie_ok(a, key));
	key[63] ^= 1;
	key[62] = '\0';
	assert_false(auth_cookie_ok(a, key));
	assert_false(auth_cookie_ok(a, ""));
	assert_false(auth_cookie_ok(a, NULL));
	auth_free(a);
}

static bool form(const struct http_auth *a, const char *body)
{
	return auth_form_ok(a, body, strlen(body));
}

static void test_form(void **st)
{
	char err[256], big[AUTH_FORM_MAX + 64];
	struct http_auth *a = open_token(TOKEN "\r\n", 0600, err, sizeof(err));

	(void)st;
	/* as a browser encodes it: "+%&=" escaped, "~" as is or escaped */
	assert_true(form(a, "token=abc%2Bdef~ghi%25jkl%26mnop%3Dq"));
	assert_true(form(a, "user=x&token=abc%2bdef%7Eghi%25jkl%26mnop%3dq&go=1"));
	assert_false(form(a, "token=abc%2Bdef~ghi%25jkl%26mnop%3Dqq"));
	assert_false(form(a, "token=abc%2Bdef~ghi%25jkl%26mnop%3D"));
	assert_false(form(a, "token=abc+def~ghi%25jkl%26mnop%3Dq")); /* "+" is a space */
	assert_false(form(a, "token=abc%2Bdef~ghi%25jkl%26mnop%3Dq%"));
	assert_false(form(a, "token=abc%2Bdef~ghi%25jkl%26mnop%3Dq%00"));
	assert_false(form(a, "token="));
	assert_false(form(a, "tokens=abc%2Bdef~ghi%25jkl%26mnop%3Dq"));
	assert_false(form(a, "token"));
	assert_false(form(a, ""));
	/* only the first token field counts */
	assert_false(form(a, "token=x&token=abc%2Bdef~ghi%25jkl%26mnop%3Dq"));
	/* over the limit: refused whatever it holds */
	memset(big, 'a', sizeof(big));
	memcpy(big, "token=abc%2Bdef~ghi%25jkl%26mnop%3Dq&x=", 39);
	assert_false(auth_form_ok(a, big, sizeof(big)));
	assert_true(auth_form_ok(a, big, AUTH_FORM_MAX));
	auth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_bearer_and_cookie),
		cmocka_unit_test(test_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
