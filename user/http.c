// SPDX-License-Identifier: GPL-2.0-only
/* http.c - see http.h. libmicrohttpd runs in its "external epoll" mode: its epoll descriptor and a
 * timer sit in a private epoll set that the agent's loop polls as one fd. After each MHD_run() the
 * timer is set to what libmicrohttpd asks (MHD_get_timeout: 0 when a pipelined request or more
 * ready connections wait, which its edge-triggered epoll would not signal again) or to the next
 * client deadline (http_clients.h), whichever is sooner. */
#include "http.h"
#include "http_auth.h"
#include "http_clients.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include "dl.h"
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "col_sched.h"
#include "log.h"
#include "page.h"
#include "procinfo.h"
#include "prom.h"
#include "recent.h"
#include "util.h"

#define CONNECTION_TIMEOUT_S (HC_IDLE_MS / 1000) /* libmicrohttpd's own: silence on a connection */
#define PROCESS_PREFIX "/api/v1/process/"
#define NOT_FOUND "not found: /, /metrics, /api/v1/snapshot, /api/v1/process/PID, /healthz\n"
#define HTML "text/html; charset=utf-8"
#define TEXT "text/plain; charset=utf-8"
#define HTML_CSP                                                                                          \
	"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "  \
	"img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
#define STALE_INTERVALS 3 /* /healthz fails when the latest record is older than this many intervals */

struct http {
	struct MHD_Daemon *d;
	struct http_clients *clients;
	struct agent_counters *ctr;
	int epfd, tfd;
	struct http_auth *auth; /* with --listen-token-file */
	struct prom *prom;
	struct procinfo *procs; /* /api/v1/process/PID (procinfo.h) */
	cJSON *record;
	cJSON *totals; /* the counters beside it (totals.h) */
	int64_t record_ms;
	uint64_t interval_ms;
	char *metrics, *snapshot; /* rendered on the first request after each record */
	size_t metrics_len;
	struct recent *ring;	  /* the page's charts (recent.h), from the first record */
	cJSON *firing;		  /* alert_engine_firing() of the latest record */
	struct MHD_Response *page; /* "/", rendered on its first request after each record, shared */
	unsigned page_code;
};

/* The state of a POST /login while its body arrives (on_request's *state; else it is the server). */
struct login {
	size_t len;
	bool too_big;
	char body[AUTH_FORM_MAX];
};

/* "PORT", "ADDR:PORT" or "[ADDR6]:PORT" into a socket address; 127.0.0.1 when no address. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
			size_t errlen)
{
	char host[128] = "127.0.0.1", port[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM },
			*ai = NULL;
	uint64_t p;

	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']')
			snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), spec + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)hl, spec);
		spec = colon + 1;
	}
	if (parse_u64(spec, 1, 65535, &p) < 0) {
		snprintf(err, errlen, "--listen: '%s' is not a port (1..65535)", spec);
		return -1;
	}
	snprintf(port, sizeof(port), "%llu", (unsigned long long)p);
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		snprintf(err, errlen, "--listen: '%s' is not an IP address", host);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* libmicrohttpd, loaded for --listen (dl.h). Returns 0 or -1 with the reason in err. */
static int load_mhd(char *err, size_t errlen)
{
	char why[256];

	if (dl_mhd_load(why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "--listen: %s", why);
	return -1;
}

int http_check(const struct options *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct http_auth *a;

	if (!o->listen)
		return 0;
	if (load_mhd(err, errlen) < 0 || parse_listen(o->listen, &ss, &len, err, errlen) < 0)
		return -1;
	if (o->listen_token_file) {
		if (!(a = auth_open(o->listen_token_file, err, errlen)))
			return -1;
		auth_free(a);
	}
	return 0;
}

static void common_headers(struct MHD_Response *r, unsigned code, const char *type, const char *allow)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"corewatch\"");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (strncmp(type, "text/html", 9) == 0) {
		/* the page is self-contained: the browser is told to load nothing from anywhere */
		MHD_add_response_header(r, "Content-Security-Policy", HTML_CSP);
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	}
}

static enum MHD_Result reply_allow(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
				   size_t len, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	common_headers(r, code, type, allow);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
			     size_t len)
{
	return reply_allow(c, code, type, body, len, "GET, HEAD");
}

