#include "toolchain/sysconfigdata.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define PBS_PREFIX "/install"
#define PBS_PREFIX_LEN (sizeof(PBS_PREFIX) - 1)
#define MARKER_KEY "PYTHON_BUILD_STANDALONE"

/* ---- the value rules ------------------------------------------------------------------------ */

static const char *const compiler_keys[] = {
    "CC", "CXX", "CPP", "LDSHARED", "LDCXXSHARED", "BLDSHARED", "LINKCC", "MAINCC",
};

static bool is_compiler_key(const char *key)
{
    for (size_t i = 0; i < sizeof(compiler_keys) / sizeof(*compiler_keys); i++)
        if (strcmp(key, compiler_keys[i]) == 0)
            return true;
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool word_is(const char *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}


/* The host compiler a build-machine compiler word stands for ("cc" / "c++"), or NULL. */
static const char *host_compiler(const char *w, size_t n)
{
    const char *base = w;
    for (size_t i = 0; i < n; i++)
        if (w[i] == '/')
            base = w + i + 1;
    size_t bn = n - (size_t)(base - w);
    if (word_is(base, bn, "clang") || word_is(base, bn, "musl-clang"))
        return "cc";
    if (word_is(base, bn, "clang++"))
        return "c++";
    /* the cross compilers PBS uses for other architectures: /usr/bin/<triple>-gcc */
    bool cross = n > 9 && memcmp(w, "/usr/bin/", 9) == 0 && memmem(base, bn, "-linux-", 7);
    if (cross && str_ends_with(base, bn, "-gcc"))
        return "cc";
    if (cross && str_ends_with(base, bn, "-g++"))
        return "c++";
    return NULL;
}

/* Appends word w with each /install path in it replaced by prefix. */
static bool add_word_prefixed(buf_t *out, const char *w, size_t n, const char *prefix)
{
    bool changed = false;
    size_t last = 0;
    for (size_t i = 0; i + PBS_PREFIX_LEN <= n; i++) {
        if (memcmp(w + i, PBS_PREFIX, PBS_PREFIX_LEN) != 0)
            continue;
        /* a path starts the word, follows = , : or a quote, or is the argument of an -L, -I
         * or -R that does ("-I/install/include", "'CPPFLAGS=-I/install/include'") */
        bool starts = i == 0 || strchr("=,:'\"", w[i - 1]) ||
                      (i >= 2 && w[i - 2] == '-' && strchr("LIR", w[i - 1]) &&
                       (i == 2 || strchr("=,:'\"", w[i - 3])));
        size_t end = i + PBS_PREFIX_LEN;
        bool ends = end == n || strchr("/'\":,", w[end]);
        if (!starts || !ends)
            continue;
        buf_add(out, w + last, i - last);
        buf_adds(out, prefix);
        last = end;
        i = end - 1;
        changed = true;
    }
    buf_add(out, w + last, n - last);
    return changed;
}

/* The patched form of value v of key into out; true when it differs from v. */
static bool patch_value(const char *key, const char *v, size_t n, const char *prefix, buf_t *out)
{
    buf_reset(out);
    if (strcmp(key, "AR") == 0) {
        buf_adds(out, "ar");
        return !word_is(v, n, "ar");
    }
    bool compiler = is_compiler_key(key), changed = false;
    size_t i = 0;
    while (i < n) {
        size_t s = i;
        while (i < n && is_space(v[i]))
            i++;
        buf_add(out, v + s, i - s);
        s = i;
        while (i < n && !is_space(v[i]))
            i++;
        if (i == s)
            break;
        const char *cc = compiler ? host_compiler(v + s, i - s) : NULL;
        if (cc) {
            buf_adds(out, cc);
            changed = true;
        } else {
            changed |= add_word_prefixed(out, v + s, i - s, prefix);
        }
    }
    return changed;
}

/* ---- the literal ---------------------------------------------------------------------------- */

typedef struct scan {
    const char *s;
    size_t len, pos;
} scan_t;

static size_t line_of(const scan_t *sc, size_t pos)
{
    size_t line = 1;
    for (size_t i = 0; i < pos && i < sc->len; i++)
        line += sc->s[i] == '\n';
    return line;
}

static err_t *syntax(const scan_t *sc, const char *what)
{
    return err_new(EXIT_APPLY, "line %zu: %s", line_of(sc, sc->pos), what);
}

static void skip_blank(scan_t *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (is_space(c)) {
            sc->pos++;
        } else if (c == '#') {
            while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
                sc->pos++;
        } else {
            break;
        }
    }
}

