// SPDX-License-Identifier: GPL-2.0-only
/* col_agent.c - what corewatch itself costs and how its output is doing (section "agent").
 *
 * Always reads the real /proc/self, whatever --proc-root says: this is about the running process.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "collector.h"
#include "util.h"

struct agent_state {
	struct col_base base;
	double cpu_s[2]; /* user + system time consumed so far */
	uint64_t rss_bytes;
	int cur;
};

static int agent_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct agent_state), state);
}

static int agent_sample(void *state)
{
	struct agent_state *s = state;
	struct rusage ru;
	const char *p;
	uint64_t size, resident;
	int err;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -errno;
	err = fbuf_read(&s->base.buf, "/proc", "self/statm");
	if (err)
		return err;
	p = s->base.buf.data;
	if (scan_u64(&p, &size) < 0 || scan_u64(&p, &resident) < 0)
		return -EINVAL;
	s->cur = !s->cur;
	s->cpu_s[s->cur] = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s->rss_bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static void agent_emit(void *state, cJSON *record, double dt)
{
	struct agent_state *s = state;
	const struct agent_counters *c = s->base.env->agent;
	cJSON *o = jobj(record, "agent");

	jnum(o, "cpu_pct", 100.0 * safe_div(s->cpu_s[s->cur] - s->cpu_s[!s->cur], dt));
	jint(o, "rss_bytes", s->rss_bytes);
	jint(o, "records_written", c->records_written);
	jint(o, "records_dropped", c->records_dropped);
	jint(o, "write_errors", c->write_errors);
	jint(o, "collector_errors", c->collector_errors);
	jint(o, "missed_intervals", c->missed_intervals);
	jint(o, "alerts_firing", c->alerts_firing);
	jint(o, "alerts_sent", c->alerts_sent);
	jint(o, "alert_delivery_errors", c->alert_delivery_errors);
	jint(o, "alerts_dropped", c->alerts_dropped);
	jint(o, "http_requests", c->http_requests);
	jint(o, "http_clients_refused", c->http_clients_refused);
	jint(o, "http_clients_closed", c->http_clients_closed);
}

const struct collector_ops agent_collector = {
	.name = "agent", .init = agent_init, .sample = agent_sample, .emit = agent_emit,
	.free = col_base_free,
};