/* A JSON error body: {"error": msg}. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
	char body[256];
	cJSON *o = cJSON_CreateObject();
	int n;

	if (!o || !cJSON_AddStringToObject(o, "error", msg) || !cJSON_PrintPreallocated(o, body, sizeof(body) - 1, 0)) {
		cJSON_Delete(o);
		return reply(c, code, "application/json", "{\"error\":\"out of memory\"}\n", 26);
	}
	cJSON_Delete(o);
	n = (int)strlen(body);
	body[n++] = '\n';
	return reply(c, code, "application/json", body, (size_t)n);
}

/* GET /api/v1/process/PID: that pid's /proc files, read now (procinfo.h). */
static enum MHD_Result reply_process(struct http *h, struct MHD_Connection *c, const char *arg)
{
	struct procinfo_sched sched, *sp = NULL;
	char msg[160];
	uint32_t pid;
	cJSON *o;
	char *body;
	enum MHD_Result ret;
	int err;

	if (procinfo_parse_pid(arg, &pid) < 0) {
		snprintf(msg, sizeof(msg), "'%.40s%s' is not a pid (decimal digits, 1..%u)", arg,
			 strlen(arg) > 40 ? "..." : "", PROCINFO_PID_MAX);
		return reply_error(c, MHD_HTTP_BAD_REQUEST, msg);
	}
	if (sched_proc_interval(pid, &sched.cpu_pct, &sched.runqueue_wait_pct) == 0)
		sp = &sched;
	err = procinfo_json(h->procs, pid, sp, clock_s(CLOCK_MONOTONIC), &o);
	if (err == -ENOENT) {
		snprintf(msg, sizeof(msg), "no process %u", pid);
		return reply_error(c, MHD_HTTP_NOT_FOUND, msg);
	}
	if (err < 0) {
		snprintf(msg, sizeof(msg), "cannot read process %u: %s", pid, strerror(-err));
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
	}
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	ret = reply(c, MHD_HTTP_OK, "application/json", body, strlen(body));
	free(body);
	return ret;
}

/* The client table's handle of a connection (on_connection() keeps it as its socket context). */
static struct hc_client *client_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* Whether the request may read: no token configured, the login cookie, or the bearer token (a wrong
 * one is counted; a stale cookie, after a restart, is not). */
static bool authorized(const struct http *h, struct MHD_Connection *c)
{
	const char *bearer;

	if (!h->auth || auth_cookie_ok(h->auth, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, AUTH_COOKIE)))
		return true;
	bearer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth_bearer_ok(h->auth, bearer))
		return true;
	if (bearer)
		h->ctr->http_wrong_tokens++;
	return false;
}

/* The login form, as 401: what "/" is without credentials, and the answer to a wrong token. */
static enum MHD_Result reply_login(struct MHD_Connection *c, bool refused)
{
	struct fbuf b = { 0 };
	enum MHD_Result ret;

	if (page_login(&b, refused) < 0) {
		fbuf_free(&b);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "out of memory\n", 14);
	}
	ret = reply(c, MHD_HTTP_UNAUTHORIZED, HTML, b.data, b.len);
	fbuf_free(&b);
	return ret;
}

/* POST /login, its body read: 303 to / with the session cookie, or 401 with the form again. */
static enum MHD_Result reply_login_post(struct http *h, struct MHD_Connection *c, const struct login *l)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (l->too_big)
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain; charset=utf-8", "login form over 4 KiB\n", 22);
	if (!auth_form_ok(h->auth, l->body, l->len)) {
		h->ctr->http_wrong_tokens++;
		return reply_login(c, true);
	}
	if (!(r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)))
		return MHD_NO;
	common_headers(r, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", NULL);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, "/");
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, auth_set_cookie(h->auth));
	ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /: the page of the latest record, rendered once per record and shared by every request (its
 * buffer is freed with the response, when the last client has it). 503 before the first record. */
static enum MHD_Result reply_page(struct http *h, struct MHD_Connection *c)
{
	if (!h->page) {
		struct fbuf b = { 0 };
		double t0 = clock_s(CLOCK_MONOTONIC);
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		int err = h->record ? page_render(&b, h->record, h->firing, h->ring, n > 0 ? (unsigned)n : 0,
						  h->interval_ms)
				    : page_waiting(&b);

		if (!err && !(h->page = MHD_create_response_from_buffer_with_free_callback(b.len, b.data, free)))
			err = -ENOMEM;
		if (err) {
			fbuf_free(&b);
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT, "out of memory\n", 14);
		}
		h->page_code = h->record ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		common_headers(h->page, h->page_code, HTML, NULL);
		log_debug("page rendered in %.3f ms, %zu bytes", (clock_s(CLOCK_MONOTONIC) - t0) * 1000, b.len);
	}
	return MHD_queue_response(c, h->page_code, h->page);
}

/* Collects a POST /login body into l, at most AUTH_FORM_MAX bytes (the rest is dropped and the
 * request refused). */
