/*
 * tar: streaming, hardened extraction of (gzip-compressed) tar archives (see tar.h).
 *
 * The archive is read block by block from a source that inflates on the fly; each member is
 * first checked against a table of everything extracted so far (path -> type, link target),
 * which is exactly the tree on disk because the destination starts empty, and only then
 * created, relative to directory descriptors opened without following links.
 */
#include "util/tar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

#define BLOCK 512
#define CHUNK (128 * 1024)
#define MAX_LONGNAME (64 * 1024)       /* 'L' / 'K' data */
#define MAX_PAX (1024 * 1024)          /* one 'x' or 'g' header's data */
#define MAX_LINK_HOPS 40               /* as the kernel's MAXSYMLINKS */

/* ---- the source: raw bytes from a file or memory, inflated when gzip ------------------------ */

typedef struct src {
    int fd;                          /* -1: memory */
    const unsigned char *mem;
    size_t memlen, mempos;
    unsigned char *inbuf;            /* fd input buffer */
    bool in_eof;                     /* no more raw input */
    bool gz;
    bool gz_init;
    bool gz_done;                    /* the current gzip member ended */
    z_stream z;
    const unsigned char *rp;         /* plain input: pending raw bytes */
    size_t rn;
    uint64_t offset;                 /* uncompressed bytes consumed */
} src_t;

/* Next raw input chunk into (*p, *n); false with errno on a read error; *n == 0 at the end. */
static bool raw_fill(src_t *s, const unsigned char **p, size_t *n)
{
    *n = 0;
    if (s->fd < 0) {
        size_t left = s->memlen - s->mempos;
        if (left > (size_t)UINT_MAX / 2)
            left = (size_t)UINT_MAX / 2;
        *p = s->mem + s->mempos;
        *n = left;
        s->mempos += left;
        return true;
    }
    for (;;) {
        ssize_t r = read(s->fd, s->inbuf, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        *p = s->inbuf;
        *n = (size_t)r;
        return true;
    }
}

typedef enum { RD_OK, RD_EOF, RD_ERR } rd_t;

/* Reads exactly n uncompressed bytes. RD_EOF: the input ended cleanly before the first byte;
 * RD_ERR: *why says what (truncation, corruption, I/O). */
static rd_t src_read(src_t *s, void *dst, size_t n, const char **why)
{
    unsigned char *out = dst;
    size_t got = 0;
    while (got < n) {
        if (!s->gz) {
            if (s->rn == 0 && !s->in_eof) {
                if (!raw_fill(s, &s->rp, &s->rn)) {
                    *why = strerror(errno);
                    return RD_ERR;
                }
                if (s->rn == 0)
                    s->in_eof = true;
            }
            if (s->rn == 0)
                break;
            size_t k = n - got < s->rn ? n - got : s->rn;
            memcpy(out + got, s->rp, k);
            s->rp += k;
            s->rn -= k;
            got += k;
            continue;
        }
        if (s->z.avail_in == 0 && !s->in_eof) {
            const unsigned char *p;
            size_t k;
            if (!raw_fill(s, &p, &k)) {
                *why = strerror(errno);
                return RD_ERR;
            }
            if (k == 0)
                s->in_eof = true;
            s->z.next_in = (unsigned char *)p;
            s->z.avail_in = (uInt)k;
        }
        if (s->gz_done) {
            if (s->z.avail_in > 0) {     /* another gzip member follows */
                inflateReset(&s->z);
                s->gz_done = false;
            } else if (s->in_eof) {
                break;
            } else {
                continue;
            }
        }
        size_t want = n - got;
        if (want > UINT_MAX / 2)
            want = UINT_MAX / 2;
        s->z.next_out = out + got;
        s->z.avail_out = (uInt)want;
        int r = inflate(&s->z, Z_NO_FLUSH);
        got += want - s->z.avail_out;
        if (r == Z_STREAM_END) {
            s->gz_done = true;
        } else if (r == Z_BUF_ERROR || (r == Z_OK && s->z.avail_in == 0)) {
            if (s->in_eof && s->z.avail_in == 0 && got < n) {
                *why = "truncated archive (the compressed stream ends early)";
                return RD_ERR;
            }
        } else if (r != Z_OK) {
            *why = "corrupt compressed data";
            return RD_ERR;
        }
    }
    s->offset += got;
    if (got == n)
        return RD_OK;
    if (got == 0 && (!s->gz || s->gz_done || !s->gz_init))
        return RD_EOF;
    *why = "truncated archive";
    return RD_ERR;
}

static err_t *src_open(src_t *s, const char *name)
{
    /* Peek at the first bytes to tell gzip from plain tar. */
    const unsigned char *p = NULL;
    size_t n = 0;
    if (!raw_fill(s, &p, &n))
        return err_sys(EXIT_APPLY, errno, "%s", name);
    if (n == 0)
        s->in_eof = true;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return err_new(EXIT_APPLY, "%s: zstd-compressed archives are not supported (use the "
                       ".tar.gz assets)", name);
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        s->gz = true;
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return err_new(EXIT_APPLY, "%s: cannot initialise zlib", name);
        s->gz_init = true;
        s->z.next_in = (unsigned char *)p;
        s->z.avail_in = (uInt)n;
    } else {
        s->rp = p;
        s->rn = n;
    }
    return NULL;
}

