#include "venv/relocate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "pkg/record.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "wheel/scripts.h"

/* ---- RECORD rows ------------------------------------------------------------------------- */

bool record_next_line(const char *t, size_t n, size_t *pos, record_line_t *row)
{
    size_t i = *pos;
    if (i >= n)
        return false;
    row->raw = t + i;
    row->nfields = 0;
    buf_reset(&row->store);
    size_t off[3] = {0, 0, 0};
    for (;;) {
        size_t start = row->store.len;
        if (i < n && t[i] == '"') {
            i++;
            while (i < n) {
                if (t[i] == '"') {
                    if (i + 1 < n && t[i + 1] == '"') {
                        buf_addc(&row->store, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf_addc(&row->store, t[i++]);
            }
        }
        /* Unquoted text (or what follows a closing quote, which csv keeps too). */
        size_t s = i;
        while (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r')
            i++;
        buf_add(&row->store, t + s, i - s);
        buf_addc(&row->store, '\0');
        if (row->nfields < 3)
            off[row->nfields] = start;
        row->nfields++;
        if (i < n && t[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    row->raw_len = (size_t)(t + i - row->raw);
    if (i < n && t[i] == '\r' && i + 1 < n && t[i + 1] == '\n') {
        row->eol = "\r\n";
        i += 2;
    } else if (i < n && t[i] == '\r') {
        row->eol = "\r";
        i++;
    } else if (i < n && t[i] == '\n') {
        row->eol = "\n";
        i++;
    } else {
        row->eol = "";
    }
    if (row->raw_len == 0)
        row->nfields = 0;
    /* Pointers last: the store may have moved while it grew. Missing fields point at "". */
    size_t empty = row->store.len;
    buf_addc(&row->store, '\0');
    for (size_t k = 0; k < 3; k++)
        row->fields[k] = row->store.data + (k < row->nfields ? off[k] : empty);
    *pos = i;
    return true;
}

void record_line_clear(record_line_t *row)
{
    buf_free(&row->store);
    memset(row, 0, sizeof(*row));
}


/* ---- shebangs ---------------------------------------------------------------------------- */

/* ---- relocation context ------------------------------------------------------------------ */

typedef struct touched {
    char *key;          /* path relative to the environment, normalised ("bin/pip") */
    char hash[44];      /* urlsafe base64 sha256 of the content now on disk */
    size_t size;
} touched_t;

typedef struct site {
    char *rel;          /* "lib/python3.11/site-packages" */
    char *abs;
} site_t;

/* A rewritten file waiting to be written. The writes happen after everything was read and
 * computed, several at a time: on ext4 each rename over an existing file starts the new
 * file's writeback and waits for its blocks, so one at a time they dominate the run. */
typedef struct pending {
    char *path;
    buf_t data;
    mode_t mode;
    size_t *counter;    /* the stats field to bump once written */
    err_t *err;
} pending_t;

typedef struct reloc {
    const char *env_dir;
    pending_t *writes;
    size_t nwrites, cap_writes;
    char *old;
    size_t old_len;
    char *new_;
    size_t new_len;
    touched_t *touched;
    size_t ntouched, cap_touched;
    relocate_stats_t *st;
} reloc_t;

enum { IN_NONE, IN_OLD, IN_NEW };

static bool within(const char *pre, size_t pn, const char *p, size_t n)
{
    return n >= pn && memcmp(p, pre, pn) == 0 && (n == pn || p[pn] == '/');
}

/* Which prefix the path p (n bytes) lies in; the longer one when both. */
static int classify(const reloc_t *rc, const char *p, size_t n)
{
    bool o = within(rc->old, rc->old_len, p, n);
    bool w = within(rc->new_, rc->new_len, p, n);
    if (o && w)
        return rc->old_len > rc->new_len ? IN_OLD : IN_NEW;
    return o ? IN_OLD : w ? IN_NEW : IN_NONE;
}

static void add_touched(reloc_t *rc, const char *key, const void *data, size_t len)
{
    XGROW(rc->touched, rc->cap_touched, rc->ntouched + 1);
    touched_t *t = &rc->touched[rc->ntouched++];
    t->key = xstrdup(key);
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, data, len);
    sha256_final(&h, d);
    sha256_b64url(d, t->hash);
    t->size = len;
}

/* Queues path for writing with data's content (taking the buffer: *data is left empty). */
static void queue_write(reloc_t *rc, const char *path, buf_t *data, mode_t mode, size_t *counter)
{
    XGROW(rc->writes, rc->cap_writes, rc->nwrites + 1);
    pending_t *w = &rc->writes[rc->nwrites++];
    *w = (pending_t){.path = xstrdup(path), .data = *data, .mode = mode, .counter = counter};
    *data = (buf_t)BUF_INIT;
}

typedef struct writer {
    pending_t *w;
    size_t n;
    atomic_size_t next;
} writer_t;

static void *writer_run(void *arg)
{
    writer_t *wr = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&wr->next, 1);
        if (i >= wr->n)
            return NULL;
        pending_t *w = &wr->w[i];
        w->err = fs_write_atomic(w->path, w->data.data ? w->data.data : "", w->data.len, w->mode);
    }
}

#define WRITER_THREADS 8

/* Writes every queued file (each atomically), several threads at once; returns the errors. */
static err_t *flush_writes(reloc_t *rc)
{
    writer_t wr = {.w = rc->writes, .n = rc->nwrites};
    atomic_init(&wr.next, 0);
    pthread_t th[WRITER_THREADS];
    size_t nth = rc->nwrites < 4 ? 0 : rc->nwrites / 2 < WRITER_THREADS ? rc->nwrites / 2 : WRITER_THREADS;
    size_t started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, writer_run, &wr) != 0)
            break;
    writer_run(&wr);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    err_t *errs = NULL;
    for (size_t i = 0; i < rc->nwrites; i++) {
        pending_t *w = &rc->writes[i];
        if (w->err)
            err_chain(&errs, w->err);
        else
            (*w->counter)++;
        w->err = NULL;
    }
    return errs;
}

static int touched_cmp(const void *a, const void *b)
{
    return strcmp(((const touched_t *)a)->key, ((const touched_t *)b)->key);
}

static int touched_key_cmp(const void *key, const void *b)
{
    return strcmp(key, ((const touched_t *)b)->key);
}

static const touched_t *find_touched(const reloc_t *rc, const char *key)
{
    if (!rc->ntouched)
        return NULL;
    return bsearch(key, rc->touched, rc->ntouched, sizeof(touched_t), touched_key_cmp);
}

/* ---- bin/ -------------------------------------------------------------------------------- */

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
static bool parse_shebang(const reloc_t *rc, const char *d, size_t n, shebang_t *sb)
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
        size_t po = starts_with_prefix(d + s, c1e - s, rc->old, rc->old_len) ? rc->old_len : 0;
        size_t pw = starts_with_prefix(d + s, c1e - s, rc->new_, rc->new_len) ? rc->new_len : 0;
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

/* If the script content names old_path in its shebang, appends the rewritten file to out and
 * returns IN_OLD; returns IN_NEW when it already names new_path, IN_NONE otherwise. */
static int rewrite_script(const reloc_t *rc, const char *d, size_t n, buf_t *out)
{
    shebang_t sb = {0};
    int cls = IN_NONE;
    if (parse_shebang(rc, d, n, &sb))
        cls = classify(rc, sb.interp.data, sb.interp.len);
    if (cls == IN_OLD) {
        char *interp = xasprintf("%s%s", rc->new_, sb.interp.data + rc->old_len);
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

static err_t *read_fd(int fd, buf_t *out, const char *path)
{
    for (;;) {
        buf_grow(out, 16384);
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return err_sys(EXIT_APPLY, errno, "reading %s", path);
        }
        if (r == 0)
            return NULL;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
}

static err_t *do_script(reloc_t *rc, int dfd, const char *dir, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return (errno == ELOOP || errno == ENOENT) ? NULL
                                                   : err_sys(EXIT_APPLY, errno, "opening %s/%s", dir, name);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    rc->st->files_read++;
    char head[2];
    ssize_t r = read(fd, head, 2);
    if (r != 2 || head[0] != '#' || head[1] != '!') {
        close(fd);
        return NULL;
    }
    char *path = path_join(dir, name);
    buf_t data = BUF_INIT;
    buf_add(&data, head, 2);
    err_t *e = read_fd(fd, &data, path);
    close(fd);
    buf_t out = BUF_INIT;
    char *key = xasprintf("bin/%s", name);
    if (!e) {
        int cls = rewrite_script(rc, data.data, data.len, &out);
        if (cls == IN_OLD) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->scripts);
        } else if (cls == IN_NEW) {
            add_touched(rc, key, data.data, data.len);
        }
    }
    free(key);
    buf_free(&out);
    buf_free(&data);
    free(path);
    return e;
}

static err_t *do_bin(reloc_t *rc)
{
    char *bin = path_join(rc->env_dir, "bin");
    char **names = NULL;
    err_t *e = NULL;
    int dfd = open(bin, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno != ENOENT)
            e = err_sys(EXIT_APPLY, errno, "opening %s", bin);
        free(bin);
        return e;
    }
    /* List first: the atomic writes add and rename entries while we work. */
    e = fs_list_dir(bin, &names);
    for (size_t i = 0; !e && names[i]; i++)
        e = do_script(rc, dfd, bin, names[i]);
    strv_free(names);
    close(dfd);
    free(bin);
    return e;
}

/* ---- .pth -------------------------------------------------------------------------------- */

static bool path_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || strchr("._-~+@%", c) != NULL;
}

