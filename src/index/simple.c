/* simple: PEP 503 / 691 index pages parsed into files (see simple.h). */
#include "index/simple.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strv.h"
#include "util/url.h"
#include "util/buf.h"
#include "util/jsonread.h"
#include "util/xalloc.h"

/* ---- common --------------------------------------------------------------------------------- */

simple_format_t simple_format_of(const char *ct)
{
    if (!ct)
        return SIMPLE_FMT_UNKNOWN;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    static const struct { const char *type; simple_format_t f; } types[] = {
        {"application/vnd.pypi.simple.v1+json", SIMPLE_FMT_JSON},
        {"application/vnd.pypi.simple.latest+json", SIMPLE_FMT_JSON},
        {"application/vnd.pypi.simple.v1+html", SIMPLE_FMT_HTML},
        {"application/vnd.pypi.simple.latest+html", SIMPLE_FMT_HTML},
        {"text/html", SIMPLE_FMT_HTML},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].type) == n && strncasecmp(ct, types[i].type, n) == 0)
            return types[i].f;
    return SIMPLE_FMT_UNKNOWN;
}

static simple_page_t *page_new(const char *url, simple_format_t f)
{
    simple_page_t *p = xcalloc(1, sizeof(*p));
    p->url = xstrdup(url);
    p->format = f;
    p->api_major = 1;
    p->api_minor = 0;
    p->warnings = xcalloc(1, sizeof(char *));
    return p;
}

static void warn(simple_page_t *p, char *msg)
{
    p->warnings = xrealloc(p->warnings, (p->nwarnings + 2) * sizeof(char *));
    p->warnings[p->nwarnings++] = msg;
    p->warnings[p->nwarnings] = NULL;
}

static simple_file_t *add_file(simple_page_t *p, size_t *cap)
{
    XGROW(p->files, *cap, p->n + 1);
    simple_file_t *f = &p->files[p->n++];
    memset(f, 0, sizeof(*f));
    f->size = -1;
    return f;
}

static void file_free(simple_file_t *f)
{
    free(f->filename);
    free(f->url);
    free(f->requires_python);
    free(f->yanked_reason);
}

void simple_page_free(simple_page_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        file_free(&p->files[i]);
    free(p->files);
    strv_free(p->warnings);
    free(p->url);
    free(p->name);
    free(p);
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Stores a sha256 given by the index into out (lowercased), or flags it malformed. */
static void set_sha256(simple_page_t *p, simple_file_t *f, const char *hex, char out[65],
                       bool *malformed)
{
    if (is_hex64(hex)) {
        for (int i = 0; i < 64; i++)
            out[i] = (char)tolower((unsigned char)hex[i]);
        out[64] = '\0';
        return;
    }
    out[0] = '\0';
    if (malformed)
        *malformed = true;
    warn(p, xasprintf("%s: the index gives a malformed sha256 '%.80s'", f->filename, hex));
}

/* "X.Y" -> major, minor. */
static bool parse_api_version(const char *s, int *major, int *minor)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return false;
    long a = strtol(s, &end, 10);
    if (*end != '.' || !isdigit((unsigned char)end[1]))
        return false;
    long b = strtol(end + 1, &end, 10);
    if (*end != '\0' || a > 1000 || b > 1000000)
        return false;
    *major = (int)a;
    *minor = (int)b;
    return true;
}

static err_t *check_api_version(simple_page_t *p, const char *v)
{
    if (!parse_api_version(v, &p->api_major, &p->api_minor))
        return err_new(EXIT_APPLY, "malformed repository version '%.40s'", v);
    if (p->api_major > SIMPLE_API_MAJOR)
        return err_hint(err_new(EXIT_APPLY,
                                "repository version %d.%d is not supported (venvsync knows %d.x)",
                                p->api_major, p->api_minor, SIMPLE_API_MAJOR),
                        "use an index that serves version %d of the Simple Repository API, or "
                        "a newer venvsync", SIMPLE_API_MAJOR);
    if (p->api_major == SIMPLE_API_MAJOR && p->api_minor > SIMPLE_API_MINOR)
        warn(p, xasprintf("repository version %d.%d is newer than %d.%d, which venvsync knows; "
                          "continuing", p->api_major, p->api_minor, SIMPLE_API_MAJOR,
                          SIMPLE_API_MINOR));
    return NULL;
}

/* ---- HTML ----------------------------------------------------------------------------------- */

static void put_cp(buf_t *b, unsigned long cp)
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | cp >> 18);
        o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_add(b, o, n);
}

