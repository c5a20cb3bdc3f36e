// SPDX-License-Identifier: GPL-2.0-only
/* deliver_email.c - the --alert-email transport: a plain-text message per alert, sent through
 * deliver_http.c's libcurl loop to --smtp-url (smtp:// takes STARTTLS when offered, smtp+starttls://
 * requires it, smtps:// is TLS from the start). */
#include "deliver_priv.h"

#include "dl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

struct email_conf {
	struct deliver_mail mail;
	char *to;                  /* the recipients, for the To: header */
	unsigned seq;              /* for Message-ID */
};

char *deliver_smtp_url(const char *url, bool *require_tls)
{
	static const char form[] = "smtp+starttls://";
	char *out = NULL;

	*require_tls = strncasecmp(url, form, sizeof(form) - 1) == 0;
	if (!*require_tls)
		return strdup(url);
	return asprintf(&out, "smtp://%s", url + sizeof(form) - 1) < 0 ? NULL : out;
}

static void email_free(void *conf)
{
	struct email_conf *m = conf;

	if (!m)
		return;
	free(m->mail.url);
	free(m->mail.from);
	free(m->mail.user);
	secret_free(m->mail.pass);
	curl_slist_free_all(m->mail.rcpt);
	free(m->to);
	free(m);
}

/* "user:password" from --smtp-credentials-file's first line into m. Returns 0 or -1. */
static int email_credentials(struct email_conf *m, const char *path, char *err, size_t errlen)
{
	char *text = secret_file_read("smtp-credentials-file", path, err, errlen), *c, *nl;
	int rc = 0;

	if (!text)
		return -1;
	if ((nl = strpbrk(text, "\r\n")))
		*nl = '\0';
	c = strchr(text, ':');
	if (!c || c == text) {
		snprintf(err, errlen, "%s:1: expected 'user:password'", path);
		rc = -1;
	} else {
		*c = '\0';
		m->mail.user = strdup(text);
		m->mail.pass = strdup(c + 1);
		*c = ':';
		if (!m->mail.user || !m->mail.pass) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	secret_free(text);
	return rc;
}

static int email_setup(const struct options *o, void **conf, char *err, size_t errlen)
{
	struct email_conf *m = NULL;
	char *url = NULL;
	bool require_tls;
	size_t tolen = 1;

	*conf = NULL;
	if (!o->alert_email.n)
		return 0;
	if (deliver_http_check_url("smtp-url", o->smtp_url, false, err, errlen) < 0)
		return -1;
	if (!(url = deliver_smtp_url(o->smtp_url, &require_tls)))
		goto oom;
	for (size_t i = 0; i < o->alert_email.n; i++) {
		const char *a = o->alert_email.v[i];

		if (!strchr(a, '@') || strpbrk(a, " \t\r\n<>,")) {
			snprintf(err, errlen, "--alert-email: '%s' is not an email address", a);
			goto fail;
		}
		tolen += strlen(a) + 2;
	}
	if (!(m = calloc(1, sizeof(*m))) || !(m->mail.from = strdup(o->smtp_from)) || !(m->to = calloc(1, tolen)))
		goto oom;
	m->mail.url = url;
	url = NULL;
	m->mail.require_tls = require_tls;
	for (size_t i = 0; i < o->alert_email.n; i++) {
		struct curl_slist *l = curl_slist_append(m->mail.rcpt, o->alert_email.v[i]);

		if (!l)
			goto oom;
		m->mail.rcpt = l;
		if (i)
			strcat(m->to, ", ");
		strcat(m->to, o->alert_email.v[i]);
	}
	if (o->smtp_credentials_file && email_credentials(m, o->smtp_credentials_file, err, errlen) < 0)
		goto fail;
	if (m->mail.user && !m->mail.require_tls && strncasecmp(m->mail.url, "smtps:", 6) != 0)
		log_warnx("--smtp-credentials-file: an smtp:// server that does not offer STARTTLS gets the "
			  "password in the clear; smtp+starttls:// or smtps:// would refuse to send it");
	*conf = m;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(url);
	email_free(m);
	return -1;
}

static char *mail_text(struct email_conf *m, const char *host, const cJSON *r)
{
	char date[64], *labels = deliver_labels(r), *text = NULL;
	time_t now = time(NULL);
	struct tm tm;
	bool firing = strcmp(deliver_str(r, "state"), "firing") == 0;
	/* the subject names the instance and the value, as the message does: "filesystem / is 93% full" */
	const char *what = deliver_str(r, "message");
	char safe[200];
	int len;

	if (strncmp(what, "resolved: ", 10) == 0)
		what += 10;
	snprintf(safe, sizeof(safe), "%s", what);
	for (char *c = safe; *c; c++)
		if (*c == '\r' || *c == '\n')
			*c = ' ';
	what = safe;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	len = asprintf(&text,
		       "Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
		       "Subject: [corewatch] %s %s %s: %s on %s\r\n"
		       "Message-ID: <corewatch.%lld.%d.%u@%s>\r\n"
		       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		       "Auto-Submitted: auto-generated\r\n\r\n"
		       "%s\r\n\r\n"
		       "Alert:     %s (%s)\r\nState:     %s%s%s\r\nHost:      %s\r\nMetric:    %s %s\r\n"
		       "Value:     %.15g\r\nThreshold: %s %.15g\r\nStarted:   %s\r\nTime:      %s\r\n\r\n"
		       "-- \r\ncorewatch\r\n",
		       date, m->mail.from, m->to, firing ? "FIRING" : "RESOLVED", deliver_str(r, "severity"),
		       deliver_str(r, "name"), what, host, (long long)now, (int)getpid(), ++m->seq, host,
		       deliver_str(r, "message"), deliver_str(r, "name"), deliver_str(r, "severity"),
		       deliver_str(r, "state"), firing ? "" : ", ", deliver_str(r, "reason"), host,
		       deliver_str(r, "metric"), labels ? labels : "{}", deliver_num(r, "value"),
		       deliver_str(r, "op"), deliver_num(r, "threshold"), deliver_str(r, "started_at"),
		       deliver_str(r, "time"));
	free(labels);
	return len < 0 ? NULL : text;
}

static const char *email_start(struct job *j)
{
	struct email_conf *m = j->t->conf;

	return deliver_http_mail(j, mail_text(m, j->t->n->host, j->rec), &m->mail);
}

const struct deliver_ops deliver_email_ops = {
	.name = "alert-email",
	.max_running = 1,
	.setup = email_setup,
	.conf_free = email_free,
	.open = deliver_http_attach,
	.start = email_start,
	.abort = deliver_http_abort,
};