/* Appends line with each whole-path occurrence of old_path replaced by new_path. */
static bool replace_paths(const reloc_t *rc, const char *s, size_t n, buf_t *out)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        const char *hit = memmem(s + i, n - i, rc->old, rc->old_len);
        if (!hit)
            break;
        size_t h = (size_t)(hit - s);
        bool left = h == 0 || !(path_char((unsigned char)s[h - 1]) || s[h - 1] == '/');
        size_t after = h + rc->old_len;
        bool right = after == n || s[after] == '/' || !path_char((unsigned char)s[after]);
        /* Already new_path (when new_path extends old_path): leave it. */
        bool is_new = rc->new_len > rc->old_len && n - h >= rc->new_len &&
                      memcmp(s + h, rc->new_, rc->new_len) == 0 &&
                      (h + rc->new_len == n || s[h + rc->new_len] == '/' ||
                       !path_char((unsigned char)s[h + rc->new_len]));
        if (left && right && !is_new) {
            buf_add(out, s + i, h - i);
            buf_add(out, rc->new_, rc->new_len);
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

/* Rewrites a .pth file's text into out; true when something changed. */
static bool rewrite_pth(const reloc_t *rc, const char *d, size_t n, buf_t *out)
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
            changed |= replace_paths(rc, line, ln, out);
        } else if (ln && line[0] == '/') {
            size_t t = ln;
            while (t > 0 && isspace((unsigned char)line[t - 1]))
                t--;
            if (classify(rc, line, t) == IN_OLD) {
                buf_add(out, rc->new_, rc->new_len);
                buf_add(out, line + rc->old_len, ln - rc->old_len);
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

/* Reads a small regular file below the environment (not following a link). false: skip it. */
static err_t *read_small(reloc_t *rc, const char *path, buf_t *out, struct stat *st, bool *ok)
{
    *ok = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return (errno == ENOENT || errno == ELOOP) ? NULL : err_sys(EXIT_APPLY, errno, "opening %s", path);
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return NULL;
    }
    rc->st->files_read++;
    buf_grow(out, (size_t)st->st_size);
    err_t *e = read_fd(fd, out, path);
    close(fd);
    *ok = !e;
    return e;
}

static err_t *do_pth(reloc_t *rc, const site_t *site, const char *name)
{
    char *path = path_join(site->abs, name);
    buf_t d = BUF_INIT, out = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (ok) {
        char *key = xasprintf("%s/%s", site->rel, name);
        if (rewrite_pth(rc, d.data ? d.data : "", d.len, &out)) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->pth_files);
        } else if (d.len && mentions(d.data, d.len, rc->new_, rc->new_len)) {
            add_touched(rc, key, d.data, d.len);
        }
        free(key);
    }
    buf_free(&d);
    buf_free(&out);
    free(path);
    return e;
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