/* A \x, \u or \U escape's code point from ndigits hex digits at sc->pos. */
static err_t *hex_escape(scan_t *sc, int ndigits, unsigned long *cp)
{
    *cp = 0;
    for (int k = 0; k < ndigits; k++, sc->pos++) {
        int h = sc->pos < sc->len ? hex_value(sc->s[sc->pos]) : -1;
        if (h < 0)
            return syntax(sc, "a truncated \\x, \\u or \\U escape");
        *cp = *cp * 16 + (unsigned long)h;
    }
    if (*cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return syntax(sc, "an escape that is not a Unicode scalar value");
    return NULL;
}

/* One escape after a backslash (sc->pos is past it), decoded into val. */
static err_t *read_escape(scan_t *sc, buf_t *val)
{
    if (sc->pos >= sc->len)
        return syntax(sc, "an unterminated string");
    char c = sc->s[sc->pos++];
    unsigned long cp;
    err_t *e;
    switch (c) {
    case '\n': return NULL; /* a continued line */
    case '\\': buf_addc(val, '\\'); return NULL;
    case '\'': buf_addc(val, '\''); return NULL;
    case '"': buf_addc(val, '"'); return NULL;
    case 'a': buf_addc(val, '\a'); return NULL;
    case 'b': buf_addc(val, '\b'); return NULL;
    case 'f': buf_addc(val, '\f'); return NULL;
    case 'n': buf_addc(val, '\n'); return NULL;
    case 'r': buf_addc(val, '\r'); return NULL;
    case 't': buf_addc(val, '\t'); return NULL;
    case 'v': buf_addc(val, '\v'); return NULL;
    case 'x': e = hex_escape(sc, 2, &cp); break;
    case 'u': e = hex_escape(sc, 4, &cp); break;
    case 'U': e = hex_escape(sc, 8, &cp); break;
    case 'N': return syntax(sc, "a \\N{...} escape (not written by CPython here)");
    default:
        if (c >= '0' && c <= '7') {
            cp = (unsigned long)(c - '0');
            for (int k = 0; k < 2 && sc->pos < sc->len && sc->s[sc->pos] >= '0' &&
                            sc->s[sc->pos] <= '7'; k++)
                cp = cp * 8 + (unsigned long)(sc->s[sc->pos++] - '0');
            e = NULL;
            break;
        }
        buf_addc(val, '\\'); /* Python keeps unknown escapes as written */
        buf_addc(val, c);
        return NULL;
    }
    if (!e)
        buf_add_utf8(val, cp);
    return e;
}

/* One quoted literal at sc->pos, appended decoded to val. */
static err_t *read_literal(scan_t *sc, buf_t *val)
{
    char q = sc->s[sc->pos++];
    if (sc->pos + 1 < sc->len && sc->s[sc->pos] == q && sc->s[sc->pos + 1] == q)
        return syntax(sc, "a triple-quoted string (not written by CPython here)");
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos++];
        if (c == q)
            return NULL;
        if (c == '\n') {
            sc->pos--;
            return syntax(sc, "an unterminated string");
        }
        if (c == '\\') {
            err_t *e = read_escape(sc, val);
            if (e)
                return e;
        } else {
            buf_addc(val, c);
        }
    }
    return syntax(sc, "an unterminated string");
}

static bool at_quote(const scan_t *sc)
{
    return sc->pos < sc->len && (sc->s[sc->pos] == '\'' || sc->s[sc->pos] == '"');
}

/* Adjacent literals ('a' 'b' across lines), concatenated into val (reset first). */
static err_t *read_strings(scan_t *sc, buf_t *val)
{
    buf_reset(val);
    do {
        err_t *e = read_literal(sc, val);
        if (e)
            return e;
        size_t after = sc->pos;
        skip_blank(sc);
        if (!at_quote(sc)) {
            sc->pos = after;
            return NULL;
        }
    } while (1);
}

/* A number or a name (0, -1, 1.5, True, None): kept as written. */
static err_t *skip_plain(scan_t *sc)
{
    size_t start = sc->pos;
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '.' || c == '-' || c == '+'))
            break;
        sc->pos++;
    }
    return sc->pos == start ? syntax(sc, "a value that is neither a string nor a number") : NULL;
}

