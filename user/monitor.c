// SPDX-License-Identifier: GPL-2.0-only
/* monitor.c - see monitor.h. */
#include "monitor.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bpf_load.h"
#include "col_bpf.h"
#include "inventory.h"
#include "log.h"
#include "privs.h"
#include "record.h"
#include "sdnotify.h"
#include "util.h"

#define DELIVER_GRACE_MS 2000 /* at exit, for alert deliveries still queued or in flight */

static void apply_log_level(const struct options *o)
{
	log_set_level(o->verbose ? LOG_LVL_DEBUG : o->quiet ? LOG_LVL_WARN : LOG_LVL_INFO);
}

static void emit_event(void *ctx, const char *event, cJSON *body);
static void emit_alert(void *ctx, cJSON *body, int64_t now_ms);
static void rule_unfed(void *ctx, const struct alert_rule *r, const char *missing, const cJSON *record);

static void set_env(struct monitor *m)
{
	m->env.proc_root = m->opt.proc_root;
	m->env.sys_root = m->opt.sys_root;
	m->env.all_disks = m->opt.all_disks;
	m->env.no_bpf = m->opt.no_bpf;
	m->env.per_cpu = m->opt.per_cpu;
	m->env.listen = m->opt.listen != NULL;
	m->env.deliver = m->deliver != NULL; /* targets need a restart: as opened */
	m->env.ifaces_include = m->opt.ifaces_include;
	m->env.ifaces_exclude = m->opt.ifaces_exclude;
	m->env.top_n = (unsigned)m->opt.top;
	m->env.top_cgroups = (unsigned)m->opt.top_cgroups;
	m->env.agent = &m->ctr;
	m->env.emit_event = emit_event;
	m->env.emit_ctx = m;
}

static void refresh_host(struct monitor *m)
{
	if (gethostname(m->host, sizeof(m->host)) < 0)
		snprintf(m->host, sizeof(m->host), "unknown");
	m->host[sizeof(m->host) - 1] = '\0';
}

int monitor_start(struct monitor *m, struct options *opt, int argc, char *const argv[], char *err,
		  size_t errlen)
{
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	m->loop.epfd = m->sig.fd = m->timer.fd = m->watchdog.fd = -1;
	m->opt = *opt;
	memset(opt, 0, sizeof(*opt));
	m->argc = argc;
	m->argv = argv;
	apply_log_level(&m->opt);
	set_env(m);
	refresh_host(m);
	if (output_open(&m->out, &m->opt, &m->ctr, err, errlen) < 0 ||
	    deliver_open(&m->deliver, &m->opt, m->host, &m->ctr, err, errlen) < 0 ||
	    http_open(&m->http, &m->opt, &m->ctr, err, errlen) < 0)
		return -1;
	set_env(m); /* with the targets opened */
	m->alerts = alert_engine_new(&m->opt.rules, m->opt.alert_repeat_ms, emit_alert, m);
	if (!m->alerts) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	alert_engine_on_unfed(m->alerts, rule_unfed);
	while (collector_table[n])
		n++;
	m->slots = calloc(n, sizeof(*m->slots));
	if (!m->slots) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->nslots = n;
	for (size_t i = 0; i < n; i++) {
		struct col_slot *s = &m->slots[i];
		int e;

		s->event.fd = -1;
		s->ops = collector_table[i];
		e = s->ops->init(&m->env, &s->state);
		s->active = e == 0;
		if (e == -ENOTSUP)
			log_debug("collector %s: not available on this host", s->ops->name);
		else if (e)
			log_warnx("collector %s disabled: %s", s->ops->name, strerror(-e));
		if (s->active && s->ops->event_fd)
			s->event.fd = s->ops->event_fd(s->state);
	}
	/* Loading freed large buffers (the kernel's BTF, ELF images): give them back. */
	malloc_trim(0);
	return 0;
}

static void sample_all(struct monitor *m)
{
	double t[m->nslots];
	int err[m->nslots];

	/* first the counters that are compared across collectors, back to back */
	for (size_t i = 0; i < m->nslots; i++) {
		const struct col_slot *s = &m->slots[i];

		err[i] = 0;
		if (s->active && s->ops->snapshot) {
			t[i] = clock_s(CLOCK_MONOTONIC);
			err[i] = s->ops->snapshot(s->state);
		}
	}
	for (size_t i = 0; i < m->nslots; i++) {
		struct col_slot *s = &m->slots[i];
		int e = err[i];

		if (!s->active)
			continue;
		if (!s->ops->snapshot)
			t[i] = clock_s(CLOCK_MONOTONIC);
		if (!e && s->ops->sample)
			e = s->ops->sample(s->state);
		if (e == 0) {
			s->samples = s->samples < 2 ? s->samples + 1 : 2;
			s->t_prev = s->t_cur;
			s->t_cur = t[i];
			s->last_err = 0;
			continue;
		}
		/* The section is left out until two good samples again; rates never span a gap. */
		m->ctr.collector_errors++;
		s->samples = 0;
		if (e != s->last_err)
			log_warnx("collector %s: %s (section left out until it recovers)", s->ops->name,
				  strerror(-e));
		s->last_err = e;
	}
}