char *simple_html_unescape(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    buf_add(&b, "", 0); /* a terminated string even when s is empty */
    buf_grow(&b, n);
    static const struct { const char *name; const char *text; bool legacy; } ents[] = {
        {"amp", "&", true}, {"lt", "<", true}, {"gt", ">", true}, {"quot", "\"", true},
        {"apos", "'", false}, {"nbsp", "\xc2\xa0", false},
    };
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        if (!amp) {
            buf_add(&b, s + i, n - i);
            break;
        }
        size_t a = (size_t)(amp - s);
        buf_add(&b, s + i, a - i);
        i = a + 1;
        if (i < n && s[i] == '#') {
            size_t j = i + 1;
            bool hex = j < n && (s[j] == 'x' || s[j] == 'X');
            if (hex)
                j++;
            size_t ds = j;
            unsigned long cp = 0;
            while (j < n && (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j]))) {
                if (cp <= 0x10FFFF) {
                    char c = s[j];
                    cp = cp * (hex ? 16 : 10) +
                         (unsigned long)(isdigit((unsigned char)c) ? c - '0'
                                                                   : tolower((unsigned char)c) - 'a' + 10);
                }
                j++;
            }
            if (j == ds) {
                buf_addc(&b, '&');
                continue;
            }
            if (j < n && s[j] == ';')
                j++;
            put_cp(&b, cp);
            i = j;
            continue;
        }
        bool done = false;
        for (size_t k = 0; k < sizeof ents / sizeof ents[0] && !done; k++) {
            size_t l = strlen(ents[k].name);
            if (n - i >= l && memcmp(s + i, ents[k].name, l) == 0) {
                if (i + l < n && s[i + l] == ';') {
                    buf_adds(&b, ents[k].text);
                    i += l + 1;
                    done = true;
                } else if (ents[k].legacy) {
                    buf_adds(&b, ents[k].text);
                    i += l;
                    done = true;
                }
            }
        }
        if (!done)
            buf_addc(&b, '&');
    }
    return buf_detach(&b);
}

typedef struct attr {
    char *name;       /* lowercased */
    char *value;      /* unescaped; NULL for a valueless attribute */
} attr_t;

typedef struct tag {
    char name[16];    /* lowercased, truncated */
    attr_t *attrs;
    size_t n, cap;
} tag_t;

static void tag_clear(tag_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->attrs[i].name);
        free(t->attrs[i].value);
    }
    t->n = 0;
}

/* The value of the LAST attribute named name (pip builds a dict), *present set. */
static const char *tag_attr(const tag_t *t, const char *name, bool *present)
{
    for (size_t i = t->n; i-- > 0;) {
        if (strcmp(t->attrs[i].name, name) == 0) {
            if (present)
                *present = true;
            return t->attrs[i].value;
        }
    }
    if (present)
        *present = false;
    return NULL;
}

static bool html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Parses a start tag at s[i] == '<' (s[i+1] is a letter). Returns the index after '>', or n
 * when the tag never ends. */
static size_t parse_tag(const char *s, size_t n, size_t i, tag_t *t)
{
    tag_clear(t);
    i++;
    size_t k = 0;
    while (i < n && !html_space(s[i]) && s[i] != '>' && s[i] != '/') {
        if (k < sizeof t->name - 1)
            t->name[k++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    t->name[k] = '\0';
    for (;;) {
        while (i < n && (html_space(s[i]) || s[i] == '/'))
            i++;
        if (i >= n)
            return n;
        if (s[i] == '>')
            return i + 1;
        size_t ns = i;
        while (i < n && !html_space(s[i]) && s[i] != '>' && s[i] != '/' &&
               (s[i] != '=' || i == ns))
            i++;
        char *name = xstrndup(s + ns, i - ns);
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        while (i < n && html_space(s[i]))
            i++;
        char *value = NULL;
        if (i < n && s[i] == '=') {
            i++;
            while (i < n && html_space(s[i]))
                i++;
            size_t vs, ve;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];
                vs = i;
                while (i < n && s[i] != q)
                    i++;
                ve = i;
                if (i < n)
                    i++;
            } else {
                vs = i;
                while (i < n && !html_space(s[i]) && s[i] != '>')
                    i++;
                ve = i;
            }
            value = simple_html_unescape(s + vs, ve - vs);
        }
        XGROW(t->attrs, t->cap, t->n + 1);
        t->attrs[t->n++] = (attr_t){name, value};
    }
}

static bool starts_ci(const char *s, size_t n, size_t i, const char *lit)
{
    size_t l = strlen(lit);
    return n - i >= l && strncasecmp(s + i, lit, l) == 0;
}

/* Index of the first case-insensitive occurrence of lit at or after i, or n. */
static size_t find_ci(const char *s, size_t n, size_t i, const char *lit)
{
    for (; i < n; i++)
        if (starts_ci(s, n, i, lit))
            return i;
    return n;
}

