/* notify.c - alert delivery (see notify.h). */
#include "notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

extern char **environ;

#define QUEUE_MAX 256          /* deliveries waiting per target; the oldest is dropped beyond */
#define MAX_ATTEMPTS 10        /* then the delivery is dropped: 1s, 2s, 4s... backoff, 5 min cap */
#define BACKOFF_MAX_MS 300000
#define EXEC_MAX_RUNNING 4     /* hook programs running at once */
#define HOOK_OUTPUT_MAX 1024   /* bytes of a hook's stderr kept for the log */
#define AM_RESEND_MS 60000     /* Alertmanager wants firing alerts re-posted */
#define AM_ACTIVE_MAX 1024

enum target_kind { TK_EXEC, TK_WEBHOOK, TK_ALERTMANAGER, TK_EMAIL };
static const char *const kind_names[] = { "alert-exec", "alert-webhook", "alertmanager", "alert-email" };

struct target;

struct job {
	struct target *t;
	cJSON *rec;              /* the alert record, or for Alertmanager the array to post */
	int attempts;
	int64_t not_before;      /* monotonic ms */
	/* in flight */
	CURL *easy;
	struct curl_slist *hdrs; /* for email: the recipients */
	char *body;
	size_t body_len, body_off;
	char errbuf[CURL_ERROR_SIZE];
	char reply[200];
	size_t reply_len;
	pid_t pid;
	int out_fd;              /* the hook's stdout+stderr */
	char out[HOOK_OUTPUT_MAX];
	size_t out_len;
	int64_t deadline;
};

struct target {
	enum target_kind kind;
	struct notifier *n;
	struct job *q[QUEUE_MAX];  /* ring: waiting jobs, oldest first */
	size_t head, count;
	struct job *running[EXEC_MAX_RUNNING];
	size_t nrunning, max_running;
	bool failing;              /* a failure was logged; the next success says so */
	bool overflow_logged;
};

struct am_alert {
	char *key;
	cJSON *alert;              /* in Alertmanager's format */
};

struct notifier {
	struct agent_counters *ctr;
	char host[256];
	uint64_t timeout_ms;
	int epfd, tfd;
	CURLM *multi;
	int64_t curl_deadline;     /* 0: none */
	struct target t[4];
	size_t nt;
	/* settings */
	char *exec_path;
	char *webhook_url;
	struct curl_slist *webhook_hdrs;
	char *am_url;
	struct am_alert *am_active;
	size_t am_n;
	int64_t am_next_resend;
	char *smtp_url, *smtp_from, *smtp_user, *smtp_pass;
	struct strlist rcpt;
	unsigned mail_seq;
};

static const char *jget(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- settings ---- */

static int check_url(const char *flag, const char *url, const char *const *schemes, char *err,
		     size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	bool ok = false;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
		for (int i = 0; schemes[i]; i++)
			ok |= strcmp(scheme, schemes[i]) == 0;
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!ok)
		snprintf(err, errlen, "--%s: '%s' is not a %s://host... URL", flag, url, schemes[0]);
	return ok ? 0 : -1;
}

/* "Name: value" with a token name. */
static bool header_ok(const char *h)
{
	const char *c = strchr(h, ':');

	if (!c || c == h || strpbrk(h, "\r\n"))
		return false;
	for (const char *p = h; p < c; p++)
		if (*p <= ' ' || *p >= 127)
			return false;
	return true;
}

