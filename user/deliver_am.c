// SPDX-License-Identifier: GPL-2.0-only
/* deliver_am.c - the --alertmanager transport: alerts in Alertmanager's v2 format POSTed through
 * deliver_http.c, and every firing alert re-posted each minute, as Prometheus does. */
#include "deliver_priv.h"

#include "dl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define AM_RESEND_MS 60000     /* Alertmanager wants firing alerts re-posted */
#define AM_ACTIVE_MAX 1024
#define AM_PATH "/api/v2/alerts"

struct am_alert {
	char *key;                 /* name and labels */
	cJSON *rec;                /* the latest firing record (a copy) */
};

struct am_conf {
	char *url;                 /* of the alerts endpoint */
	struct curl_slist *hdrs;
	struct am_alert *active;   /* firing, for the re-posts */
	size_t nactive, cap;
	int64_t next_resend;       /* monotonic ms */
};

/* Forgets active alert i (the last takes its place). */
static void am_forget(struct am_conf *a, size_t i)
{
	free(a->active[i].key);
	cJSON_Delete(a->active[i].rec);
	a->active[i] = a->active[--a->nactive];
}

static void am_free(void *conf)
{
	struct am_conf *a = conf;

	if (!a)
		return;
	while (a->nactive)
		am_forget(a, 0);
	free(a->active);
	free(a->url);
	curl_slist_free_all(a->hdrs);
	free(a);
}

static int am_setup(const struct options *o, void **conf, char *err, size_t errlen)
{
	struct am_conf *a;
	size_t l;

	*conf = NULL;
	if (!o->alertmanager)
		return 0;
	if (deliver_http_check_url("alertmanager", o->alertmanager, true, err, errlen) < 0)
		return -1;
	l = strlen(o->alertmanager);
	if (!(a = calloc(1, sizeof(*a))) || !(a->url = malloc(l + sizeof(AM_PATH))) ||
	    !(a->hdrs = curl_slist_append(NULL, DELIVER_HTTP_JSON))) {
		snprintf(err, errlen, "out of memory");
		am_free(a);
		return -1;
	}
	snprintf(a->url, l + sizeof(AM_PATH), "%.*s" AM_PATH,
		 (int)(l && o->alertmanager[l - 1] == '/' ? l - 1 : l), o->alertmanager);
	*conf = a;
	return 0;
}

static int am_open(struct target *t, char *err, size_t errlen)
{
	struct am_conf *a = t->conf;

	if (deliver_http_attach(t, err, errlen) < 0)
		return -1;
	a->next_resend = clock_ms(CLOCK_MONOTONIC) + AM_RESEND_MS;
	return 0;
}

/* The alert in Alertmanager's v2 format. endsAt in the future keeps it alive until the next re-post. */
static cJSON *am_alert(const char *host, const cJSON *r, bool firing)
{
	cJSON *a = cJSON_CreateObject(), *lb = jobj(a, "labels"), *an = jobj(a, "annotations"), *it;
	char ends[40], desc[700];

	jstr(lb, "alertname", deliver_str(r, "name"));
	jstr(lb, "instance", host);
	jstr(lb, "severity", deliver_str(r, "severity"));
	jstr(lb, "job", "corewatch");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "labels"))
		if (cJSON_IsString(it) && !cJSON_GetObjectItemCaseSensitive(lb, it->string))
			jstr(lb, it->string, it->valuestring);
	jstr(an, "summary", deliver_str(r, "message"));
	snprintf(desc, sizeof(desc), "%s %s %.15g (value %.15g) on %s", deliver_str(r, "metric"),
		 deliver_str(r, "op"), deliver_num(r, "threshold"), deliver_num(r, "value"), host);
	jstr(an, "description", desc);
	jstr(a, "startsAt", deliver_str(r, "started_at"));
	if (firing) {
		format_rfc3339_ms(clock_ms(CLOCK_REALTIME) + 4 * AM_RESEND_MS, ends, sizeof(ends));
		jstr(a, "endsAt", ends);
	} else {
		/* The record's own time: never before startsAt (time() runs on a coarser clock). */
		jstr(a, "endsAt", deliver_str(r, "time"));
	}
	return a;
}

/* Keeps a firing alert's latest record for the re-posts; forgets a resolved one. */
static void am_track(struct am_conf *a, const cJSON *r, bool firing)
{
	char key[600], *labels = deliver_labels(r);
	struct am_alert *nv;
	size_t i;

	snprintf(key, sizeof(key), "%s%s", deliver_str(r, "name"), labels ? labels : "");
	free(labels);
	for (i = 0; i < a->nactive && strcmp(a->active[i].key, key) != 0; i++)
		;
	if (i < a->nactive)
		am_forget(a, i);
	if (!firing || a->nactive == AM_ACTIVE_MAX)
		return;
	if (array_reserve(&a->active, &a->cap, a->nactive + 1, sizeof(*a->active), 16) < 0)
		return;
	nv = a->active;
	nv[a->nactive].key = strdup(key);
	nv[a->nactive].rec = cJSON_Duplicate(r, 1);
	if (nv[a->nactive].key && nv[a->nactive].rec)
		a->nactive++;
}

/* What Alertmanager gets for r: an array of the one alert. */
static cJSON *am_payload(struct target *t, const cJSON *r)
{
	bool firing = strcmp(deliver_str(r, "state"), "firing") == 0;
	cJSON *arr = cJSON_CreateArray();

	cJSON_AddItemToArray(arr, am_alert(t->n->host, r, firing));
	am_track(t->conf, r, firing);
	return arr;
}

/* Every AM_RESEND_MS, all firing alerts again (with a fresh endsAt), as Prometheus does. */
static void am_resend(struct target *t, int64_t now)
{
	struct am_conf *a = t->conf;
	cJSON *arr;

	if (now < a->next_resend)
		return;
	a->next_resend = now + AM_RESEND_MS;
	if (!a->nactive || t->count)
		return; /* nothing firing, or the queue already carries fresh news */
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < a->nactive; i++)
		cJSON_AddItemToArray(arr, am_alert(t->n->host, a->active[i].rec, true));
	deliver_enqueue(t, arr);
}

static int64_t am_next_resend(const struct target *t)
{
	const struct am_conf *a = t->conf;

	return a->nactive ? a->next_resend : INT64_MAX;
}

static const char *am_start(struct job *j)
{
	struct am_conf *a = j->t->conf;

	return deliver_http_post(j, a->url, a->hdrs);
}

const struct deliver_ops deliver_am_ops = {
	.name = "alertmanager",
	.max_running = 1,
	.setup = am_setup,
	.conf_free = am_free,
	.open = am_open,
	.payload = am_payload,
	.tick = am_resend,
	.next_tick = am_next_resend,
	.start = am_start,
	.abort = deliver_http_abort,
};
