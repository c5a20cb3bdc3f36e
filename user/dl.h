/* SPDX-License-Identifier: GPL-2.0-only */
/* dl.h - libcurl and libmicrohttpd, loaded when first needed (dlopen), not at start: linked, their
 * dependency trees (OpenSSL, GnuTLS, Kerberos, LDAP, p11-kit: some 30 libraries) cost 6 MB of RSS
 * in every agent, though most deliver no alert by HTTP or mail and serve no --listen. Code using
 * them includes this header instead of theirs and calls their API by its usual names. */
#ifndef COREWATCH_DL_H
#define COREWATCH_DL_H

#include <stddef.h>

#define CURL_DISABLE_TYPECHECK /* its checking macros would take the names defined below */
#include <curl/curl.h>
#include <microhttpd.h>

/* The functions corewatch calls, by their own prototypes. */
struct dl_curl {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_setopt) *multi_setopt;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_socket_action) *multi_socket_action;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
};

struct dl_mhd {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_get_connection_info) *get_connection_info;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback) *create_response_from_buffer_with_free_callback;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

extern struct dl_curl dl_curl;
extern struct dl_mhd dl_mhd;

/* Loads libcurl (dl_curl) once; later calls return at once. Returns 0, or -1 with the reason in
 * err ("cannot load libcurl.so.4: ... (Debian package libcurl4)"). */
int dl_curl_load(char *err, size_t errlen);

/* The same for libmicrohttpd (dl_mhd). */
int dl_mhd_load(char *err, size_t errlen);

#ifndef DL_NO_NAMES
/* The usual names. Those that free may be reached with NULL before anything was loaded (teardown
 * of a setting that failed): a NULL object is nothing to free, as in the libraries. */
#undef curl_easy_setopt /* curl.h's pass-through macros */
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init (*dl_curl.global_init)
#define curl_global_cleanup (*dl_curl.global_cleanup)
#define curl_easy_init (*dl_curl.easy_init)
#define curl_easy_setopt (*dl_curl.easy_setopt)
#define curl_easy_getinfo (*dl_curl.easy_getinfo)
#define curl_easy_strerror (*dl_curl.easy_strerror)
#define curl_easy_cleanup(e) ((e) ? dl_curl.easy_cleanup(e) : (void)0)
#define curl_multi_init (*dl_curl.multi_init)
#define curl_multi_setopt (*dl_curl.multi_setopt)
#define curl_multi_add_handle (*dl_curl.multi_add_handle)
#define curl_multi_remove_handle (*dl_curl.multi_remove_handle)
#define curl_multi_socket_action (*dl_curl.multi_socket_action)
#define curl_multi_info_read (*dl_curl.multi_info_read)
#define curl_multi_cleanup(m) ((m) ? dl_curl.multi_cleanup(m) : CURLM_OK)
#define curl_slist_append (*dl_curl.slist_append)
#define curl_slist_free_all(l) ((l) ? dl_curl.slist_free_all(l) : (void)0)
#define curl_url (*dl_curl.url)
#define curl_url_set (*dl_curl.url_set)
#define curl_url_get (*dl_curl.url_get)
#define curl_url_cleanup(u) ((u) ? dl_curl.url_cleanup(u) : (void)0)
#define curl_free(p) ((p) ? dl_curl.free(p) : (void)0)

#define MHD_start_daemon (*dl_mhd.start_daemon)
#define MHD_stop_daemon(d) ((d) ? dl_mhd.stop_daemon(d) : (void)0)
#define MHD_run (*dl_mhd.run)
#define MHD_get_timeout (*dl_mhd.get_timeout)
#define MHD_get_daemon_info (*dl_mhd.get_daemon_info)
#define MHD_get_connection_info (*dl_mhd.get_connection_info)
#define MHD_lookup_connection_value (*dl_mhd.lookup_connection_value)
#define MHD_create_response_from_buffer (*dl_mhd.create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback (*dl_mhd.create_response_from_buffer_with_free_callback)
#define MHD_add_response_header (*dl_mhd.add_response_header)
#define MHD_queue_response (*dl_mhd.queue_response)
#define MHD_destroy_response(r) ((r) ? dl_mhd.destroy_response(r) : (void)0)
#endif

#endif