/* Parses the settings into n (n may be a scratch struct for --check-config). */
static int load_settings(struct notifier *n, const struct options *o, char *err, size_t errlen)
{
	static const char *const http[] = { "http", "https", NULL };
	static const char *const smtp[] = { "smtp", "smtps", NULL };

	if (o->alert_exec) {
		if (o->alert_exec[0] != '/') {
			snprintf(err, errlen, "--alert-exec: '%s' must be an absolute path (no shell runs it)",
				 o->alert_exec);
			return -1;
		}
		if (access(o->alert_exec, X_OK) < 0) {
			snprintf(err, errlen, "--alert-exec: %s: %s", o->alert_exec, strerror(errno));
			return -1;
		}
		n->exec_path = strdup(o->alert_exec);
	}
	if (o->alert_webhook) {
		if (check_url("alert-webhook", o->alert_webhook, http, err, errlen) < 0)
			return -1;
		n->webhook_url = strdup(o->alert_webhook);
		n->webhook_hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		for (size_t i = 0; i < o->alert_webhook_header.n; i++) {
			if (!header_ok(o->alert_webhook_header.v[i])) {
				snprintf(err, errlen, "--alert-webhook-header: '%s' is not 'Name: value'",
					 o->alert_webhook_header.v[i]);
				return -1;
			}
			n->webhook_hdrs = curl_slist_append(n->webhook_hdrs, o->alert_webhook_header.v[i]);
		}
		if (o->alert_webhook_headers_file) {
			char *text = secret_file_read("alert-webhook-headers-file", o->alert_webhook_headers_file,
						 err, errlen), *save = NULL, *line;
			int lineno = 0;

			if (!text)
				return -1;
			for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				size_t l = strlen(line);

				lineno++;
				if (l && line[l - 1] == '\r')
					line[l - 1] = '\0';
				if (!line[0] || line[0] == '#')
					continue;
				if (!header_ok(line)) {
					/* The line is a secret: name its place, not its text. */
					snprintf(err, errlen, "%s:%d: not a 'Name: value' header line",
						 o->alert_webhook_headers_file, lineno);
					free(text);
					return -1;
				}
				n->webhook_hdrs = curl_slist_append(n->webhook_hdrs, line);
			}
			explicit_bzero(text, strlen(text));
			free(text);
		}
	}
	if (o->alertmanager) {
		size_t l = strlen(o->alertmanager);

		if (check_url("alertmanager", o->alertmanager, http, err, errlen) < 0)
			return -1;
		n->am_url = malloc(l + sizeof("/api/v2/alerts"));
		if (n->am_url)
			snprintf(n->am_url, l + sizeof("/api/v2/alerts"), "%.*s/api/v2/alerts",
				 (int)(l && o->alertmanager[l - 1] == '/' ? l - 1 : l), o->alertmanager);
	}
	if (o->alert_email.n) {
		if (check_url("smtp-url", o->smtp_url, smtp, err, errlen) < 0)
			return -1;
		n->smtp_url = strdup(o->smtp_url);
		n->smtp_from = strdup(o->smtp_from);
		for (size_t i = 0; i < o->alert_email.n; i++) {
			const char *a = o->alert_email.v[i];

			if (!strchr(a, '@') || strpbrk(a, " \t\r\n<>,")) {
				snprintf(err, errlen, "--alert-email: '%s' is not an email address", a);
				return -1;
			}
		}
		if (o->smtp_credentials_file) {
			char *text = secret_file_read("smtp-credentials-file", o->smtp_credentials_file, err,
						 errlen), *c, *nl;

			if (!text)
				return -1;
			if ((nl = strpbrk(text, "\r\n")))
				*nl = '\0';
			c = strchr(text, ':');
			if (!c || c == text) {
				snprintf(err, errlen, "%s:1: expected 'user:password'", o->smtp_credentials_file);
				explicit_bzero(text, strlen(text));
				free(text);
				return -1;
			}
			*c = '\0';
			n->smtp_user = strdup(text);
			n->smtp_pass = strdup(c + 1);
			explicit_bzero(text, strlen(text) + strlen(c + 1) + 1);
			free(text);
		}
	}
	return 0;
}

static void free_settings(struct notifier *n)
{
	free(n->exec_path);
	free(n->webhook_url);
	curl_slist_free_all(n->webhook_hdrs);
	free(n->am_url);
	free(n->smtp_url);
	free(n->smtp_from);
	free(n->smtp_user);
	if (n->smtp_pass) {
		explicit_bzero(n->smtp_pass, strlen(n->smtp_pass));
		free(n->smtp_pass);
	}
}

int notify_check(const struct options *o, char *err, size_t errlen)
{
	struct notifier scratch = { 0 };
	int rc = load_settings(&scratch, o, err, errlen);

	free_settings(&scratch);
	return rc;
}

/* ---- the queue ---- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	cJSON_Delete(j->rec);
	free(j->body);
	if (j->out_fd >= 0)
		close(j->out_fd);
	free(j);
}

static struct job *job_new(struct target *t, cJSON *rec)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		cJSON_Delete(rec);
		return NULL;
	}
	j->t = t;
	j->rec = rec;
	j->out_fd = -1;
	j->pid = -1;
	return j;
}

static void enqueue(struct target *t, cJSON *rec)
{
	struct job *j;

	if (!rec || !(j = job_new(t, rec))) {
		t->n->ctr->alerts_dropped++;
		return;
	}
	if (t->count == QUEUE_MAX) {
		/* Full: the oldest goes; a newer state of an alert matters more than an older one. */
		job_free(t->q[t->head]);
		t->head = (t->head + 1) % QUEUE_MAX;
		t->count--;
		t->n->ctr->alerts_dropped++;
		if (!t->overflow_logged)
			log_warnx("%s: %d deliveries waiting; dropping the oldest", kind_names[t->kind],
				  QUEUE_MAX);
		t->overflow_logged = true;
	}
	t->q[(t->head + t->count) % QUEUE_MAX] = j;
	t->count++;
}