static void login_body(struct login *l, const char *data, size_t len)
{
	if (l->too_big || len > sizeof(l->body) - l->len) {
		l->too_big = true;
		return;
	}
	memcpy(l->body + l->len, data, len);
	l->len += len;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_len, void **state)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct http *h = cls;
	bool process, get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0,
		      login = strcmp(url, "/login") == 0 && strcmp(method, "POST") == 0 && h->auth;
	(void)version;
	/* The first call has the headers; answering there would make libmicrohttpd close the
	 * connection ("early" response: no keep-alive, a pipelined request lost). A body, which only
	 * POST /login needs, is read (that one) or dropped; the answer comes at the last call. */
	if (!*state) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t n;

		*state = h;
		if (login && cl && parse_u64(cl, 0, AUTH_FORM_MAX, &n) < 0) { /* refused unread (then closed) */
			h->ctr->http_requests++;
			return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, text, "login form over 4 KiB\n", 22);
		}
		if (login && !(*state = calloc(1, sizeof(struct login))))
			return MHD_NO;
		return MHD_YES;
	}
	if (*upload_len) {
		if (*state != h)
			login_body(*state, upload, *upload_len);
		*upload_len = 0;
		return MHD_YES;
	}
	hc_answering(client_of(c));
	h->ctr->http_requests++;
	if (login)
		return reply_login_post(h, c, *state);
	if (strcmp(url, "/login") == 0 && h->auth)
		return reply_allow(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "only POST\n", 10, "POST");
	if (!get)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "only GET\n", 9);
	if (strcmp(url, "/healthz") == 0) {
		int64_t age = clock_ms(CLOCK_REALTIME) - h->record_ms;
		bool fresh = h->record && age <= (int64_t)(STALE_INTERVALS * h->interval_ms + 1000);

		return fresh ? reply(c, MHD_HTTP_OK, text, "ok\n", 3)
			     : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, "no fresh record\n", 16);
	}
	if (strcmp(url, "/") == 0)
		return authorized(h, c) ? reply_page(h, c) : reply_login(c, false);
	process = strncmp(url, PROCESS_PREFIX, strlen(PROCESS_PREFIX)) == 0 || strcmp(url, "/api/v1/process") == 0;
	if (!process && strcmp(url, "/metrics") != 0 && strcmp(url, "/api/v1/snapshot") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, text, NOT_FOUND, strlen(NOT_FOUND));
	if (!authorized(h, c))
		return reply(c, MHD_HTTP_UNAUTHORIZED, text, "bearer token required\n", 22);
	if (process)
		return reply_process(h, c, strlen(url) >= strlen(PROCESS_PREFIX) ? url + strlen(PROCESS_PREFIX) : "");
	if (!h->record)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, "no record yet\n", 14);
	if (url[1] == 'm') {
		if (!h->metrics)
			h->metrics = prom_render(h->prom, h->record, h->totals, &h->metrics_len);
		if (!h->metrics)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14);
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", h->metrics,
			     h->metrics_len);
	}
	if (!h->snapshot)
		h->snapshot = cJSON_PrintUnformatted(h->record);
	if (!h->snapshot)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14);
	return reply(c, MHD_HTTP_OK, "application/json", h->snapshot, strlen(h->snapshot));
}

/* libmicrohttpd's accept policy: the per-address limit, and room for a newcomer. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct http *h = cls;

	(void)len;
	return hc_admit(h->clients, sa, clock_ms(CLOCK_MONOTONIC)) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	const union MHD_ConnectionInfo *fd, *addr;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		hc_end(h->clients, *socket_context);
		*socket_context = NULL;
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	*socket_context = fd ? hc_start(h->clients, fd->connect_fd, addr ? addr->client_addr : NULL,
					clock_ms(CLOCK_MONOTONIC))
			     : NULL;
}

/* Called when a request line has arrived (libmicrohttpd's URI logger). */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)uri;
	hc_request_line(client_of(c), clock_ms(CLOCK_MONOTONIC));
	return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode code)
{
	if (*state && *state != cls) { /* a login form: it may hold the token */
		explicit_bzero(*state, sizeof(struct login));
		free(*state);
	}
	*state = NULL;
	if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		hc_answered(client_of(c), clock_ms(CLOCK_MONOTONIC));
}

