/* reqfile: pip requirements files and manifest package strings (see reqfile.h). */
#include "pkg/reqfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/marker.h"
#include "pkg/name.h"
#include "pkg/wheelname.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                                */

/* An empty list that is not NULL: options are iterated without a NULL check. */
static char **strv_new(void)
{
    return xcalloc(1, sizeof(char *));
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}


/* The path shown in messages: relative to the cwd when below it. */
static char *display_path(const char *abs)
{
    char *cwd = path_cwd();
    char *r;
    if (cwd && strcmp(cwd, "/") != 0 && path_is_within(abs, cwd) && strlen(abs) > strlen(cwd))
        r = xstrdup(abs + strlen(cwd) + 1);
    else
        r = xstrdup(abs);
    free(cwd);
    return r;
}

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


/* ------------------------------------------------------------------------------------------ */
/* The reqfile_t                                                                                */

reqfile_t *reqfile_new(void)
{
    reqfile_t *rf = xcalloc(1, sizeof *rf);
    rf->opts.extra_index_urls = strv_new();
    rf->opts.find_links = strv_new();
    rf->opts.only_binary = strv_new();
    rf->opts.no_binary = strv_new();
    rf->opts.trusted_hosts = strv_new();
    rf->opts.use_features = strv_new();
    return rf;
}

static void entry_free(rf_entry_t *e)
{
    req_free(e->req);
    free(e->text);
    free(e->file);
    free(e->shown);
    strv_free(e->hashes);
    free(e->path_or_url);
    free(e->direct_version);
}

void reqfile_free(reqfile_t *rf)
{
    if (!rf)
        return;
    for (size_t i = 0; i < rf->n; i++)
        entry_free(&rf->entries[i]);
    free(rf->entries);
    free(rf->opts.index_url);
    strv_free(rf->opts.extra_index_urls);
    strv_free(rf->opts.find_links);
    strv_free(rf->opts.only_binary);
    strv_free(rf->opts.no_binary);
    free(rf->opts.require_hashes_at);
    strv_free(rf->opts.trusted_hosts);
    strv_free(rf->opts.use_features);
    for (size_t i = 0; i < rf->nfiles; i++)
        free(rf->files[i]);
    free(rf->files);
    free(rf);
}

char *reqfile_origin(const rf_entry_t *e)
{
    if (e->col > 0)
        return xasprintf("%s:%d:%d", e->shown, e->line, e->col);
    return xasprintf("%s:%d", e->shown, e->line);
}