/* A finished attempt: ok, or a reason (logged once per failing spell) and a retry later. */
static void job_done(struct job *j, const char *failure)
{
	struct target *t = j->t;
	struct notifier *n = t->n;

	for (size_t i = 0; i < t->nrunning; i++)
		if (t->running[i] == j)
			t->running[i] = t->running[--t->nrunning];
	if (!failure) {
		n->ctr->alerts_sent++;
		if (t->failing)
			log_info("%s: delivering again", kind_names[t->kind]);
		t->failing = false;
		t->overflow_logged = false;
		job_free(j);
		return;
	}
	n->ctr->alert_delivery_errors++;
	if (!t->failing)
		log_warnx("%s: delivery failed: %s (retrying with backoff)", kind_names[t->kind], failure);
	else
		log_debug("%s: delivery failed again: %s", kind_names[t->kind], failure);
	t->failing = true;
	if (++j->attempts >= MAX_ATTEMPTS) {
		log_warnx("%s: giving up on an alert after %d attempts", kind_names[t->kind], MAX_ATTEMPTS);
		n->ctr->alerts_dropped++;
		job_free(j);
		return;
	}
	{
		int64_t backoff = 1000ll << (j->attempts - 1);

		j->not_before = clock_ms(CLOCK_MONOTONIC) + (backoff > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff);
	}
	free(j->body);
	j->body = NULL;
	j->body_len = j->body_off = j->reply_len = 0;
	j->out_len = 0;
	j->pid = -1;
	/* Back to the head of the queue: it goes before anything newer (order per target). */
	if (t->count == QUEUE_MAX) {
		n->ctr->alerts_dropped++;
		job_free(j);
		return;
	}
	t->head = (t->head + QUEUE_MAX - 1) % QUEUE_MAX;
	t->q[t->head] = j;
	t->count++;
}

/* ---- exec ---- */

static void add_env(char ***env, size_t *n, const char *name, const char *value)
{
	char **nv = realloc(*env, (*n + 2) * sizeof(*nv));

	if (!nv)
		return;
	*env = nv;
	if (asprintf(&nv[*n], "COREWATCH_ALERT_%s=%s", name, value) >= 0)
		(*n)++;
	nv[*n] = NULL;
}

static char **hook_env(const cJSON *r, char ***owned, size_t *nowned)
{
	static const char *const fields[][2] = {
		{ "NAME", "name" }, { "STATE", "state" }, { "SEVERITY", "severity" },
		{ "METRIC", "metric" }, { "OP", "op" }, { "MESSAGE", "message" },
		{ "STARTED_AT", "started_at" }, { "HOST", "host" }, { "REASON", "reason" },
		{ "TIME", "time" },
	};
	static const char *const nums[][2] = { { "VALUE", "value" }, { "THRESHOLD", "threshold" } };
	size_t nenv = 0, n = 0;
	char **env, *labels;

	for (const char *const *e = (const char *const *)environ; e && *e; e++)
		if (strncmp(*e, "COREWATCH_ALERT_", 16) != 0)
			nenv++;
	*owned = NULL;
	*nowned = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		add_env(owned, nowned, fields[i][0], jget(r, fields[i][1]));
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, nums[i][1]);
		char buf[40];

		snprintf(buf, sizeof(buf), "%.15g", cJSON_IsNumber(v) ? v->valuedouble : 0);
		add_env(owned, nowned, nums[i][0], buf);
	}
	labels = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "labels"));
	add_env(owned, nowned, "LABELS", labels ? labels : "{}");
	free(labels);
	env = calloc(nenv + *nowned + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (const char *const *e = (const char *const *)environ; e && *e; e++)
		if (strncmp(*e, "COREWATCH_ALERT_", 16) != 0)
			env[n++] = (char *)*e;
	for (size_t i = 0; i < *nowned; i++)
		env[n++] = (*owned)[i];
	return env;
}

