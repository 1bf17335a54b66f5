/*
 * curl_load: libcurl, loaded on first use instead of at start-up.
 *
 * Linking libcurl pulls some thirty shared libraries into every run (TLS, HTTP/2, IDN, LDAP,
 * Kerberos ...): about 4 ms of loading and relocation before main, on a tool whose no-op must
 * take a few milliseconds and that needs the network only to download. So venvsync does not
 * link libcurl; this file defines the libcurl functions http.c calls, and each one loads
 * libcurl.so.4 with dlopen the first time any of them runs, then calls through. When the
 * library cannot be loaded, curl_global_init() fails (http.c reports it) and the other entry
 * points return their "failed" value. Thread-safe (pthread_once).
 *
 * The variadic setopt/getinfo functions take exactly one argument whose type libcurl derives
 * from the option number (CURLOPTTYPE_*); it is forwarded with that type.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

static struct {
    void *lib;
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    curl_version_info_data *(*version_info)(CURLversion);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    const char *(*multi_strerror)(CURLMcode);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_cleanup)(CURLSH *);
    CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
#define SYM(field, name)                       \
    do {                                       \
        *(void **)&api.field = dlsym(h, name); \
        if (!api.field)                        \
            return;                            \
    } while (0)
    SYM(global_init, "curl_global_init");
    SYM(global_cleanup, "curl_global_cleanup");
    SYM(version_info, "curl_version_info");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_reset, "curl_easy_reset");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(multi_init, "curl_multi_init");
    SYM(multi_cleanup, "curl_multi_cleanup");
    SYM(multi_setopt, "curl_multi_setopt");
    SYM(multi_add_handle, "curl_multi_add_handle");
    SYM(multi_remove_handle, "curl_multi_remove_handle");
    SYM(multi_perform, "curl_multi_perform");
    SYM(multi_poll, "curl_multi_poll");
    SYM(multi_info_read, "curl_multi_info_read");
    SYM(multi_strerror, "curl_multi_strerror");
    SYM(share_init, "curl_share_init");
    SYM(share_cleanup, "curl_share_cleanup");
    SYM(share_setopt, "curl_share_setopt");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
    api.lib = h;
    loaded = 1;
}

static int ready(void)
{
    pthread_once(&once, load);
    return loaded;
}

/* curl.h may wrap these names in type-checking macros; the definitions need the plain names. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt

CURLcode curl_global_init(long flags)
{
    return ready() ? api.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (ready())
        api.global_cleanup();
}

curl_version_info_data *curl_version_info(CURLversion v)
{
    return ready() ? api.version_info(v) : NULL;
}

CURL *curl_easy_init(void)
{
    return ready() ? api.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *c)
{
    if (ready())
        api.easy_cleanup(c);
}

void curl_easy_reset(CURL *c)
{
    if (ready())
        api.easy_reset(c);
}

/* One option argument, typed by the option's number (curl.h's CURLOPTTYPE_* bases). */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode rc;
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = api.easy_setopt(c, opt, v);
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
        void *v = va_arg(ap, void *);
        rc = api.easy_setopt(c, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void (*v)(void) = va_arg(ap, void (*)(void));
        rc = api.easy_setopt(c, opt, v);
    } else if (opt < CURLOPTTYPE_BLOB) {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = api.easy_setopt(c, opt, v);
    } else {
        void *v = va_arg(ap, void *);
        rc = api.easy_setopt(c, opt, v);
    }
    va_end(ap);
    return rc;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *); /* every getinfo argument is a pointer */
    va_end(ap);
    return api.easy_getinfo(c, info, out);
}

const char *curl_easy_strerror(CURLcode code)
{
    return ready() ? api.easy_strerror(code) : "libcurl could not be loaded";
}

CURLM *curl_multi_init(void)
{
    return ready() ? api.multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return ready() ? api.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
    if (!ready())
        return CURLM_INTERNAL_ERROR;
    va_list ap;
    va_start(ap, opt);
    CURLMcode rc;
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = api.multi_setopt(m, opt, v);
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
        void *v = va_arg(ap, void *);
        rc = api.multi_setopt(m, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void (*v)(void) = va_arg(ap, void (*)(void));
        rc = api.multi_setopt(m, opt, v);
    } else {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = api.multi_setopt(m, opt, v);
    }
    va_end(ap);
    return rc;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
    return ready() ? api.multi_add_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
    return ready() ? api.multi_remove_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return ready() ? api.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned int n, int timeout_ms,
                          int *numfds)
{
    return ready() ? api.multi_poll(m, extra, n, timeout_ms, numfds) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
    return ready() ? api.multi_info_read(m, left) : NULL;
}

const char *curl_multi_strerror(CURLMcode code)
{
    return ready() ? api.multi_strerror(code) : "libcurl could not be loaded";
}

CURLSH *curl_share_init(void)
{
    return ready() ? api.share_init() : NULL;
}

CURLSHcode curl_share_cleanup(CURLSH *s)
{
    return ready() ? api.share_cleanup(s) : CURLSHE_NOT_BUILT_IN;
}

/* Share options take a long (CURL_LOCK_DATA_*) or a pointer (callbacks, user data). */
CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
    if (!ready())
        return CURLSHE_NOT_BUILT_IN;
    va_list ap;
    va_start(ap, opt);
    CURLSHcode rc;
    if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE) {
        long v = va_arg(ap, long);
        rc = api.share_setopt(s, opt, v);
    } else {
        void *v = va_arg(ap, void *);
        rc = api.share_setopt(s, opt, v);
    }
    va_end(ap);
    return rc;
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
    return ready() ? api.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
    if (ready())
        api.slist_free_all(l);
}