/* Writes the rendering text (malloc'd, consumed; NULL: it ran out of memory) of a record. */
static void write_text(struct monitor *m, char *text, int64_t now_ms)
{
	if (!text) {
		m->ctr.records_dropped++;
		log_warnx("record dropped: out of memory");
	} else {
		output_record(&m->out, text, strlen(text), now_ms);
	}
	free(text);
}

/* Writes r as one line; r stays the caller's. */
static void write_json(struct monitor *m, const cJSON *r, int64_t now_ms)
{
	write_text(m, r ? cJSON_PrintUnformatted(r) : NULL, now_ms);
}

/* Writes r in the configured format: a JSON line, or with --format text its text line(s), whose
 * metrics lines show alerts_firing as it stands. r stays the caller's. */
static void write_out(struct monitor *m, const cJSON *r, int64_t now_ms)
{
	if (m->opt.format != FORMAT_TEXT)
		write_json(m, r, now_ms);
	else
		write_text(m, r ? text_render(&m->text, r, (size_t)m->ctr.alerts_firing) : NULL, now_ms);
}

static void write_record(struct monitor *m, cJSON *r, int64_t now_ms)
{
	write_out(m, r, now_ms);
	cJSON_Delete(r);
}

/* Why a section the record lacks is not there: eBPF's reason for its sections, else the collector's. */
static const char *absent_why(const char *section, const cJSON *record, char *buf, size_t len)
{
	const cJSON *bpf = cJSON_GetObjectItemCaseSensitive(record, "bpf"), *why;
	const char *err;

	if (!bpf_section(section)) {
		snprintf(buf, len, "its collector is not running here (see the inventory's collectors and the log)");
		return buf;
	}
	why = cJSON_GetObjectItemCaseSensitive(bpf, "reason");
	if (cJSON_IsString(why))
		err = why->valuestring;
	else
		err = bpf_program_error(section);
	snprintf(buf, len, "it comes from eBPF, %s", err ? err : "whose program is not attached");
	return buf;
}

/* Why the record has no eBPF run time (bpf.run_time_off), or NULL. */
static const char *run_time_off(const cJSON *record)
{
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(record, "bpf"),
							    "run_time_off");

	return cJSON_IsString(off) ? off->valuestring : NULL;
}

/* The alert engine found a rule's metric missing from the record (or back): one line each way. */
static void rule_unfed(void *ctx, const struct alert_rule *r, const char *missing, const cJSON *record)
{
	const char *off;
	char why[320];

	(void)ctx;
	if (!missing) {
		log_info("alert rule '%s': %s is in the records again: the rule is live", r->name, r->metric);
		return;
	}
	if (!strchr(missing, '.') && !strchr(missing, '{'))
		absent_why(missing, record, why, sizeof(why));
	else if (strchr(missing, '{'))
		snprintf(why, sizeof(why), "no instance matches");
	else if (strncmp(missing, "bpf.run_time", 12) == 0 && (off = run_time_off(record)))
		snprintf(why, sizeof(why), "%s", off);
	else
		snprintf(why, sizeof(why), "this host or kernel does not provide it");
	log_warnx("alert rule '%s' cannot fire: %s is not in the record (%s); it stays loaded and works once it is",
		  r->name, missing, why);
}

/* An alert state change from the engine: a record in the output, then to every delivery target. */
static void emit_alert(void *ctx, cJSON *body, int64_t now_ms)
{
	struct monitor *m = ctx;
	cJSON *r = record_new("alert", now_ms, m->host, m->opt.interval_ms);

	record_append(r, body);
	/* (text: after the line of the record that changed it, which is written once all are known) */
	if (m->held_alerts && r)
		cJSON_AddItemToArray(m->held_alerts, cJSON_Duplicate(r, 1));
	else
		write_out(m, r, now_ms);
	if (r)
		deliver_send(m->deliver, r);
	cJSON_Delete(r);
}

