// SPDX-License-Identifier: GPL-2.0-only
/* dl.c - libcurl and libmicrohttpd loaded when a setting first needs them (see dl.h). */
#define DL_NO_NAMES
#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>

struct dl_curl dl_curl;
struct dl_mhd dl_mhd;

struct dl_sym {
	const char *name;
	void **slot;
};

#define SYM(api, field, name) { #name, (void **)&api.field }

static const struct dl_sym curl_syms[] = {
	SYM(dl_curl, global_init, curl_global_init), SYM(dl_curl, global_cleanup, curl_global_cleanup),
	SYM(dl_curl, easy_init, curl_easy_init), SYM(dl_curl, easy_setopt, curl_easy_setopt),
	SYM(dl_curl, easy_getinfo, curl_easy_getinfo), SYM(dl_curl, easy_strerror, curl_easy_strerror),
	SYM(dl_curl, easy_cleanup, curl_easy_cleanup), SYM(dl_curl, multi_init, curl_multi_init),
	SYM(dl_curl, multi_setopt, curl_multi_setopt), SYM(dl_curl, multi_add_handle, curl_multi_add_handle),
	SYM(dl_curl, multi_remove_handle, curl_multi_remove_handle),
	SYM(dl_curl, multi_socket_action, curl_multi_socket_action),
	SYM(dl_curl, multi_info_read, curl_multi_info_read), SYM(dl_curl, multi_cleanup, curl_multi_cleanup),
	SYM(dl_curl, slist_append, curl_slist_append), SYM(dl_curl, slist_free_all, curl_slist_free_all),
	SYM(dl_curl, url, curl_url), SYM(dl_curl, url_set, curl_url_set), SYM(dl_curl, url_get, curl_url_get),
	SYM(dl_curl, url_cleanup, curl_url_cleanup), SYM(dl_curl, free, curl_free),
};

static const struct dl_sym mhd_syms[] = {
	SYM(dl_mhd, start_daemon, MHD_start_daemon), SYM(dl_mhd, stop_daemon, MHD_stop_daemon),
	SYM(dl_mhd, run, MHD_run), SYM(dl_mhd, get_timeout, MHD_get_timeout),
	SYM(dl_mhd, get_daemon_info, MHD_get_daemon_info), SYM(dl_mhd, get_connection_info, MHD_get_connection_info),
	SYM(dl_mhd, lookup_connection_value, MHD_lookup_connection_value),
	SYM(dl_mhd, create_response_from_buffer, MHD_create_response_from_buffer),
	SYM(dl_mhd, create_response_from_buffer_with_free_callback, MHD_create_response_from_buffer_with_free_callback),
	SYM(dl_mhd, add_response_header, MHD_add_response_header), SYM(dl_mhd, queue_response, MHD_queue_response),
	SYM(dl_mhd, destroy_response, MHD_destroy_response),
};

/* dlopen()s soname and fills every slot of syms, all or none. Returns 0 or -1 (reason in err). A
 * library once loaded stays: *handle says so. */
static int load(void **handle, const char *soname, const char *package, const struct dl_sym *syms, size_t n,
		char *err, size_t errlen)
{
	void *h;

	if (*handle)
		return 0;
	if (!(h = dlopen(soname, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, errlen, "cannot load %s: %s (Debian package %s)", soname, dlerror(), package);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			snprintf(err, errlen, "%s has no %s: too old (Debian package %s)", soname, syms[i].name, package);
			for (size_t j = 0; j < i; j++)
				*syms[j].slot = NULL;
			dlclose(h);
			return -1;
		}
		*syms[i].slot = f;
	}
	*handle = h;
	return 0;
}

int dl_curl_load(char *err, size_t errlen)
{
	static void *handle;

	return load(&handle, "libcurl.so.4", "libcurl4", curl_syms, sizeof(curl_syms) / sizeof(curl_syms[0]), err,
		    errlen);
}

int dl_mhd_load(char *err, size_t errlen)
{
	static void *handle;

	return load(&handle, "libmicrohttpd.so.12", "libmicrohttpd12", mhd_syms, sizeof(mhd_syms) / sizeof(mhd_syms[0]),
		    err, errlen);
}
