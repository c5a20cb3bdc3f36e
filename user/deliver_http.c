// SPDX-License-Identifier: GPL-2.0-only
/* deliver_http.c - the libcurl transport: one multi handle on the deliverer's epoll set, shared by the
 * --alert-webhook target (an HTTP POST of the record, here), Alertmanager (deliver_am.c, through
 * deliver_http_post()) and email (deliver_email.c, through deliver_http_mail()). */
#include "deliver_priv.h"

#include "dl.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

struct curl_loop {
	CURLM *multi;
	int epfd;
	int64_t deadline;          /* monotonic ms curl wants its timeout at; 0: none */
};

/* A transfer in flight: a job's attempt. */
struct transfer {
	struct job *j;
	CURL *easy;
	bool http;                 /* an HTTP status other than 2xx is a failure */
	bool added;                /* to the multi handle */
	char *body;
	size_t body_len, body_off; /* for email: what the upload has read */
	char errbuf[CURL_ERROR_SIZE];
	char reply[200];
	size_t reply_len;
};

struct webhook_conf {
	char *url;
	struct curl_slist *hdrs;
};

/* ---- settings ---- */

int deliver_http_check_url(const char *flag, const char *url, bool http, char *err, size_t errlen)
{
	static const char *const schemes[2][3] = { { "smtp", "smtps", NULL }, { "http", "https", NULL } };
	static const char *const forms[2] = { "smtp://, smtp+starttls:// or smtps://", "http:// or https://" };
	CURLU *u;
	char *scheme = NULL, *parsed, why[256];
	bool ok = false;

	/* every setting that delivers through libcurl checks its URL first: libcurl is needed from here */
	if (dl_curl_load(why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--%s: %s", flag, why);
		return -1;
	}
	u = curl_url();
	parsed = http ? strdup(url) : deliver_smtp_url(url, &(bool){ false });
	if (u && parsed && curl_url_set(u, CURLUPART_URL, parsed, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
		for (int i = 0; schemes[http][i]; i++)
			ok |= strcmp(scheme, schemes[http][i]) == 0;
	curl_free(scheme);
	curl_url_cleanup(u);
	free(parsed);
	if (!ok) {
		char *shown = redact_url(url);

		snprintf(err, errlen, "--%s: '%s' is not an %s URL", flag, shown ? shown : "(this URL)", forms[http]);
		free(shown);
	}
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

static void webhook_free(void *conf)
{
	struct webhook_conf *w = conf;

	if (!w)
		return;
	free(w->url);
	curl_slist_free_all(w->hdrs);
	free(w);
}

/* The lines of --alert-webhook-headers-file into w->hdrs. Returns 0 or -1 (the reason in err). */
static int webhook_headers_file(struct webhook_conf *w, const char *path, char *err, size_t errlen)
{
	char *text = secret_file_read("alert-webhook-headers-file", path, err, errlen), *save = NULL, *line;
	int lineno = 0, rc = 0;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		lineno++;
		if (l && line[l - 1] == '\r')
			line[l - 1] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (!header_ok(line)) {
			/* The line is a secret: name its place, not its text. */
			snprintf(err, errlen, "%s:%d: not a 'Name: value' header line", path, lineno);
			rc = -1;
		} else
			w->hdrs = curl_slist_append(w->hdrs, line);
	}
	secret_free(text);
	return rc;
}

static int webhook_setup(const struct options *o, void **conf, char *err, size_t errlen)
{
	struct webhook_conf *w;

	*conf = NULL;
	if (!o->alert_webhook)
		return 0;
	if (deliver_http_check_url("alert-webhook", o->alert_webhook, true, err, errlen) < 0)
		return -1;
	if (!(w = calloc(1, sizeof(*w))) || !(w->url = strdup(o->alert_webhook))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->hdrs = curl_slist_append(NULL, DELIVER_HTTP_JSON);
	for (size_t i = 0; i < o->alert_webhook_header.n; i++) {
		if (!header_ok(o->alert_webhook_header.v[i])) {
			snprintf(err, errlen, "--alert-webhook-header: '%s' is not 'Name: value'",
				 o->alert_webhook_header.v[i]);
			goto fail;
		}
		w->hdrs = curl_slist_append(w->hdrs, o->alert_webhook_header.v[i]);
	}
	if (o->alert_webhook_headers_file &&
	    webhook_headers_file(w, o->alert_webhook_headers_file, err, errlen) < 0)
		goto fail;
	*conf = w;
	return 0;
fail:
	webhook_free(w);
	return -1;
}

/* ---- trust ---- */

int deliver_http_ca_load(const char *path, char **abs, char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	struct fbuf b = { 0 };
	struct stat st;
	char *full = realpath(path, NULL);
	int n = 0, rc;

	if (abs)
		*abs = NULL;
	if (!full || stat(full, &st) < 0) {
		snprintf(err, errlen, "--ca-file: %s: %s", path, strerror(errno));
		free(full);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--ca-file: %s: not a regular file", path);
		goto fail;
	}
	/* Whoever can write the file can add a CA and read every alert in transit. */
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errlen, "--ca-file: %s is writable by every user (mode %04o); it decides whom "
			 "alerts are sent to", path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if ((rc = fbuf_read(&b, "", full)) < 0) {
		snprintf(err, errlen, "--ca-file: %s: %s", path, strerror(-rc));
		goto fail;
	}
	for (const char *c = b.data; (c = strstr(c, begin)); c += sizeof(begin) - 1)
		n++;
	fbuf_free(&b);
	if (!n) {
		snprintf(err, errlen, "--ca-file: %s: no PEM certificate ('%s') in it", path, begin);
		goto fail;
	}
	if (abs)
		*abs = full;
	else
		free(full);
	return n;
fail:
	free(full);
	return -1;
}

/* ---- transfers ---- */

static size_t on_reply(char *data, size_t size, size_t nmemb, void *user)
{
	struct transfer *x = user;
	size_t len = size * nmemb, room = sizeof(x->reply) - 1 - x->reply_len;

	memcpy(x->reply + x->reply_len, data, len < room ? len : room);
	x->reply_len += len < room ? len : room;
	x->reply[x->reply_len] = '\0';
	return len;
}

static size_t on_mail_read(char *buf, size_t size, size_t nmemb, void *user)
{
	struct transfer *x = user;
	size_t want = size * nmemb, left = x->body_len - x->body_off, n = want < left ? want : left;

	memcpy(buf, x->body + x->body_off, n);
	x->body_off += n;
	return n;
}

static void transfer_free(struct transfer *x)
{
	if (x->added)
		curl_multi_remove_handle(x->j->t->n->curl->multi, x->easy);
	curl_easy_cleanup(x->easy);
	free(x->body);
	free(x);
}

/* A transfer for j, set up but for its URL and payload; http: HTTP(S) only, else SMTP(S) only (a
 * URL cannot turn a webhook into file:// or smtp). Returns NULL when libcurl cannot make a handle. */
static struct transfer *transfer_new(struct job *j, bool http)
{
	struct transfer *x = calloc(1, sizeof(*x));
	CURL *e = x ? curl_easy_init() : NULL;

	if (!e) {
		free(x);
		return NULL;
	}
	x->j = j;
	x->easy = e;
	x->http = http;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)j->t->n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "corewatch");
	if (j->t->n->ca_file) { /* instead of the system's bundle and its directory, not besides them */
		curl_easy_setopt(e, CURLOPT_CAINFO, j->t->n->ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: CURLOPT_PROTOCOLS deprecated for the _STR form */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, http ? "http,https" : "smtp,smtps");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, http ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)
						   : (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	return x;
}

/* Hands x to the multi handle unless why says it cannot start. Returns NULL (x is then x->j->priv
 * until the transfer ends), or why with x freed. */
static const char *transfer_start(struct transfer *x, const char *why)
{
	if (!why && curl_multi_add_handle(x->j->t->n->curl->multi, x->easy) != CURLM_OK)
		why = "cannot start a libcurl transfer";
	if (why) {
		transfer_free(x);
		return why;
	}
	x->added = true;
	x->j->priv = x;
	return NULL;
}

const char *deliver_http_post(struct job *j, const char *url, const struct curl_slist *hdrs)
{
	struct transfer *x = transfer_new(j, true);

	if (!x)
		return "cannot create a libcurl handle";
	if (!(x->body = cJSON_PrintUnformatted(j->rec)))
		return transfer_start(x, "out of memory");
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, (struct curl_slist *)hdrs);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	return transfer_start(x, NULL);
}

void deliver_http_abort(struct job *j)
{
	transfer_free(j->priv);
	j->priv = NULL;
}

static const char *webhook_start(struct job *j)
{
	struct webhook_conf *w = j->t->conf;

	return deliver_http_post(j, w->url, w->hdrs);
}

const char *deliver_http_mail(struct job *j, char *text, const struct deliver_mail *m)
{
	struct transfer *x = transfer_new(j, false);
	CURL *e;

	if (!x) {
		free(text);
		return "cannot create a libcurl handle";
	}
	if (!(x->body = text))
		return transfer_start(x, "out of memory");
	x->body_len = strlen(x->body);
	e = x->easy;
	curl_easy_setopt(e, CURLOPT_URL, m->url);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, m->from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, (struct curl_slist *)m->rcpt);
	/* STARTTLS when offered, or required: then a server without it gets neither login nor mail */
	curl_easy_setopt(e, CURLOPT_USE_SSL, (long)(m->require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (m->user) {
		curl_easy_setopt(e, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->pass);
	}
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_mail_read);
	curl_easy_setopt(e, CURLOPT_READDATA, x);
	curl_easy_setopt(e, CURLOPT_INFILESIZE, (long)x->body_len);
	return transfer_start(x, NULL);
}

/* The transfer ended with res: the attempt's verdict. */
static void transfer_done(struct transfer *x, CURLcode res)
{
	struct job *j = x->j;
	char why[CURL_ERROR_SIZE + 300];
	long code = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (res != CURLE_OK)
		snprintf(why, sizeof(why), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
	else if (x->http && (code < 200 || code > 299)) {
		char *nl;

		while ((nl = strpbrk(x->reply, "\r\n")))
			*nl = ' ';
		snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, x->reply);
		log_debug("%s: the refused body: %s", j->t->ops->name, x->body);
	} else
		why[0] = '\0';
	transfer_free(x);
	j->priv = NULL;
	deliver_job_done(j, why[0] ? why : NULL);
}

/* ---- the multi handle ---- */

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *user, void *sockp)
{
	struct curl_loop *c = user;
	struct epoll_event ev = { .data.fd = s };

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *user)
{
	struct curl_loop *c = user;

	(void)m;
	c->deadline = timeout_ms < 0 ? 0 : clock_ms(CLOCK_MONOTONIC) + timeout_ms;
	return 0;
}

int deliver_http_attach(struct target *t, char *err, size_t errlen)
{
	struct deliverer *n = t->n;
	struct curl_loop *c;

	if (n->curl)
		return 0;
	if (!(c = n->curl = calloc(1, sizeof(*c)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->epfd = n->epfd;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->multi = curl_multi_init())) {
		snprintf(err, errlen, "alert delivery: cannot initialise libcurl");
		return -1;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return 0;
}

void deliver_http_on_socket(struct deliverer *n, int fd, uint32_t events)
{
	int running;

	if (!n->curl || !n->curl->multi)
		return;
	curl_multi_socket_action(n->curl->multi, fd,
				 (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
					 (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
					 (events & EPOLLERR ? CURL_CSELECT_ERR : 0),
				 &running);
}

void deliver_http_timeout(struct deliverer *n, int64_t now)
{
	int running;

	if (!n->curl || !n->curl->multi || !n->curl->deadline || now < n->curl->deadline)
		return;
	n->curl->deadline = 0;
	curl_multi_socket_action(n->curl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

void deliver_http_collect(struct deliverer *n)
{
	CURLMsg *msg;
	int left;

	while (n->curl && n->curl->multi && (msg = curl_multi_info_read(n->curl->multi, &left))) {
		struct transfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			transfer_done(x, msg->data.result);
	}
}

int64_t deliver_http_due(const struct deliverer *n)
{
	return n->curl ? n->curl->deadline : 0;
}

void deliver_http_close(struct deliverer *n)
{
	if (!n->curl)
		return;
	if (n->curl->multi) {
		curl_multi_cleanup(n->curl->multi);
		curl_global_cleanup();
	}
	free(n->curl);
	n->curl = NULL;
}

const struct deliver_ops deliver_webhook_ops = {
	.name = "alert-webhook",
	.max_running = 1,
	.setup = webhook_setup,
	.conf_free = webhook_free,
	.open = deliver_http_attach,
	.start = webhook_start,
	.abort = deliver_http_abort,
};
