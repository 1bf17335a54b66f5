#include "wheel/meta.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static err_t *check_text(const char *text, size_t len, const char *label)
{
    if (memchr(text, '\0', len))
        return err_new(EXIT_APPLY, "%s: holds a NUL byte", label);
    if (!utf8_valid(text, len))
        return err_new(EXIT_APPLY, "%s: is not valid UTF-8", label);
    return NULL;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

static char *trim_dup_s(const char *s) { return trim_dup(s, strlen(s)); }

/* Removes the "\n" of folded lines (RFC 5322 unfolding keeps the whitespace), then trims. */
static char *unfold_trim(const char *s)
{
    buf_t b = BUF_INIT;
    for (; *s; s++)
        if (*s != '\n' && *s != '\r')
            buf_addc(&b, *s);
    char *r = trim_dup(buf_cstr(&b), b.len);
    buf_free(&b);
    return r;
}


/* The next line of text from *pos: [*start, *end), the line break (CRLF, LF or CR) skipped. */
static bool next_line(const char *text, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t i = *pos;
    if (i >= len)
        return false;
    *start = i;
    while (i < len && text[i] != '\n' && text[i] != '\r')
        i++;
    *end = i;
    if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
        i += 2;
    else if (i < len)
        i++;
    *pos = i;
    return true;
}

/* ---- headers ------------------------------------------------------------------------------ */

static bool is_header_key_char(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != ':';
}

err_t *meta_headers_parse(const char *text, size_t len, const char *label, meta_headers_t *out)
{
    memset(out, 0, sizeof *out);
    err_t *e = check_text(text, len, label);
    if (e)
        return e;
    size_t i = 0;
    /* A UTF-8 byte order mark is not part of the first key. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    buf_t val = BUF_INIT;
    bool have = false;
    size_t start, end;
    while (next_line(text, len, &i, &start, &end)) {
        const char *line = text + start;
        size_t n = end - start;
        if (n == 0)
            break;                                  /* blank line: the body follows */
        if (line[0] == ' ' || line[0] == '\t') {
            if (!have)
                break;                              /* no header to continue: body */
            buf_addc(&val, '\n');
            buf_add(&val, line, n);
            out->items[out->n - 1].value = xrealloc(out->items[out->n - 1].value, val.len + 1);
            memcpy(out->items[out->n - 1].value, val.data, val.len + 1);
            continue;
        }
        size_t k = 0;
        while (k < n && is_header_key_char((unsigned char)line[k]))
            k++;
        if (k == 0 || k == n || line[k] != ':')
            break;                                  /* not a header: the body starts here */
        size_t v = k + 1;
        while (v < n && (line[v] == ' ' || line[v] == '\t'))
            v++;
        XGROW(out->items, out->cap, out->n + 1);
        meta_header_t *h = &out->items[out->n++];
        h->key = xstrndup(line, k);
        buf_reset(&val);
        buf_add(&val, line + v, n - v);
        h->value = xstrndup(buf_cstr(&val), val.len);
        have = true;
    }
    buf_free(&val);
    return NULL;
}

const char *meta_headers_get(const meta_headers_t *h, const char *key)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->items[i].key, key) == 0)
            return h->items[i].value;
    return NULL;
}

void meta_headers_free(meta_headers_t *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->items[i].key);
        free(h->items[i].value);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

/* ---- WHEEL -------------------------------------------------------------------------------- */

/* Parses "1", "1.0", "1.10.2": at least one component, digits only. */
static bool parse_dotted_ints(const char *s, int *major, int *minor)
{
    *major = 0;
    *minor = 0;
    int idx = 0;
    const char *p = s;
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return false;
        long v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (*p - '0');
            if (v > 1000000)
                return false;
            p++;
        }
        if (idx == 0)
            *major = (int)v;
        else if (idx == 1)
            *minor = (int)v;
        idx++;
        if (*p == '\0')
            return true;
        if (*p != '.')
            return false;
        p++;
    }
}

