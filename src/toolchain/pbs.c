/* pbs: python-build-standalone release metadata, asset names and choice (see pbs.h). */
#include "toolchain/pbs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonread.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- asset names --------------------------------------------------------------------------- */

void pbs_asset_clear(pbs_asset_t *a)
{
    if (!a)
        return;
    free(a->name);
    free(a->version);
    free(a->build);
    free(a->triple);
    memset(a, 0, sizeof *a);
}


/* Digits at *p as a small int; false when there are none or too many. */
static bool take_int(const char **p, int *out)
{
    const char *s = *p;
    long v = 0;
    int n = 0;
    while (isdigit((unsigned char)*s) && n < 6) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0 || isdigit((unsigned char)*s))
        return false;
    *out = (int)v;
    *p = s;
    return true;
}

static bool parse_name(const char *name, pbs_asset_t *out);

bool pbs_parse_name(const char *name, pbs_asset_t *out)
{
    memset(out, 0, sizeof *out);
    if (parse_name(name, out))
        return true;
    memset(out, 0, sizeof *out);
    return false;
}

static bool parse_name(const char *name, pbs_asset_t *out)
{
    if (strncmp(name, "cpython-", 8) != 0 || strchr(name, '/'))
        return false;
    const char *p = name + 8, *vstart = p;
    if (!take_int(&p, &out->major) || *p++ != '.' || !take_int(&p, &out->minor) ||
        *p++ != '.' || !take_int(&p, &out->micro))
        return false;
    if (*p == 'a' || *p == 'b' || (p[0] == 'r' && p[1] == 'c')) {
        out->pre = *p == 'a' ? 1 : *p == 'b' ? 2 : 3;
        p += out->pre == 3 ? 2 : 1;
        if (!take_int(&p, &out->pre_num))
            return false;
    }
    if (*p != '+')
        return false;
    size_t vlen = (size_t)(p - vstart);
    const char *bstart = ++p;
    while (isdigit((unsigned char)*p))
        p++;
    size_t blen = (size_t)(p - bstart);
    if (blen == 0 || blen > 16 || *p != '-')
        return false;
    const char *rest = ++p;
    size_t n = strlen(rest);
    if (str_ends_with(rest, n, ".tar.gz"))
        n -= 7;
    else if (str_ends_with(rest, n, ".tar.zst")) {
        n -= 8;
        out->zst = true;
    } else
        return false;
    if (str_ends_with(rest, n, "-install_only_stripped")) {
        out->flavor = PBS_INSTALL_ONLY_STRIPPED;
        n -= 22;
    } else if (str_ends_with(rest, n, "-install_only")) {
        out->flavor = PBS_INSTALL_ONLY;
        n -= 13;
    } else if (str_ends_with(rest, n, "-full")) {
        out->flavor = PBS_FULL;
        n -= 5;
        /* the build options: the last '-' part ("pgo+lto", "freethreaded+debug", ...) */
        const char *dash = NULL;
        for (size_t i = n; i > 0; i--)
            if (rest[i - 1] == '-') {
                dash = rest + i - 1;
                break;
            }
        if (!dash)
            return false;
        size_t olen = n - (size_t)(dash + 1 - rest);
        char *opts = xstrndup(dash + 1, olen);
        out->freethreaded = strstr(opts, "freethreaded") != NULL;
        out->debug = strstr(opts, "debug") != NULL;
        free(opts);
        n = (size_t)(dash - rest);
    } else {
        return false;
    }
    if (out->flavor != PBS_FULL) {
        for (bool again = true; again;) {
            again = false;
            if (str_ends_with(rest, n, "-freethreaded+debug")) {
                out->freethreaded = out->debug = again = true;
                n -= 19;
            } else if (str_ends_with(rest, n, "-freethreaded")) {
                out->freethreaded = again = true;
                n -= 13;
            } else if (str_ends_with(rest, n, "-debug")) {
                out->debug = again = true;
                n -= 6;
            }
        }
    }
    /* arch-vendor-os[-env]: at least two dashes, nothing empty */
    int dashes = 0;
    for (size_t i = 0; i < n; i++) {
        char c = rest[i];
        if (c == '-') {
            if (i == 0 || rest[i - 1] == '-' || i + 1 == n)
                return false;
            dashes++;
        } else if (!isalnum((unsigned char)c) && c != '_' && c != '.') {
            return false;
        }
    }
    if (dashes < 2)
        return false;
    out->name = xstrdup(name);
    out->version = xstrndup(vstart, vlen);
    out->build = xstrndup(bstart, blen);
    out->triple = xstrndup(rest, n);
    return true;
}

/* ---- SHA256SUMS ---------------------------------------------------------------------------- */

