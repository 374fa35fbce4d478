/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded when the etcd backend first needs it. Linking it would make every process
 * map curl and its ~30 dependencies at start: about 5 ms for each CNI ADD that never talks
 * to etcd. The etcd backend calls curl through this table.
 */
#ifndef TABBY_CURL_DL_H
#define TABBY_CURL_DL_H

#include <curl/curl.h>

struct tb_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_reset)(CURL *h);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
				int *numfds);
	CURLMcode (*multi_wakeup)(CURLM *m);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_cleanup)(CURLM *m);
};

extern struct tb_curl_api tb_curl;

/* Loads libcurl and runs its global init, once per process. 0, or -ENOENT (logged). */
int tb_curl_load(void);

#endif
