// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum tb_log_level stderr_level = TB_LOG_WARNING;
static enum tb_log_level file_level = TB_LOG_NONE;
static FILE *log_file;
static const char *log_ident = "tabby";
static enum tb_log_level syslog_level = TB_LOG_NONE;

static const char *const level_names[] = {
	[TB_LOG_DEBUG] = "debug",	  [TB_LOG_INFO] = "info",   [TB_LOG_WARNING] = "warning",
	[TB_LOG_ERROR] = "error",	  [TB_LOG_CRITICAL] = "critical", [TB_LOG_NONE] = "none",
};

int tb_log_level_parse(const char *s, enum tb_log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = i;
			return 0;
		}
	}
	if (!strcasecmp(s, "warn")) {
		*out = TB_LOG_WARNING;
		return 0;
	}
	if (!strcasecmp(s, "fatal") || !strcasecmp(s, "panic")) {
		*out = TB_LOG_CRITICAL;
		return 0;
	}
	return -EINVAL;
}

const char *tb_log_level_name(enum tb_log_level level)
{
	return level <= TB_LOG_NONE ? level_names[level] : "?";
}

void tb_log_set_level(enum tb_log_level level)
{
	stderr_level = level;
}

enum tb_log_level tb_log_get_level(void)
{
	enum tb_log_level l = stderr_level < file_level ? stderr_level : file_level;

	return l < syslog_level ? l : syslog_level;
}

void tb_log_set_file_level(enum tb_log_level level)
{
	if (log_file)
		file_level = level;
}

void tb_log_set_syslog(enum tb_log_level level)
{
	if (level != TB_LOG_NONE && syslog_level == TB_LOG_NONE)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (level == TB_LOG_NONE && syslog_level != TB_LOG_NONE)
		closelog();
	syslog_level = level;
}

static int syslog_priority(enum tb_log_level level)
{
	static const int prio[] = {
		[TB_LOG_DEBUG] = LOG_DEBUG, [TB_LOG_INFO] = LOG_INFO, [TB_LOG_WARNING] = LOG_WARNING,
		[TB_LOG_ERROR] = LOG_ERR,   [TB_LOG_CRITICAL] = LOG_CRIT,
	};
	return level < TB_LOG_NONE ? prio[level] : LOG_INFO;
}

void tb_log_set_ident(const char *ident)
{
	log_ident = ident;
}

int tb_log_set_file(const char *path, enum tb_log_level level)
{
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
	file_level = TB_LOG_NONE;
	if (!path)
		return 0;
	log_file = fopen(path, "ae");
	if (!log_file)
		return -errno;
	setvbuf(log_file, NULL, _IOLBF, 0);
	file_level = level;
	return 0;
}

static void emit(FILE *f, enum tb_log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ %s [%s] ", stamp, ts.tv_nsec / 1000000, log_ident,
		tb_log_level_name(level));
	vfprintf(f, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', f);
}

void tb_vlog(enum tb_log_level level, const char *fmt, va_list ap)
{
	va_list copy;

	if (level >= stderr_level && stderr_level != TB_LOG_NONE) {
		va_copy(copy, ap);
		emit(stderr, level, fmt, copy);
		va_end(copy);
	}
	if (level >= syslog_level && syslog_level != TB_LOG_NONE) {
		va_copy(copy, ap);
		vsyslog(syslog_priority(level), fmt, copy);
		va_end(copy);
	}
	if (log_file && level >= file_level && file_level != TB_LOG_NONE) {
		va_copy(copy, ap);
		emit(log_file, level, fmt, copy);
		va_end(copy);
	}
}

void tb_log(enum tb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tb_vlog(level, fmt, ap);
	va_end(ap);
}