static void src_close(src_t *s)
{
    if (s->gz_init)
        inflateEnd(&s->z);
    free(s->inbuf);
}

/* ---- what has been extracted: path -> type ------------------------------------------------- */

enum { T_DIR = 1, T_FILE, T_LINK };

typedef struct entry {
    char *path;              /* normalised, relative to the destination */
    int type;
    char *target;            /* T_LINK */
} entry_t;

typedef struct table {
    entry_t *slots;
    size_t cap, n;
} table_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static entry_t *table_find(const table_t *t, const char *path)
{
    if (!t->cap)
        return NULL;
    for (size_t i = hash_str(path) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].path)
            return NULL;
        if (strcmp(t->slots[i].path, path) == 0)
            return &t->slots[i];
    }
}

static void table_put_slot(entry_t *slots, size_t cap, entry_t e)
{
    size_t i = hash_str(e.path) & (cap - 1);
    while (slots[i].path)
        i = (i + 1) & (cap - 1);
    slots[i] = e;
}

/* Adds path (not present); takes ownership of target. */
static void table_add(table_t *t, const char *path, int type, char *target)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        entry_t *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].path)
                table_put_slot(slots, cap, t->slots[i]);
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    table_put_slot(t->slots, t->cap, (entry_t){xstrdup(path), type, target});
    t->n++;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].path);
        free(t->slots[i].target);
    }
    free(t->slots);
}

/* ---- paths ---------------------------------------------------------------------------------- */

/* Normalises an archive path: relative, no "..", "." and empty components dropped. With strip,
 * the first component must be strip and is removed (*top set when nothing remains). *out is
 * malloc'd ("" only with *top). Returns NULL or a static reason. */
static const char *norm_path(const char *raw, const char *strip, char **out, bool *top)
{
    *out = NULL;
    *top = false;
    if (!raw[0])
        return "empty member name";
    if (raw[0] == '/')
        return "absolute path";
    if (strlen(raw) > TAR_MAX_PATH)
        return "path too long";
    buf_t b = BUF_INIT;
    bool first = true, stripped = !strip;
    const char *p = raw;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            buf_free(&b);
            return "'..' in path";
        } else if (len > 255) {
            buf_free(&b);
            return "path component too long";
        } else if (!stripped) {
            if (strlen(strip) != len || strncmp(p, strip, len) != 0) {
                buf_free(&b);
                return "not below the archive's top-level directory";
            }
            stripped = true;
        } else {
            if (!first)
                buf_addc(&b, '/');
            buf_add(&b, p, len);
            first = false;
        }
        p = e ? e + 1 : p + len;
    }
    if (!stripped) {
        buf_free(&b);
        return "empty member name";
    }
    if (first) {
        if (!strip) {
            buf_free(&b);
            return "empty member name";
        }
        *top = true;
    }
    *out = buf_detach(&b);
    return NULL;
}

/* Whether a link at link_path (relative to the root) with target stays inside the root, walking
 * the archive's own links as the kernel would. Returns NULL when inside, else a reason. */
