// SPDX-License-Identifier: GPL-2.0-only
/* deliver.c - alert delivery (see deliver.h): the targets, their bounded queues, retries with backoff,
 * the private loop. The transports behind struct deliver_ops are deliver_exec.c, deliver_http.c and
 * deliver_am.c (deliver_priv.h). */
#include "deliver_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define MAX_ATTEMPTS 10        /* then the delivery is dropped: 1s, 2s, 4s... backoff, 5 min cap */
#define BACKOFF_MAX_MS 300000

/* In the order their settings are checked and their targets served. */
static const struct deliver_ops *const transports[] = {
	&deliver_exec_ops, &deliver_webhook_ops, &deliver_am_ops, &deliver_email_ops,
};
_Static_assert(ARRAY_SIZE(transports) <= DELIVER_TARGETS_MAX, "a target per transport");

const char *deliver_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

double deliver_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

char *deliver_labels(const cJSON *r)
{
	return cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "labels"));
}

int deliver_check(const struct options *o, char *err, size_t errlen)
{
	if (o->ca_file && deliver_http_ca_load(o->ca_file, NULL, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		void *conf = NULL;

		if (transports[i]->setup(o, &conf, err, errlen) < 0)
			return -1;
		transports[i]->conf_free(conf);
	}
	return 0;
}

/* ---- the queue ---- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	cJSON_Delete(j->rec);
	free(j);
}

void deliver_enqueue(struct target *t, cJSON *payload)
{
	struct job *j = payload ? calloc(1, sizeof(*j)) : NULL;

	if (!j) {
		cJSON_Delete(payload);
		t->n->ctr->alerts_dropped++;
		return;
	}
	j->t = t;
	j->rec = payload;
	if (t->count == DELIVER_QUEUE_MAX) {
		/* Full: the oldest goes; a newer state of an alert matters more than an older one. */
		job_free(t->q[t->head]);
		t->head = (t->head + 1) % DELIVER_QUEUE_MAX;
		t->count--;
		t->n->ctr->alerts_dropped++;
		if (!t->overflow_logged)
			log_warnx("%s: %d deliveries waiting; dropping the oldest", t->ops->name,
				  DELIVER_QUEUE_MAX);
		t->overflow_logged = true;
	}
	t->q[(t->head + t->count) % DELIVER_QUEUE_MAX] = j;
	t->count++;
}

void deliver_job_done(struct job *j, const char *failure)
{
	struct target *t = j->t;
	struct deliverer *n = t->n;
	int64_t backoff;

	for (size_t i = 0; i < t->nrunning; i++)
		if (t->running[i] == j)
			t->running[i] = t->running[--t->nrunning];
	j->deadline = 0;
	if (!failure) {
		n->ctr->alerts_sent++;
		if (t->failing)
			log_info("%s: delivering again", t->ops->name);
		t->failing = false;
		t->overflow_logged = false;
		job_free(j);
		return;
	}
	n->ctr->alert_delivery_errors++;
	if (!t->failing)
		log_warnx("%s: delivery failed: %s (retrying with backoff)", t->ops->name, failure);
	else
		log_debug("%s: delivery failed again: %s", t->ops->name, failure);
	t->failing = true;
	if (++j->attempts >= MAX_ATTEMPTS) {
		log_warnx("%s: giving up on an alert after %d attempts", t->ops->name, MAX_ATTEMPTS);
		n->ctr->alerts_dropped++;
		job_free(j);
		return;
	}
	backoff = 1000ll << (j->attempts - 1);
	j->not_before = clock_ms(CLOCK_MONOTONIC) + (backoff > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff);
	/* Back to the head of the queue: it goes before anything newer (order per target). */
	if (t->count == DELIVER_QUEUE_MAX) {
		n->ctr->alerts_dropped++;
		job_free(j);
		return;
	}
	t->head = (t->head + DELIVER_QUEUE_MAX - 1) % DELIVER_QUEUE_MAX;
	t->q[t->head] = j;
	t->count++;
}

/* ---- the loop ---- */

static void start_ready(struct deliverer *n, int64_t now)
{
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		if (t->ops->tick)
			t->ops->tick(t, now);
		while (t->count && t->nrunning < t->ops->max_running) {
			struct job *j = t->q[t->head];
			const char *why;

			if (j->not_before > now)
				break;
			t->head = (t->head + 1) % DELIVER_QUEUE_MAX;
			t->count--;
			t->running[t->nrunning++] = j;
			if ((why = t->ops->start(j))) {
				deliver_job_done(j, why);
				break;
			}
		}
	}
}

static void check_deadlines(struct deliverer *n, int64_t now)
{
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		for (size_t i = 0; t->ops->overdue && i < t->nrunning; i++)
			if (t->running[i]->deadline && now >= t->running[i]->deadline)
				t->ops->overdue(t->running[i]);
	}
}

/* Arms the timer for the earliest thing due: a curl timeout, a retry, an attempt's deadline, a tick. */
static void rearm(struct deliverer *n, int64_t now)
{
	int64_t due = deliver_http_due(n) ? deliver_http_due(n) : INT64_MAX;
	struct itimerspec its = { 0 };

	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		if (t->count && t->nrunning < t->ops->max_running && t->q[t->head]->not_before < due)
			due = t->q[t->head]->not_before;
		for (size_t i = 0; i < t->nrunning; i++)
			if (t->running[i]->deadline && t->running[i]->deadline < due)
				due = t->running[i]->deadline;
		if (t->ops->next_tick && t->ops->next_tick(t) < due)
			due = t->ops->next_tick(t);
	}
	if (due != INT64_MAX) {
		int64_t in = due > now ? due - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000;
	}
	timerfd_settime(n->tfd, 0, &its, NULL);
}