void pbs_assets_free(pbs_assets_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        pbs_asset_clear(&a->items[i]);
    free(a->items);
    a->items = NULL;
    a->n = 0;
}

err_t *pbs_parse_sha256sums(const char *text, size_t len, pbs_assets_t *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, lineno = 0, pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (n == 0)
            continue;
        const char *why = NULL;
        char hex[65];
        size_t i = 0;
        for (; i < n && i < 64 && isxdigit((unsigned char)line[i]); i++)
            hex[i] = (char)tolower((unsigned char)line[i]);
        hex[i] = '\0';
        if (i != 64 || n < 66 || line[64] != ' ')
            why = "expected '<sha256 hex>  <file name>'";
        const char *fname = line + 65;
        if (!why && (*fname == ' ' || *fname == '*'))
            fname++;
        size_t flen = (size_t)(line + n - fname);
        if (!why && (flen == 0 || memchr(fname, '\0', flen) || memchr(fname, '/', flen)))
            why = "bad file name";
        if (why) {
            pbs_assets_free(out);
            return err_new(EXIT_APPLY, "SHA256SUMS line %zu: %s", lineno, why);
        }
        char *name = xstrndup(fname, flen);
        pbs_asset_t a;
        if (pbs_parse_name(name, &a)) {
            memcpy(a.sha256, hex, sizeof hex);
            XGROW(out->items, cap, out->n + 1);
            out->items[out->n++] = a;
        }
        free(name);
    }
    return NULL;
}

/* ---- latest-release.json ------------------------------------------------------------------- */

bool pbs_tag_valid(const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;
    if (n == 0 || n > 64 || tag[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)tag[i]) && !strchr("._-", tag[i]))
            return false;
    return true;
}

err_t *pbs_parse_latest(const char *json, size_t len, char **tag, char **prefix)
{
    *tag = NULL;
    *prefix = NULL;
    jr_doc_t *d = NULL;
    err_t *e = jr_parse(json, len, NULL, &d);
    if (e)
        return err_code(err_ctx(e, "latest-release.json"), EXIT_APPLY);
    const jr_value_t *root = jr_doc_root(d);
    const jr_value_t *ver = jr_get(root, "version");
    int64_t v = 1;
    if (!jr_is(root, JR_OBJECT))
        e = err_new(EXIT_APPLY, "latest-release.json: not a JSON object");
    else if (ver && (!jr_int64(ver, &v) || v != 1))
        e = err_new(EXIT_APPLY, "latest-release.json: unsupported format version (%s)",
                    ver->type == JR_NUMBER ? ver->u.s : jr_type_name(ver));
    else if (!jr_str(jr_get(root, "tag")))
        e = err_new(EXIT_APPLY, "latest-release.json: no \"tag\" string");
    else if (!pbs_tag_valid(jr_str(jr_get(root, "tag"))))
        e = err_new(EXIT_APPLY, "latest-release.json: unusable tag '%s'",
                    jr_str(jr_get(root, "tag")));
    if (!e) {
        *tag = xstrdup(jr_str(jr_get(root, "tag")));
        const char *p = jr_str(jr_get(root, "asset_url_prefix"));
        *prefix = p && *p ? xstrdup(p) : NULL;
    }
    jr_doc_free(d);
    return e;
}

/* ---- the host ------------------------------------------------------------------------------ */

bool pbs_host_make(const char *machine, const char *libc, pbs_host_t *out)
{
    memset(out, 0, sizeof *out);
    const char *arch = NULL;
    if (strcmp(machine, "x86_64") == 0 || strcmp(machine, "amd64") == 0)
        arch = "x86_64";
    else if (strcmp(machine, "aarch64") == 0 || strcmp(machine, "arm64") == 0)
        arch = "aarch64";
    if (!arch || (strcmp(libc, "gnu") != 0 && strcmp(libc, "musl") != 0))
        return false;
    snprintf(out->arch, sizeof out->arch, "%s", arch);
    snprintf(out->libc, sizeof out->libc, "%s", libc);
    snprintf(out->triple, sizeof out->triple, "%s-unknown-linux-%s", arch, libc);
    return true;
}

/* ---- choosing ------------------------------------------------------------------------------ */

int pbs_version_cmp(const pbs_asset_t *a, const pbs_asset_t *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->micro != b->micro)
        return a->micro < b->micro ? -1 : 1;
    int pa = a->pre ? a->pre : 9, pb = b->pre ? b->pre : 9;   /* final after pre-releases */
    if (pa != pb)
        return pa < pb ? -1 : 1;
    if (a->pre_num != b->pre_num)
        return a->pre_num < b->pre_num ? -1 : 1;
    return 0;
}

