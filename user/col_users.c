// SPDX-License-Identifier: GPL-2.0-only
/* col_users.c - login sessions from utmp (section "users").
 *
 * Counts USER_PROCESS entries as who(1) does, leaving out those whose process is gone (a session that
 * ended without its logout record: a crash, a killed sshd); kill(pid, 0) failing with ESRCH says so,
 * EPERM means alive. A host without utmp (containers, minimal images) reports zero sessions rather
 * than an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <utmpx.h>

#include "collector.h"
#include "util.h"

#define MAX_DISTINCT 256 /* distinct users tracked; more are counted as one more each (upper bound) */

struct users_state {
	struct col_base base;
	uint64_t sessions, users;
};

static int users_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct users_state), state);
}

static int users_sample(void *state)
{
	struct users_state *s = state;
	static char seen[MAX_DISTINCT][sizeof(((struct utmpx *)0)->ut_user) + 1];
	size_t nseen = 0;
	struct utmpx *u;

	s->sessions = s->users = 0;
	if (s->base.env->utmp_path && utmpxname(s->base.env->utmp_path) != 0)
		return -ENOMEM;
	setutxent();
	while ((u = getutxent()) != NULL) {
		char name[sizeof(u->ut_user) + 1];
		size_t i;

		if (u->ut_type != USER_PROCESS || u->ut_user[0] == '\0')
			continue;
		if (u->ut_pid > 0 && kill(u->ut_pid, 0) < 0 && errno == ESRCH)
			continue;
		s->sessions++;
		memcpy(name, u->ut_user, sizeof(u->ut_user));
		name[sizeof(u->ut_user)] = '\0';
		for (i = 0; i < nseen && strcmp(seen[i], name) != 0; i++)
			;
		if (i < nseen)
			continue;
		s->users++;
		if (nseen < MAX_DISTINCT)
			memcpy(seen[nseen++], name, sizeof(name));
	}
	endutxent();
	return 0;
}

static void users_emit(void *state, cJSON *record, double dt)
{
	struct users_state *s = state;
	cJSON *o = jobj(record, "users");

	(void)dt;
	jint(o, "logged_in", s->sessions);
	jint(o, "distinct", s->users);
}

const struct collector_ops users_collector = {
	.name = "users", .init = users_init, .sample = users_sample, .emit = users_emit,
	.free = col_base_free,
};