/* "sha256=<hex>" / "true" metadata attribute. */
static void set_metadata(simple_page_t *p, simple_file_t *f, const char *v)
{
    f->core_metadata = true;
    if (v && strncasecmp(v, "sha256=", 7) == 0)
        set_sha256(p, f, v + 7, f->metadata_sha256, NULL);
}

static void add_anchor(simple_page_t *p, size_t *cap, const tag_t *t, const char *base,
                       const char *text, size_t tn)
{
    const char *href = tag_attr(t, "href", NULL);
    if (!href || !*href)
        return;
    char *abs = url_resolve(base, href);
    simple_file_t *f = add_file(p, cap);
    f->url = url_without_fragment(abs);
    f->filename = url_basename(f->url);
    if (!*f->filename) {
        free(f->filename);
        char *u = simple_html_unescape(text, tn);
        /* trim */
        char *a = u;
        while (html_space(*a))
            a++;
        size_t l = strlen(a);
        while (l && html_space(a[l - 1]))
            l--;
        f->filename = xstrndup(a, l);
        free(u);
    }
    char *h = url_fragment_param(abs, "sha256");
    if (h)
        set_sha256(p, f, h, f->sha256, &f->hash_malformed);
    free(h);
    free(abs);
    const char *rp = tag_attr(t, "data-requires-python", NULL);
    if (rp)
        f->requires_python = xstrdup(rp);
    bool yanked;
    const char *why = tag_attr(t, "data-yanked", &yanked);
    if (yanked) {
        f->yanked = true;
        f->yanked_reason = why && *why ? xstrdup(why) : NULL;
    }
    bool has_md;
    const char *md = tag_attr(t, "data-core-metadata", &has_md);
    if (!has_md)
        md = tag_attr(t, "data-dist-info-metadata", &has_md);
    if (has_md && (!md || strcasecmp(md, "false") != 0))
        set_metadata(p, f, md);
}

err_t *simple_parse_html(const char *s, size_t n, const char *page_url, simple_page_t **out)
{
    simple_page_t *p = page_new(page_url, SIMPLE_FMT_HTML);
    size_t cap = 0;
    char *base = xstrdup(page_url);
    bool base_seen = false;
    tag_t t = {0};
    err_t *e = NULL;
    size_t i = 0;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        if (!lt)
            break;
        i = (size_t)(lt - s);
        if (starts_ci(s, n, i, "<!--")) {
            size_t end = find_ci(s, n, i + 4, "-->");
            i = end == n ? n : end + 3;
            continue;
        }
        if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/')) {
            const char *gt = memchr(s + i, '>', n - i);
            i = gt ? (size_t)(gt - s) + 1 : n;
            continue;
        }
        if (i + 1 >= n || !isalpha((unsigned char)s[i + 1])) {
            i++;
            continue;
        }
        size_t end = parse_tag(s, n, i, &t);
        if (strcmp(t.name, "a") == 0) {
            const char *nx = memchr(s + end, '<', n - end);
            size_t te = nx ? (size_t)(nx - s) : n;
            add_anchor(p, &cap, &t, base, s + end, te - end);
        } else if (strcmp(t.name, "base") == 0 && !base_seen) {
            const char *h = tag_attr(&t, "href", NULL);
            if (h) {
                base_seen = true;
                char *nb = url_resolve(page_url, h);
                free(base);
                base = nb;
            }
        } else if (strcmp(t.name, "meta") == 0) {
            const char *nm = tag_attr(&t, "name", NULL);
            const char *content = tag_attr(&t, "content", NULL);
            if (nm && strcasecmp(nm, "pypi:repository-version") == 0 && content) {
                e = check_api_version(p, content);
                if (e)
                    break;
            }
        } else if (strcmp(t.name, "script") == 0 || strcmp(t.name, "style") == 0) {
            end = find_ci(s, n, end, t.name[1] == 'c' ? "</script" : "</style");
        }
        i = end;
    }
    tag_clear(&t);
    free(t.attrs);
    free(base);
    if (e) {
        simple_page_free(p);
        return e;
    }
    *out = p;
    return NULL;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static err_t *json_file(simple_page_t *p, size_t idx, const jr_value_t *o, simple_file_t *f)
{
    if (!jr_is(o, JR_OBJECT))
        return err_new(EXIT_APPLY, "files[%zu] is a %s, not an object", idx, jr_type_name(o));
    const char *fn = jr_str(jr_get(o, "filename"));
    const char *url = jr_str(jr_get(o, "url"));
    if (!fn || !*fn)
        return err_new(EXIT_APPLY, "files[%zu]: 'filename' must be a non-empty string", idx);
    if (!url || !*url)
        return err_new(EXIT_APPLY, "files[%zu] (%s): 'url' must be a non-empty string", idx, fn);
    f->filename = xstrdup(fn);
    char *abs = url_resolve(p->url, url);
    f->url = url_without_fragment(abs);
    free(abs);
    const jr_value_t *hashes = jr_get(o, "hashes");
    if (hashes && !jr_is(hashes, JR_OBJECT))
        return err_new(EXIT_APPLY, "files[%zu] (%s): 'hashes' must be an object", idx, fn);
    const jr_value_t *h = jr_get(hashes, "sha256");
    if (h) {
        if (!jr_str(h))
            return err_new(EXIT_APPLY, "files[%zu] (%s): hashes.sha256 must be a string", idx, fn);
        set_sha256(p, f, jr_str(h), f->sha256, &f->hash_malformed);
    }
    const jr_value_t *rp = jr_get(o, "requires-python");
    if (rp && !jr_is(rp, JR_NULL)) {
        if (!jr_str(rp))
            return err_new(EXIT_APPLY, "files[%zu] (%s): 'requires-python' must be a string or "
                                       "null", idx, fn);
        f->requires_python = xstrdup(jr_str(rp));
    }
    const jr_value_t *y = jr_get(o, "yanked");
    if (jr_is(y, JR_BOOL)) {
        f->yanked = y->u.b;
    } else if (jr_str(y)) {
        f->yanked = true;
        f->yanked_reason = *jr_str(y) ? xstrdup(jr_str(y)) : NULL;
    } else if (y && !jr_is(y, JR_NULL)) {
        return err_new(EXIT_APPLY, "files[%zu] (%s): 'yanked' must be a boolean or a string", idx,
                       fn);
    }
    const jr_value_t *md = jr_get(o, "core-metadata");
    if (!md)
        md = jr_get(o, "dist-info-metadata");
    if (jr_is(md, JR_BOOL)) {
        f->core_metadata = md->u.b;
    } else if (jr_is(md, JR_OBJECT)) {
        f->core_metadata = true;
        const char *mh = jr_str(jr_get(md, "sha256"));
        if (mh)
            set_sha256(p, f, mh, f->metadata_sha256, NULL);
    } else if (md && !jr_is(md, JR_NULL)) {
        return err_new(EXIT_APPLY, "files[%zu] (%s): 'core-metadata' must be a boolean or an "
                                   "object", idx, fn);
    }
    const jr_value_t *sz = jr_get(o, "size");
    if (sz && !jr_is(sz, JR_NULL)) {
        int64_t v;
        if (!jr_int64(sz, &v) || v < 0)
            return err_new(EXIT_APPLY, "files[%zu] (%s): 'size' must be a non-negative integer",
                           idx, fn);
        f->size = v;
    }
    return NULL;
}

