/* reqfile_req: one requirement of a requirements file or a manifest item (reqfile.h,
 * "Requirements are one of"): PEP 508 text, or a direct reference (a path, a URL, or
 * "name @ URL") classified as a wheel, an sdist or a local project directory, checked, and
 * turned into its PEP 508 "name @ URL" form, with the hashes of a URL's fragment. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/marker.h"
#include "pkg/name.h"
#include "pkg/reqfile_internal.h"
#include "pkg/version.h"
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
    free(p->location);
    free(p->path_or_url);
    free(p->direct_version);
    strv_free(p->frag_hashes);
    free(p->extras);
    free(p->marker);
    memset(p, 0, sizeof *p);
}

/* sdists venvsync builds (the spec's .tar.gz; .zip as pip and packaging accept it) */
static const char *const SDIST_EXTS[] = {".tar.gz", ".zip"};
/* other archives pip would take as sdists */
static const char *const OTHER_ARCHIVE_EXTS[] = {".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz",
                                                 ".tlz", ".tar.lz", ".tar.lzma", ".tar"};

/* The archive extension s[0..n) ends with (case-insensitively), or NULL; *sdist (when not NULL)
 * says whether it is one venvsync builds. */
static const char *archive_ext(const char *s, size_t n, bool *sdist)
{
    /* every extension ends in one of these (most requirements end in a digit) */
    if (!n || !strchr("zpra2", tolower((unsigned char)s[n - 1])))
        return NULL;
    for (size_t k = 0; k < sizeof SDIST_EXTS / sizeof *SDIST_EXTS; k++)
        if (str_ends_with_ci(s, n, SDIST_EXTS[k])) {
            if (sdist)
                *sdist = true;
            return SDIST_EXTS[k];
        }
    for (size_t k = 0; k < sizeof OTHER_ARCHIVE_EXTS / sizeof *OTHER_ARCHIVE_EXTS; k++)
        if (str_ends_with_ci(s, n, OTHER_ARCHIVE_EXTS[k])) {
            if (sdist)
                *sdist = false;
            return OTHER_ARCHIVE_EXTS[k];
        }
    return NULL;
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

/* "name[extras] @ url ; marker" parsed into *out. Returns NULL or the message (malloc'd). */
static char *make_req(const char *name, const char *extras, const char *url, const char *marker,
                      req_t **out)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s%s @ %s", name, extras ? extras : "", url);
    if (marker)
        buf_printf(&b, " ; %s", marker);
    char *msg = NULL;
    err_t *e = req_parse(buf_cstr(&b), out, NULL);
    if (e) {
        msg = xstrdup(e->msg);
        err_free(e);
    }
    buf_free(&b);
    return msg;
}

/* Where a direct reference points: a local path (absolute, normalized) in *path, or a remote URL
 * (without its fragment) in *url. Returns NULL or the message (malloc'd). */
static char *locate(const char *location, const char *base_dir, char **path, char **url)
{
    if (reqfile_is_url(location)) {
        if (is_vcs_url(location))
            return xasprintf("'%s' is a version-control URL; venvsync does not install from "
                             "version control (clone the repository and name its directory)",
                             location);
        if (url_is_file(location)) {
            char *why = NULL;
            *path = url_to_path(location, base_dir, &why);
            return *path ? NULL : why;
        }
        *url = url_without_fragment(location);
        return NULL;
    }
    if (strchr(location, ':') && !looks_like_path(location, strcspn(location, ":")))
        return xasprintf("'%s' is not a URL venvsync can use (http, https or file)", location);
    *path = path_absolute(base_dir, location);
    return NULL;
}

/* An sdist's file name: the name before the last '-' and the version after it, up to the
 * extension of length ext_len. Returns NULL or the message (malloc'd). */
static char *sdist_name(const char *fname, size_t ext_len, char **name, char **version)
{
    size_t stem = strlen(fname) - ext_len;
    size_t dash = stem;
    while (dash > 0 && fname[dash - 1] != '-')
        dash--;
    if (dash <= 1 || dash == stem)
        return xasprintf("'%s' is not an sdist file name: NAME-VERSION%s", fname,
                         fname + stem);
    if (!pkg_name_valid_n(fname, dash - 1))
        return xasprintf("sdist file name '%s': '%.*s' is not a valid project name", fname,
                         (int)(dash - 1), fname);
    char *v = xstrndup(fname + dash, stem - dash);
    version_t pv;
    if (!version_parse(v, &pv)) {
        char *msg = xasprintf("sdist file name '%s': '%s' is not a valid version", fname, v);
        free(v);
        return msg;
    }
    version_free(&pv);
    *name = xstrndup(fname, dash - 1);
    *version = v;
    return NULL;
}