/* v as a Python literal, quoted as repr() would: '...', or "..." when v holds ' but no ". */
static void add_literal(buf_t *out, const char *v, size_t n)
{
    char q = memchr(v, '\'', n) && !memchr(v, '"', n) ? '"' : '\'';
    buf_addc(out, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == (unsigned char)q) {
            buf_addc(out, '\\');
            buf_addc(out, q);
            continue;
        }
        switch (c) {
        case '\\': buf_adds(out, "\\\\"); break;
        case '\n': buf_adds(out, "\\n"); break;
        case '\r': buf_adds(out, "\\r"); break;
        case '\t': buf_adds(out, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(out, "\\x%02x", c);
            else
                buf_addc(out, (char)c);
        }
    }
    buf_addc(out, q);
}

static bool expect(scan_t *sc, const char *word)
{
    size_t n = strlen(word);
    if (sc->pos + n > sc->len || memcmp(sc->s + sc->pos, word, n) != 0)
        return false;
    sc->pos += n;
    return true;
}

err_t *sysconfigdata_patch(const char *text, size_t len, const char *prefix, buf_t *out,
                           size_t *changed)
{
    buf_reset(out);
    *changed = 0;
    scan_t sc = {text, len, 0};
    buf_t key = BUF_INIT, val = BUF_INIT, patched = BUF_INIT;
    err_t *e = NULL;
    size_t copied = 0;     /* text[0..copied) is in out */
    bool has_marker = false;
    skip_blank(&sc);
    if (!expect(&sc, "build_time_vars"))
        e = syntax(&sc, "expected `build_time_vars = {`");
    skip_blank(&sc);
    if (!e && !expect(&sc, "="))
        e = syntax(&sc, "expected `=` after build_time_vars");
    skip_blank(&sc);
    if (!e && !expect(&sc, "{"))
        e = syntax(&sc, "expected `{`");
    size_t entry_end = sc.pos; /* after `{`, the last value, or its comma: where a key can go */
    while (!e) {
        skip_blank(&sc);
        if (sc.pos < sc.len && sc.s[sc.pos] == '}')
            break;
        if (!at_quote(&sc)) {
            e = syntax(&sc, "expected a quoted key");
            break;
        }
        if ((e = read_strings(&sc, &key)))
            break;
        skip_blank(&sc);
        if (!expect(&sc, ":")) {
            e = syntax(&sc, "expected `:` after a key");
            break;
        }
        skip_blank(&sc);
        if (strlen(buf_cstr(&key)) != key.len) {
            e = syntax(&sc, "a key with a NUL character");
            break;
        }
        has_marker = has_marker || strcmp(buf_cstr(&key), MARKER_KEY) == 0;
        size_t vstart = sc.pos;
        if (at_quote(&sc)) {
            if ((e = read_strings(&sc, &val)))
                break;
            if (patch_value(buf_cstr(&key), val.data ? val.data : "", val.len, prefix, &patched)) {
                buf_add(out, text + copied, vstart - copied);
                add_literal(out, patched.data ? patched.data : "", patched.len);
                copied = sc.pos;
                (*changed)++;
            }
        } else if ((e = skip_plain(&sc))) {
            break;
        }
        entry_end = sc.pos;
        skip_blank(&sc);
        if (expect(&sc, ",")) {
            entry_end = sc.pos;
            continue;
        }
        if (sc.pos >= sc.len || sc.s[sc.pos] != '}')
            e = syntax(&sc, "expected `,` or `}` after a value");
    }
    size_t close = sc.pos;
    if (!e) {
        sc.pos++;
        skip_blank(&sc);
        if (sc.pos != sc.len)
            e = syntax(&sc, "unexpected text after the dictionary");
    }
    if (!e) {
        /* the marker goes right after the last entry (or its comma): before any comment or
         * the layout of `}` */
        size_t k = has_marker ? close : entry_end;
        buf_add(out, text + copied, k - copied);
        if (!has_marker) {
            char last = text[k - 1];
            buf_printf(out, "%s\n '" MARKER_KEY "': 1", last == '{' || last == ',' ? "" : ",");
        }
        buf_add(out, text + k, len - k);
    } else {
        buf_reset(out);
        *changed = 0;
    }
    buf_free(&key);
    buf_free(&val);
    buf_free(&patched);
    return e;
}

/* ---- pkg-config ----------------------------------------------------------------------------- */

