/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leveled logging through one printf-checked function. The context (program, node,
 * interface, endpoint) goes into a prefix so every line says where it came from.
 */
#ifndef TABBY_LOG_H
#define TABBY_LOG_H

#include <stdarg.h>

enum tb_log_level {
	TB_LOG_DEBUG,
	TB_LOG_INFO,
	TB_LOG_WARNING,
	TB_LOG_ERROR,
	TB_LOG_CRITICAL,
	TB_LOG_NONE,
};

/* Parses none|debug|info|warning|error|critical (case-insensitive, "warn" too). */
int tb_log_level_parse(const char *s, enum tb_log_level *out);
const char *tb_log_level_name(enum tb_log_level level);

void tb_log_set_level(enum tb_log_level level);
enum tb_log_level tb_log_get_level(void);
/* The program name that starts each line ("tabbyd", "tabby-cni"). */
void tb_log_set_ident(const char *ident);
/* Also append to a file; NULL stops. Returns 0 or -errno. */
int tb_log_set_file(const char *path, enum tb_log_level level);

/* Changes the level of the log file, if one is open. */
void tb_log_set_file_level(enum tb_log_level level);
/* Also send to syslog (the local /dev/log) from this level; TB_LOG_NONE stops. */
void tb_log_set_syslog(enum tb_log_level level);

void tb_log(enum tb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_vlog(enum tb_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define tb_debug(...) tb_log(TB_LOG_DEBUG, __VA_ARGS__)
#define tb_info(...) tb_log(TB_LOG_INFO, __VA_ARGS__)
#define tb_warn(...) tb_log(TB_LOG_WARNING, __VA_ARGS__)
#define tb_err(...) tb_log(TB_LOG_ERROR, __VA_ARGS__)

#endif