/* Starts the hook program. Returns NULL on success, or why it could not start. */
static const char *start_exec(struct notifier *n, struct job *j)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **owned = NULL, **env, *argv[2] = { n->exec_path, NULL };
	size_t nowned = 0;
	char *text = cJSON_PrintUnformatted(j->rec);
	const char *why = NULL;
	int e;

	env = hook_env(j->rec, &owned, &nowned);
	if (!text || !env || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
		why = "out of memory or descriptors";
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawnattr_init(&at);
	/* The agent blocks its signals for signalfd and ignores SIGPIPE: the hook must not inherit that. */
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills its children too */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	e = posix_spawn(&j->pid, n->exec_path, &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e) {
		j->pid = -1;
		why = strerror(e);
		goto out;
	}
	/* The record is far below the pipe's capacity: this write does not block. */
	if (write(in[1], text, strlen(text)) < 0 || write(in[1], "\n", 1) < 0)
		log_debug("alert-exec: writing the hook's stdin: %s", strerror(errno));
	j->out_fd = out[0];
	out[0] = -1;
	if (epoll_watch(n->epfd, j->out_fd) < 0)
		log_debug("alert-exec: cannot poll the hook's output: %s", strerror(errno));
	j->deadline = clock_ms(CLOCK_MONOTONIC) + (int64_t)n->timeout_ms;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(text);
	free(env);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	return why;
}

/* Reads what the hook wrote so far; at end of file stops polling it (a hook that closes its output and
 * keeps running must not keep the loop busy). */
static void drain_output(struct job *j)
{
	char buf[512];
	ssize_t r = -1;

	while (j->out_fd >= 0 && (r = read(j->out_fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(j->out) - 1 - j->out_len, take = (size_t)r < room ? (size_t)r : room;

		memcpy(j->out + j->out_len, buf, take);
		j->out_len += take;
	}
	if (r == 0) {
		close(j->out_fd); /* also leaves the epoll set: nobody else holds this end */
		j->out_fd = -1;
	}
	j->out[j->out_len] = '\0';
}

bool notify_child_exited(struct notifier *n, pid_t pid, int status)
{
	struct target *t;
	char why[HOOK_OUTPUT_MAX + 64];

	if (!n)
		return false;
	for (size_t k = 0; k < n->nt; k++) {
		t = &n->t[k];
		for (size_t i = 0; i < t->nrunning; i++) {
			struct job *j = t->running[i];
			char *nl;

			if (j->pid != pid)
				continue;
			drain_output(j);
			if (j->out_fd >= 0)
				close(j->out_fd);
			j->out_fd = -1;
			while ((nl = strrchr(j->out, '\n')) && nl[1] == '\0')
				*nl = '\0';
			for (char *c = j->out; *c; c++)
				if (*c == '\n')
					*c = '|';
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				if (j->out[0])
					log_info("alert-exec: %s exited 0: %s", n->exec_path, j->out);
				job_done(j, NULL);
			} else {
				if (WIFEXITED(status))
					snprintf(why, sizeof(why), "%s exited %d%s%s", n->exec_path,
						 WEXITSTATUS(status), j->out[0] ? ": " : "", j->out);
				else
					snprintf(why, sizeof(why), "%s killed by signal %d%s%s", n->exec_path,
						 WTERMSIG(status), j->out[0] ? ": " : "", j->out);
				job_done(j, why);
			}
			return true;
		}
	}
	return false;
}

/* ---- HTTP and SMTP through libcurl ---- */

static size_t on_reply(char *data, size_t size, size_t nmemb, void *user)
{
	struct job *j = user;
	size_t len = size * nmemb, room = sizeof(j->reply) - 1 - j->reply_len;

	memcpy(j->reply + j->reply_len, data, len < room ? len : room);
	j->reply_len += len < room ? len : room;
	j->reply[j->reply_len] = '\0';
	return len;
}

static size_t on_mail_read(char *buf, size_t size, size_t nmemb, void *user)
{
	struct job *j = user;
	size_t want = size * nmemb, left = j->body_len - j->body_off, n = want < left ? want : left;

	memcpy(buf, j->body + j->body_off, n);
	j->body_off += n;
	return n;
}

static char *mail_text(struct notifier *n, const cJSON *r)
{
	char date[64], *labels = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "labels"));
	char *text = NULL, *to = NULL;
	size_t tolen = 0;
	time_t now = time(NULL);
	struct tm tm;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "value");
	bool firing = strcmp(jget(r, "state"), "firing") == 0;
	int len;

	for (size_t i = 0; i < n->rcpt.n; i++)
		tolen += strlen(n->rcpt.v[i]) + 2;
	to = calloc(1, tolen + 1);
	for (size_t i = 0; to && i < n->rcpt.n; i++) {
		if (i)
			strcat(to, ", ");
		strcat(to, n->rcpt.v[i]);
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	len = asprintf(&text,
		       "Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
		       "Subject: [corewatch] %s %s %s on %s\r\n"
		       "Message-ID: <corewatch.%lld.%d.%u@%s>\r\n"
		       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		       "Auto-Submitted: auto-generated\r\n\r\n"
		       "%s\r\n\r\n"
		       "Alert:     %s (%s)\r\nState:     %s%s%s\r\nHost:      %s\r\nMetric:    %s %s\r\n"
		       "Value:     %.15g\r\nThreshold: %s %.15g\r\nStarted:   %s\r\nTime:      %s\r\n\r\n"
		       "-- \r\ncorewatch\r\n",
		       date, n->smtp_from, to ? to : "", firing ? "FIRING" : "RESOLVED",
		       jget(r, "severity"), jget(r, "name"), n->host, (long long)now, (int)getpid(),
		       ++n->mail_seq, n->host, jget(r, "message"), jget(r, "name"), jget(r, "severity"),
		       jget(r, "state"), firing ? "" : ", ", jget(r, "reason"), n->host,
		       jget(r, "metric"), labels ? labels : "{}", cJSON_IsNumber(v) ? v->valuedouble : 0,
		       jget(r, "op"),
		       cJSON_GetObjectItemCaseSensitive(r, "threshold")
			       ? cJSON_GetObjectItemCaseSensitive(r, "threshold")->valuedouble
			       : 0,
		       jget(r, "started_at"), jget(r, "time"));
	free(labels);
	free(to);
	return len < 0 ? NULL : text;
}