static const char *link_check(const table_t *t, const char *link_path, const char *target)
{
    if (!target[0])
        return "symbolic link with an empty target";
    if (target[0] == '/')
        return "symbolic link to an absolute path";
    /* cur: the directory reached so far ("" = root); rest: what remains to walk. */
    buf_t cur = BUF_INIT, rest = BUF_INIT, tmp = BUF_INIT;
    const char *slash = strrchr(link_path, '/');
    if (slash)
        buf_add(&cur, link_path, (size_t)(slash - link_path));
    buf_adds(&rest, target);
    const char *why = NULL;
    int hops = 0;
    size_t pos = 0;
    while (pos < rest.len && !why) {
        const char *p = rest.data + pos;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        pos += len + (e ? 1 : 0);
        if (len == 0 || (len == 1 && p[0] == '.'))
            continue;
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (cur.len == 0) {
                why = "symbolic link pointing outside the destination";
                break;
            }
            char *s = strrchr(cur.data, '/');
            buf_setlen(&cur, s ? (size_t)(s - cur.data) : 0);
            continue;
        }
        size_t keep = cur.len;
        if (cur.len)
            buf_addc(&cur, '/');
        buf_add(&cur, p, len);
        const entry_t *en = table_find(t, buf_cstr(&cur));
        if (en && en->type == T_LINK) {
            if (++hops > MAX_LINK_HOPS) {
                why = "too many levels of symbolic links";
                break;
            }
            if (en->target[0] == '/') {
                why = "symbolic link pointing outside the destination";
                break;
            }
            buf_setlen(&cur, keep);
            buf_reset(&tmp);
            buf_adds(&tmp, en->target);
            if (pos < rest.len) {
                buf_addc(&tmp, '/');
                buf_add(&tmp, rest.data + pos, rest.len - pos);
            }
            buf_reset(&rest);
            buf_add(&rest, tmp.data, tmp.len);
            pos = 0;
        }
    }
    buf_free(&cur);
    buf_free(&rest);
    buf_free(&tmp);
    return why;
}

/* ---- the extraction state ------------------------------------------------------------------ */

typedef struct ex {
    const char *name;            /* archive, for messages */
    const char *dest;
    int root;                    /* fd of dest */
    tar_opts_t o;
    tar_stats_t st;
    table_t t;
    src_t s;
    unsigned char *chunk;        /* CHUNK bytes */
    uint64_t members;
} ex_t;

static err_t *member_err(const ex_t *x, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static err_t *member_err(const ex_t *x, const char *member, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_t b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_t *e = err_new(EXIT_APPLY, "%s: member '%s': %s", x->name, member, buf_cstr(&b));
    buf_free(&b);
    return e;
}

/* Checks (and records as implicit directories) every parent of path in the table. */
static const char *check_parents(ex_t *x, const char *path)
{
    char *copy = xstrdup(path);
    const char *why = NULL;
    for (char *s = strchr(copy, '/'); s && !why; s = strchr(s + 1, '/')) {
        *s = '\0';
        const entry_t *en = table_find(&x->t, copy);
        if (!en)
            table_add(&x->t, copy, T_DIR, NULL);
        else if (en->type == T_LINK)
            why = "would be written through a symbolic link";
        else if (en->type == T_FILE)
            why = "a parent directory is a file";
        *s = '/';
    }
    free(copy);
    return why;
}

/* Opens (creating when create) every parent directory of path without following links;
 * *dirfd is the parent's fd (caller closes), *leaf points into path. */
static int open_parent(ex_t *x, const char *path, bool create, int *dirfd, const char **leaf)
{
    int fd = dup(x->root);
    if (fd < 0)
        return errno;
    const char *p = path;
    for (;;) {
        const char *s = strchr(p, '/');
        if (!s)
            break;
        char *comp = xstrndup(p, (size_t)(s - p));
        int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
                int err = errno;
                free(comp);
                close(fd);
                return err;
            }
            x->st.dirs++;
            nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        int err = errno;
        free(comp);
        close(fd);
        if (nfd < 0)
            return err;
        fd = nfd;
        p = s + 1;
    }
    *dirfd = fd;
    *leaf = p;
    return 0;
}

/* Reads and discards size bytes plus the padding to the next block. */
static err_t *skip_data(ex_t *x, const char *member, uint64_t size)
{
    uint64_t left = size + (BLOCK - size % BLOCK) % BLOCK;
    while (left) {
        size_t k = left < CHUNK ? (size_t)left : CHUNK;
        const char *why = NULL;
        rd_t r = src_read(&x->s, x->chunk, k, &why);
        if (r != RD_OK)
            return member_err(x, member, "%s", r == RD_EOF ? "truncated archive" : why);
        left -= k;
    }
    return NULL;
}