/* What a local path that is neither a wheel nor an sdist must be: a directory holding a Python
 * project. Returns NULL or the message (malloc'd). */
static char *check_project_dir(const char *location, const char *path, bool editable)
{
    if (fs_is_dir(path)) {
        char *pp = path_join(path, "pyproject.toml"), *sp = path_join(path, "setup.py");
        bool ok = fs_exists(pp) || fs_exists(sp);
        free(pp);
        free(sp);
        if (ok)
            return NULL;
        return xasprintf("'%s' is a directory but not a Python project: it has neither "
                         "pyproject.toml nor setup.py", location);
    }
    if (fs_exists(path))
        return xasprintf("'%s' is %s", location,
                         editable ? "not a directory; -e needs a local project directory"
                                  : "neither a wheel (.whl), an sdist (.tar.gz, .zip) nor a "
                                    "directory");
    char *where = strcmp(location, path) != 0 ? xasprintf(" (%s)", path) : xstrdup("");
    char *msg = xasprintf("'%s' does not exist%s; %s", location, where,
                          editable ? "-e needs a local project directory"
                                   : "a path names a project directory, a wheel (.whl) or an "
                                     "sdist (.tar.gz, .zip)");
    free(where);
    return msg;
}

/* A direct reference: `location` is a URL (remote or file:) or a path; want_name is the name
 * given in "name @ URL", or NULL; extras ("[a,b]") and marker (text) may be NULL. Fills out.
 * Returns NULL or the message (malloc'd). */
static char *direct_ref(const char *location, const char *base_dir, const char *want_name,
                        const char *extras, const char *marker, bool editable, parsed_req_t *out)
{
    char *path = NULL, *url = NULL, *fname = NULL, *name = NULL, *version = NULL;
    rf_source_t src = RF_SOURCE_DIR;
    char *msg = locate(location, base_dir, &path, &url);
    if (msg)
        goto out;
    if (editable && !path) {
        msg = xasprintf("'%s' is a remote URL; -e needs a local project directory", location);
        goto out;
    }
    fname = path ? xstrdup(path_basename(path)) : url_basename(url);
    if (!fname) {
        msg = xasprintf("'%s' does not end in a valid file name", location);
        goto out;
    }
    size_t fl = strlen(fname);
    bool is_sdist = false;
    const char *ext = archive_ext(fname, fl, &is_sdist);
    if (str_ends_with_ci(fname, fl, ".whl")) {
        src = RF_SOURCE_WHEEL;
    } else if (ext && is_sdist) {
        src = RF_SOURCE_SDIST;
    } else if (ext) {
        msg = xasprintf("'%s' is a %s archive; venvsync builds sdists from .tar.gz and .zip "
                        "files only", location, ext);
        goto out;
    } else if (!path) {
        msg = xasprintf("'%s' is neither a wheel (.whl) nor an sdist (.tar.gz, .zip)", location);
        goto out;
    }
    if (editable && src != RF_SOURCE_DIR) {
        msg = xasprintf("'%s' is %s; -e needs a local project directory", location,
                        src == RF_SOURCE_WHEEL ? "a wheel" : "an sdist");
        goto out;
    }
    const char *what = src == RF_SOURCE_WHEEL ? "wheel" : "sdist";
    if (src == RF_SOURCE_WHEEL) {
        wheelname_t *w = NULL;
        err_t *e = wheelname_parse(fname, &w);
        if (e) {
            msg = xstrdup(e->msg);
            err_free(e);
            goto out;
        }
        name = xstrdup(w->name);
        version = xstrdup(w->version_text);
        wheelname_free(w);
    } else if (src == RF_SOURCE_SDIST) {
        msg = sdist_name(fname, strlen(ext), &name, &version);
        if (msg)
            goto out;
    } else {
        msg = check_project_dir(location, path, editable);
        if (msg)
            goto out;
    }
    if (want_name && name && !pkg_name_eq(want_name, name)) {
        msg = xasprintf("'%s @ %s' names %s but the %s is %s", want_name, location, want_name,
                        what, name);
        goto out;
    }
    if (reqfile_is_url(location))
        fragment_hashes(location, &out->frag_hashes);
    char *req_url = path ? url_from_path(path) : xstrdup(url);
    if (want_name || name) {
        msg = make_req(want_name ? want_name : name, extras, req_url, marker, &out->req);
    } else {
        out->extras = xstrdup(extras);
        out->marker = xstrdup(marker);
    }
    free(req_url);
    if (msg) {
        strv_free(out->frag_hashes);
        out->frag_hashes = NULL;
        goto out;
    }
    out->source = src;
    out->editable = editable;
    out->location = xstrdup(location);
    out->is_local = path != NULL;
    out->path_or_url = path ? path : url;
    path = url = NULL;
    out->direct_version = version;
    version = NULL;
out:
    free(path);
    free(url);
    free(fname);
    free(name);
    free(version);
    return msg;
}

