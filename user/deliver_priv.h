/* SPDX-License-Identifier: GPL-2.0-only */
/* deliver_priv.h - what the delivery core (deliver.c) and its transports share; not for other modules.
 *
 * The core owns the targets, their bounded queues, retries with backoff and the private epoll loop.
 * A transport is a table of operations (struct deliver_ops): it parses its settings into a target's
 * conf, turns a queued job into an attempt (its own state in job->priv) and reports the attempt's end
 * through deliver_job_done(). Transports: deliver_exec.c (a program), deliver_http.c (the libcurl multi
 * handle; the webhook), deliver_email.c and deliver_am.c (email and Alertmanager, over deliver_http.c).
 */
#ifndef COREWATCH_NOTIFY_PRIV_H
#define COREWATCH_NOTIFY_PRIV_H

#include <stdint.h>

#include "deliver.h"

#define DELIVER_QUEUE_MAX 256       /* deliveries waiting per target; the oldest is dropped beyond */
#define DELIVER_RUNNING_MAX 4       /* attempts in flight per target, at most */
#define DELIVER_TARGETS_MAX 4       /* one per transport */

struct target;
struct curl_loop;
struct curl_slist;

/* One delivery of one alert to one target; the core owns it. */
struct job {
	struct target *t;
	cJSON *rec;              /* what to deliver: the alert record, or the target's payload for it */
	int attempts;
	int64_t not_before;      /* monotonic ms: the next attempt waits until then */
	int64_t deadline;        /* monotonic ms: the attempt's ops->overdue is due then (0: none) */
	void *priv;              /* the transport's part of the attempt in flight; NULL between attempts */
};

struct deliver_ops {
	const char *name;        /* the flag naming the target, first word of its log lines */
	size_t max_running;      /* at most DELIVER_RUNNING_MAX */
	/* Parses the target's settings from o into a new *conf (NULL when o does not name the target).
	 * Returns 0, or -1 with a one-line reason naming the flag in err and nothing allocated. */
	int (*setup)(const struct options *o, void **conf, char *err, size_t errlen);
	/* Frees a conf from setup (NULL is fine). */
	void (*conf_free)(void *conf);
	/* Optional: readies the target once its deliverer is up. Returns 0, or -1 with a reason in err. */
	int (*open)(struct target *t, char *err, size_t errlen);
	/* Optional: what to queue for the alert record r (r stays the caller's; NULL counts a drop).
	 * Without it, a copy of r. */
	cJSON *(*payload)(struct target *t, const cJSON *r);
	/* Optional: periodic work before queued jobs start, and when it is next due (INT64_MAX: never). */
	void (*tick)(struct target *t, int64_t now);
	int64_t (*next_tick)(const struct target *t);
	/* Starts an attempt at j. Returns NULL, or why it could not start with j->priv freed again
	 * (the core then counts the failure). */
	const char *(*start)(struct job *j);
	/* Optional: fd of the deliverer's epoll set is readable. Returns true when it was j's. */
	bool (*on_fd)(struct job *j, int fd);
	/* Optional: j->deadline has passed. */
	void (*overdue)(struct job *j);
	/* Optional: at close, finishes j if it has ended without the loop's help (a hook not reaped). */
	void (*reap)(struct job *j);
	/* Stops the attempt in flight and frees j->priv (at close: the core then drops j). */
	void (*abort)(struct job *j);
};

struct target {
	const struct deliver_ops *ops;
	void *conf;                /* the transport's settings and state, from ops->setup */
	struct deliverer *n;
	struct job *q[DELIVER_QUEUE_MAX];  /* ring: waiting jobs, oldest first */
	size_t head, count;
	struct job *running[DELIVER_RUNNING_MAX];
	size_t nrunning;
	bool failing;              /* a failure was logged; the next success says so */
	bool overflow_logged;
};

