/* SPDX-License-Identifier: GPL-2.0-only */
/* testlib.h - shared helpers for the cmocka unit tests (header-only; each test is one binary).
 *
 * Tests run from the repository root (tests/run sees to it), so fixtures are at tests/fixtures/.
 */
#ifndef COREWATCH_TESTLIB_H
#define COREWATCH_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "collector.h"

#define FIXTURES "tests/fixtures"

/* Runs ops over FIXTURES/shape/t0 then t1 (dt_s apart) and returns the record it emits (caller
 * deletes). env may pre-set fields (statvfs_fn, all_disks...); its roots are overwritten. */
/* One sample as the loop takes it: the snapshot pass, then the rest. */
static inline int collector_sample(const struct collector_ops *ops, void *state)
{
	int e = ops->snapshot ? ops->snapshot(state) : 0;

	return e || !ops->sample ? e : ops->sample(state);
}

static inline cJSON *run_fixture(const struct collector_ops *ops, struct collector_env *env,
				 const char *shape, double dt_s)
{
	static char proc[2][256], sys[2][256];
	static struct agent_counters ctr;
	void *state = NULL;
	cJSON *rec = cJSON_CreateObject();

	for (int t = 0; t < 2; t++) {
		snprintf(proc[t], sizeof(proc[t]), FIXTURES "/%s/t%d/proc", shape, t);
		snprintf(sys[t], sizeof(sys[t]), FIXTURES "/%s/t%d/sys", shape, t);
	}
	if (!env->agent)
		env->agent = &ctr;
	env->proc_root = proc[0];
	env->sys_root = sys[0];
	assert_int_equal(ops->init(env, &state), 0);
	assert_int_equal(collector_sample(ops, state), 0);
	env->proc_root = proc[1];
	env->sys_root = sys[1];
	assert_int_equal(collector_sample(ops, state), 0);
	ops->emit(state, rec, dt_s);
	ops->free(state);
	return rec;
}

/* The item at a dotted path: "cpu.cores.3.user_pct" (numbers index arrays). NULL if absent. */
static inline cJSON *jpath(cJSON *root, const char *path)
{
	char buf[256], *save = NULL, *tok;
	cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (cJSON_IsArray(cur))
			cur = cJSON_GetArrayItem(cur, atoi(tok)); /* test-only: fixed, trusted paths */
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return cur;
}

/* Asserts the number at path equals want within 0.0005 (the record rounds to 3 decimals). */
#define assert_num(root, path, want)                                                        \
	do {                                                                                \
		cJSON *it_ = jpath((root), (path));                                         \
		if (!it_ || !cJSON_IsNumber(it_))                                           \
			fail_msg("%s: missing or not a number", (path));                    \
		if (!(it_->valuedouble > (want) - 0.0005 && it_->valuedouble < (want) + 0.0005)) \
			fail_msg("%s: got %.6f, want %.6f", (path), it_->valuedouble,       \
				 (double)(want));                                           \
	} while (0)

#define assert_str(root, path, want)                                                        \
	do {                                                                                \
		cJSON *it_ = jpath((root), (path));                                         \
		if (!it_ || !cJSON_IsString(it_))                                           \
			fail_msg("%s: missing or not a string", (path));                    \
		assert_string_equal(it_->valuestring, (want));                              \
	} while (0)

static inline int jsize(cJSON *root, const char *path)
{
	cJSON *it = jpath(root, path);

	return it ? cJSON_GetArraySize(it) : -1;
}

/* The element of array arr whose string member key equals name ("device": "vda"). NULL if none. */
static inline cJSON *find_named(cJSON *arr, const char *key, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		cJSON *n = cJSON_GetObjectItemCaseSensitive(it, key);

		if (n && cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return it;
	}
	return NULL;
}

/* A scratch directory for a test binary: tmpdir_setup makes it, tmpdir_teardown removes it and all it
 * holds. Pass them as cmocka_run_group_tests' group setup and teardown. */
static char tmpdir[64];

static inline int tmpdir_setup(void **st)
{
	(void)st;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/corewatch-unit-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