/* Rewrites the "url" values of direct_url.json that are file: URLs inside old_path. *cls gets
 * IN_OLD when one was rewritten, IN_NEW when one already names new_path. */
static bool rewrite_direct_url(const reloc_t *rc, const char *d, size_t n, buf_t *out, int *cls)
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
            int k = classify(rc, path, strlen(path));
            if (k == IN_OLD) {
                char *np = xasprintf("%s%s", rc->new_, path + rc->old_len);
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
 * edit itself works on the text (rewrite_direct_url) so every other byte stays as pip wrote it,
 * which a parsed tree cannot give back. */
static bool direct_url_is_local(const char *d, size_t n)
{
    jr_doc_t *doc = NULL;
    err_t *e = jr_parse(d, n, NULL, &doc);
    const char *url = e ? NULL : jr_str(jr_get(jr_doc_root(doc), "url"));
    bool local = url && strncasecmp(url, "file:", 5) == 0;
    err_free(e);
    jr_doc_free(doc);
    return local;
}

static err_t *do_direct_url(reloc_t *rc, const site_t *site, const char *info)
{
    char *path = path_joinv(site->abs, info, "direct_url.json", NULL);
    buf_t d = BUF_INIT, out = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (ok && d.len && direct_url_is_local(d.data, d.len)) {
        char *key = xasprintf("%s/%s/direct_url.json", site->rel, info);
        int cls;
        if (rewrite_direct_url(rc, d.data, d.len, &out, &cls)) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->direct_urls);
        } else if (cls == IN_NEW) {
            add_touched(rc, key, d.data, d.len);
        }
        free(key);
    }
    buf_free(&d);
    buf_free(&out);
    free(path);
    return e;
}