/* Past the deadlines, then the timer: libmicrohttpd's own timeout or the next deadline. */
static void http_arm(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	int64_t next = hc_enforce(h->clients, clock_ms(CLOCK_MONOTONIC));
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (MHD_get_timeout(h->d, &mhd_ms) == MHD_YES && (next < 0 || (int64_t)mhd_ms < next))
		next = mhd_ms > INT32_MAX ? INT32_MAX : (int64_t)mhd_ms;
	if (next == 0)
		its.it_value.tv_nsec = 1; /* at once: 0 would disarm */
	else if (next > 0) {
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	if (timerfd_settime(h->tfd, 0, &its, NULL) < 0)
		log_warn("--listen: cannot set the endpoint's timer");
}

int http_open(struct http **out, const struct options *o, struct agent_counters *ctr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct http *h;
	const union MHD_DaemonInfo *info;
	char addr[INET6_ADDRSTRLEN + 8] = "?";

	*out = NULL;
	if (!o->listen)
		return 0;
	if (load_mhd(err, errlen) < 0 || parse_listen(o->listen, &ss, &sslen, err, errlen) < 0)
		return -1;
	if (!(h = calloc(1, sizeof(*h)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->epfd = h->tfd = -1;
	h->ctr = ctr;
	if (o->listen_token_file && !(h->auth = auth_open(o->listen_token_file, err, errlen)))
		goto fail;
	h->prom = prom_new();
	h->procs = procinfo_new(o->proc_root ? o->proc_root : "/proc");
	if (!(h->clients = hc_new(ctr))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* the admission is hc_admit()'s; libmicrohttpd's own limit is only a backstop */
	h->d = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, on_accept, h,
				on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HC_MAX * 2,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_URI_LOG_CALLBACK, on_request_line, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
	if (!h->d) {
		int e = errno;

		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
		snprintf(err, errlen, "--listen: cannot serve on %s port %u: %s", addr,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port), e ? strerror(e) : "libmicrohttpd failed");
		goto fail;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!info || !h->prom || !h->procs || h->epfd < 0 || h->tfd < 0 || epoll_watch(h->epfd, info->epoll_fd) < 0 ||
	    epoll_watch(h->epfd, h->tfd) < 0) {
		snprintf(err, errlen, "--listen: cannot set up polling: %s", strerror(errno));
		goto fail;
	}
	http_arm(h);
	log_info("serving / (the live page), /metrics, /api/v1/snapshot, /api/v1/process/PID and /healthz on %s",
		 o->listen);
	*out = h;
	return 0;
fail:
	http_close(h);
	return -1;
}

void http_set_record(struct http *h, cJSON *record, cJSON *totals, int64_t when_ms, uint64_t interval_ms)
{
	if (!h) {
		cJSON_Delete(record);
		cJSON_Delete(totals);
		return;
	}
	if (!h->ring && record && !(h->ring = recent_new(interval_ms)))
		log_warnx("--listen: out of memory: the page's charts stay empty");
	if (h->ring && record)
		recent_add(h->ring, record, when_ms);
	if (h->page)
		MHD_destroy_response(h->page); /* freed when the last client sending it is done */
	h->page = NULL;
	cJSON_Delete(h->record);
	cJSON_Delete(h->totals);
	h->record = record;
	h->totals = totals;
	h->record_ms = when_ms;
	h->interval_ms = interval_ms;
	procinfo_tick(h->procs, clock_s(CLOCK_MONOTONIC));
	free(h->metrics);
	free(h->snapshot);
	h->metrics = h->snapshot = NULL;
}

void http_set_alerts(struct http *h, cJSON *firing)
{
	if (!h) {
		cJSON_Delete(firing);
		return;
	}
	cJSON_Delete(h->firing);
	h->firing = firing;
	if (h->page)
		MHD_destroy_response(h->page);
	h->page = NULL;
}

int http_fd(const struct http *h)
{
	return h ? h->epfd : -1;
}

void http_on_event(struct http *h)
{
	struct epoll_event ev[4];
	int n = epoll_wait(h->epfd, ev, 4, 0);
	uint64_t x;

	for (int i = 0; i < n; i++)
		if (ev[i].data.fd == h->tfd && read(h->tfd, &x, sizeof(x)) < 0)
			log_debug("http timer: %s", strerror(errno));
	MHD_run(h->d);
	http_arm(h);
}

void http_close(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d); /* tells on_connection() of each client first */
	hc_free(h->clients);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->tfd >= 0)
		close(h->tfd);
	auth_free(h->auth);
	if (h->page)
		MHD_destroy_response(h->page);
	recent_free(h->ring);
	cJSON_Delete(h->firing);
	prom_free(h->prom);
	procinfo_free(h->procs);
	cJSON_Delete(h->record);
	cJSON_Delete(h->totals);
	free(h->metrics);
	free(h->snapshot);
	free(h);
}
