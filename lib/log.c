/* log: leveled logging to stderr with a program prefix and UTC timestamp. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "log.h"

static enum log_level log_level = LOG_INFO;
static const char *log_prefix = "skiff";

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"E", "W", "I", "D"};
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (lvl > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%s %s %02d:%02d:%02d.%03ld ", names[lvl], log_prefix, tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
