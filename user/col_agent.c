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
#include "totals.h"

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
	if (s->base.env->deliver) { /* without a target these could only ever say 0 */
		jint(o, "alerts_sent", c->alerts_sent);
		jint(o, "alert_delivery_errors", c->alert_delivery_errors);
		jint(o, "alerts_dropped", c->alerts_dropped);
	}
	if (!s->base.env->listen)
		return; /* no endpoint: its four counters could only ever say 0 */
	jint(o, "http_requests", c->http_requests);
	jint(o, "http_clients_refused", c->http_clients_refused);
	jint(o, "http_clients_closed", c->http_clients_closed);
	jint(o, "http_wrong_tokens", c->http_wrong_tokens);
}

/* corewatch's own cost and counters since it started. */
static void agent_totals(void *state, cJSON *t)
{
	const struct agent_state *s = state;
	const struct agent_counters *c = s->base.env->agent;
	const struct { const char *name, *help; uint64_t v; } k[] = {
		{ "agent_records_written_total", "Records written to the output", c->records_written },
		{ "agent_records_dropped_total", "Records lost (out of memory, output full)", c->records_dropped },
		{ "agent_write_errors_total", "Failed writes to the output", c->write_errors },
		{ "agent_collector_errors_total", "Failed collector samples", c->collector_errors },
		{ "agent_missed_intervals_total", "Intervals merged into the next because the loop was late", c->missed_intervals },
		{ "agent_alerts_sent_total", "Alert notifications delivered", c->alerts_sent },
		{ "agent_alert_delivery_errors_total", "Alert deliveries that failed", c->alert_delivery_errors },
		{ "agent_alerts_dropped_total", "Alert notifications dropped (queue full)", c->alerts_dropped },
		{ "agent_http_requests_total", "Requests to the endpoint", c->http_requests },
		{ "agent_http_clients_refused_total", "Endpoint connections refused: every slot taken", c->http_clients_refused },
		{ "agent_http_clients_closed_total", "Endpoint connections closed for being slow or idle", c->http_clients_closed },
		{ "agent_http_wrong_tokens_total", "Wrong tokens offered to the endpoint (login form or bearer header)",
		  c->http_wrong_tokens },
	};

	totals_add(t, "agent_cpu_seconds_total", "counter", "CPU seconds corewatch used, user and system", NULL,
		   s->cpu_s[s->cur]);
	totals_add(t, "agent_rss_bytes", "gauge", "corewatch's resident memory in bytes", NULL, (double)s->rss_bytes);
	totals_add(t, "agent_alerts_firing", "gauge", "Alert rules firing now", NULL, (double)c->alerts_firing);
	for (size_t i = 0; i < ARRAY_SIZE(k); i++)
		totals_add(t, k[i].name, "counter", k[i].help, NULL, (double)k[i].v);
}

const struct collector_ops agent_collector = {
	.name = "agent", .init = agent_init, .sample = agent_sample, .emit = agent_emit,
	.free = col_base_free,
	.totals = agent_totals,
};
