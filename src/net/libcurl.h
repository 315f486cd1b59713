/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libcurl: loaded the first time a request needs it, not linked. Linked,
 * its dependencies (OpenSSL, Kerberos, LDAP, nghttp2...) cost every start
 * about 8 ms in the dynamic loader, four times what the whole screen needs
 * to draw its first frame; a chat that is opened to read the history, or
 * answered by the offline mock, never needs them. Only net/transport calls
 * libcurl, through this table. */
#ifndef CIRCUIT_NET_LIBCURL_H
#define CIRCUIT_NET_LIBCURL_H

#include <curl/curl.h>
#include <stddef.h>

struct libcurl {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption option, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t s, int ev, int *running);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	const char *(*multi_strerror)(CURLMcode code);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *e);
	CURLcode (*easy_setopt)(CURL *e, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The library, loaded (libcurl.so.4) and initialised on the first call;
 * later calls return the same table. NULL when it cannot be loaded, with
 * one line in err saying why and what to install. */
const struct libcurl *libcurl_get(char *err, size_t errlen);

/* curl_global_cleanup, when the last user is done (valgrind then sees no
 * memory of its own left). */
void libcurl_release(void);

#endif
