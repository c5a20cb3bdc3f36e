// SPDX-License-Identifier: GPL-2.0-only
/* log.c - one-line diagnostics on stderr (see log.h). */
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level max_level = LOG_LVL_INFO;
static const char *const level_word[] = { "error", "warning", "info", "debug" };
/* sd-daemon(3) prefixes: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
static const char *const level_prefix[] = { "<3>", "<4>", "<6>", "<7>" };
static int to_journal = -1; /* -1: not looked at yet */

void log_set_level(enum log_level lvl) { max_level = lvl; }
enum log_level log_get_level(void) { return max_level; }

/* Whether JOURNAL_STREAM ("DEV:INODE", decimal) matches fstat() of stderr. Returns 1 or 0. */
static int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	char *end;

	if (!js || !*js)
		return 0;
	errno = 0;
	dev = strtoumax(js, &end, 10);
	if (errno || end == js || *end != ':' || js[0] < '0' || js[0] > '9')
		return 0;
	js = end + 1;
	ino = strtoumax(js, &end, 10);
	if (errno || end == js || *end != '\0' || js[0] < '0' || js[0] > '9')
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

/* For the journal: every line of msg gets the level's prefix, and the trailing newlines some callers
 * (libbpf) leave are dropped, since an empty line would be logged at the default priority. */
static void journal_lines(char *out, size_t len, const char *msg, const char *pfx)
{
	size_t o = 0, plen = strlen(pfx), mlen = strlen(msg);

	while (mlen && msg[mlen - 1] == '\n')
		mlen--;
	for (size_t i = 0; i < mlen && o + plen + 2 < len; i++) {
		out[o++] = msg[i];
		if (msg[i] == '\n') {
			memcpy(out + o, pfx, plen);
			o += plen;
		}
	}
	out[o] = '\0';
}

/* Formats the whole line first so that concurrent writers to the same journal never interleave. */
static void emit(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	char msg[1024], jmsg[1200];
	const char *pfx = "", *body = msg;
	int n;

	if (lvl > max_level && lvl != LOG_LVL_ERROR)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (to_journal < 0)
		to_journal = log_stderr_is_journal();
	if (to_journal) {
		pfx = level_prefix[lvl];
		journal_lines(jmsg, sizeof(jmsg), msg, pfx);
		body = jmsg;
	}
	if (errnum)
		fprintf(stderr, "%scorewatch: %s: %s: %s\n", pfx, level_word[lvl], body, strerror(errnum));
	else
		fprintf(stderr, "%scorewatch: %s: %s\n", pfx, level_word[lvl], body);
}


#define DEFINE_LOG(fn, lvl, with_errno)                                  \
	void fn(const char *fmt, ...)                                    \
	{                                                                \
		int saved = errno;                                       \
		va_list ap;                                              \
		va_start(ap, fmt);                                       \
		emit(lvl, (with_errno) ? saved : 0, fmt, ap);            \
		va_end(ap);                                              \
		errno = saved;                                           \
	}

DEFINE_LOG(log_warn, LOG_LVL_WARN, 1)
DEFINE_LOG(log_warnx, LOG_LVL_WARN, 0)
DEFINE_LOG(log_info, LOG_LVL_INFO, 0)
DEFINE_LOG(log_debug, LOG_LVL_DEBUG, 0)
DEFINE_LOG(log_errorx, LOG_LVL_ERROR, 0)