char *rf_name_directory(parsed_req_t *p, const char *name)
{
    if (!pkg_name_valid(name))
        return xasprintf("the project in %s is named '%s', which is not a valid project name",
                         p->path_or_url, name);
    char *url = url_from_path(p->path_or_url);
    char *msg = make_req(name, p->extras, url, p->marker, &p->req);
    free(url);
    if (!msg) {
        free(p->extras);
        free(p->marker);
        p->extras = p->marker = NULL;
    }
    return msg;
}

char *rf_parse_requirement(const char *s, const char *base_dir, bool editable, parsed_req_t *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    bool url = reqfile_is_url(s);
    /* Only the part before a marker decides (a marker may hold '/'); a PEP 508 requirement
     * without "@ URL" never contains '/' there. A file name ends before "[extras]". */
    size_t head = strcspn(s, ";");
    size_t fn = strcspn(s, ";[");
    while (fn > 0 && rf_is_space((unsigned char)s[fn - 1]))
        fn--;
    const char *at = memchr(s, '@', head);
    bool pathish = !url && (editable || looks_like_path(s, head) ||
                            str_ends_with_ci(s, fn, ".whl") || archive_ext(s, fn, NULL));
    if (pathish && at && !looks_like_path(s, (size_t)(at - s)))
        pathish = false;   /* "name @ ./x.whl": PEP 508 with a path as the URL */
    if (url || pathish) {
        /* pip: a URL's marker needs "; ", a path's is after the first ';' */
        const char *sep = url ? strstr(s, "; ") : strchr(s, ';');
        size_t loc_len = sep ? (size_t)(sep - s) : n;
        while (loc_len > 0 && rf_is_space((unsigned char)s[loc_len - 1]))
            loc_len--;
        char *loc = xstrndup(s, loc_len);
        char *mtext = NULL;
        if (sep) {
            const char *mt = sep + 1;
            while (rf_is_space((unsigned char)*mt))
                mt++;
            if (*mt) {
                marker_t *m = NULL;
                err_t *e = marker_parse(mt, &m, NULL);
                if (e) {
                    char *msg = xstrdup(e->msg);
                    err_free(e);
                    free(loc);
                    return msg;
                }
                mtext = marker_str(m);
                marker_free(m);
            }
        }
        /* extras after a path or a file: URL ("./proj[dev]", "file:///p/proj[dev]") */
        char *extras = NULL;
        size_t ll = strlen(loc);
        if ((!url || url_is_file(loc)) && ll > 2 && loc[ll - 1] == ']') {
            char *open = strrchr(loc, '[');
            if (open && open > loc && !memchr(open + 1, ']', (size_t)(loc + ll - 1 - open - 1))) {
                extras = xstrdup(open);
                *open = '\0';
                size_t k = strlen(loc);
                while (k > 0 && rf_is_space((unsigned char)loc[k - 1]))
                    loc[--k] = '\0';
            }
        }
        char *msg = NULL;
        if (extras) {
            /* validated as PEP 508 extras */
            char *probe = xasprintf("x%s", extras);
            req_t *r = NULL;
            err_t *e = req_parse(probe, &r, NULL);
            if (e) {
                msg = xasprintf("'%s%s': invalid extras %s", loc, extras, extras);
                err_free(e);
            }
            req_free(r);
            free(probe);
        }
        if (!msg)
            msg = direct_ref(loc, base_dir, NULL, extras, mtext, editable, out);
        free(extras);
        free(mtext);
        free(loc);
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
        if (editable) {
            req_free(r);
            return xasprintf("'%s' is not a path; -e needs a local project directory", s);
        }
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
    char *mtext = r->marker ? marker_str(r->marker) : NULL;
    char *msg = direct_ref(r->url, base_dir, r->name, ex.len ? buf_cstr(&ex) : NULL, mtext,
                           editable, out);
    free(mtext);
    buf_free(&ex);
    req_free(r);
    return msg;
}