/* Reads a member's data (at most limit bytes) into b, with its padding. */
static err_t *read_small(ex_t *x, const char *member, uint64_t size, uint64_t limit, buf_t *b)
{
    if (size > limit)
        return member_err(x, member, "extended header too large (%llu bytes)",
                          (unsigned long long)size);
    buf_reset(b);
    buf_grow(b, (size_t)size);
    const char *why = NULL;
    rd_t r = src_read(&x->s, b->data, (size_t)size, &why);
    if (r != RD_OK)
        return member_err(x, member, "%s", r == RD_EOF ? "truncated archive" : why);
    b->len = (size_t)size;
    b->data[b->len] = '\0';
    uint64_t pad = (BLOCK - size % BLOCK) % BLOCK;
    if (pad) {
        r = src_read(&x->s, x->chunk, (size_t)pad, &why);
        if (r != RD_OK)
            return member_err(x, member, "%s", r == RD_EOF ? "truncated archive" : why);
    }
    return NULL;
}

static err_t *write_file(ex_t *x, const char *shown, const char *path, uint64_t size, bool exec,
                         int64_t mtime)
{
    int dirfd;
    const char *leaf;
    int err = open_parent(x, path, true, &dirfd, &leaf);
    if (err)
        return member_err(x, shown, "creating its directory: %s", strerror(err));
    int fd = openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    exec ? 0755 : 0644);
    err = errno;
    close(dirfd);
    if (fd < 0)
        return member_err(x, shown, "creating it: %s", strerror(err));
    uint64_t left = size;
    err_t *e = NULL;
    while (left && !e) {
        size_t k = left < CHUNK ? (size_t)left : CHUNK;
        const char *why = NULL;
        rd_t r = src_read(&x->s, x->chunk, k, &why);
        if (r != RD_OK) {
            e = member_err(x, shown, "%s", r == RD_EOF ? "truncated archive" : why);
            break;
        }
        size_t off = 0;
        while (off < k) {
            ssize_t w = write(fd, x->chunk + off, k - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                e = member_err(x, shown, "writing it: %s", strerror(errno));
                break;
            }
            off += (size_t)w;
        }
        left -= k;
    }
    if (!e && mtime >= 0) {
        struct timespec ts[2] = {{.tv_nsec = UTIME_NOW}, {.tv_sec = (time_t)mtime}};
        futimens(fd, ts);
    }
    if (close(fd) != 0 && !e)
        e = member_err(x, shown, "writing it: %s", strerror(errno));
    if (e)
        return e;
    x->st.files++;
    x->st.bytes += size;
    uint64_t pad = (BLOCK - size % BLOCK) % BLOCK;
    if (pad) {
        const char *why = NULL;
        rd_t r = src_read(&x->s, x->chunk, (size_t)pad, &why);
        if (r != RD_OK)
            return member_err(x, shown, "%s", r == RD_EOF ? "truncated archive" : why);
    }
    return NULL;
}

/* ---- headers ------------------------------------------------------------------------------- */

