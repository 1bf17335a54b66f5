/*
 * request: parsing and matching `python: ...` requests. See request.h for the forms.
 *
 * Grammar (after trimming surrounding blanks):
 *
 *   ""  | "any" | "default"                     -> PYREQ_ANY
 *   anything containing '/'                     -> PYREQ_PATH
 *   [IMPL ["@"]] VERSION                        -> PYREQ_VERSION / PYREQ_SPECS
 *   IMPL                                        -> PYREQ_ANY restricted to IMPL
 *
 *   IMPL     = cpython | cp | pypy | pp | graalpy | gp | python   (case-insensitive;
 *              "python" means any implementation)
 *   VERSION  = N["." N["." N]]["t"]                 a prefix, "t" = free-threaded
 *            | DIGITS["t"] right after IMPL         compact: cp312 = 3.12, cp3 = 3
 *            | SPECS                                starts with < > = ! ~ (PEP 440 set)
 *
 * pypy's own release suffix ("pypy3.10-7.3.12", as pyenv names them) is accepted and ignored.
 */
#include "python/request.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#define FORMS "valid forms are 3, 3.12, 3.12.1, 3.13t, a specifier set like >=3.10,<3.13, " \
              "cpython@3.12, pypy@3.10, cp312, any, or a path to an interpreter"
#define MAX_COMPONENT 99999L

static const struct {
    const char *name;
    const char *impl;   /* normalised; NULL = any implementation */
} impls[] = {
    {"cpython", "cpython"}, {"cp", "cpython"}, {"pypy", "pypy"},   {"pp", "pypy"},
    {"graalpy", "graalpy"}, {"gp", "graalpy"}, {"python", NULL},
};

static bool fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(char **why, const char *fmt, ...)
{
    if (why) {
        buf_t m = BUF_INIT;
        va_list ap;
        va_start(ap, fmt);
        buf_vprintf(&m, fmt, ap);
        va_end(ap);
        buf_adds(&m, "; " FORMS);
        *why = buf_detach(&m);
    }
    return false;
}

/* Parses N[.N[.N]][t] from s (the whole string). */
static bool parse_prefix(const char *full, const char *s, pyreq_t *r, char **why)
{
    const char *p = s;
    int n = 0;
    for (;;) {
        if (!isdigit((unsigned char)*p)) {
            if (n == 0 && *p == '\0')
                return fail(why, "'%s': missing a version", full);
            if (*p == '\0' || *p == '.')
                return fail(why, "'%s': missing a number after '.'", full);
            const char *e = p;
            while (*e && *e != '.')
                e++;
            char *comp = xstrndup(p, (size_t)(e - p));
            if (*p == '*')
                fail(why, "'%s': a wildcard needs an operator (==%s), or write the prefix alone "
                          "(3.12 means any 3.12.x)", full, s);
            else
                fail(why, "'%s': '%s' is not a number", full, comp);
            free(comp);
            return false;
        }
        if (n == 3)
            return fail(why, "'%s': a version has at most three parts (major.minor.patch)", full);
        long v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (*p - '0');
            if (v > MAX_COMPONENT)
                return fail(why, "'%s': version number too large", full);
            p++;
        }
        r->parts[n++] = v;
        if (*p == '.') {
            p++;
            continue;
        }
        break;
    }
    if ((*p == 't' || *p == 'T') && p[1] == '\0') {
        r->freethreaded = true;
        p++;
    }
    if (*p != '\0') {
        if (isalpha((unsigned char)*p) && strchr("abrcABRC", *p))
            return fail(why, "'%s': for a pre-release, write a specifier like ==%s", full, s);
        return fail(why, "'%s': unexpected '%s' after the version", full, p);
    }
    r->nparts = n;
    r->kind = PYREQ_VERSION;
    return true;
}

/* cp312 -> 3.12, cp3 -> 3, cp312t -> 3.12t. */
static bool parse_compact(const char *s, pyreq_t *r)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    if (n == 0 || n > 6)
        return false;
    bool t = false;
    if (s[n] == 't' || s[n] == 'T') {
        t = true;
        if (s[n + 1])
            return false;
    } else if (s[n]) {
        return false;
    }
    r->parts[0] = s[0] - '0';
    r->nparts = 1;
    if (n > 1) {
        long minor = 0;
        for (size_t i = 1; i < n; i++)
            minor = minor * 10 + (s[i] - '0');
        r->parts[1] = minor;
        r->nparts = 2;
    }
    r->freethreaded = t;
    r->kind = PYREQ_VERSION;
    return true;
}

