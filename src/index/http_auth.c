/* http_auth: the HTTP client's credentials (see http.h, "Credentials"): registered from URLs and
 * http_add_credentials(), looked up (the netrc file last), and scrubbed out of messages. */
#include <stdlib.h>
#include <string.h>

#include "index/http_internal.h"
#include "index/netrc.h"
#include "util/buf.h"
#include "util/url.h"
#include "util/xalloc.h"

static void wipe_free(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
}

void http_add_credentials(http_t *h, const char *url, const char *user, const char *password)
{
    char *key = url_host_key(url);
    if (!key)
        return;
    for (size_t i = 0; i < h->ncreds; i++) {
        if (strcmp(h->creds[i].hostkey, key) == 0) {
            wipe_free(h->creds[i].user);
            wipe_free(h->creds[i].pass);
            h->creds[i].user = xstrdup(user ? user : "");
            h->creds[i].pass = xstrdup(password);
            free(key);
            return;
        }
    }
    XGROW(h->creds, h->credcap, h->ncreds + 1);
    h->creds[h->ncreds++] = (cred_t){key, xstrdup(user ? user : ""), xstrdup(password)};
}

static netrc_t *get_netrc(http_t *h)
{
    if (!h->netrc_loaded) {
        h->netrc_loaded = true;
        if (h->cfg.netrc_path && *h->cfg.netrc_path) {
            h->netrc = netrc_load(h->cfg.netrc_path);
            for (size_t i = 0; i < h->netrc->nwarnings; i++)
                http_add_warning(h, xstrdup(h->netrc->warnings[i]));
        }
    }
    return h->netrc;
}

bool http_find_credentials(http_t *h, const char *url, const char **user, const char **pass)
{
    char *key = url_host_key(url);
    if (!key)
        return false;
    for (size_t i = 0; i < h->ncreds; i++) {
        if (strcmp(h->creds[i].hostkey, key) == 0) {
            *user = h->creds[i].user;
            *pass = h->creds[i].pass;
            free(key);
            return true;
        }
    }
    free(key);
    netrc_t *n = get_netrc(h);
    if (!n)
        return false;
    url_parts_t p;
    url_split(url, &p);
    char *host = xstrndup(url + p.host.off, p.host.len);
    const netrc_entry_t *e = netrc_lookup(n, host);
    free(host);
    if (!e || (!e->login && !e->password))
        return false;
    *user = e->login ? e->login : "";
    *pass = e->password;
    return true;
}

bool http_has_credentials(http_t *h, const char *url)
{
    char *u = NULL, *p = NULL;
    char *s = url_strip_credentials(url, &u, &p);
    bool has = u || p;
    wipe_free(u);
    wipe_free(p);
    const char *a, *b;
    has = has || http_find_credentials(h, s, &a, &b);
    free(s);
    return has;
}

char *http_take_credentials(http_t *h, const char *url)
{
    char *u = NULL, *p = NULL;
    char *s = url_strip_credentials(url, &u, &p);
    if (u || p)
        http_add_credentials(h, s, u, p);
    wipe_free(u);
    wipe_free(p);
    return s;
}

static void scrub_one(buf_t *b, const char *secret)
{
    if (!secret || strlen(secret) < 3 || !b->data)
        return;
    if (!strstr(b->data, secret))
        return;
    char *copy = buf_detach(b);
    buf_add_replaced(b, copy, secret, "****");
    free(copy);
}

char *http_scrub(const http_t *h, const char *msg)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, msg ? msg : "");
    for (size_t i = 0; i < h->ncreds; i++)
        scrub_one(&b, h->creds[i].pass);
    if (h->netrc)
        for (size_t i = 0; i < h->netrc->n; i++)
            scrub_one(&b, h->netrc->entries[i].password);
    return buf_detach(&b);
}

void http_creds_free(http_t *h)
{
    for (size_t i = 0; i < h->ncreds; i++) {
        free(h->creds[i].hostkey);
        wipe_free(h->creds[i].user);
        wipe_free(h->creds[i].pass);
    }
    free(h->creds);
    h->creds = NULL;
    h->ncreds = h->credcap = 0;
    netrc_free(h->netrc);
    h->netrc = NULL;
}