/* Only the protocols the target needs (a URL cannot turn a webhook into file:// or smtp). */
static void set_protocols(CURL *e, bool http)
{
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: CURLOPT_PROTOCOLS deprecated for the _STR form */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, http ? "http,https" : "smtp,smtps");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, http ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)
						   : (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
}

static const char *start_curl(struct notifier *n, struct job *j)
{
	struct target *t = j->t;
	CURL *e = curl_easy_init();

	if (!e)
		return "cannot create a libcurl handle";
	j->easy = e;
	j->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "corewatch");
	if (t->kind == TK_EMAIL) {
		j->body = mail_text(n, j->rec);
		if (!j->body)
			return "out of memory";
		j->body_len = strlen(j->body);
		j->hdrs = NULL;
		for (size_t i = 0; i < n->rcpt.n; i++)
			j->hdrs = curl_slist_append(j->hdrs, n->rcpt.v[i]);
		curl_easy_setopt(e, CURLOPT_URL, n->smtp_url);
		set_protocols(e, false);
		curl_easy_setopt(e, CURLOPT_MAIL_FROM, n->smtp_from);
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, j->hdrs);
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* STARTTLS when offered */
		if (n->smtp_user) {
			curl_easy_setopt(e, CURLOPT_USERNAME, n->smtp_user);
			curl_easy_setopt(e, CURLOPT_PASSWORD, n->smtp_pass);
		}
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_mail_read);
		curl_easy_setopt(e, CURLOPT_READDATA, j);
		curl_easy_setopt(e, CURLOPT_INFILESIZE, (long)j->body_len);
	} else {
		j->body = cJSON_PrintUnformatted(j->rec);
		if (!j->body)
			return "out of memory";
		curl_easy_setopt(e, CURLOPT_URL, t->kind == TK_WEBHOOK ? n->webhook_url : n->am_url);
		set_protocols(e, true);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->kind == TK_WEBHOOK ? n->webhook_hdrs : NULL);
		if (t->kind == TK_ALERTMANAGER) {
			j->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->hdrs);
		}
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	}
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK)
		return "cannot start a libcurl transfer";
	return NULL;
}