err_t *meta_parse_wheel(const char *text, size_t len, const char *label, wheel_info_t *out)
{
    memset(out, 0, sizeof *out);
    meta_headers_t h;
    err_t *e = meta_headers_parse(text, len, label, &h);
    if (e)
        return e;
    const char *wv = meta_headers_get(&h, "Wheel-Version");
    if (!wv) {
        e = err_new(EXIT_APPLY, "%s: no Wheel-Version", label);
        goto done;
    }
    char *v = trim_dup_s(wv);
    int major, minor;
    bool ok = parse_dotted_ints(v, &major, &minor);
    if (!ok)
        e = err_new(EXIT_APPLY, "%s: invalid Wheel-Version '%s'", label, v);
    else if (major != 1)
        e = err_new(EXIT_APPLY, "%s: Wheel-Version %s is not supported (only 1.x is)", label, v);
    free(v);
    if (e)
        goto done;
    out->version_major = major;
    out->version_minor = minor;
    out->newer_minor = minor > 0;
    const char *rp = meta_headers_get(&h, "Root-Is-Purelib");
    if (rp) {
        /* pip: metadata.get("Root-Is-Purelib", "").lower() == "true"; the email parser already
         * dropped leading blanks, and a trailing one makes it false there too. */
        out->root_is_purelib = strcasecmp(rp, "true") == 0;
    }
    const char *g = meta_headers_get(&h, "Generator");
    out->generator = g ? trim_dup_s(g) : NULL;
    const char *b = meta_headers_get(&h, "Build");
    out->build = b ? trim_dup_s(b) : NULL;
    size_t cap = 0;
    for (size_t i = 0; i < h.n; i++)
        if (strcasecmp(h.items[i].key, "Tag") == 0)
            strv_push(&out->tags, &out->ntags, &cap, trim_dup_s(h.items[i].value));
done:
    meta_headers_free(&h);
    if (e)
        wheel_info_free(out);
    return e;
}

void wheel_info_free(wheel_info_t *w)
{
    free(w->generator);
    free(w->build);
    for (size_t i = 0; i < w->ntags; i++)
        free(w->tags[i]);
    free(w->tags);
    memset(w, 0, sizeof *w);
}

/* ---- METADATA ----------------------------------------------------------------------------- */

err_t *meta_parse_metadata(const char *text, size_t len, const char *label,
                           core_metadata_t *out)
{
    memset(out, 0, sizeof *out);
    meta_headers_t h;
    err_t *e = meta_headers_parse(text, len, label, &h);
    if (e)
        return e;
    const char *mv = meta_headers_get(&h, "Metadata-Version");
    if (mv) {
        out->metadata_version = trim_dup_s(mv);
        int major, minor;
        if (!parse_dotted_ints(out->metadata_version, &major, &minor)) {
            e = err_new(EXIT_APPLY, "%s: invalid Metadata-Version '%s'", label,
                        out->metadata_version);
            goto done;
        }
        if (major > 2) {
            e = err_new(EXIT_APPLY, "%s: Metadata-Version %s is not supported (2.x at most)",
                        label, out->metadata_version);
            goto done;
        }
    }
    const char *name = meta_headers_get(&h, "Name");
    if (!name) {
        e = err_new(EXIT_APPLY, "%s: no Name", label);
        goto done;
    }
    out->name = trim_dup_s(name);
    if (!pkg_name_valid(out->name)) {
        e = err_new(EXIT_APPLY, "%s: invalid Name '%s'", label, out->name);
        goto done;
    }
    const char *ver = meta_headers_get(&h, "Version");
    if (!ver) {
        e = err_new(EXIT_APPLY, "%s: no Version", label);
        goto done;
    }
    out->version = trim_dup_s(ver);
    version_t pv;
    if (!version_parse(out->version, &pv)) {
        e = err_new(EXIT_APPLY, "%s: invalid Version '%s'", label, out->version);
        version_free(&pv);
        goto done;
    }
    version_free(&pv);
    const char *rp = meta_headers_get(&h, "Requires-Python");
    out->requires_python = rp ? unfold_trim(rp) : NULL;
    size_t cap_rd = 0, cap_pe = 0;
    for (size_t i = 0; i < h.n; i++) {
        if (strcasecmp(h.items[i].key, "Requires-Dist") == 0)
            strv_push(&out->requires_dist, &out->n_requires_dist, &cap_rd,
                      unfold_trim(h.items[i].value));
        else if (strcasecmp(h.items[i].key, "Provides-Extra") == 0)
            strv_push(&out->provides_extra, &out->n_provides_extra, &cap_pe,
                      unfold_trim(h.items[i].value));
    }
done:
    meta_headers_free(&h);
    if (e)
        core_metadata_free(out);
    return e;
}

void core_metadata_free(core_metadata_t *m)
{
    free(m->metadata_version);
    free(m->name);
    free(m->version);
    free(m->requires_python);
    for (size_t i = 0; i < m->n_requires_dist; i++)
        free(m->requires_dist[i]);
    free(m->requires_dist);
    for (size_t i = 0; i < m->n_provides_extra; i++)
        free(m->provides_extra[i]);
    free(m->provides_extra);
    memset(m, 0, sizeof *m);
}

/* ---- entry points ------------------------------------------------------------------------- */

