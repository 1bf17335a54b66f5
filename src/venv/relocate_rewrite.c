/* relocate_rewrite: the pure half of venv_relocate() (relocate.h, relocate_internal.h): RECORD
 * rows parsed byte for byte, and the rewriters of shebangs, .pth lines, direct_url.json and
 * RECORD, each from old content to new content in memory. The walk, the reads and the writes
 * are relocate.c's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/record.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "util/path.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "venv/relocate.h"
#include "venv/relocate_internal.h"
#include "wheel/scripts.h"

/* ---- prefixes ---------------------------------------------------------------------------- */

static bool within(const char *pre, size_t pn, const char *p, size_t n)
{
    return n >= pn && memcmp(p, pre, pn) == 0 && (n == pn || p[pn] == '/');
}

/* Which prefix the path p (n bytes) lies in; the longer one when both. */
int reloc_classify(const reloc_paths_t *rp, const char *p, size_t n)
{
    bool o = within(rp->old, rp->old_len, p, n);
    bool w = within(rp->new_, rp->new_len, p, n);
    if (o && w)
        return rp->old_len > rp->new_len ? IN_OLD : IN_NEW;
    return o ? IN_OLD : w ? IN_NEW : IN_NONE;
}

/* ---- shebangs ---------------------------------------------------------------------------- */

static size_t line_end(const char *d, size_t n, size_t from)
{
    const char *nl = from < n ? memchr(d + from, '\n', n - from) : NULL;
    return nl ? (size_t)(nl - d) : n;
}

/* Content end of the line [from, le): without a trailing CR. */
static size_t content_end(const char *d, size_t from, size_t le)
{
    return (le > from && d[le - 1] == '\r') ? le - 1 : le;
}

static const char *eol_of(const char *d, size_t n, size_t le)
{
    if (le >= n)
        return "";
    return (le > 0 && d[le - 1] == '\r') ? "\r\n" : "\n";
}

/* Decodes one sh word at d[*i..n) (stops at unquoted whitespace). False when it holds an
 * expansion ($, `) or an unterminated quote: such a word names no fixed path. */
static bool sh_word(const char *d, size_t n, size_t *i, buf_t *out)
{
    size_t k = *i;
    while (k < n && d[k] != ' ' && d[k] != '\t' && d[k] != '\n' && d[k] != '\r') {
        char c = d[k];
        if (c == '\'') {
            const char *q = memchr(d + k + 1, '\'', n - k - 1);
            if (!q)
                return false;
            buf_add(out, d + k + 1, (size_t)(q - d) - k - 1);
            k = (size_t)(q - d) + 1;
        } else if (c == '"') {
            k++;
            for (;;) {
                if (k >= n || d[k] == '\n')
                    return false;
                if (d[k] == '"')
                    break;
                if (d[k] == '\\' && k + 1 < n && strchr("$`\"\\", d[k + 1])) {
                    buf_addc(out, d[k + 1]);
                    k += 2;
                    continue;
                }
                if (d[k] == '$' || d[k] == '`')
                    return false;
                buf_addc(out, d[k++]);
            }
            k++;
        } else if (c == '\\' && k + 1 < n && d[k + 1] != '\n') {
            buf_addc(out, d[k + 1]);
            k += 2;
        } else if (c == '$' || c == '`') {
            return false;
        } else {
            buf_addc(out, c);
            k++;
        }
    }
    *i = k;
    return out->len > 0;
}

typedef struct shebang {
    size_t header_end;     /* bytes of the file the header occupies */
    buf_t interp;          /* the interpreter path, decoded */
    buf_t args;            /* arguments after it ("" or starting with a space) */
    bool args_known;       /* false: a trampoline whose line 2 tail is not `args "$0" "$@"` */
    buf_t tail;            /* that tail, verbatim, when !args_known */
    const char *eol;       /* terminator of the header's last line */
} shebang_t;

static void shebang_free(shebang_t *sb)
{
    buf_free(&sb->interp);
    buf_free(&sb->args);
    buf_free(&sb->tail);
}

static bool starts_with_prefix(const char *d, size_t n, const char *pre, size_t pn)
{
    return n > pn && memcmp(d, pre, pn) == 0 && d[pn] == '/';
}