static void add_file(reqfile_t *rf, const char *abs)
{
    for (size_t i = 0; i < rf->nfiles; i++)
        if (strcmp(rf->files[i], abs) == 0)
            return;
    XGROW(rf->files, rf->files_cap, rf->nfiles + 1);
    rf->files[rf->nfiles++] = xstrdup(abs);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing context                                                                              */

typedef struct ctx {
    reqfile_t *rf;
    const reqfile_env_t *env;
    err_t *errs;
    char **stack;          /* identities (real paths) of the files being read, outermost first */
    char **stack_shown;
    size_t depth;
} ctx_t;

/* Where a logical line came from. */
typedef struct where {
    const char *file;      /* absolute */
    const char *shown;
    const char *dir;       /* directory anchoring relative paths */
    int line, col;
    bool constraint;
    bool item;             /* a manifest item, not a requirements-file line */
} where_t;

static void report(ctx_t *c, const where_t *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(ctx_t *c, const where_t *w, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    if (w->col > 0)
        buf_printf(&b, "%s:%d:%d: ", w->shown, w->line, w->col);
    else
        buf_printf(&b, "%s:%d: ", w->shown, w->line);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_chain(&c->errs, err_new(EXIT_USAGE, "%s", buf_cstr(&b)));
    buf_free(&b);
}

static err_t *read_file(const ctx_t *c, const char *abs, buf_t *out)
{
    if (c->env && c->env->read)
        return c->env->read(c->env->ctx, abs, out);
    return fs_read(abs, out);
}

/* The identity of a file for cycle detection: its real path (the normalized path with a read
 * hook, or when it cannot be resolved). */
static char *file_identity(const ctx_t *c, const char *abs)
{
    char *real = c->env && c->env->read ? NULL : path_real(abs);
    return real ? real : path_normalize(abs);
}

static const char *var_value(const ctx_t *c, const char *name)
{
    return env_get(c->env ? &c->env->vars : NULL, name);
}

/* ${NAME} expansion, pip's ENV_VAR_RE = \$\{([A-Z0-9_]+)\}; unset/empty stays as written. */
static char *expand_vars(const ctx_t *c, const char *s)
{
    buf_t b = BUF_INIT;
    const char *p = s;
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *q = p + 2;
            while ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
                q++;
            if (*q == '}' && q > p + 2) {
                char *name = xstrndup(p + 2, (size_t)(q - p - 2));
                const char *v = var_value(c, name);
                free(name);
                if (v && *v) {
                    buf_adds(&b, v);
                    p = q + 1;
                    continue;
                }
            }
        }
        buf_addc(&b, *p++);
    }
    return buf_detach(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Decoding                                                                                     */


/* UTF-16/32 with a BOM to UTF-8. Returns false (with *why) on malformed input. */
static bool utf_wide_to_utf8(const unsigned char *s, size_t n, int unit, bool big, buf_t *out,
                             const char **why)
{
    if (n % (size_t)unit) {
        *why = "truncated UTF-16/32 text";
        return false;
    }
    for (size_t i = 0; i < n; i += (size_t)unit) {
        uint32_t u;
        if (unit == 2)
            u = big ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        else
            u = big ? ((uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 | (uint32_t)s[i + 2] << 8 |
                       s[i + 3])
                    : ((uint32_t)s[i + 3] << 24 | (uint32_t)s[i + 2] << 16 |
                       (uint32_t)s[i + 1] << 8 | s[i]);
        if (unit == 2 && u >= 0xD800 && u <= 0xDBFF) {
            if (i + 4 > n) {
                *why = "unpaired UTF-16 surrogate";
                return false;
            }
            uint32_t lo = big ? (uint32_t)(s[i + 2] << 8 | s[i + 3])
                              : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *why = "unpaired UTF-16 surrogate";
                return false;
            }
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            *why = "unpaired UTF-16 surrogate";
            return false;
        }
        if (u > 0x10FFFF) {
            *why = "invalid UTF-32 code point";
            return false;
        }
        if (u == 0) {
            *why = "NUL character";
            return false;
        }
        buf_add_utf8(out, u);
    }
    return true;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. NUL is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                      */

enum opt_id {
    O_REQUIREMENT, O_CONSTRAINT, O_INDEX_URL, O_EXTRA_INDEX_URL, O_NO_INDEX, O_FIND_LINKS,
    O_PRE, O_ONLY_BINARY, O_NO_BINARY, O_PREFER_BINARY, O_REQUIRE_HASHES, O_TRUSTED_HOST,
    O_USE_FEATURE, O_EDITABLE, O_HASH, O_GLOBAL_OPTION, O_CONFIG_SETTINGS,
};

typedef struct opt_def {
    enum opt_id id;
    char short_name;       /* 0 = none */
    const char *long_name;
    bool takes_arg;
    bool per_req;          /* allowed (only) on a requirement line */
} opt_def_t;

static const opt_def_t OPTS[] = {
    {O_REQUIREMENT, 'r', "--requirement", true, false},
    {O_CONSTRAINT, 'c', "--constraint", true, false},
    {O_INDEX_URL, 'i', "--index-url", true, false},
    {O_EXTRA_INDEX_URL, 0, "--extra-index-url", true, false},
    {O_NO_INDEX, 0, "--no-index", false, false},
    {O_FIND_LINKS, 'f', "--find-links", true, false},
    {O_PRE, 0, "--pre", false, false},
    {O_ONLY_BINARY, 0, "--only-binary", true, false},
    {O_NO_BINARY, 0, "--no-binary", true, false},
    {O_PREFER_BINARY, 0, "--prefer-binary", false, false},
    {O_REQUIRE_HASHES, 0, "--require-hashes", false, false},
    {O_TRUSTED_HOST, 0, "--trusted-host", true, false},
    {O_USE_FEATURE, 0, "--use-feature", true, false},
    {O_EDITABLE, 'e', "--editable", true, false},
    {O_HASH, 0, "--hash", true, true},
    {O_GLOBAL_OPTION, 0, "--global-option", true, true},
    {O_CONFIG_SETTINGS, 'C', "--config-settings", true, true},
};
#define NOPTS (sizeof OPTS / sizeof *OPTS)

typedef struct opt_val {
    const opt_def_t *def;
    char *value;           /* NULL for flags */
} opt_val_t;

/* shlex.split(s) in POSIX mode. Returns false with *why on an unterminated quote. */
static bool shell_split(const char *s, char ***out, size_t *n, const char **why)
{
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    const char *p = s;
    for (;;) {
        while (*p && is_space((unsigned char)*p))
            p++;
        if (!*p)
            break;
        buf_t tok = BUF_INIT;
        buf_add(&tok, "", 0);   /* a token may be empty ("") */
        while (*p && !is_space((unsigned char)*p)) {
            if (*p == '\'') {
                p++;
                while (*p && *p != '\'')
                    buf_addc(&tok, *p++);
                if (!*p) {
                    *why = "no closing quotation";
                    goto fail_tok;
                }
                p++;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == '$' || p[1] == '`'))
                        p++;
                    buf_addc(&tok, *p++);
                }
                if (!*p) {
                    *why = "no closing quotation";
                    goto fail_tok;
                }
                p++;
            } else if (*p == '\\') {
                p++;
                if (!*p) {
                    *why = "no escaped character";
                    goto fail_tok;
                }
                buf_addc(&tok, *p++);
            } else {
                buf_addc(&tok, *p++);
            }
        }
        XGROW(v, cap, cnt + 1);
        v[cnt++] = buf_detach(&tok);
        continue;
fail_tok:
        buf_free(&tok);
        for (size_t i = 0; i < cnt; i++)
            free(v[i]);
        free(v);
        return false;
    }
    *out = v;
    *n = cnt;
    return true;
}