/* A numeric header field: octal (leading spaces, ended by NUL or space) or GNU base-256. */
static bool parse_num(const unsigned char *f, size_t n, uint64_t *out)
{
    *out = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return false;                        /* negative, or too large */
        uint64_t v = 0;
        for (size_t i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = (v << 8) | f[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    uint64_t v = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return false;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)                           /* terminator: spaces and NULs only */
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    *out = v;
    return true;
}

static bool checksum_ok(const unsigned char *h)
{
    uint64_t want;
    if (!parse_num(h + 148, 8, &want))
        return false;
    unsigned long u = 0;
    long s = 0;
    for (int i = 0; i < BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
        u += c;
        s += (signed char)c;
    }
    return want == u || (long)want == s;
}

/* A NUL-terminated copy of a fixed-width field. */
static char *field(const unsigned char *f, size_t n)
{
    return xstrndup((const char *)f, strnlen((const char *)f, n));
}

typedef struct pending {
    char *path, *linkpath;       /* from pax or GNU long names */
    bool has_size;
    uint64_t size;
    bool has_mtime;
    int64_t mtime;
} pending_t;

static void pending_clear(pending_t *p)
{
    free(p->path);
    free(p->linkpath);
    memset(p, 0, sizeof *p);
}

/* Parses pax records ("%d %s=%s\n"); with apply, sets p's fields. Returns a reason or NULL. */
static const char *parse_pax(const char *d, size_t n, bool apply, pending_t *p)
{
    size_t pos = 0;
    while (pos < n) {
        if (d[pos] == '\0') {            /* some writers pad with NULs */
            for (; pos < n; pos++)
                if (d[pos] != '\0')
                    return "malformed pax header";
            break;
        }
        uint64_t len = 0;
        size_t i = pos;
        while (i < n && d[i] >= '0' && d[i] <= '9') {
            if (len > MAX_PAX)
                return "malformed pax header";
            len = len * 10 + (uint64_t)(d[i] - '0');
            i++;
        }
        if (i == pos || i >= n || d[i] != ' ' || len <= i - pos + 1 || len > n - pos)
            return "malformed pax header";
        const char *rec = d + pos, *end = d + pos + len;   /* end[-1] must be '\n' */
        if (end[-1] != '\n')
            return "malformed pax header";
        const char *k = d + i + 1;
        const char *eq = memchr(k, '=', (size_t)(end - k));
        if (!eq || eq == k)
            return "malformed pax header";
        size_t klen = (size_t)(eq - k);
        const char *v = eq + 1;
        size_t vlen = (size_t)(end - 1 - v);
        (void)rec;
        if (klen >= 11 && strncmp(k, "GNU.sparse.", 11) == 0)
            return "sparse files are not supported";
        if (apply && ((klen == 4 && strncmp(k, "path", 4) == 0) ||
                      (klen == 8 && strncmp(k, "linkpath", 8) == 0))) {
            if (memchr(v, '\0', vlen))
                return "NUL byte in a pax path";
            char **slot = klen == 4 ? &p->path : &p->linkpath;
            free(*slot);
            *slot = xstrndup(v, vlen);
        } else if (apply && klen == 4 && strncmp(k, "size", 4) == 0) {
            uint64_t s = 0;
            if (vlen == 0 || vlen > 19)
                return "bad pax size";
            for (size_t j = 0; j < vlen; j++) {
                if (v[j] < '0' || v[j] > '9')
                    return "bad pax size";
                s = s * 10 + (uint64_t)(v[j] - '0');
            }
            p->has_size = true;
            p->size = s;
        } else if (apply && klen == 5 && strncmp(k, "mtime", 5) == 0) {
            int64_t s = 0;
            size_t j = 0;
            bool neg = vlen && v[0] == '-';
            j = neg ? 1 : 0;
            size_t digits = 0;
            for (; j < vlen && v[j] >= '0' && v[j] <= '9' && digits < 18; j++, digits++)
                s = s * 10 + (v[j] - '0');
            p->has_mtime = digits > 0 && !neg;
            p->mtime = s;
        }
        pos += (size_t)len;
    }
    return NULL;
}

/* ---- members ------------------------------------------------------------------------------- */

static err_t *do_member(ex_t *x, char type, const char *raw, const char *rawlink, uint64_t size,
                        uint64_t mode, int64_t mtime)
{
    if (++x->members > x->o.max_members)
        return err_new(EXIT_APPLY, "%s: more than %llu members", x->name,
                       (unsigned long long)x->o.max_members);
    char *path = NULL;
    bool top = false;
    const char *why = norm_path(raw, x->o.strip, &path, &top);
    if (why)
        return member_err(x, raw, "%s", why);
    err_t *e = NULL;
    if (top) {
        if (type != '5')
            e = member_err(x, raw, "the top-level '%s' is not a directory", x->o.strip);
        else
            e = skip_data(x, raw, size);
        free(path);
        return e;
    }
    entry_t *old = table_find(&x->t, path);
    if (old && !(old->type == T_DIR && type == '5')) {
        e = member_err(x, raw, "%s", old->type == T_DIR
                                         ? "would replace a directory"
                                         : "duplicate member (would replace an earlier one)");
        free(path);
        return e;
    }
    why = check_parents(x, path);
    if (why) {
        e = member_err(x, raw, "%s", why);
        free(path);
        return e;
    }
    switch (type) {
    case '5': {
        if (!old) {
            table_add(&x->t, path, T_DIR, NULL);
            int dirfd;
            const char *leaf;
            int err = open_parent(x, path, true, &dirfd, &leaf);
            if (!err) {
                if (mkdirat(dirfd, leaf, 0755) != 0)
                    err = errno;
                close(dirfd);
            }
            if (err)
                e = member_err(x, raw, "creating it: %s", strerror(err));
            else
                x->st.dirs++;
        }
        if (!e)
            e = skip_data(x, raw, size);
        break;
    }
    case '2': {
        why = link_check(&x->t, path, rawlink);
        if (!why && strlen(rawlink) > TAR_MAX_PATH)
            why = "link target too long";
        if (why) {
            e = member_err(x, raw, "%s ('%s')", why, rawlink);
            break;
        }
        table_add(&x->t, path, T_LINK, xstrdup(rawlink));
        int dirfd;
        const char *leaf;
        int err = open_parent(x, path, true, &dirfd, &leaf);
        if (!err) {
            if (symlinkat(rawlink, dirfd, leaf) != 0)
                err = errno;
            close(dirfd);
        }
        if (err)
            e = member_err(x, raw, "creating the link: %s", strerror(err));
        else
            x->st.symlinks++;
        if (!e)
            e = skip_data(x, raw, size);
        break;
    }
    case '1': {
        char *tpath = NULL;
        bool ttop = false;
        why = norm_path(rawlink, x->o.strip, &tpath, &ttop);
        const entry_t *t = why || ttop ? NULL : table_find(&x->t, tpath);
        if (!why && (!t || t->type != T_FILE))
            why = "hard link to something that is not a file extracted before it";
        if (why) {
            e = member_err(x, raw, "%s ('%s')", why, rawlink);
            free(tpath);
            break;
        }
        int sfd, dfd;
        const char *sleaf, *dleaf;
        int err = open_parent(x, tpath, false, &sfd, &sleaf);
        if (!err) {
            err = open_parent(x, path, true, &dfd, &dleaf);
            if (!err) {
                if (linkat(sfd, sleaf, dfd, dleaf, 0) != 0)
                    err = errno;
                close(dfd);
            }
            close(sfd);
        }
        free(tpath);
        if (err) {
            e = member_err(x, raw, "creating the hard link: %s", strerror(err));
            break;
        }
        table_add(&x->t, path, T_FILE, NULL);
        x->st.hardlinks++;
        e = skip_data(x, raw, size);
        break;
    }
    default: /* regular file */
        if (size > x->o.max_total - x->st.bytes) {
            e = member_err(x, raw, "the archive's files exceed %llu bytes in total",
                           (unsigned long long)x->o.max_total);
            break;
        }
        table_add(&x->t, path, T_FILE, NULL);
        e = write_file(x, raw, path, size, (mode & 0111) != 0, mtime);
        break;
    }
    free(path);
    return e;
}

static err_t *run(ex_t *x)
{
    unsigned char h[BLOCK];
    pending_t pend = {0};
    buf_t data = BUF_INIT;
    err_t *e = NULL;
    bool any = false;
    for (;;) {
        const char *why = NULL;
        rd_t r = src_read(&x->s, h, BLOCK, &why);
        if (r == RD_EOF) {
            e = err_new(EXIT_APPLY, "%s: %s", x->name,
                        any ? "truncated archive (no end-of-archive block)"
                            : "empty archive");
            break;
        }
        if (r == RD_ERR) {
            e = err_new(EXIT_APPLY, "%s: %s", x->name, why);
            break;
        }
        bool zero = true;
        for (int i = 0; i < BLOCK && zero; i++)
            zero = h[i] == 0;
        if (zero)
            break;                   /* end of archive; what follows is padding */
        if (!checksum_ok(h)) {
            e = err_new(EXIT_APPLY, "%s: %s at offset %llu", x->name,
                        any ? "bad header checksum" : "not a tar archive (bad header checksum)",
                        (unsigned long long)(x->s.offset - BLOCK));
            break;
        }
        any = true;
        char type = (char)h[156];
        uint64_t size = 0, mode = 0, mtime = 0;
        char *name = field(h, 100);
        if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345]) {   /* POSIX ustar: prefix/name */
            char *prefix = field(h + 345, 155);
            char *full = xasprintf("%s/%s", prefix, name);
            free(prefix);
            free(name);
            name = full;
        }
        if (!parse_num(h + 124, 12, &size) || !parse_num(h + 100, 8, &mode) ||
            !parse_num(h + 136, 12, &mtime)) {
            e = member_err(x, name, "malformed numeric field in its header");
            free(name);
            break;
        }
        if (type == 'L' || type == 'K') {
            e = read_small(x, name, size, MAX_LONGNAME, &data);
            if (!e) {
                char **slot = type == 'L' ? &pend.path : &pend.linkpath;
                free(*slot);
                *slot = xstrndup(data.data, strnlen(data.data, data.len));
            }
        } else if (type == 'x' || type == 'g') {
            e = read_small(x, name, size, MAX_PAX, &data);
            if (!e) {
                why = parse_pax(data.data, data.len, type == 'x', &pend);
                if (why)
                    e = member_err(x, name, "%s", why);
            }
        } else if (type == '0' || type == '\0' || type == '7' || type == '1' || type == '2' ||
                   type == '5') {
            char *link = field(h + 157, 100);
            if (pend.has_size)
                size = pend.size;
            const char *mpath = pend.path ? pend.path : name;
            const char *mlink = pend.linkpath ? pend.linkpath : link;
            /* v7 archives mark directories with a trailing slash on a regular entry. */
            char t = type;
            if ((t == '0' || t == '\0') && mpath[0] && mpath[strlen(mpath) - 1] == '/')
                t = '5';
            int64_t mt = pend.has_mtime ? pend.mtime : (int64_t)(mtime & 0x7fffffffffffffffull);
            e = do_member(x, t, mpath, mlink, size, mode, mt);
            free(link);
            pending_clear(&pend);
        } else if (type == '3' || type == '4' || type == '6') {
            e = member_err(x, name, "%s are not allowed",
                           type == '6' ? "FIFOs" : "device files");
        } else {
            e = member_err(x, name, "unsupported member type '%c'",
                           type >= 32 && type < 127 ? type : '?');
        }
        free(name);
        if (e)
            break;
    }
    pending_clear(&pend);
    buf_free(&data);
    if (e)
        return e;
    /* Every link once more, now that the whole tree is known. */
    for (size_t i = 0; i < x->t.cap; i++) {
        const entry_t *en = &x->t.slots[i];
        if (!en->path || en->type != T_LINK)
            continue;
        const char *why = link_check(&x->t, en->path, en->target);
        if (why)
            return member_err(x, en->path, "%s ('%s')", why, en->target);
    }
    return NULL;
}