bool pyreq_parse(const char *text, pyreq_t **out, char **why)
{
    *out = NULL;
    if (why)
        *why = NULL;
    if (!text)
        text = "";
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;

    pyreq_t *r = xcalloc(1, sizeof *r);
    r->text = xstrndup(text, len);
    const char *s = r->text;

    if (!*s || strcasecmp(s, "any") == 0 || strcasecmp(s, "default") == 0) {
        r->kind = PYREQ_ANY;
        *out = r;
        return true;
    }
    if (strchr(s, '/')) {
        r->kind = PYREQ_PATH;
        r->path = xstrdup(s);
        *out = r;
        return true;
    }
    if (strchr(s, '\n') || strchr(s, '\t')) {
        fail(why, "'%s': unexpected whitespace inside the request", s);
        goto bad;
    }

    const char *rest = s;
    bool have_impl = false;
    if (*s == '@') {
        fail(why, "'%s': missing an implementation name before '@' (e.g. cpython@%s)", s, s + 1);
        goto bad;
    }
    if (isalpha((unsigned char)*s)) {
        size_t w = 0;
        while (isalpha((unsigned char)s[w]))
            w++;
        size_t k;
        for (k = 0; k < sizeof impls / sizeof impls[0]; k++)
            if (strlen(impls[k].name) == w && strncasecmp(impls[k].name, s, w) == 0)
                break;
        if (k == sizeof impls / sizeof impls[0]) {
            char *word = xstrndup(s, w);
            fail(why, "'%s': unknown implementation '%s' (known: cpython, pypy, graalpy)", s, word);
            free(word);
            goto bad;
        }
        r->impl = xstrdup(impls[k].impl);
        have_impl = true;
        rest = s + w;
        if (*rest == '@') {
            rest++;
            if (!*rest) {
                fail(why, "'%s': missing a version after '@' (e.g. %s3.12)", s, s);
                goto bad;
            }
        } else if (!*rest) {
            r->kind = PYREQ_ANY;      /* "cpython": any version of that implementation */
            *out = r;
            return true;
        } else if (parse_compact(rest, r)) {
            *out = r;
            return true;
        }
    }

    /* pyenv names pypy builds "pypy3.10-7.3.12": the part after '-' is PyPy's own release. */
    char *owned = NULL;
    if (have_impl && r->impl && strcmp(r->impl, "pypy") == 0 && strchr(rest, '-')) {
        owned = xstrndup(rest, (size_t)(strchr(rest, '-') - rest));
        rest = owned;
    }

    bool ok;
    if (strchr("<>=!~", *rest)) {
        char *swhy = NULL;
        ok = specset_parse(rest, &r->specs, &swhy);
        if (ok) {
            r->kind = PYREQ_SPECS;
        } else {
            fail(why, "'%s': %s", s, swhy ? swhy : "bad specifier set");
            free(swhy);
        }
    } else {
        ok = parse_prefix(s, rest, r, why);
    }
    free(owned);
    if (ok) {
        *out = r;
        return true;
    }
bad:
    pyreq_free(r);
    return false;
}

void pyreq_free(pyreq_t *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->impl);
    specset_free(r->specs);
    free(r->path);
    free(r);
}

/* Leading numeric components of a version text ("3.13.0rc1" -> 3, 13, 0). */
static int version_parts(const char *v, long parts[3])
{
    int n = 0;
    const char *p = v;
    while (n < 3 && isdigit((unsigned char)*p)) {
        long x = 0;
        while (isdigit((unsigned char)*p)) {
            if (x < MAX_COMPONENT * 10)
                x = x * 10 + (*p - '0');
            p++;
        }
        parts[n++] = x;
        if (*p != '.')
            break;
        p++;
    }
    return n;
}

bool pyreq_matches(const pyreq_t *r, const pyfacts_t *f)
{
    if (!r)
        return true;
    if (r->kind == PYREQ_PATH) {
        if (!r->path)
            return false;
        return (f->path && strcmp(r->path, f->path) == 0) ||
               (f->realpath && strcmp(r->path, f->realpath) == 0);
    }
    if (r->impl && (!f->implementation || strcasecmp(r->impl, f->implementation) != 0))
        return false;
    if (r->kind == PYREQ_ANY)
        return !r->freethreaded || f->freethreaded;
    if (r->freethreaded != f->freethreaded)
        return false;
    if (!f->version)
        return false;
    if (r->kind == PYREQ_VERSION) {
        long have[3];
        int n = version_parts(f->version, have);
        if (n < r->nparts)
            return false;
        for (int i = 0; i < r->nparts; i++)
            if (have[i] != r->parts[i])
                return false;
        return true;
    }
    /* PYREQ_SPECS. CPython development builds report "3.14.0a1+": drop the '+'. */
    size_t len = strlen(f->version);
    char small[64];
    const char *v = f->version;
    if (len && f->version[len - 1] == '+' && len < sizeof small) {
        memcpy(small, f->version, len - 1);
        small[len - 1] = '\0';
        v = small;
    }
    return specset_contains_str(r->specs, v, false);
}
