// SPDX-License-Identifier: Apache-2.0
/*
 * libbpf's messages go through tabby's logging. libbpf reports an existing clsact hook as a
 * kernel error ("Exclusivity flag on, cannot modify") although tabby shares the hook on
 * purpose: that one is debug.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

#include "libbpf_log.h"
#include "log.h"

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum tb_log_level l = level == LIBBPF_WARN ? TB_LOG_WARNING : TB_LOG_DEBUG;
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (strstr(buf, "Exclusivity flag on"))
		l = TB_LOG_DEBUG;
	buf[strcspn(buf, "\n")] = '\0';
	tb_log(l, "libbpf: %s", buf);
	return 0;
}

void tb_libbpf_log_setup(void)
{
	libbpf_set_print(print);
}
