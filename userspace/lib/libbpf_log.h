/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TABBY_LIBBPF_LOG_H
#define TABBY_LIBBPF_LOG_H

/* Routes libbpf's messages into tabby's log (warnings as warnings, the rest as debug). */
void tb_libbpf_log_setup(void);

#endif