/* ---- RECORD ------------------------------------------------------------------------------ */

/* The key (environment-relative path) a RECORD row names, in key; false when outside. */
static bool row_key(const reloc_t *rc, const site_t *site, const char *p, buf_t *key)
{
    buf_reset(key);
    if (p[0] == '/') {
        size_t n = strlen(p);
        int cls = classify(rc, p, n);
        size_t skip = cls == IN_OLD ? rc->old_len : cls == IN_NEW ? rc->new_len : 0;
        if (!skip)
            return false;
        p += skip;
        while (*p == '/')
            p++;
        buf_adds(key, p);
        return true;
    }
    if (p[0] == '.' || strstr(p, "/.") || strstr(p, "//")) {
        char *j = path_joinv(site->rel, p, NULL);
        char *norm = path_normalize(j);
        free(j);
        bool inside = strcmp(norm, "..") != 0 && strncmp(norm, "../", 3) != 0;
        if (inside)
            buf_adds(key, norm);
        free(norm);
        return inside;
    }
    buf_adds(key, site->rel);
    buf_addc(key, '/');
    buf_adds(key, p);
    return true;
}

/* A cheap filter before parsing: can this RECORD have a row to change? Rows to change name
 * old_path (absolute), or a touched file: "bin/<name>" or a file in site-packages by name. */
static bool record_may_change(const reloc_t *rc, const char *d, size_t n)
{
    if (mentions(d, n, rc->old, rc->old_len) || (rc->ntouched && mentions(d, n, rc->new_, rc->new_len)))
        return true;
    bool bin_checked = false;
    for (size_t i = 0; i < rc->ntouched; i++) {
        const char *k = rc->touched[i].key;
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

static err_t *do_record(reloc_t *rc, const site_t *site, const char *info)
{
    char *path = path_joinv(site->abs, info, "RECORD", NULL);
    buf_t d = BUF_INIT, out = BUF_INIT, key = BUF_INIT, want = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (!ok || !d.len || !record_may_change(rc, d.data, d.len))
        goto done;
    bool changed = false;
    size_t pos = 0;
    record_line_t row = {0};
    while (record_next_line(d.data, d.len, &pos, &row)) {
        const char *p = row.fields[0];
        char *newpath = NULL;
        if (row.nfields > 3) {
            /* Malformed (an unquoted ',' in the path): not ours to guess; kept as it is. */
            buf_add(&out, row.raw, row.raw_len);
            buf_adds(&out, row.eol);
            continue;
        }
        const touched_t *t = NULL;
        if (row.nfields && p[0] == '/' && classify(rc, p, strlen(p)) == IN_OLD)
            newpath = xasprintf("%s%s", rc->new_, p + rc->old_len);
        if (row.nfields && rc->ntouched && row_key(rc, site, p, &key))
            t = find_touched(rc, key.data);
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
            record_write_field(&out, newpath ? newpath : p);
            buf_addc(&out, ',');
            if (rehash) {
                buf_add(&out, want.data, want.len);
            } else {
                record_write_field(&out, row.fields[1]);
                buf_addc(&out, ',');
                record_write_field(&out, row.fields[2]);
            }
            buf_adds(&out, row.eol);
            changed = true;
        } else {
            buf_add(&out, row.raw, row.raw_len);
            buf_adds(&out, row.eol);
        }
        free(newpath);
    }
    record_line_clear(&row);
    if (changed)
        queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->records);
done:
    buf_free(&d);
    buf_free(&out);
    buf_free(&key);
    buf_free(&want);
    free(path);
    return e;
}

