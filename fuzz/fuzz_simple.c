/*
 * libFuzzer target for the simple-index parser (src/index/simple.c) and the URL resolver
 * (src/index/url.c).
 *
 * The first byte picks the format (even: HTML, odd: PEP 691 JSON); the rest is the page body,
 * parsed as if served at https://u:p@h.example/simple/foo/. Every accepted page is checked
 * against simple.h's promises: each file has a filename and an absolute URL without a
 * fragment, a sha256 that is "" or 64 lowercase hex digits (and hash_malformed only when it is
 * ""), a size >= -1, an API major version of at most 1. The body is also resolved as an href and
 * unescaped as an attribute value, which must not crash. A broken promise is an abort().
 * Build and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/simple.h"
#include "util/url.h"
#include "util/xalloc.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool hex64_or_empty(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool json = data[0] & 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *base = "https://u:p@h.example/simple/foo/";
    simple_page_t *p = NULL;
    err_t *e = json ? simple_parse_json(body, len, base, &p)
                    : simple_parse_html(body, len, base, &p);
    if (e) {
        check(p == NULL && e->exit_code == EXIT_APPLY);
        err_free(e);
    } else {
        check(p && p->api_major <= 1 && p->warnings && p->warnings[p->nwarnings] == NULL);
        for (size_t i = 0; i < p->n; i++) {
            const simple_file_t *f = &p->files[i];
            check(f->filename != NULL && f->url != NULL);
            check(strchr(f->url, '#') == NULL);
            url_parts_t u;
            url_split(f->url, &u);
            check(u.has_scheme);
            check(hex64_or_empty(f->sha256) && hex64_or_empty(f->metadata_sha256));
            check(!f->hash_malformed || f->sha256[0] == '\0');
            check(f->size >= -1);
            check(!f->yanked_reason || f->yanked);
            char *r = url_redact(f->url);
            free(r);
        }
        simple_page_free(p);
    }
    /* the body as an href and as an attribute value */
    char *ref = xstrndup(body, strnlen(body, len));
    char *abs = url_resolve(base, ref);
    url_parts_t u;
    url_split(abs, &u);
    check(u.has_scheme);
    free(abs);
    char *un = simple_html_unescape(body, len);
    check(strlen(un) <= len * 4 + 1);
    free(un);
    free(ref);
    return 0;
}