/* Starts what may start, finishes the transfers that ended at once, and arms the timer. */
static void advance(struct deliverer *n, int64_t now)
{
	start_ready(n, now);
	deliver_http_collect(n);
	rearm(n, clock_ms(CLOCK_MONOTONIC));
}

static void run(struct deliverer *n, int timeout_ms)
{
	struct epoll_event ev[16];
	int nev = epoll_wait(n->epfd, ev, 16, timeout_ms);
	int64_t now;

	for (int i = 0; i < nev; i++) {
		int fd = ev[i].data.fd;
		bool mine = false;

		if (fd == n->tfd) {
			uint64_t x;

			if (read(n->tfd, &x, sizeof(x)) < 0)
				log_debug("delivery timer: %s", strerror(errno));
			continue;
		}
		for (size_t k = 0; k < n->nt && !mine; k++)
			for (size_t j = 0; n->t[k].ops->on_fd && j < n->t[k].nrunning && !mine; j++)
				mine = n->t[k].ops->on_fd(n->t[k].running[j], fd);
		if (!mine)
			deliver_http_on_socket(n, fd, ev[i].events);
	}
	now = clock_ms(CLOCK_MONOTONIC);
	deliver_http_timeout(n, now);
	deliver_http_collect(n);
	check_deadlines(n, now);
	advance(n, now);
}

void deliver_on_event(struct deliverer *n)
{
	run(n, 0);
}

int deliver_fd(const struct deliverer *n)
{
	return n ? n->epfd : -1;
}

void deliver_send(struct deliverer *n, const cJSON *r)
{
	if (!n)
		return;
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		deliver_enqueue(t, t->ops->payload ? t->ops->payload(t, r) : cJSON_Duplicate(r, 1));
	}
	advance(n, clock_ms(CLOCK_MONOTONIC));
}

int deliver_open(struct deliverer **out, const struct options *o, const char *host,
		struct agent_counters *ctr, char *err, size_t errlen)
{
	struct deliverer *n;

	*out = NULL;
	if (!(n = calloc(1, sizeof(*n)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->epfd = n->tfd = -1;
	n->ctr = ctr;
	n->timeout_ms = o->alert_timeout_ms;
	snprintf(n->host, sizeof(n->host), "%s", host);
	if (o->ca_file) {
		int certs = deliver_http_ca_load(o->ca_file, &n->ca_file, err, errlen);

		if (certs < 0)
			goto fail;
		log_info("alert delivery trusts the %d CA certificate%s in %s, not the system's", certs,
			 certs == 1 ? "" : "s", n->ca_file);
	}
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		void *conf = NULL;

		if (transports[i]->setup(o, &conf, err, errlen) < 0)
			goto fail;
		if (conf)
			n->t[n->nt++] = (struct target){ .ops = transports[i], .conf = conf, .n = n };
	}
	if (!n->nt) {
		deliver_close(n, 0);
		return 0;
	}
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	n->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (n->epfd < 0 || n->tfd < 0 || epoll_watch(n->epfd, n->tfd) < 0) {
		snprintf(err, errlen, "alert delivery: %s", strerror(errno));
		goto fail;
	}
	for (size_t k = 0; k < n->nt; k++)
		if (n->t[k].ops->open && n->t[k].ops->open(&n->t[k], err, errlen) < 0)
			goto fail;
	*out = n;
	return 0;
fail:
	deliver_close(n, 0);
	return -1;
}

void deliver_close(struct deliverer *n, unsigned grace_ms)
{
	int64_t end;

	if (!n)
		return;
	end = clock_ms(CLOCK_MONOTONIC) + grace_ms;
	/* Give what is queued or in flight a moment: a resolved alert at shutdown still reaches the pager. */
	for (;;) {
		bool busy = false;
		int64_t now = clock_ms(CLOCK_MONOTONIC);

		for (size_t k = 0; k < n->nt; k++) {
			struct target *t = &n->t[k];

			busy |= t->nrunning > 0 || (t->count && t->q[t->head]->not_before <= now);
			/* From the last: a job that ends leaves its place to one already seen. */
			for (size_t i = t->nrunning; t->ops->reap && i-- > 0;)
				t->ops->reap(t->running[i]);
		}
		if (!busy || now >= end || n->epfd < 0)
			break;
		run(n, 20);
	}
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		while (t->nrunning) {
			struct job *j = t->running[--t->nrunning];

			t->ops->abort(j);
			n->ctr->alerts_dropped++;
			job_free(j);
		}
		for (; t->count; t->count--, t->head = (t->head + 1) % DELIVER_QUEUE_MAX) {
			n->ctr->alerts_dropped++;
			job_free(t->q[t->head]);
		}
		t->ops->conf_free(t->conf);
	}
	deliver_http_close(n);
	if (n->tfd >= 0)
		close(n->tfd);
	if (n->epfd >= 0)
		close(n->epfd);
	free(n->ca_file);
	free(n);
}
