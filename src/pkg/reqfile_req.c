/* reqfile_req: one requirement of a requirements file or a manifest item (reqfile.h,
 * "Requirements are one of"): PEP 508 text, or a direct reference to a wheel (a path, a URL, or
 * "name @ URL") checked to name a wheel file and turned into its PEP 508 "name @ URL" form, with
 * the hashes of a URL's fragment. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/marker.h"
#include "pkg/name.h"
#include "pkg/reqfile_internal.h"
#include "pkg/wheelname.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

bool reqfile_is_url(const char *s)
{
    size_t i = 0;
    while (s[i] && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || s[i] == '+' ||
                    (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))))
        i++;
    if (i == 0 || s[i] != ':')
        return false;
    static const char *const schemes[] = {"http", "https", "file", "ftp"};
    for (size_t k = 0; k < sizeof schemes / sizeof *schemes; k++)
        if (strlen(schemes[k]) == i && strncasecmp(s, schemes[k], i) == 0)
            return true;
    static const char *const vcs[] = {"git+", "hg+", "svn+", "bzr+"};
    for (size_t k = 0; k < sizeof vcs / sizeof *vcs; k++)
        if (strncasecmp(s, vcs[k], strlen(vcs[k])) == 0)
            return true;
    return false;
}

static bool is_vcs_url(const char *s)
{
    const char *colon = strchr(s, ':');
    const char *plus = strchr(s, '+');
    return colon && plus && plus < colon;
}

void rf_parsed_req_clear(parsed_req_t *p)
{
    req_free(p->req);
    free(p->path_or_url);
    free(p->direct_version);
    strv_free(p->frag_hashes);
    memset(p, 0, sizeof *p);
}

static const char *const ARCHIVE_EXTS[] = {".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz",
                                           ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tar",
                                           ".zip"};

static bool is_sdist_name(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof ARCHIVE_EXTS / sizeof *ARCHIVE_EXTS; k++)
        if (str_ends_with_ci(s, n, ARCHIVE_EXTS[k]))
            return true;
    return false;
}

static bool looks_like_path(const char *s, size_t n)
{
    return memchr(s, '/', n) != NULL || (n > 0 && s[0] == '.');
}

/* Fragment hashes (#sha256=hex&...) of a URL, pip's Link hash: appended to *hashes. */
static void fragment_hashes(const char *url, char ***hashes)
{
    const char *frag = strchr(url, '#');
    if (!frag)
        return;
    const char *p = frag + 1;
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t alen = (size_t)(eq - p);
            size_t want = rf_hash_hex_len(p, alen);
            size_t hl = len - alen - 1;
            if (want && hl == want) {
                char *h = xasprintf("%.*s:%.*s", (int)alen, p, (int)hl, eq + 1);
                char *why = NULL;
                char *norm = rf_parse_hash(h, &why);
                if (norm) {
                    if (!*hashes)
                        *hashes = rf_strv_new();
                    strv_push(hashes, NULL, NULL, xstrdup(norm));
                    free(norm);
                }
                free(why);
                free(h);
            }
        }
        p += len;
        if (*p == '&')
            p++;
    }
}

/* The wheel a direct reference names: fills out->req ("name[extras] @ URL ; marker"),
 * path_or_url, direct_version. `location` is a URL (remote or file:) or a path; want_name is
 * the name given in "name @ URL" or NULL. Returns an error message (malloc'd) or NULL. */