bool pbs_installable(const pbs_asset_t *a, const char *triple)
{
    return !a->zst && !a->debug && a->flavor != PBS_FULL && strcmp(a->triple, triple) == 0;
}

bool pbs_matches(const pbs_asset_t *a, const pyreq_t *r)
{
    if (!r || r->kind == PYREQ_ANY)
        return (!r || !r->impl || strcmp(r->impl, "cpython") == 0) &&
               a->freethreaded == (r && r->freethreaded);
    if (r->kind == PYREQ_PATH)
        return false;
    pyfacts_t f = {.implementation = "cpython", .version = a->version,
                   .freethreaded = a->freethreaded};
    return pyreq_matches(r, &f);
}

/* >0 when a is a better pick than b (both match). */
static int better(const pbs_asset_t *a, const pbs_asset_t *b)
{
    int c = pbs_version_cmp(a, b);
    if (c)
        return c;
    if (a->flavor != b->flavor)
        return a->flavor == PBS_INSTALL_ONLY_STRIPPED ? 1 : -1;
    return strcmp(a->build, b->build);
}

const pbs_asset_t *pbs_choose(const pbs_assets_t *as, const pyreq_t *r, const char *triple)
{
    for (int finals = 1; finals >= 0; finals--) {
        const pbs_asset_t *best = NULL;
        for (size_t i = 0; i < as->n; i++) {
            const pbs_asset_t *a = &as->items[i];
            if ((finals && a->pre) || !pbs_installable(a, triple) || !pbs_matches(a, r))
                continue;
            if (!best || better(a, best) > 0)
                best = a;
        }
        if (best)
            return best;
    }
    return NULL;
}

static int cmp_desc(const void *x, const void *y)
{
    const pbs_asset_t *a = *(const pbs_asset_t *const *)x, *b = *(const pbs_asset_t *const *)y;
    int c = pbs_version_cmp(b, a);
    if (c)
        return c;
    return (int)a->freethreaded - (int)b->freethreaded;
}

char *pbs_available(const pbs_assets_t *as, const char *triple)
{
    const pbs_asset_t **v = xcalloc(as->n + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < as->n; i++)
        if (pbs_installable(&as->items[i], triple))
            v[n++] = &as->items[i];
    qsort(v, n, sizeof *v, cmp_desc);
    buf_t b = BUF_INIT;
    const pbs_asset_t *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (last && pbs_version_cmp(last, v[i]) == 0 && last->freethreaded == v[i]->freethreaded)
            continue;
        buf_printf(&b, "%s%s%s", b.len ? ", " : "", v[i]->version, v[i]->freethreaded ? "t" : "");
        last = v[i];
    }
    free(v);
    return buf_detach(&b);
}

/* ---- URLs and names ------------------------------------------------------------------------ */

static char *trim_slashes(const char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        n--;
    return xstrndup(s, n);
}

void pbs_source_init(pbs_source_t *s, const char *mirror)
{
    memset(s, 0, sizeof *s);
    if (mirror && *mirror) {
        s->base = trim_slashes(mirror);
        s->latest_url = xasprintf("%s/latest-release.json", s->base);
        s->mirror = true;
    } else {
        s->base = xstrdup(PBS_DEFAULT_BASE);
        s->latest_url = xstrdup(PBS_DEFAULT_LATEST);
    }
}

void pbs_source_free(pbs_source_t *s)
{
    free(s->base);
    free(s->latest_url);
    memset(s, 0, sizeof *s);
}

char *pbs_release_prefix(const pbs_source_t *s, const char *tag, const char *meta_prefix)
{
    if (!s->mirror && meta_prefix && strncmp(meta_prefix, "https://", 8) == 0 &&
        meta_prefix[8] && !strpbrk(meta_prefix, " \t\r\n?#"))
        return trim_slashes(meta_prefix);
    return xasprintf("%s/%s", s->base, tag);
}

char *pbs_asset_url(const char *prefix, const char *name)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s/", prefix);
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || strchr("-._~", c))
            buf_addc(&b, (char)c);
        else
            buf_printf(&b, "%%%02X", c);
    }
    return buf_detach(&b);
}

char *pbs_install_name(const pbs_asset_t *a, const pbs_host_t *h)
{
    return xasprintf("cpython-%s%s-linux-%s-%s", a->version, a->freethreaded ? "+freethreaded" : "",
                     h->arch, h->libc);
}

char *pbs_minor_name(int major, int minor, bool freethreaded, const pbs_host_t *h)
{
    return xasprintf("cpython-%d.%d%s-linux-%s-%s", major, minor,
                     freethreaded ? "+freethreaded" : "", h->arch, h->libc);
}