/* Parses the header of a script that starts with "#!". False when it is not one we understand. */
static bool parse_shebang(const reloc_paths_t *rp, const char *d, size_t n, shebang_t *sb)
{
    size_t l1e = line_end(d, n, 0);
    size_t c1e = content_end(d, 0, l1e);
    size_t s = 2;
    while (s < c1e && (d[s] == ' ' || d[s] == '\t'))
        s++;
    size_t t = c1e;
    while (t > s && (d[t - 1] == ' ' || d[t - 1] == '\t'))
        t--;

    if (t - s == 7 && memcmp(d + s, "/bin/sh", 7) == 0 && l1e < n) {
        /* The trampoline: line 2 "'''exec' <word><args> "$0" "$@"", line 3 "' '''". */
        size_t l2s = l1e + 1, l2e = line_end(d, n, l2s), c2e = content_end(d, l2s, l2e);
        if (c2e - l2s < 8 || memcmp(d + l2s, "'''exec'", 8) != 0 || l2e >= n)
            return false;
        size_t w = l2s + 8;
        while (w < c2e && (d[w] == ' ' || d[w] == '\t'))
            w++;
        if (!sh_word(d, c2e, &w, &sb->interp))
            return false;
        size_t l3s = l2e + 1, l3e = line_end(d, n, l3s);
        if (l3e - l3s < 5 || memcmp(d + l3s, "' '''", 5) != 0)
            return false;
        static const char run[] = " \"$0\" \"$@\"";
        size_t rl = sizeof(run) - 1, tl = c2e - w;
        if (tl >= rl && memcmp(d + c2e - rl, run, rl) == 0) {
            sb->args_known = true;
            buf_add(&sb->args, d + w, tl - rl);
        } else {
            buf_add(&sb->tail, d + w, tl);
        }
        sb->header_end = l3e < n ? l3e + 1 : n;
        sb->eol = eol_of(d, n, l3e);
        return true;
    }

    /* A plain shebang: "#!<interp><args>". */
    size_t e;
    if (s < c1e && d[s] == '"') {
        const char *q = memchr(d + s + 1, '"', c1e - s - 1);
        if (!q)
            return false;
        buf_add(&sb->interp, d + s + 1, (size_t)(q - d) - s - 1);
        e = (size_t)(q - d) + 1;
    } else {
        /* A path under old_path or new_path may itself hold spaces (pip writes sys.executable
         * unquoted into #!python scripts): take the longer matching prefix whole. */
        size_t from = s;
        size_t po = starts_with_prefix(d + s, c1e - s, rp->old, rp->old_len) ? rp->old_len : 0;
        size_t pw = starts_with_prefix(d + s, c1e - s, rp->new_, rp->new_len) ? rp->new_len : 0;
        from += po > pw ? po : pw;
        e = from;
        while (e < c1e && d[e] != ' ' && d[e] != '\t')
            e++;
        buf_add(&sb->interp, d + s, e - s);
    }
    buf_add(&sb->args, d + e, c1e - e);
    sb->args_known = true;
    sb->header_end = l1e < n ? l1e + 1 : n;
    sb->eol = eol_of(d, n, l1e);
    return sb->interp.len > 0;
}

int reloc_rewrite_script(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out)
{
    shebang_t sb = {0};
    int cls = IN_NONE;
    if (parse_shebang(rp, d, n, &sb))
        cls = reloc_classify(rp, sb.interp.data, sb.interp.len);
    if (cls == IN_OLD) {
        char *interp = xasprintf("%s%s", rp->new_, sb.interp.data + rp->old_len);
        if (sb.args_known) {
            script_shebang(out, interp, buf_cstr(&sb.args), sb.eol);
        } else {
            buf_adds(out, "#!/bin/sh\n'''exec' ");
            script_sh_word(out, interp);
            buf_add(out, sb.tail.data, sb.tail.len);
            buf_adds(out, "\n' '''");
            buf_adds(out, sb.eol);
        }
        buf_add(out, d + sb.header_end, n - sb.header_end);
        free(interp);
    }
    shebang_free(&sb);
    return cls;
}

/* ---- .pth -------------------------------------------------------------------------------- */

static bool path_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || strchr("._-~+@%", c) != NULL;
}

/* Appends line with each whole-path occurrence of old_path replaced by new_path. */
static bool replace_paths(const reloc_paths_t *rp, const char *s, size_t n, buf_t *out)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        const char *hit = memmem(s + i, n - i, rp->old, rp->old_len);
        if (!hit)
            break;
        size_t h = (size_t)(hit - s);
        bool left = h == 0 || !(path_char((unsigned char)s[h - 1]) || s[h - 1] == '/');
        size_t after = h + rp->old_len;
        bool right = after == n || s[after] == '/' || !path_char((unsigned char)s[after]);
        /* Already new_path (when new_path extends old_path): leave it. */
        bool is_new = rp->new_len > rp->old_len && n - h >= rp->new_len &&
                      memcmp(s + h, rp->new_, rp->new_len) == 0 &&
                      (h + rp->new_len == n || s[h + rp->new_len] == '/' ||
                       !path_char((unsigned char)s[h + rp->new_len]));
        if (left && right && !is_new) {
            buf_add(out, s + i, h - i);
            buf_add(out, rp->new_, rp->new_len);
            changed = true;
        } else {
            buf_add(out, s + i, after - i);
        }
        i = after;
    }
    buf_add(out, s + i, n - i);
    return changed;
}

