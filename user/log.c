/* log.c - one-line diagnostics on stderr (see log.h). */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level max_level = LOG_LVL_INFO;
static const char *const level_word[] = { "error", "warning", "info", "debug" };

void log_set_level(enum log_level lvl) { max_level = lvl; }
enum log_level log_get_level(void) { return max_level; }

/* Formats the whole line first so that concurrent writers to the same journal never interleave. */
static void emit(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];
	int n;

	if (lvl > max_level && lvl != LOG_LVL_ERROR)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (errnum)
		fprintf(stderr, "corewatch: %s: %s: %s\n", level_word[lvl], msg, strerror(errnum));
	else
		fprintf(stderr, "corewatch: %s: %s\n", level_word[lvl], msg);
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) { emit(lvl, 0, fmt, ap); }

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

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