static void finish_curl(struct notifier *n, struct job *j, CURLcode res)
{
	char why[CURL_ERROR_SIZE + 300];
	long code = 0;

	curl_multi_remove_handle(n->multi, j->easy);
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	curl_slist_free_all(j->hdrs);
	j->hdrs = NULL;
	if (res != CURLE_OK)
		snprintf(why, sizeof(why), "%s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(res));
	else if (j->t->kind != TK_EMAIL && (code < 200 || code > 299)) {
		char *nl;

		while ((nl = strpbrk(j->reply, "\r\n")))
			*nl = ' ';
		snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, j->reply);
		log_debug("%s: the refused body: %s", kind_names[j->t->kind], j->body);
	}
	else
		why[0] = '\0';
	job_done(j, why[0] ? why : NULL);
}

static void check_curl_done(struct notifier *n)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(n->multi, &left))) {
		struct job *j = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		if (j)
			finish_curl(n, j, msg->data.result);
	}
}

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *user, void *sockp)
{
	struct notifier *n = user;
	struct epoll_event ev = { .data.fd = s };

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(n->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	if (epoll_ctl(n->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
		epoll_ctl(n->epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *user)
{
	struct notifier *n = user;

	(void)m;
	n->curl_deadline = timeout_ms < 0 ? 0 : clock_ms(CLOCK_MONOTONIC) + timeout_ms;
	return 0;
}

/* ---- Alertmanager ---- */

/* The alert in Alertmanager's v2 format. endsAt in the future keeps it alive until the next re-post. */
static cJSON *am_alert(struct notifier *n, const cJSON *r, bool firing)
{
	cJSON *a = cJSON_CreateObject(), *lb = jobj(a, "labels"), *an = jobj(a, "annotations"), *it;
	char ends[40], desc[700];

	jstr(lb, "alertname", jget(r, "name"));
	jstr(lb, "instance", n->host);
	jstr(lb, "severity", jget(r, "severity"));
	jstr(lb, "job", "corewatch");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "labels"))
		if (cJSON_IsString(it) && !cJSON_GetObjectItemCaseSensitive(lb, it->string))
			jstr(lb, it->string, it->valuestring);
	jstr(an, "summary", jget(r, "message"));
	snprintf(desc, sizeof(desc), "%s %s %.15g (value %.15g) on %s", jget(r, "metric"), jget(r, "op"),
		 cJSON_GetObjectItemCaseSensitive(r, "threshold")->valuedouble,
		 cJSON_GetObjectItemCaseSensitive(r, "value")->valuedouble, n->host);
	jstr(an, "description", desc);
	jstr(a, "startsAt", jget(r, "started_at"));
	if (firing) {
		format_rfc3339_ms(clock_ms(CLOCK_REALTIME) + 4 * AM_RESEND_MS, ends, sizeof(ends));
		jstr(a, "endsAt", ends);
	} else {
		/* The record's own time: never before startsAt (time() runs on a coarser clock). */
		jstr(a, "endsAt", jget(r, "time"));
	}
	return a;
}

static void am_key(const cJSON *r, char *buf, size_t len)
{
	char *labels = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "labels"));

	snprintf(buf, len, "%s%s", jget(r, "name"), labels ? labels : "");
	free(labels);
}

static void am_track(struct notifier *n, const cJSON *r, bool firing)
{
	char key[600];
	size_t i;

	am_key(r, key, sizeof(key));
	for (i = 0; i < n->am_n && strcmp(n->am_active[i].key, key) != 0; i++)
		;
	if (i < n->am_n) {
		free(n->am_active[i].key);
		cJSON_Delete(n->am_active[i].alert);
		n->am_active[i] = n->am_active[--n->am_n];
	}
	if (!firing || n->am_n == AM_ACTIVE_MAX)
		return;
	{
		struct am_alert *nv = realloc(n->am_active, (n->am_n + 1) * sizeof(*nv));

		if (!nv)
			return;
		n->am_active = nv;
		nv[n->am_n].key = strdup(key);
		nv[n->am_n].alert = cJSON_Duplicate(r, 1);
		if (nv[n->am_n].key && nv[n->am_n].alert)
			n->am_n++;
	}
}

/* Every AM_RESEND_MS, all firing alerts again (with a fresh endsAt), as Prometheus does. */
static void am_resend(struct notifier *n, struct target *t, int64_t now)
{
	cJSON *arr;

	if (now < n->am_next_resend)
		return;
	n->am_next_resend = now + AM_RESEND_MS;
	if (!n->am_n || t->count)
		return; /* nothing firing, or the queue already carries fresh news */
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n->am_n; i++)
		cJSON_AddItemToArray(arr, am_alert(n, n->am_active[i].alert, true));
	enqueue(t, arr);
}