static bool mentions(const char *s, size_t n, const char *p, size_t pn)
{
    return memmem(s, n, p, pn) != NULL;
}

bool reloc_rewrite_pth(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        size_t le = line_end(d, n, i);
        size_t ce = content_end(d, i, le);
        size_t next = le < n ? le + 1 : n;
        const char *line = d + i;
        size_t ln = ce - i;
        if ((ln > 7 && memcmp(line, "import", 6) == 0 && (line[6] == ' ' || line[6] == '\t'))) {
            changed |= replace_paths(rp, line, ln, out);
        } else if (ln && line[0] == '/') {
            size_t t = ln;
            while (t > 0 && isspace((unsigned char)line[t - 1]))
                t--;
            if (reloc_classify(rp, line, t) == IN_OLD) {
                buf_add(out, rp->new_, rp->new_len);
                buf_add(out, line + rp->old_len, ln - rp->old_len);
                changed = true;
            } else {
                buf_add(out, line, ln);
            }
        } else {
            buf_add(out, line, ln);
        }
        buf_add(out, d + ce, next - ce);
        i = next;
    }
    return changed;
}

/* ---- direct_url.json ----------------------------------------------------------------------- */

static bool hex4(const char *d, size_t n, size_t i, unsigned *v)
{
    if (i + 4 > n)
        return false;
    *v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_value(d[i + k]);
        if (h < 0)
            return false;
        *v = *v << 4 | (unsigned)h;
    }
    return true;
}

/* Decodes the JSON string at d[*i] == '"' into out, advancing *i past the closing quote. */
static bool json_string(const char *d, size_t n, size_t *i, buf_t *out)
{
    size_t k = *i + 1;
    while (k < n && d[k] != '"') {
        if (d[k] != '\\') {
            buf_addc(out, d[k++]);
            continue;
        }
        if (k + 1 >= n)
            return false;
        char c = d[k + 1];
        k += 2;
        switch (c) {
        case 'b': buf_addc(out, '\b'); break;
        case 'f': buf_addc(out, '\f'); break;
        case 'n': buf_addc(out, '\n'); break;
        case 'r': buf_addc(out, '\r'); break;
        case 't': buf_addc(out, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(d, n, k, &cp))
                return false;
            k += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && k + 1 < n && d[k] == '\\' && d[k + 1] == 'u' &&
                hex4(d, n, k + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                k += 6;
            }
            buf_add_utf8(out, cp);
            break;
        }
        default: buf_addc(out, c); break;
        }
    }
    if (k >= n)
        return false;
    *i = k + 1;
    return true;
}

bool reloc_rewrite_direct_url(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out,
                              int *cls)
{
    bool changed = false, pending = false;
    size_t i = 0, copied = 0;
    buf_t v = BUF_INIT;
    *cls = IN_NONE;
    while (i < n) {
        char c = d[i];
        if (c != '"') {
            if (!isspace((unsigned char)c))
                pending = false;
            i++;
            continue;
        }
        size_t s0 = i;
        buf_reset(&v);
        if (!json_string(d, n, &i, &v))
            break;
        size_t j = i;
        while (j < n && isspace((unsigned char)d[j]))
            j++;
        if (j < n && d[j] == ':') {
            pending = strcmp(buf_cstr(&v), "url") == 0;
            i = j + 1;
            continue;
        }
        char *why = NULL;
        char *path = pending && strncasecmp(buf_cstr(&v), "file:/", 6) == 0
                         ? url_to_path(buf_cstr(&v), "/", &why)
                         : NULL;
        free(why);
        if (path) {
            int k = reloc_classify(rp, path, strlen(path));
            if (k == IN_OLD) {
                char *np = xasprintf("%s%s", rp->new_, path + rp->old_len);
                char *url = url_from_path(np);
                buf_t quoted = BUF_INIT;
                buf_adds(&quoted, url);
                buf_adds(&quoted, buf_cstr(&v) + strcspn(buf_cstr(&v), "?#")); /* query, fragment */
                buf_add(out, d + copied, s0 - copied);
                json_quote(out, quoted.data);
                copied = i;
                changed = true;
                *cls = IN_OLD;
                buf_free(&quoted);
                free(url);
                free(np);
            } else if (k == IN_NEW && *cls == IN_NONE) {
                *cls = IN_NEW;
            }
            free(path);
        }
        pending = false;
    }
    buf_add(out, d + copied, n - copied);
    buf_free(&v);
    return changed;
}

/* Valid JSON (util/jsonread) whose top-level "url" is a file: URL. Only those are edited; the
 * edit itself works on the text (reloc_rewrite_direct_url) so every other byte stays as pip
 * wrote it, which a parsed tree cannot give back. */