/* A rare notable event (from a ring buffer): written at once, not at the next tick. */
static void emit_event(void *ctx, const char *event, cJSON *body)
{
	struct monitor *m = ctx;
	int64_t now = clock_ms(CLOCK_REALTIME);
	cJSON *r = record_new("event", now, m->host, m->opt.interval_ms);

	if (r)
		jstr(r, "event", event);
	record_append(r, body);
	write_record(m, r, now);
}

/* The inventory record taken at now (the caller deletes it), or NULL when out of memory. */
static cJSON *inventory_record(struct monitor *m, int64_t now)
{
	const char *names[64];
	bool active[64];
	size_t n = m->nslots < 64 ? m->nslots : 64;
	cJSON *r = record_new("inventory", now, m->host, m->opt.interval_ms);

	for (size_t i = 0; i < n; i++) {
		names[i] = m->slots[i].ops->name;
		active[i] = m->slots[i].active;
	}
	if (r) {
		inventory_fill(r, &m->env, names, active, n);
		/* the full eBPF status: records carry a summary, events its changes */
		bpf_status_json(jobj(r, "bpf"), bpf_unavailable(&m->env));
		for (size_t i = 0; i < m->nslots; i++)
			if (m->slots[i].active && m->slots[i].ops->inventory)
				m->slots[i].ops->inventory(m->slots[i].state, r);
	}
	return r;
}

/* The inventory record as JSON taken at now (malloc'd), or NULL when out of memory. */
static char *inventory_json(void *ctx, int64_t now)
{
	cJSON *r = inventory_record(ctx, now);
	char *text = r ? cJSON_PrintUnformatted(r) : NULL;

	cJSON_Delete(r);
	return text;
}

static void write_inventory(struct monitor *m)
{
	int64_t now = clock_ms(CLOCK_REALTIME);
	char *text;

	if (m->opt.format == FORMAT_TEXT) {
		cJSON *r = inventory_record(m, now);

		text = r ? text_render(&m->text, r, 0) : NULL;
		cJSON_Delete(r);
	} else {
		text = inventory_json(m, now);
	}

	if (text)
		output_inventory(&m->out, text, strlen(text), now);
	else
		log_warnx("inventory record dropped: out of memory");
	free(text);
}

/* Tells systemd what the agent is doing, when that changed. */
static void update_status(struct monitor *m)
{
	char iv[32], st[sizeof(m->status)];

	format_duration_ms(m->opt.interval_ms, iv, sizeof(iv));
	snprintf(st, sizeof(st), "sampling every %s, %zu bpf programs, %llu dropped, %llu lost to full maps, "
		 "%llu alerts firing", iv, bpf_attached_count(), (unsigned long long)m->ctr.records_dropped,
		 (unsigned long long)bpf_status_map_full(), (unsigned long long)m->ctr.alerts_firing);
	if (strcmp(st, m->status) == 0)
		return;
	snprintf(m->status, sizeof(m->status), "%s", st);
	sd_notify_send("STATUS=%s", st);
}

/* Samples every collector and writes the record for the interval that just ended. */
static void tick(struct monitor *m)
{
	int64_t now = clock_ms(CLOCK_REALTIME);
	bool text = m->opt.format == FORMAT_TEXT;
	cJSON *r, *a;

	sample_all(m);
	r = record_metrics(m->slots, m->nslots, now, m->host, m->opt.interval_ms);
	/* Alerts follow the record they were evaluated on. A text line shows the alerts firing after
	 * it was evaluated: it is written once they are known, its alert lines held until then. */
	if (!text)
		write_json(m, r, now);
	else
		m->held_alerts = cJSON_CreateArray();
	if (r) {
		size_t firing;

		alert_engine_feed(m->alerts, r, now);
		alert_engine_active(m->alerts, &firing);
		m->ctr.alerts_firing = firing;
	}
	if (text) {
		write_out(m, r, now);
		cJSON_ArrayForEach(a, m->held_alerts)
			write_out(m, a, now);
		cJSON_Delete(m->held_alerts);
		m->held_alerts = NULL;
	}
	/* The endpoint serves this record until the next one (it takes it over). */
	if (m->http)
		http_set_alerts(m->http, alert_engine_firing(m->alerts));
	http_set_record(m->http, r, m->http ? record_totals(m->slots, m->nslots) : NULL, now,
			m->opt.interval_ms);
	update_status(m);
	m->records++;
	if (m->opt.count && m->records >= m->opt.count)
		m->stop = true;
}