/* ---- site-packages ------------------------------------------------------------------------ */

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && memcmp(s + n - m, suf, m) == 0;
}

static void add_sites_in(const char *env_dir, const char *libname, char ***v, size_t *n, size_t *cap)
{
    char *lib = path_join(env_dir, libname);
    struct stat st;
    char **names = NULL;
    if (lstat(lib, &st) == 0 && S_ISDIR(st.st_mode))
        err_free(fs_list_dir(lib, &names));
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], "python", 6) != 0)
            continue;
        char *rel = path_joinv(libname, names[i], "site-packages", NULL);
        char *abs = path_join(env_dir, rel);
        if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
            XGROW(*v, *cap, *n + 2);
            (*v)[(*n)++] = rel;
            (*v)[*n] = NULL;
        } else {
            free(rel);
        }
        free(abs);
    }
    strv_free(names);
    free(lib);
}

char **venv_site_dirs(const char *env_dir)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    XGROW(v, cap, 1);
    v[0] = NULL;
    add_sites_in(env_dir, "lib", &v, &n, &cap);
    add_sites_in(env_dir, "lib64", &v, &n, &cap);
    return v;
}

static err_t *do_sites(reloc_t *rc)
{
    char **rels = venv_site_dirs(rc->env_dir);
    size_t nsites = strv_len(rels);
    site_t *sites = xcalloc(nsites + 1, sizeof(*sites));
    for (size_t s = 0; s < nsites; s++)
        sites[s] = (site_t){rels[s], path_join(rc->env_dir, rels[s])};
    free(rels);   /* the strings now belong to sites */

    char ***lists = xcalloc(nsites + 1, sizeof(*lists));
    err_t *e = NULL;
    for (size_t s = 0; !e && s < nsites; s++) {
        e = fs_list_dir(sites[s].abs, &lists[s]);
        for (size_t i = 0; !e && lists[s][i]; i++) {
            const char *name = lists[s][i];
            if (has_suffix(name, ".pth"))
                e = do_pth(rc, &sites[s], name);
            else if (has_suffix(name, ".dist-info"))
                e = do_direct_url(rc, &sites[s], name);
        }
    }
    if (!e && rc->ntouched > 1)
        qsort(rc->touched, rc->ntouched, sizeof(touched_t), touched_cmp);
    for (size_t s = 0; !e && s < nsites; s++)
        for (size_t i = 0; !e && lists[s][i]; i++)
            if (has_suffix(lists[s][i], ".dist-info"))
                e = do_record(rc, &sites[s], lists[s][i]);

    for (size_t s = 0; s < nsites; s++) {
        strv_free(lists[s]);
        free(sites[s].rel);
        free(sites[s].abs);
    }
    free(lists);
    free(sites);
    return e;
}

/* ---- entry point --------------------------------------------------------------------------- */

err_t *venv_relocate(const char *env_dir, const char *old_path, const char *new_path,
                     relocate_stats_t *stats)
{
    relocate_stats_t local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    if (old_path[0] != '/' || new_path[0] != '/')
        return err_new(EXIT_APPLY, "relocating %s: the paths must be absolute (from %s to %s)",
                       env_dir, old_path, new_path);
    reloc_t rc = {.env_dir = env_dir, .st = stats};
    rc.old = path_normalize(old_path);
    rc.new_ = path_normalize(new_path);
    rc.old_len = strlen(rc.old);
    rc.new_len = strlen(rc.new_);
    err_t *e = NULL;
    if (rc.old_len <= 1 || rc.new_len <= 1)
        e = err_new(EXIT_APPLY, "relocating %s: refusing to relocate from or to /", env_dir);
    else if (strcmp(rc.old, rc.new_) != 0) {
        e = do_bin(&rc);
        if (!e)
            e = do_sites(&rc);
        if (!e)
            e = flush_writes(&rc);
        if (e)
            e = err_ctx(e, "relocating %s from %s to %s", env_dir, rc.old, rc.new_);
    }
    for (size_t i = 0; i < rc.nwrites; i++) {
        free(rc.writes[i].path);
        buf_free(&rc.writes[i].data);
    }
    free(rc.writes);
    for (size_t i = 0; i < rc.ntouched; i++)
        free(rc.touched[i].key);
    free(rc.touched);
    free(rc.old);
    free(rc.new_);
    return e;
}