struct deliverer {
	struct agent_counters *ctr;
	char host[256];
	uint64_t timeout_ms;       /* for one attempt */
	char *ca_file;             /* --ca-file, absolute (owned); NULL: the system's CAs */
	int epfd, tfd;
	struct curl_loop *curl;    /* deliver_http.c's, shared by its targets; NULL without them */
	struct target t[DELIVER_TARGETS_MAX];
	size_t nt;
};

extern const struct deliver_ops deliver_exec_ops, deliver_webhook_ops, deliver_email_ops, deliver_am_ops;

/* ---- deliver.c ---- */

/* Queues payload (ownership passes; NULL counts a drop) behind t's waiting jobs. */
void deliver_enqueue(struct target *t, cJSON *payload);
/* Ends j's attempt (j->priv already freed): a success, or the failure's reason, logged once per
 * failing spell, and a retry with backoff. j is the core's again, or freed. */
void deliver_job_done(struct job *j, const char *failure);
/* The string member k of o, "" when it is not one; o keeps it. */
const char *deliver_str(const cJSON *o, const char *k);
/* The number member k of o, 0 when there is none. */
double deliver_num(const cJSON *o, const char *k);
/* The record's labels as compact JSON (malloc'd, caller frees), or NULL. */
char *deliver_labels(const cJSON *r);

/* ---- deliver_email.c ---- */

/* --smtp-url as libcurl takes it (malloc'd, the caller's; NULL: out of memory): smtp+starttls:// is
 * smtp:// with *require_tls set. */
char *deliver_smtp_url(const char *url, bool *require_tls);

/* ---- deliver_http.c: the libcurl multi handle on the deliverer's epoll set ---- */

/* Checks that url parses with scheme http(s) (http) or smtp(s), smtp+starttls (!http), the only
 * protocols its transfers allow. Returns 0, or -1 with "--flag: ..." in err. */
int deliver_http_check_url(const char *flag, const char *url, bool http, char *err, size_t errlen);
/* Checks --ca-file path: a regular file not every user can write, holding PEM certificates. Returns
 * how many, with its absolute path in *abs (malloc'd, the caller's; abs may be NULL), or -1 with
 * "--ca-file: ..." in err. */
int deliver_http_ca_load(const char *path, char **abs, char *err, size_t errlen);
/* ops->open of a libcurl target: sets up the shared multi handle on first use. Returns 0 or -1. */
int deliver_http_attach(struct target *t, char *err, size_t errlen);
#define DELIVER_HTTP_JSON "Content-Type: application/json"  /* the header every POST carries */
/* Starts POSTing j->rec as JSON to url with headers hdrs (both stay the caller's and must outlive
 * the attempt). Returns NULL, or why not with nothing left in j->priv. */
const char *deliver_http_post(struct job *j, const char *url, const struct curl_slist *hdrs);
/* What an SMTP transfer needs (deliver_email.c's; outlives the attempt). */
struct deliver_mail {
	char *url, *from, *user, *pass;  /* user NULL: no login */
	struct curl_slist *rcpt;
	bool require_tls;                /* smtp+starttls://: no STARTTLS, no login and no mail */
};
/* Starts sending text (malloc'd, ownership passes; NULL: out of memory) as j's message through m.
 * Returns NULL, or why not with nothing left in j->priv. */
const char *deliver_http_mail(struct job *j, char *text, const struct deliver_mail *m);
/* ops->abort of a libcurl target. */
void deliver_http_abort(struct job *j);
/* The loop's side: fd (not the core's) had events; curl's timeout, when due at now; the transfers
 * that ended, finished; when curl next wants the timeout (0: no wish); and the end of it all. Each
 * does nothing without libcurl targets. */
void deliver_http_on_socket(struct deliverer *n, int fd, uint32_t events);
void deliver_http_timeout(struct deliverer *n, int64_t now);
void deliver_http_collect(struct deliverer *n);
int64_t deliver_http_due(const struct deliverer *n);
void deliver_http_close(struct deliverer *n);

#endif