static bool is_word(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

const char *meta_script_name_check(const char *name)
{
    if (!*name)
        return "the name is empty";
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return "the name is '.' or '..'";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/' || *p == '\\')
            return "the name holds a path separator";
        if (*p < 0x20 || *p == 0x7f)
            return "the name holds a control character";
        if (!(is_word(*p) || *p == '-' || *p == '.' || *p == '+'))
            return "the name holds a character other than letters, digits, '_', '-', '.', '+'";
    }
    /* python, pythonw, python3, python3.12, python3.13t: the interpreter's own names. */
    if (strncmp(name, "python", 6) == 0) {
        const char *p = name + 6;
        if (strcmp(p, "") == 0 || strcmp(p, "w") == 0)
            return "the name would replace the environment's interpreter";
        if (isdigit((unsigned char)*p)) {
            while (isdigit((unsigned char)*p))
                p++;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return NULL;
                while (isdigit((unsigned char)*p))
                    p++;
            }
            if (*p == 't' || *p == 'w')
                p++;
            if (*p == '\0')
                return "the name would replace the environment's interpreter";
        }
    }
    return NULL;
}

/* "a.b.c": one or more word runs separated by single dots. Returns the length matched. */
static size_t match_dotted(const char *s)
{
    size_t i = 0;
    for (;;) {
        size_t st = i;
        while (is_word((unsigned char)s[i]))
            i++;
        if (i == st)
            return st == 0 ? 0 : st - 1;       /* back off the dot we consumed */
        if (s[i] != '.')
            return i;
        if (!is_word((unsigned char)s[i + 1]))
            return i;
        i++;
    }
}

/* Splits a script entry point value into module, attr and extras. NULL on success. */
static const char *parse_script_value(const char *v, entry_point_t *ep)
{
    size_t m = match_dotted(v);
    if (m == 0)
        return "expected 'module:attr'";
    if (v[m] != ':')
        return "a callable suffix is required ('module:attr')";
    size_t a = match_dotted(v + m + 1);
    if (a == 0)
        return "expected an attribute after ':'";
    const char *rest = v + m + 1 + a;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    char *extras = NULL;
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        const char *open2 = strchr(rest + 1, '[');
        if (!close || (open2 && open2 < close))
            return "unbalanced '[' in extras";
        for (const char *p = rest + 1; p < close; p++)
            if (!(is_word((unsigned char)*p) || *p == '-' || *p == ',' || *p == '=' ||
                  *p == ' ' || *p == '\t'))
                return "invalid extras";
        extras = trim_dup(rest + 1, (size_t)(close - rest - 1));
        rest = close + 1;
        while (*rest == ' ' || *rest == '\t')
            rest++;
    }
    if (*rest) {
        free(extras);
        return "unexpected text after the callable";
    }
    ep->module = xstrndup(v, m);
    ep->attr = xstrndup(v + m + 1, a);
    ep->extras = extras;
    return NULL;
}

err_t *meta_parse_entry_points(const char *text, size_t len, const char *label,
                               entry_points_t *out)
{
    memset(out, 0, sizeof *out);
    err_t *e = check_text(text, len, label);
    if (e)
        return e;
    char *group = NULL;
    size_t i = 0, lineno = 0;
    size_t start, end;
    while (!e && next_line(text, len, &i, &start, &end)) {
        lineno++;
        char *line = trim_dup(text + start, end - start);
        size_t n = strlen(line);
        if (n == 0 || line[0] == '#' || line[0] == ';') {
            free(line);
            continue;
        }
        if (line[0] == '[' && line[n - 1] == ']') {
            /* importlib: value.strip('[]') */
            size_t a = 0, b = n;
            while (a < b && (line[a] == '[' || line[a] == ']'))
                a++;
            while (b > a && (line[b - 1] == '[' || line[b - 1] == ']'))
                b--;
            free(group);
            group = trim_dup(line + a, b - a);
            free(line);
            continue;
        }
        if (!group) {
            free(line);
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq) {
            e = err_new(EXIT_APPLY, "%s: line %zu: expected 'name = value' in [%s]", label,
                        lineno, group);
            free(line);
            break;
        }
        entry_point_t ep = {0};
        ep.group = xstrdup(group);
        ep.name = trim_dup(line, (size_t)(eq - line));
        ep.value = trim_dup_s(eq + 1);
        if (strcmp(group, "console_scripts") == 0 || strcmp(group, "gui_scripts") == 0) {
            const char *why = meta_script_name_check(ep.name);
            if (why)
                e = err_new(EXIT_APPLY, "%s: line %zu: invalid script name '%s' in [%s]: %s",
                            label, lineno, ep.name, group, why);
            else if ((why = parse_script_value(ep.value, &ep)))
                e = err_new(EXIT_APPLY, "%s: line %zu: invalid entry point '%s = %s' in [%s]: %s",
                            label, lineno, ep.name, ep.value, group, why);
        }
        XGROW(out->items, out->cap, out->n + 1);
        out->items[out->n++] = ep;
        free(line);
    }
    free(group);
    if (e)
        entry_points_free(out);
    return e;
}

void entry_points_free(entry_points_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].group);
        free(e->items[i].name);
        free(e->items[i].value);
        free(e->items[i].module);
        free(e->items[i].attr);
        free(e->items[i].extras);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}
