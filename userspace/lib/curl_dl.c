// SPDX-License-Identifier: Apache-2.0
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "curl_dl.h"
#include "log.h"

struct tb_curl_api tb_curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc;

#define SYM(field, name) { (void **)&tb_curl.field, name }

static void load(void)
{
	static const struct {
		void **slot;
		const char *name;
	} syms[] = {
		SYM(global_init, "curl_global_init"),
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_perform, "curl_easy_perform"),
		SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_reset, "curl_easy_reset"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(slist_append, "curl_slist_append"),
		SYM(slist_free_all, "curl_slist_free_all"),
		SYM(multi_init, "curl_multi_init"),
		SYM(multi_add_handle, "curl_multi_add_handle"),
		SYM(multi_remove_handle, "curl_multi_remove_handle"),
		SYM(multi_perform, "curl_multi_perform"),
		SYM(multi_poll, "curl_multi_poll"),
		SYM(multi_wakeup, "curl_multi_wakeup"),
		SYM(multi_info_read, "curl_multi_info_read"),
		SYM(multi_cleanup, "curl_multi_cleanup"),
	};
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		tb_err("etcd: cannot load libcurl (package libcurl4): %s", dlerror());
		load_rc = -ENOENT;
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			tb_err("etcd: libcurl lacks %s (too old?)", syms[i].name);
			load_rc = -ENOENT;
			return;
		}
	}
	load_rc = tb_curl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

int tb_curl_load(void)
{
	pthread_once(&once, load);
	return load_rc;
}