/* Parses the option tokens. Returns false after reporting. */
static bool parse_options(ctx_t *c, const where_t *w, char **tok, size_t ntok, opt_val_t **out,
                          size_t *nout)
{
    opt_val_t *vals = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (size_t i = 0; i < ntok && ok; i++) {
        const char *t = tok[i];
        const opt_def_t *def = NULL;
        const char *value = NULL;
        bool has_inline = false;
        if (strncmp(t, "--", 2) == 0 && t[2]) {
            const char *eq = strchr(t, '=');
            size_t len = eq ? (size_t)(eq - t) : strlen(t);
            const opt_def_t *prefix = NULL;
            int nprefix = 0;
            for (size_t k = 0; k < NOPTS; k++) {
                const char *ln = OPTS[k].long_name;
                if (strlen(ln) == len && strncmp(ln, t, len) == 0) {
                    def = &OPTS[k];
                    break;
                }
                if (strlen(ln) > len && strncmp(ln, t, len) == 0) {
                    prefix = &OPTS[k];
                    nprefix++;
                }
            }
            if (!def && nprefix == 1)
                def = prefix;
            if (!def) {
                if (nprefix > 1) {
                    buf_t b = BUF_INIT;
                    for (size_t k = 0; k < NOPTS; k++)
                        if (strncmp(OPTS[k].long_name, t, len) == 0)
                            buf_printf(&b, "%s%s", b.len ? ", " : "", OPTS[k].long_name);
                    report(c, w, "ambiguous option '%.*s' (could be %s)", (int)len, t,
                           buf_cstr(&b));
                    buf_free(&b);
                } else {
                    report(c, w, "unknown option '%.*s'", (int)len, t);
                }
                ok = false;
                break;
            }
            if (eq) {
                value = eq + 1;
                has_inline = true;
            }
        } else if (t[0] == '-' && t[1] && t[1] != '-') {
            for (size_t k = 0; k < NOPTS; k++)
                if (OPTS[k].short_name == t[1])
                    def = &OPTS[k];
            if (!def) {
                report(c, w, "unknown option '-%c'", t[1]);
                ok = false;
                break;
            }
            if (t[2]) {
                if (!def->takes_arg) {
                    report(c, w, "unknown option '%s'", t);
                    ok = false;
                    break;
                }
                value = t + 2;
                has_inline = true;
            }
        } else {
            report(c, w, "unexpected '%s' among the options (a requirement goes first on its "
                         "line, each -r/-c/-f takes one value)", t);
            ok = false;
            break;
        }
        if (!def->takes_arg && has_inline) {
            report(c, w, "option %s takes no value", def->long_name);
            ok = false;
            break;
        }
        if (def->takes_arg && !has_inline) {
            if (i + 1 >= ntok) {
                report(c, w, "option %s needs a value", def->long_name);
                ok = false;
                break;
            }
            value = tok[++i];
        }
        XGROW(vals, cap, n + 1);
        vals[n].def = def;
        vals[n].value = value ? xstrdup(value) : NULL;
        n++;
    }
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            free(vals[i].value);
        free(vals);
        return false;
    }
    *out = vals;
    *nout = n;
    return true;
}