bool sysconfigdata_patch_pc(const char *text, size_t len, buf_t *out)
{
    buf_reset(out);
    bool changed = false;
    size_t i = 0;
    while (i < len) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i;
        size_t name = 0;
        while (name < n && (line[name] == '_' || (line[name] >= 'a' && line[name] <= 'z') ||
                            (line[name] >= 'A' && line[name] <= 'Z') ||
                            (name > 0 && line[name] >= '0' && line[name] <= '9')))
            name++;
        const char *v = line + name + 1;
        size_t vn = n - name - 1;
        if (name > 0 && name < n && line[name] == '=' && vn >= PBS_PREFIX_LEN &&
            memcmp(v, PBS_PREFIX, PBS_PREFIX_LEN) == 0 &&
            (vn == PBS_PREFIX_LEN || v[PBS_PREFIX_LEN] == '/' || v[PBS_PREFIX_LEN] == '\r')) {
            buf_add(out, line, name + 1);
            buf_adds(out, "${pcfiledir}/../..");
            buf_add(out, v + PBS_PREFIX_LEN, vn - PBS_PREFIX_LEN);
            changed = true;
        } else {
            buf_add(out, line, n);
        }
        if (nl)
            buf_addc(out, '\n');
        i += n + (nl ? 1 : 0);
    }
    return changed;
}

/* ---- on disk -------------------------------------------------------------------------------- */

/* Rewrites path patched (atomically, keeping its mode) when the patch changes it: as a
 * _sysconfigdata module for prefix, or with prefix NULL as a pkg-config file. */
static err_t *rewrite_file(const char *path, const char *prefix, size_t *changed)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_sys(EXIT_APPLY, errno, "%s", path);
    if (!S_ISREG(st.st_mode))
        return NULL;
    buf_t in = BUF_INIT, out = BUF_INIT;
    err_t *e = fs_read(path, &in);
    bool write = false;
    if (!e && prefix) {
        size_t n = 0;
        e = sysconfigdata_patch(in.data ? in.data : "", in.len, prefix, &out, &n);
        write = !e;
        if (changed)
            *changed += n;
    } else if (!e) {
        write = sysconfigdata_patch_pc(in.data ? in.data : "", in.len, &out);
    }
    if (write)
        e = fs_write_atomic(path, out.data ? out.data : "", out.len, st.st_mode & 07777);
    buf_free(&in);
    buf_free(&out);
    return e ? err_ctx(e, "%s", path) : NULL;
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), k = strlen(x);
    return n >= k && strcmp(s + n - k, x) == 0;
}

err_t *sysconfigdata_patch_tree(const char *root, const char *libver, const char *prefix,
                                size_t *changed)
{
    if (changed)
        *changed = 0;
    char *lib = xasprintf("%s/lib/python%s", root, libver);
    char **names = NULL;
    err_t *e = fs_list_dir(lib, &names);
    size_t found = 0;
    for (size_t i = 0; !e && names[i]; i++) {
        if (!has_prefix(names[i], "_sysconfigdata_") || !has_suffix(names[i], ".py"))
            continue;
        char *p = path_join(lib, names[i]);
        e = rewrite_file(p, prefix, changed);
        free(p);
        found++;
    }
    strv_free(names);
    names = NULL;
    if (!e && !found)
        e = err_new(EXIT_APPLY, "%s holds no _sysconfigdata_*.py", lib);
    /* the compiled module would be stale (and is checked only by mtime and size) */
    char *cache = path_join(lib, "__pycache__");
    err_t *ce = e || !fs_is_dir(cache) ? NULL : fs_list_dir(cache, &names);
    if (ce) {
        e = ce;
    } else if (names) {
        for (size_t i = 0; names[i]; i++) {
            if (!has_prefix(names[i], "_sysconfigdata_"))
                continue;
            char *p = path_join(cache, names[i]);
            if (unlink(p) != 0 && errno != ENOENT)
                e = e ? e : err_sys(EXIT_APPLY, errno, "removing %s", p);
            free(p);
        }
        strv_free(names);
        names = NULL;
    }
    free(cache);
    char *pc = xasprintf("%s/lib/pkgconfig", root);
    err_t *le = NULL;
    if (!e && fs_is_dir(pc) && !(le = fs_list_dir(pc, &names))) {
        for (size_t i = 0; !e && names[i]; i++) {
            if (!has_suffix(names[i], ".pc"))
                continue;
            char *p = path_join(pc, names[i]);
            e = rewrite_file(p, NULL, NULL);
            free(p);
        }
        strv_free(names);
    }
    if (!e)
        e = le;
    else
        err_free(le);
    free(pc);
    free(lib);
    return e;
}
