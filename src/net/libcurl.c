/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libcurl: loaded the first time a request needs it (see libcurl.h). */
#include "net/libcurl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static struct libcurl lib;
static int state; /* 0 not tried, 1 loaded, -1 failed */
static char why[256];

/* Each entry: where in the table, and the library's name for it. */
#define SYMBOLS(X)                                                                                \
	X(global_init, "curl_global_init")                                                            \
	X(global_cleanup, "curl_global_cleanup")                                                      \
	X(multi_init, "curl_multi_init")                                                              \
	X(multi_cleanup, "curl_multi_cleanup")                                                        \
	X(multi_setopt, "curl_multi_setopt")                                                          \
	X(multi_add_handle, "curl_multi_add_handle")                                                  \
	X(multi_remove_handle, "curl_multi_remove_handle")                                            \
	X(multi_socket_action, "curl_multi_socket_action")                                            \
	X(multi_info_read, "curl_multi_info_read")                                                    \
	X(multi_strerror, "curl_multi_strerror")                                                      \
	X(easy_init, "curl_easy_init")                                                                \
	X(easy_cleanup, "curl_easy_cleanup")                                                          \
	X(easy_setopt, "curl_easy_setopt")                                                            \
	X(easy_getinfo, "curl_easy_getinfo")                                                          \
	X(easy_strerror, "curl_easy_strerror")                                                        \
	X(slist_append, "curl_slist_append")                                                          \
	X(slist_free_all, "curl_slist_free_all")

static int load(void)
{
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(why, sizeof(why), "cannot load libcurl (%s): install libcurl4", dlerror());
		return -1;
	}
	/* dlsym's void * to a function pointer: POSIX guarantees it works;
	 * memcpy keeps ISO C's pedantic warning quiet. */
#define RESOLVE(field, name)                                                                      \
	do {                                                                                          \
		void *p = dlsym(h, name);                                                                 \
		if (p == NULL) {                                                                          \
			snprintf(why, sizeof(why), "libcurl.so.4 has no %s: install libcurl4 7.68 or later", \
			         name);                                                                       \
			dlclose(h);                                                                           \
			return -1;                                                                            \
		}                                                                                         \
		memcpy(&lib.field, &p, sizeof(p));                                                        \
	} while (0);
	SYMBOLS(RESOLVE)
#undef RESOLVE
	if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(why, sizeof(why), "libcurl failed to initialise");
		return -1;
	}
	return 0;
}

const struct libcurl *libcurl_get(char *err, size_t errlen)
{
	if (state == 0)
		state = load() == 0 ? 1 : -1;
	if (state < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return state > 0 ? &lib : NULL;
}

void libcurl_release(void)
{
	if (state > 0)
		lib.global_cleanup();
	state = 0; /* the next libcurl_get initialises it again */
}