/* Arms the timer on wall-clock multiples of the interval (records of a fleet line up), the first at
 * least half an interval away so the first rates cover a meaningful span. */
static int arm_timer(struct monitor *m)
{
	struct timespec now;
	struct itimerspec its = { 0 };
	uint64_t iv_ns = m->opt.interval_ms * 1000000ull, now_ns, next_ns;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	next_ns = (now_ns + iv_ns / 2) / iv_ns * iv_ns + iv_ns;
	its.it_value.tv_sec = (time_t)(next_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(next_ns % 1000000000ull);
	its.it_interval.tv_sec = (time_t)(iv_ns / 1000000000ull);
	its.it_interval.tv_nsec = (long)(iv_ns % 1000000000ull);
	return timerfd_settime(m->timer.fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void reload_config(struct monitor *m)
{
	struct options nopt;
	char err[512];
	const char *restart;

	log_info("SIGHUP: re-reading the configuration");
	sd_notify_send("RELOADING=1");
	output_reopen(&m->out);
	refresh_host(m);
	if (options_load(&nopt, m->argc, m->argv, err, sizeof(err)) < 0) {
		log_warnx("new configuration rejected, keeping the running one: %s", err);
		return;
	}
	if (output_reconfigure(&m->out, &nopt, err, sizeof(err)) < 0) {
		log_warnx("new configuration rejected, keeping the running one: %s", err);
		options_free(&nopt);
		return;
	}
	restart = options_restart_needed(&m->opt, &nopt);
	if (restart)
		log_warnx("%s changed: it takes effect only after a restart", restart);
	/* Settings that need a restart keep their running values. */
	options_keep_restart(&nopt, &m->opt);
	bool new_interval = nopt.interval_ms != m->opt.interval_ms;
	options_free(&m->opt);
	m->opt = nopt;
	if (alert_engine_set_rules(m->alerts, &m->opt.rules, m->opt.alert_repeat_ms,
				   clock_ms(CLOCK_REALTIME)) < 0)
		log_warnx("out of memory: the alert rules were not replaced");
	set_env(m);
	apply_log_level(&m->opt);
	if (new_interval && arm_timer(m) < 0)
		log_warn("timerfd_settime");
}

static void reload(struct monitor *m)
{
	reload_config(m);
	write_inventory(m); /* what runs now, in the log: the new settings, a refreshed host name */
	m->status[0] = '\0';
	update_status(m);
	sd_notify_send("READY=1");
}

static void on_signal(void *ctx)
{
	struct monitor *m = ctx;
	struct signalfd_siginfo si;

	while (read(m->sig.fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("%s: stopping", strsignal((int)si.ssi_signo));
			m->stop = true;
			break;
		case SIGHUP:
			reload(m);
			break;
		case SIGCHLD:
			children_reap();
			break;
		}
	}
}

static void on_timer(void *ctx)
{
	struct monitor *m = ctx;
	uint64_t expirations;
	int64_t now;
	ssize_t n;

	if (m->stop)
		return; /* stopping: the record in progress was the last */
	n = read(m->timer.fd, &expirations, sizeof(expirations));
	if (n < 0 && errno == ECANCELED) {
		/* The wall clock was set: realign to the new time. */
		log_info("system clock changed: realigning the sampling timer");
		if (arm_timer(m) < 0)
			log_warn("timerfd_settime");
		return;
	}
	if (n != sizeof(expirations))
		return;
	if (expirations > 1)
		m->ctr.missed_intervals += expirations - 1;
	/* A tick right after a late one (the loop was stopped or starved, and the late tick was
	 * handled just before this one came due) would make a record of a few ms: busy 0 or 100%,
	 * rates from a handful of events, alerts changing state on them. It is merged into the next
	 * record instead, and counted as missed. */
	now = clock_ms(CLOCK_MONOTONIC);
	/* (a monotonic clock that went back is a test's libfaketime: never a sliver) */
	if (m->last_tick_ms && now >= m->last_tick_ms && now - m->last_tick_ms < (int64_t)m->opt.interval_ms / 2) {
		m->ctr.missed_intervals++;
		log_debug("tick %lld ms after the last one: merged into the next record",
			  (long long)(now - m->last_tick_ms));
		return;
	}
	m->last_tick_ms = now;
	tick(m);
}

static void on_collector_event(void *ctx)
{
	struct col_slot *s = ctx;

	s->ops->on_event(s->state);
}

static void on_http(void *ctx)
{
	http_on_event(ctx);
}

static void on_deliver(void *ctx)
{
	deliver_on_event(ctx);
}

static void on_watchdog(void *ctx)
{
	struct monitor *m = ctx;
	uint64_t x;

	if (read(m->watchdog.fd, &x, sizeof(x)) == sizeof(x))
		sd_notify_send("WATCHDOG=1");
}

/* systemd's watchdog: pinged from this loop at half its period, so a stuck loop stops the pings. */
static int start_watchdog(struct monitor *m)
{
	uint64_t usec = sd_watchdog_usec() / 2;
	struct itimerspec its = { 0 };

	if (!usec)
		return 0;
	its.it_value.tv_sec = its.it_interval.tv_sec = (time_t)(usec / 1000000);
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(usec % 1000000) * 1000;
	m->watchdog.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	m->watchdog.fn = on_watchdog;
	m->watchdog.ctx = m;
	if (m->watchdog.fd < 0 || timerfd_settime(m->watchdog.fd, 0, &its, NULL) < 0 ||
	    loop_add(&m->loop, &m->watchdog) < 0)
		return -1;
	sd_notify_send("WATCHDOG=1");
	return 0;
}


void monitor_check_rules(const struct options *o)
{
	struct collector_env env = { .no_bpf = o->no_bpf };
	const char *why = NULL;

	for (size_t i = 0; i < o->rules.n; i++) {
		const struct alert_rule *r = &o->rules.v[i];

		if (!bpf_section(r->seg[0].name))
			continue;
		if (!why && !(why = bpf_unavailable(&env)))
			return;
		log_warnx("alert rule '%s' cannot fire: %s comes from eBPF, %s", r->name, r->metric, why);
	}
}

int monitor_run(struct monitor *m)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is a write error to count, not a death */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (m->sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (m->timer.fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    loop_open(&m->loop) < 0) {
		log_warn("cannot set up the event loop");
		return 1;
	}
	m->sig.fn = on_signal;
	m->timer.fn = on_timer;
	m->sig.ctx = m->timer.ctx = m;
	if (loop_add(&m->loop, &m->sig) < 0 || loop_add(&m->loop, &m->timer) < 0) {
		log_warn("cannot set up the event loop");
		return 1;
	}
	if (m->deliver) {
		m->deliver_ev = (struct loop_handler){ deliver_fd(m->deliver), on_deliver, m->deliver };
		if (loop_add(&m->loop, &m->deliver_ev) < 0)
			log_warn("cannot poll alert deliveries");
	}
	if (m->http) {
		m->http_ev = (struct loop_handler){ http_fd(m->http), on_http, m->http };
		if (loop_add(&m->loop, &m->http_ev) < 0)
			log_warn("cannot poll the --listen endpoint");
	}
	for (size_t i = 0; i < m->nslots; i++) {
		struct col_slot *s = &m->slots[i];

		s->event.fn = on_collector_event;
		s->event.ctx = s;
		if (s->event.fd >= 0 && loop_add(&m->loop, &s->event) < 0)
			log_warn("collector %s: cannot poll its events", s->ops->name);
	}
	sample_all(m); /* rates need two samples: the first record comes one interval from now */
	write_inventory(m);
	output_on_new_file(&m->out, inventory_json, m);
	if (arm_timer(m) < 0) {
		log_warn("timerfd_settime");
		return 1;
	}
	/* Loaded, attached, first sample taken: what needed privileges is done. */
	if (privs_drop(bpf_caps_to_keep() | deliver_caps_to_keep(&m->opt)) < 0)
		log_warn("cannot drop capabilities");
	if (start_watchdog(m) < 0)
		log_warn("cannot start the watchdog timer");
	update_status(m);
	sd_notify_send("READY=1\nMAINPID=%d", (int)getpid());
	while (!m->stop) {
		int n = loop_once(&m->loop, -1);

		if (n < 0) {
			errno = -n;
			log_warn("epoll_wait");
			return 1;
		}
	}
	sd_notify_send("STOPPING=1");
	return 0;
}

void monitor_stop(struct monitor *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].active)
			m->slots[i].ops->free(m->slots[i].state);
	free(m->slots);
	alert_engine_free(m->alerts);
	deliver_close(m->deliver, DELIVER_GRACE_MS);
	http_close(m->http);
	output_close(&m->out);
	options_free(&m->opt);
	loop_close(&m->loop);
	if (m->timer.fd >= 0)
		close(m->timer.fd);
	if (m->sig.fd >= 0)
		close(m->sig.fd);
	if (m->watchdog.fd >= 0)
		close(m->watchdog.fd);
}