bool reloc_direct_url_is_local(const char *d, size_t n)
{
    jr_doc_t *doc = NULL;
    err_t *e = jr_parse(d, n, NULL, &doc);
    const char *url = e ? NULL : jr_str(jr_get(jr_doc_root(doc), "url"));
    bool local = url && strncasecmp(url, "file:", 5) == 0;
    err_free(e);
    jr_doc_free(doc);
    return local;
}

/* ---- RECORD ------------------------------------------------------------------------------ */

/* The key (environment-relative path) a RECORD row names, in key; false when outside. */
static bool row_key(const reloc_paths_t *rp, const char *site_rel, const char *p, buf_t *key)
{
    buf_reset(key);
    if (p[0] == '/') {
        size_t n = strlen(p);
        int cls = reloc_classify(rp, p, n);
        size_t skip = cls == IN_OLD ? rp->old_len : cls == IN_NEW ? rp->new_len : 0;
        if (!skip)
            return false;
        p += skip;
        while (*p == '/')
            p++;
        buf_adds(key, p);
        return true;
    }
    if (p[0] == '.' || strstr(p, "/.") || strstr(p, "//")) {
        char *j = path_joinv(site_rel, p, NULL);
        char *norm = path_normalize(j);
        free(j);
        bool inside = strcmp(norm, "..") != 0 && strncmp(norm, "../", 3) != 0;
        if (inside)
            buf_adds(key, norm);
        free(norm);
        return inside;
    }
    buf_adds(key, site_rel);
    buf_addc(key, '/');
    buf_adds(key, p);
    return true;
}

/* A cheap filter before parsing: can this RECORD have a row to change? Rows to change name
 * old_path (absolute), or a touched file: "bin/<name>" or a file in site-packages by name. */
bool reloc_record_may_change(const reloc_paths_t *rp, const reloc_touched_t *touched,
                             size_t ntouched, const char *d, size_t n)
{
    if (mentions(d, n, rp->old, rp->old_len) || (ntouched && mentions(d, n, rp->new_, rp->new_len)))
        return true;
    bool bin_checked = false;
    for (size_t i = 0; i < ntouched; i++) {
        const char *k = touched[i].key;
        if (strncmp(k, "bin/", 4) == 0) {
            if (!bin_checked && mentions(d, n, "bin/", 4))
                return true;
            bin_checked = true;
        } else {
            const char *b = path_basename(k);
            if (mentions(d, n, b, strlen(b)))
                return true;
        }
    }
    return false;
}

static int touched_key_cmp(const void *key, const void *b)
{
    return strcmp(key, ((const reloc_touched_t *)b)->key);
}

bool reloc_rewrite_record(const reloc_paths_t *rp, const char *site_rel,
                          const reloc_touched_t *touched, size_t ntouched, const char *d,
                          size_t n, buf_t *out)
{
    buf_t key = BUF_INIT, want = BUF_INIT;
    bool changed = false;
    size_t pos = 0;
    record_line_t row = {0};
    while (record_next_line(d, n, &pos, &row)) {
        const char *p = row.fields[0];
        char *newpath = NULL;
        if (row.nfields > 3) {
            /* Malformed (an unquoted ',' in the path): not ours to guess; kept as it is. */
            buf_add(out, row.raw, row.raw_len);
            buf_adds(out, row.eol);
            continue;
        }
        const reloc_touched_t *t = NULL;
        if (row.nfields && p[0] == '/' && reloc_classify(rp, p, strlen(p)) == IN_OLD)
            newpath = xasprintf("%s%s", rp->new_, p + rp->old_len);
        if (row.nfields && ntouched && row_key(rp, site_rel, p, &key))
            t = bsearch(key.data, touched, ntouched, sizeof *touched, touched_key_cmp);
        bool rehash = false;
        if (t) {
            buf_reset(&want);
            buf_printf(&want, "sha256=%s", t->hash);
            char size[32];
            snprintf(size, sizeof size, "%zu", t->size);
            rehash = strcmp(row.fields[1], want.data) != 0 || strcmp(row.fields[2], size) != 0;
            if (rehash) {
                buf_printf(&want, ",%s", size);
            }
        }
        if (newpath || rehash) {
            record_write_field(out, newpath ? newpath : p);
            buf_addc(out, ',');
            if (rehash) {
                buf_add(out, want.data, want.len);
            } else {
                record_write_field(out, row.fields[1]);
                buf_addc(out, ',');
                record_write_field(out, row.fields[2]);
            }
            buf_adds(out, row.eol);
            changed = true;
        } else {
            buf_add(out, row.raw, row.raw_len);
            buf_adds(out, row.eol);
        }
        free(newpath);
    }
    record_line_clear(&row);
    buf_free(&key);
    buf_free(&want);
    return changed;
}