static err_t *extract(src_t *s, const char *name, const char *dest, const tar_opts_t *o,
                      tar_stats_t *st)
{
    ex_t x = {.name = name, .dest = dest, .s = *s};
    if (o)
        x.o = *o;
    if (!x.o.max_total)
        x.o.max_total = TAR_DEFAULT_MAX_TOTAL;
    if (!x.o.max_members)
        x.o.max_members = TAR_DEFAULT_MAX_MEMBERS;
    x.root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x.root < 0) {
        err_t *e = err_sys(EXIT_APPLY, errno, "extracting %s: %s", name, dest);
        src_close(&x.s);
        return e;
    }
    err_t *e = src_open(&x.s, name);
    if (!e) {
        x.chunk = xmalloc(CHUNK);
        e = run(&x);
    }
    if (st)
        *st = x.st;
    free(x.chunk);
    close(x.root);
    table_free(&x.t);
    src_close(&x.s);
    return e;
}

err_t *tar_extract_file(const char *path, const char *dest, const tar_opts_t *o, tar_stats_t *st)
{
    if (st)
        memset(st, 0, sizeof *st);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "opening %s", path);
    src_t s = {.fd = fd, .inbuf = xmalloc(CHUNK)};
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    err_t *e = extract(&s, name, dest, o, st);
    close(fd);
    return e;
}

err_t *tar_extract_mem(const void *data, size_t len, const char *name, const char *dest,
                       const tar_opts_t *o, tar_stats_t *st)
{
    if (st)
        memset(st, 0, sizeof *st);
    src_t s = {.fd = -1, .mem = data, .memlen = len};
    return extract(&s, name, dest, o, st);
}