static void free_opt_vals(opt_val_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].value);
    free(v);
}

static size_t hash_hex_len(const char *algo, size_t n)
{
    if (n == 6 && strncmp(algo, "sha256", 6) == 0)
        return 64;
    if (n == 6 && strncmp(algo, "sha384", 6) == 0)
        return 96;
    if (n == 6 && strncmp(algo, "sha512", 6) == 0)
        return 128;
    return 0;
}

/* Validates "algo:hex"; returns the normalized "algo:hex" or NULL with *why (malloc'd). */
static char *parse_hash(const char *v, char **why)
{
    const char *colon = strchr(v, ':');
    if (!colon) {
        *why = xasprintf("--hash=%s: expected a hash name and value, like "
                         "--hash=sha256:<64 hex digits>", v);
        return NULL;
    }
    size_t alen = (size_t)(colon - v);
    size_t want = hash_hex_len(v, alen);
    if (!want) {
        *why = xasprintf("--hash=%s: '%.*s' is not allowed; use sha256, sha384 or sha512", v,
                         (int)alen, v);
        return NULL;
    }
    const char *hex = colon + 1;
    size_t hl = strlen(hex);
    bool allhex = true;
    for (size_t i = 0; i < hl; i++)
        if (hex_value(hex[i]) < 0)
            allhex = false;
    if (hl != want || !allhex) {
        *why = xasprintf("--hash=%s: a %.*s digest is %zu hex digits", v, (int)alen, v, want);
        return NULL;
    }
    char *r = xasprintf("%.*s:%s", (int)alen, v, hex);
    for (char *p = r + alen + 1; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Requirements                                                                                 */

typedef struct parsed_req {
    req_t *req;
    char *path_or_url;
    bool is_local;
    char *direct_version;
    char **frag_hashes;    /* hashes from a URL fragment (#sha256=...), NULL-terminated */
} parsed_req_t;

static void parsed_req_clear(parsed_req_t *p)
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
            size_t want = hash_hex_len(p, alen);
            size_t hl = len - alen - 1;
            if (want && hl == want) {
                char *h = xasprintf("%.*s:%.*s", (int)alen, p, (int)hl, eq + 1);
                char *why = NULL;
                char *norm = parse_hash(h, &why);
                if (norm) {
                    if (!*hashes)
                        *hashes = strv_new();
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

/* Parses one requirement (trimmed, non-empty). Returns an error message (malloc'd) or NULL. */
static char *parse_requirement(const char *s, const char *base_dir, parsed_req_t *out)
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
        while (loc_len > 0 && is_space((unsigned char)s[loc_len - 1]))
            loc_len--;
        char *loc = xstrndup(s, loc_len);
        marker_t *m = NULL;
        if (sep) {
            const char *mt = sep + 1;
            while (is_space((unsigned char)*mt))
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
                while (k > 0 && is_space((unsigned char)loc[k - 1]))
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

/* ------------------------------------------------------------------------------------------ */
/* Lines                                                                                        */

static err_t *parse_content(ctx_t *c, const char *text, size_t len, const char *abs,
                            const char *shown, bool constraint);

static bool is_global_include(enum opt_id id)
{
    return id == O_REQUIREMENT || id == O_CONSTRAINT;
}

static void include_file(ctx_t *c, const where_t *w, const char *value, bool constraint)
{
    const char *opt = constraint ? "-c" : "-r";
    char *abs;
    if (reqfile_is_url(value)) {
        if (strncasecmp(value, "file:", 5) != 0) {
            report(c, w, "%s %s: requirements files are read from disk only; download it and "
                         "name the local copy", opt, value);
            return;
        }
        char *why = NULL;
        abs = url_to_path(value, w->dir, &why);
        if (!abs) {
            report(c, w, "%s %s: %s", opt, value, why);
            free(why);
            return;
        }
    } else {
        abs = path_absolute(w->dir, value);
    }
    char *id = file_identity(c, abs);
    for (size_t i = 0; i < c->depth; i++) {
        if (strcmp(c->stack[i], id) == 0) {
            buf_t b = BUF_INIT;
            for (size_t k = i; k < c->depth; k++)
                buf_printf(&b, "%s -> ", c->stack_shown[k]);
            char *sh = display_path(abs);
            buf_adds(&b, sh);
            free(sh);
            report(c, w, "%s %s: include cycle: %s", opt, value, buf_cstr(&b));
            buf_free(&b);
            free(id);
            free(abs);
            return;
        }
    }
    if (c->depth >= REQFILE_MAX_DEPTH) {
        report(c, w, "%s %s: requirements files nested more than %d deep", opt, value,
               REQFILE_MAX_DEPTH);
        free(id);
        free(abs);
        return;
    }
    free(id);
    buf_t content = BUF_INIT;
    err_t *e = read_file(c, abs, &content);
    if (e) {
        report(c, w, "%s %s: cannot read it: %s", opt, value, e->msg);
        err_free(e);
    } else {
        char *shown = display_path(abs);
        err_chain(&c->errs, parse_content(c, content.data ? content.data : "", content.len, abs,
                                          shown, constraint));
        free(shown);
    }
    buf_free(&content);
    free(abs);
}

static void apply_global(ctx_t *c, const where_t *w, const opt_val_t *o)
{
    rf_options_t *opts = &c->rf->opts;
    switch (o->def->id) {
    case O_REQUIREMENT:
        include_file(c, w, o->value, false);
        break;
    case O_CONSTRAINT:
        include_file(c, w, o->value, true);
        break;
    case O_INDEX_URL:
        free(opts->index_url);
        opts->index_url = xstrdup(o->value);
        break;
    case O_EXTRA_INDEX_URL:
        strv_push_unique(&opts->extra_index_urls, NULL, NULL, o->value);
        break;
    case O_NO_INDEX:
        opts->no_index = true;
        break;
    case O_FIND_LINKS: {
        char *v;
        if (reqfile_is_url(o->value))
            v = xstrdup(o->value);
        else
            v = path_absolute(w->dir, o->value);
        strv_push_unique(&opts->find_links, NULL, NULL, v);
        free(v);
        break;
    }
    case O_PRE:
        opts->pre = true;
        break;
    case O_ONLY_BINARY:
        strv_push(&opts->only_binary, NULL, NULL, xstrdup(o->value));
        break;
    case O_NO_BINARY:
        strv_push(&opts->no_binary, NULL, NULL, xstrdup(o->value));
        break;
    case O_PREFER_BINARY:
        opts->prefer_binary = true;
        break;
    case O_REQUIRE_HASHES:
        opts->require_hashes = true;
        if (!opts->require_hashes_at)
            opts->require_hashes_at = xasprintf("%s:%d", w->shown, w->line);
        break;
    case O_TRUSTED_HOST:
        strv_push_unique(&opts->trusted_hosts, NULL, NULL, o->value);
        break;
    case O_USE_FEATURE:
        strv_push(&opts->use_features, NULL, NULL, xstrdup(o->value));
        break;
    case O_EDITABLE:
    case O_HASH:
    case O_GLOBAL_OPTION:
    case O_CONFIG_SETTINGS:
        break;
    }
}

static void add_entry(ctx_t *c, const where_t *w, const char *text, parsed_req_t *p,
                      char **hashes)
{
    reqfile_t *rf = c->rf;
    XGROW(rf->entries, rf->cap, rf->n + 1);
    rf_entry_t *e = &rf->entries[rf->n++];
    memset(e, 0, sizeof *e);
    e->req = p->req;
    e->text = xstrdup(text);
    e->file = xstrdup(w->file);
    e->shown = xstrdup(w->shown);
    e->line = w->line;
    e->col = w->col;
    e->hashes = hashes;
    e->nhashes = strv_len(hashes);
    e->is_constraint = w->constraint;
    e->path_or_url = p->path_or_url;
    e->is_local = p->is_local;
    e->direct_version = p->direct_version;
    strv_free(p->frag_hashes);
    memset(p, 0, sizeof *p);
}

/* One logical line (comments stripped, trimmed, variables expanded, non-empty). */
static void handle_line(ctx_t *c, const where_t *w, const char *line)
{
    /* The requirement is everything before the first whitespace-separated token that starts
     * with '-' (pip's break_args_options). */
    size_t req_end = 0;
    const char *opts_start = NULL;
    for (size_t i = 0;;) {
        while (line[i] && is_space((unsigned char)line[i]))
            i++;
        if (!line[i])
            break;
        if (line[i] == '-') {
            opts_start = line + i;
            break;
        }
        while (line[i] && !is_space((unsigned char)line[i]))
            i++;
        req_end = i;
    }
    char *reqtext = xstrndup(line, req_end);
    char **tok = NULL;
    size_t ntok = 0;
    opt_val_t *vals = NULL;
    size_t nvals = 0;
    if (opts_start) {
        const char *why = NULL;
        if (!shell_split(opts_start, &tok, &ntok, &why)) {
            report(c, w, "cannot split the options '%s': %s", opts_start, why);
            free(reqtext);
            return;
        }
        if (!parse_options(c, w, tok, ntok, &vals, &nvals))
            goto out;
    }
    for (size_t i = 0; i < nvals; i++) {
        if (vals[i].def->id == O_EDITABLE) {
            report(c, w, "editable requirements (-e %s) are not supported: they need a build, "
                         "and venvsync installs wheels only (build a wheel and name its file)",
                   vals[i].value);
            goto out;
        }
    }
    if (*reqtext) {
        bool bad = false;
        for (size_t i = 0; i < nvals; i++) {
            if (!vals[i].def->per_req) {
                if (w->item)
                    report(c, w, "option %s cannot be used in a package entry; put it in a "
                                 "requirements file", vals[i].def->long_name);
                else
                    report(c, w, "option %s is a global option: put it on a line of its own, "
                                 "not after the requirement '%s'", vals[i].def->long_name,
                           reqtext);
                bad = true;
            }
        }
        char **hashes = strv_new();
        for (size_t i = 0; i < nvals; i++) {
            if (vals[i].def->id != O_HASH)
                continue;
            char *why = NULL;
            char *h = parse_hash(vals[i].value, &why);
            if (!h) {
                report(c, w, "%s", why);
                free(why);
                bad = true;
                continue;
            }
            strv_push_unique(&hashes, NULL, NULL, h);
            free(h);
        }
        parsed_req_t p;
        char *msg = bad ? NULL : parse_requirement(reqtext, w->dir, &p);
        if (bad) {
            strv_free(hashes);
            goto out;
        }
        if (msg) {
            report(c, w, "%s", msg);
            free(msg);
            strv_free(hashes);
            goto out;
        }
        for (size_t i = 0; p.frag_hashes && p.frag_hashes[i]; i++)
            strv_push_unique(&hashes, NULL, NULL, p.frag_hashes[i]);
        if (w->constraint) {
            const char *what = NULL;
            if (p.path_or_url)
                what = "a wheel path or URL";
            else if (p.req->nextras)
                what = "extras";
            if (what) {
                report(c, w, "constraint '%s' has %s; constraints may only limit versions "
                             "(name, specifiers, marker)", reqtext, what);
                parsed_req_clear(&p);
                strv_free(hashes);
                goto out;
            }
        }
        add_entry(c, w, reqtext, &p, hashes);
    } else {
        bool bad = false;
        for (size_t i = 0; i < nvals; i++) {
            if (vals[i].def->per_req) {
                report(c, w, "option %s needs a requirement before it on the same line",
                       vals[i].def->long_name);
                bad = true;
            } else if (w->item) {
                report(c, w, "option %s cannot be used in a package entry; put it in a "
                             "requirements file", vals[i].def->long_name);
                bad = true;
            }
        }
        if (!bad) {
            for (size_t i = 0; i < nvals; i++)
                if (!is_global_include(vals[i].def->id))
                    apply_global(c, w, &vals[i]);
            /* includes last, so that an included file's -i overrides this line's */
            for (size_t i = 0; i < nvals; i++)
                if (is_global_include(vals[i].def->id))
                    apply_global(c, w, &vals[i]);
        }
    }
out:
    free_opt_vals(vals, nvals);
    for (size_t i = 0; i < ntok; i++)
        free(tok[i]);
    free(tok);
    free(reqtext);
}

/* pip's COMMENT_RE = (^|\s+)#.*$ applied with .match: '#' after optional leading space. */
static bool is_comment_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    return i < n && s[i] == '#';
}

/* COMMENT_RE.sub("", line) then strip(): cuts at the first '#' at the start or after
 * whitespace, then trims. Modifies s in place, returns the trimmed start. */
static char *strip_comment_and_trim(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '#' && (i == 0 || is_space((unsigned char)s[i - 1]))) {
            s[i] = '\0';
            n = i;
            break;
        }
    }
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (*s && is_space((unsigned char)*s))
        s++;
    return s;
}

static void logical_line(ctx_t *c, const where_t *w, buf_t *joined)
{
    char *raw = buf_detach(joined);
    char *t = strip_comment_and_trim(raw);
    if (*t) {
        char *x = expand_vars(c, t);
        handle_line(c, w, x);
        free(x);
    }
    free(raw);
}

static err_t *parse_content(ctx_t *c, const char *text, size_t len, const char *abs,
                            const char *shown, bool constraint)
{
    err_t *saved = c->errs;
    c->errs = NULL;
    add_file(c->rf, abs);
    c->stack = xrealloc(c->stack, (c->depth + 1) * sizeof *c->stack);
    c->stack_shown = xrealloc(c->stack_shown, (c->depth + 1) * sizeof *c->stack_shown);
    c->stack[c->depth] = file_identity(c, abs);
    c->stack_shown[c->depth] = xstrdup(shown);
    c->depth++;

    char *dir = path_dirname(abs);
    where_t w = {.file = abs, .shown = shown, .dir = dir, .constraint = constraint};

    /* 1. decode */
    buf_t dec = BUF_INIT;
    const unsigned char *u = (const unsigned char *)text;
    const char *why = NULL;
    bool wide_ok = true, wide = false;
    if (len >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0) {
        wide = true;
        wide_ok = utf_wide_to_utf8(u + 4, len - 4, 4, false, &dec, &why);
    } else if (len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF) {
        wide = true;
        wide_ok = utf_wide_to_utf8(u + 4, len - 4, 4, true, &dec, &why);
    } else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        wide = true;
        wide_ok = utf_wide_to_utf8(u + 2, len - 2, 2, false, &dec, &why);
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        wide = true;
        wide_ok = utf_wide_to_utf8(u + 2, len - 2, 2, true, &dec, &why);
    } else if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        buf_add(&dec, text + 3, len - 3);
    } else {
        buf_add(&dec, text, len);
    }
    if (wide && !wide_ok) {
        err_chain(&c->errs, err_new(EXIT_USAGE, "%s:1: cannot decode the file (it starts with a "
                                                "UTF-16/32 byte-order mark): %s", shown, why));
        goto done;
    }

    /* 2..6: lines */
    {
        const char *s = buf_cstr(&dec);
        size_t n = dec.len;
        size_t pos = 0;
        int lineno = 0;
        buf_t joined = BUF_INIT;
        int primary = 0;
        bool joining = false;
        while (pos < n) {
            size_t e = pos;
            while (e < n && s[e] != '\n' && s[e] != '\r')
                e++;
            lineno++;
            const char *ln = s + pos;
            size_t ll = e - pos;
            if (e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')
                e++;
            pos = e < n ? e + 1 : n;
            /* validate UTF-8 on this physical line */
            bool valid = true;
            for (size_t i = 0; i < ll;) {
                size_t k = utf8_seq((const unsigned char *)ln + i, ll - i);
                if (!k) {
                    valid = false;
                    break;
                }
                i += k;
            }
            if (!valid) {
                w.line = lineno;
                report(c, &w, "not valid UTF-8 text (requirements files are read as UTF-8)");
                buf_reset(&joined);
                joining = false;
                continue;
            }
            bool comment = is_comment_line(ln, ll);
            bool cont = ll > 0 && ln[ll - 1] == '\\' && !comment;
            if (!cont) {
                if (joining) {
                    if (comment)
                        buf_addc(&joined, ' ');
                    buf_add(&joined, ln, ll);
                    w.line = primary;
                    joining = false;
                } else {
                    buf_reset(&joined);
                    buf_add(&joined, ln, ll);
                    w.line = lineno;
                }
                logical_line(c, &w, &joined);
            } else {
                if (!joining) {
                    primary = lineno;
                    buf_reset(&joined);
                    joining = true;
                }
                size_t a = 0, b = ll;
                while (a < b && ln[a] == '\\')
                    a++;
                while (b > a && ln[b - 1] == '\\')
                    b--;
                buf_add(&joined, ln + a, b - a);
            }
        }
        if (joining) {
            w.line = primary;
            logical_line(c, &w, &joined);
        }
        buf_free(&joined);
    }

done:
    buf_free(&dec);
    free(dir);
    c->depth--;
    free(c->stack[c->depth]);
    free(c->stack_shown[c->depth]);
    err_t *mine = c->errs;
    c->errs = saved;
    return mine;
}

static err_t *parse_file_at(ctx_t *c, const char *abs, const char *shown, bool constraint)
{
    buf_t content = BUF_INIT;
    err_t *e = read_file(c, abs, &content);
    if (e) {
        buf_free(&content);
        return err_ctx(e, "cannot read requirements file %s", shown);
    }
    e = parse_content(c, content.data ? content.data : "", content.len, abs, shown, constraint);
    buf_free(&content);
    return e;
}

static void ctx_done(ctx_t *c)
{
    free(c->stack);
    free(c->stack_shown);
}

err_t *reqfile_parse_file(reqfile_t *rf, const char *path, bool constraint,
                          const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    char *abs = path_absolute(NULL, path);
    char *shown = display_path(abs);
    err_t *e = parse_file_at(&c, abs, shown, constraint);
    free(shown);
    free(abs);
    ctx_done(&c);
    return e;
}

err_t *reqfile_parse_text(reqfile_t *rf, const char *text, size_t len, const char *path,
                          bool constraint, const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    char *abs = path_absolute(NULL, path);
    char *shown = display_path(abs);
    err_t *e = parse_content(&c, text, len, abs, shown, constraint);
    free(shown);
    free(abs);
    ctx_done(&c);
    return e;
}

err_t *reqfile_add_item(reqfile_t *rf, const char *text, const char *file, int line, int col,
                        const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    char *abs = path_absolute(NULL, file);
    char *shown = display_path(abs);
    char *dir = path_dirname(abs);
    where_t w = {.file = abs, .shown = shown, .dir = dir, .line = line, .col = col,
                 .item = true};
    bool valid = true;
    for (size_t i = 0, n = strlen(text); i < n;) {
        size_t k = utf8_seq((const unsigned char *)text + i, n - i);
        if (!k) {
            valid = false;
            break;
        }
        i += k;
    }
    if (!valid) {
        report(&c, &w, "not valid UTF-8 text");
    } else {
        char *x = expand_vars(&c, text);
        char *t = x;
        size_t n = strlen(t);
        while (n > 0 && is_space((unsigned char)t[n - 1]))
            t[--n] = '\0';
        while (*t && is_space((unsigned char)*t))
            t++;
        if (!*t)
            report(&c, &w, "empty package entry");
        else
            handle_line(&c, &w, t);
        free(x);
    }
    free(dir);
    free(shown);
    free(abs);
    ctx_done(&c);
    return c.errs;
}