err_t *simple_parse_json(const char *body, size_t len, const char *page_url, simple_page_t **out)
{
    *out = NULL;
    jr_doc_t *d = NULL;
    err_t *e = jr_parse(body, len, NULL, &d);
    if (e)
        return err_code(e, EXIT_APPLY);
    simple_page_t *p = page_new(page_url, SIMPLE_FMT_JSON);
    const jr_value_t *r = jr_doc_root(d);
    if (!jr_is(r, JR_OBJECT)) {
        e = err_new(EXIT_APPLY, "the page is a JSON %s, not an object", jr_type_name(r));
        goto out;
    }
    const char *v = jr_str(jr_get(jr_get(r, "meta"), "api-version"));
    if (!v) {
        e = err_new(EXIT_APPLY, "meta.api-version is missing: not a PEP 691 page");
        goto out;
    }
    e = check_api_version(p, v);
    if (e)
        goto out;
    const char *name = jr_str(jr_get(r, "name"));
    p->name = xstrdup(name);
    const jr_value_t *files = jr_get(r, "files");
    if (!jr_is(files, JR_ARRAY)) {
        e = err_new(EXIT_APPLY, "'files' must be an array (it is %s)", jr_type_name(files));
        goto out;
    }
    p->files = xcalloc(files->len ? files->len : 1, sizeof(simple_file_t));
    for (size_t i = 0; i < files->len; i++) {
        simple_file_t *f = &p->files[p->n++];
        f->size = -1;
        e = json_file(p, i, jr_at(files, i), f);
        if (e)
            goto out;
    }
out:
    jr_doc_free(d);
    if (e) {
        simple_page_free(p);
        return e;
    }
    *out = p;
    return NULL;
}

err_t *simple_parse(const char *content_type, const char *body, size_t len, const char *page_url,
                    simple_page_t **out)
{
    *out = NULL;
    switch (simple_format_of(content_type)) {
    case SIMPLE_FMT_JSON:
        return simple_parse_json(body, len, page_url, out);
    case SIMPLE_FMT_HTML:
        return simple_parse_html(body, len, page_url, out);
    default:
        return err_new(EXIT_APPLY, "unexpected Content-Type '%.80s' (not a simple index page)",
                       content_type && *content_type ? content_type : "(none)");
    }
}