/* ---- the loop ---- */

static void start_ready(struct notifier *n, int64_t now)
{
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		if (t->kind == TK_ALERTMANAGER)
			am_resend(n, t, now);
		while (t->count && t->nrunning < t->max_running) {
			struct job *j = t->q[t->head];
			const char *why;

			if (j->not_before > now)
				break;
			t->head = (t->head + 1) % QUEUE_MAX;
			t->count--;
			t->running[t->nrunning++] = j;
			why = t->kind == TK_EXEC ? start_exec(n, j) : start_curl(n, j);
			if (why) {
				if (j->easy) {
					curl_easy_cleanup(j->easy);
					j->easy = NULL;
				}
				curl_slist_free_all(j->hdrs);
				j->hdrs = NULL;
				job_done(j, why);
				break;
			}
		}
	}
}

static void kill_overdue(struct notifier *n, int64_t now)
{
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		for (size_t i = 0; t->kind == TK_EXEC && i < t->nrunning; i++) {
			struct job *j = t->running[i];

			if (j->pid > 0 && j->deadline && now >= j->deadline) {
				log_warnx("alert-exec: %s still running after %llu ms: killing it",
					  n->exec_path, (unsigned long long)n->timeout_ms);
				kill(-j->pid, SIGKILL);
				j->deadline = 0; /* its exit arrives through SIGCHLD */
			}
		}
	}
}

/* Arms the timer for the earliest thing due: a curl timeout, a retry, a hook deadline, a re-post. */
static void rearm(struct notifier *n, int64_t now)
{
	int64_t due = n->curl_deadline ? n->curl_deadline : INT64_MAX;
	struct itimerspec its = { 0 };

	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		if (t->count && t->nrunning < t->max_running && t->q[t->head]->not_before < due)
			due = t->q[t->head]->not_before;
		for (size_t i = 0; i < t->nrunning; i++)
			if (t->running[i]->deadline && t->running[i]->deadline < due)
				due = t->running[i]->deadline;
		if (t->kind == TK_ALERTMANAGER && n->am_n && n->am_next_resend < due)
			due = n->am_next_resend;
	}
	if (due != INT64_MAX) {
		int64_t in = due > now ? due - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000;
	}
	timerfd_settime(n->tfd, 0, &its, NULL);
}