static char *direct_wheel(const char *location, const char *base_dir, const char *want_name,
                          const char *extras, const marker_t *marker, parsed_req_t *out)
{
    char *path = NULL, *url = NULL;
    const char *fname;
    size_t fname_len;
    bool local;
    if (reqfile_is_url(location)) {
        if (is_vcs_url(location))
            return xasprintf("'%s' is a version-control URL; it needs a build, and venvsync "
                             "installs wheels only (build a wheel and name its file)", location);
        if (strncasecmp(location, "file:", 5) == 0) {
            char *why = NULL;
            path = url_to_path(location, base_dir, &why);
            if (!path)
                return why;
            local = true;
        } else {
            url = xstrndup(location, strcspn(location, "#"));
            local = false;
        }
    } else {
        if (strchr(location, ':') && !looks_like_path(location, strcspn(location, ":")))
            return xasprintf("'%s' is not a URL venvsync can use (http, https or file)",
                             location);
        path = path_absolute(base_dir, location);
        local = true;
    }
    if (local) {
        fname = path_basename(path);
        fname_len = strlen(fname);
    } else {
        size_t end = strcspn(url, "?#");
        size_t start = end;
        while (start > 0 && url[start - 1] != '/')
            start--;
        fname = url + start;
        fname_len = end - start;
    }
    char *msg = NULL;
    if (!str_ends_with_ci(fname, fname_len, ".whl")) {
        const char *shown = local ? path : url;
        if (is_sdist_name(fname, fname_len))
            msg = xasprintf("'%s' is a source archive; it needs a build, and venvsync installs "
                            "wheels only (build a wheel and name its file)", location);
        else if (local && fs_is_dir(shown))
            msg = xasprintf("'%s' is a directory; it needs a build, and venvsync installs "
                            "wheels only (build a wheel and name its file)", location);
        else
            msg = xasprintf("'%s' is not a wheel (.whl) file; venvsync installs wheels only",
                            location);
        free(path);
        free(url);
        return msg;
    }
    char *fn = xstrndup(fname, fname_len);
    wheelname_t *w = NULL;
    err_t *e = wheelname_parse(fn, &w);
    free(fn);
    if (e) {
        msg = xstrdup(e->msg);
        err_free(e);
        free(path);
        free(url);
        return msg;
    }
    if (want_name && !pkg_name_eq(want_name, w->name)) {
        msg = xasprintf("'%s @ %s' names %s but the wheel is %s", want_name, location, want_name,
                        w->name);
        wheelname_free(w);
        free(path);
        free(url);
        return msg;
    }
    if (local)
        url = url_from_path(path);
    if (reqfile_is_url(location))
        fragment_hashes(location, &out->frag_hashes);
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s%s @ %s", want_name ? want_name : w->name, extras ? extras : "", url);
    if (marker) {
        char *ms = marker_str(marker);
        buf_printf(&b, " ; %s", ms);
        free(ms);
    }
    req_t *r = NULL;
    e = req_parse(buf_cstr(&b), &r, NULL);
    buf_free(&b);
    if (e) {
        msg = xstrdup(e->msg);
        err_free(e);
        wheelname_free(w);
        free(path);
        free(url);
        return msg;
    }
    out->req = r;
    out->direct_version = xstrdup(w->version_text);
    out->is_local = local;
    if (local) {
        out->path_or_url = path;
        free(url);
    } else {
        out->path_or_url = url;
    }
    wheelname_free(w);
    return NULL;
}

char *rf_parse_requirement(const char *s, const char *base_dir, parsed_req_t *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    bool url = reqfile_is_url(s);
    /* Only the part before a marker decides (a marker may hold '/'); a PEP 508 requirement
     * without "@ URL" never contains '/' there. */
    size_t head = strcspn(s, ";");
    const char *at = memchr(s, '@', head);
    bool pathish = !url && (looks_like_path(s, head) || str_ends_with_ci(s, strcspn(s, ";["), ".whl"));
    if (pathish && at && !looks_like_path(s, (size_t)(at - s)))
        pathish = false;   /* "name @ ./x.whl": PEP 508 with a path as the URL */
    if (url || pathish) {
        /* pip: a URL's marker needs "; ", a path's is after the first ';' */
        const char *sep = url ? strstr(s, "; ") : strchr(s, ';');
        size_t loc_len = sep ? (size_t)(sep - s) : n;
        while (loc_len > 0 && rf_is_space((unsigned char)s[loc_len - 1]))
            loc_len--;
        char *loc = xstrndup(s, loc_len);
        marker_t *m = NULL;
        if (sep) {
            const char *mt = sep + 1;
            while (rf_is_space((unsigned char)*mt))
                mt++;
            if (*mt) {
                err_t *e = marker_parse(mt, &m, NULL);
                if (e) {
                    char *msg = xstrdup(e->msg);
                    err_free(e);
                    free(loc);
                    return msg;
                }
            }
        }
        char *extras = NULL;
        size_t ll = strlen(loc);
        if (!url && ll > 2 && loc[ll - 1] == ']') {
            char *open = strrchr(loc, '[');
            if (open && open > loc && !memchr(open + 1, ']', (size_t)(loc + ll - 1 - open - 1))) {
                extras = xstrdup(open);
                *open = '\0';
                size_t k = strlen(loc);
                while (k > 0 && rf_is_space((unsigned char)loc[k - 1]))
                    loc[--k] = '\0';
            }
        }
        char *msg = direct_wheel(loc, base_dir, NULL, extras, m, out);
        free(extras);
        free(loc);
        marker_free(m);
        return msg;
    }
    req_t *r = NULL;
    err_t *e = req_parse(s, &r, NULL);
    if (e) {
        char *msg = xstrdup(e->msg);
        err_free(e);
        return msg;
    }
    if (!r->url) {
        out->req = r;
        return NULL;
    }
    buf_t ex = BUF_INIT;
    if (r->nextras) {
        buf_addc(&ex, '[');
        for (size_t i = 0; i < r->nextras; i++)
            buf_printf(&ex, "%s%s", i ? "," : "", r->extras[i]);
        buf_addc(&ex, ']');
    }
    char *msg = direct_wheel(r->url, base_dir, r->name, ex.len ? buf_cstr(&ex) : NULL,
                             r->marker, out);
    buf_free(&ex);
    req_free(r);
    return msg;
}