static void run(struct notifier *n, int timeout_ms)
{
	struct epoll_event ev[16];
	int nev = epoll_wait(n->epfd, ev, 16, timeout_ms), running;
	int64_t now;

	for (int i = 0; i < nev; i++) {
		int fd = ev[i].data.fd;
		bool mine = false;

		if (fd == n->tfd) {
			uint64_t x;

			if (read(n->tfd, &x, sizeof(x)) < 0)
				log_debug("notify timer: %s", strerror(errno));
			continue;
		}
		for (size_t k = 0; k < n->nt && !mine; k++)
			for (size_t j = 0; j < n->t[k].nrunning && !mine; j++)
				if (n->t[k].running[j]->out_fd == fd) {
					drain_output(n->t[k].running[j]);
					mine = true;
				}
		if (!mine && n->multi)
			curl_multi_socket_action(n->multi, fd,
						 (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
							 (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
							 (ev[i].events & EPOLLERR ? CURL_CSELECT_ERR : 0),
						 &running);
	}
	now = clock_ms(CLOCK_MONOTONIC);
	if (n->multi && n->curl_deadline && now >= n->curl_deadline) {
		n->curl_deadline = 0;
		curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	if (n->multi)
		check_curl_done(n);
	kill_overdue(n, now);
	start_ready(n, now);
	if (n->multi)
		check_curl_done(n);
	rearm(n, clock_ms(CLOCK_MONOTONIC));
}

void notify_on_event(struct notifier *n)
{
	run(n, 0);
}

int notify_fd(const struct notifier *n)
{
	return n ? n->epfd : -1;
}

void notify_send(struct notifier *n, const cJSON *r)
{
	bool firing;

	if (!n)
		return;
	firing = strcmp(jget(r, "state"), "firing") == 0;
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		if (t->kind == TK_ALERTMANAGER) {
			cJSON *arr = cJSON_CreateArray();

			cJSON_AddItemToArray(arr, am_alert(n, r, firing));
			am_track(n, r, firing);
			enqueue(t, arr);
		} else {
			enqueue(t, cJSON_Duplicate(r, 1));
		}
	}
	start_ready(n, clock_ms(CLOCK_MONOTONIC));
	if (n->multi)
		check_curl_done(n);
	rearm(n, clock_ms(CLOCK_MONOTONIC));
}

int notify_open(struct notifier **out, const struct options *o, const char *host,
		struct agent_counters *ctr, char *err, size_t errlen)
{
	struct notifier *n;

	*out = NULL;
	if (!o->alert_exec && !o->alert_webhook && !o->alertmanager && !o->alert_email.n)
		return 0;
	if (!(n = calloc(1, sizeof(*n)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->epfd = n->tfd = -1;
	if (load_settings(n, o, err, errlen) < 0)
		goto fail;
	n->rcpt = (struct strlist){ 0 };
	for (size_t i = 0; i < o->alert_email.n; i++) {
		char **nv = realloc(n->rcpt.v, (n->rcpt.n + 1) * sizeof(*nv));

		if (!nv || !(nv[n->rcpt.n] = strdup(o->alert_email.v[i]))) {
			if (nv)
				n->rcpt.v = nv;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		n->rcpt.v = nv;
		n->rcpt.n++;
	}
	n->ctr = ctr;
	n->timeout_ms = o->alert_timeout_ms;
	snprintf(n->host, sizeof(n->host), "%s", host);
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	n->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (n->epfd < 0 || n->tfd < 0 || epoll_watch(n->epfd, n->tfd) < 0) {
		snprintf(err, errlen, "alert delivery: %s", strerror(errno));
		goto fail;
	}
	if (n->exec_path)
		n->t[n->nt++] = (struct target){ .kind = TK_EXEC, .max_running = EXEC_MAX_RUNNING };
	if (n->webhook_url)
		n->t[n->nt++] = (struct target){ .kind = TK_WEBHOOK, .max_running = 1 };
	if (n->am_url)
		n->t[n->nt++] = (struct target){ .kind = TK_ALERTMANAGER, .max_running = 1 };
	if (n->smtp_url)
		n->t[n->nt++] = (struct target){ .kind = TK_EMAIL, .max_running = 1 };
	for (size_t k = 0; k < n->nt; k++)
		n->t[k].n = n;
	if (n->webhook_url || n->am_url || n->smtp_url) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(n->multi = curl_multi_init())) {
			snprintf(err, errlen, "alert delivery: cannot initialise libcurl");
			goto fail;
		}
		curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
		curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
		curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
		curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	}
	n->am_next_resend = clock_ms(CLOCK_MONOTONIC) + AM_RESEND_MS;
	*out = n;
	return 0;
fail:
	notify_close(n, 0);
	return -1;
}

void notify_close(struct notifier *n, unsigned grace_ms)
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
			for (size_t i = 0; i < t->nrunning; i++) {
				int status;
				pid_t pid = t->running[i]->pid;

				/* SIGCHLD is the loop's; here the hooks are reaped directly. */
				if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
					notify_child_exited(n, pid, status);
			}
		}
		if (!busy || now >= end || n->epfd < 0)
			break;
		run(n, 20);
	}
	for (size_t k = 0; k < n->nt; k++) {
		struct target *t = &n->t[k];

		while (t->nrunning) {
			struct job *j = t->running[--t->nrunning];

			if (j->pid > 0) {
				kill(-j->pid, SIGKILL);
				waitpid(j->pid, NULL, 0);
			}
			if (j->easy) {
				curl_multi_remove_handle(n->multi, j->easy);
				curl_easy_cleanup(j->easy);
			}
			curl_slist_free_all(j->hdrs);
			n->ctr->alerts_dropped++;
			job_free(j);
		}
		for (; t->count; t->count--, t->head = (t->head + 1) % QUEUE_MAX) {
			n->ctr->alerts_dropped++;
			job_free(t->q[t->head]);
		}
	}
	for (size_t i = 0; i < n->am_n; i++) {
		free(n->am_active[i].key);
		cJSON_Delete(n->am_active[i].alert);
	}
	free(n->am_active);
	if (n->multi) {
		curl_multi_cleanup(n->multi);
		curl_global_cleanup();
	}
	for (size_t i = 0; i < n->rcpt.n; i++)
		free(n->rcpt.v[i]);
	free(n->rcpt.v);
	free_settings(n);
	if (n->tfd >= 0)
		close(n->tfd);
	if (n->epfd >= 0)
		close(n->epfd);
	free(n);
}
