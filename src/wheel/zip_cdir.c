/* zip_cdir: reading and validating a ZIP archive's structure for zip.c (the rules are zip.h's):
 * the end of central directory record (and the ZIP64 locator and record), every central
 * directory entry with its name (CP437 or UTF-8, then its safety), extra fields (ZIP64, Unicode
 * Path), each member's local header and data descriptor, the layout that gives every byte of
 * the member area to exactly one member, the zip-bomb limits, and names that collide. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "wheel/zip_internal.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_Z64_LOC 0x07064b50u
#define SIG_DD 0x08074b50u

#define EOCD_LEN 22u
#define Z64_LOC_LEN 20u
#define Z64_EOCD_MIN 56u
#define CEN_LEN 46u
#define LOC_LEN 30u
#define MAX_COMMENT 65535u

#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_PATCHED 0x0020u
#define FLAG_STRONG_ENC 0x0040u
#define FLAG_UTF8 0x0800u
#define FLAG_CD_MASKED 0x2000u

/* ---- little helpers ---------------------------------------------------------------------- */

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static err_t *archive_err(const char *label, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static err_t *archive_err(const char *label, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s: ", label);
    va_list ap;
    va_start(ap, fmt);
    err_t *e = zip_verr(&b, fmt, ap);
    va_end(ap);
    return e;
}

/* ---- names ------------------------------------------------------------------------------- */

/* Unicode code points of CP437 bytes 0x80..0xff (bytes below 0x80 are ASCII). */
static const uint16_t cp437_high[128] = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
    0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
    0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
    0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
    0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
    0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

static void add_cp437(buf_t *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            buf_addc(b, (char)s[i]);
            continue;
        }
        unsigned cp = cp437_high[s[i] - 0x80];
        if (cp < 0x800) {
            buf_addc(b, (char)(0xc0 | cp >> 6));
        } else {
            buf_addc(b, (char)(0xe0 | cp >> 12));
            buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        }
        buf_addc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as Python's
 * decoder. NUL bytes are let through here: the name check rejects them with a clearer reason. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* Why name (UTF-8, n bytes) is unsafe, or NULL. Sets *is_dir for a single trailing "/". */
static const char *name_problem(const char *s, size_t n, bool *is_dir)
{
    *is_dir = false;
    if (n == 0)
        return "empty name";
    if (memchr(s, '\0', n))
        return "name contains a NUL byte";
    if (s[0] == '/')
        return "absolute path";
    if (memchr(s, '\\', n))
        return "name contains a backslash";
    if (n >= 2 && s[1] == ':' && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return "name starts with a drive letter";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "name contains a control character";
    size_t end = n;
    if (s[n - 1] == '/') {
        *is_dir = true;
        end--;
    }
    /* Components of s[0, end): none may be "..", "." or empty. */
    const char *bad = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= end; i++) {
        if (i < end && s[i] != '/')
            continue;
        size_t len = i - start;
        if (len == 2 && s[start] == '.' && s[start + 1] == '.')
            return "name has a '..' component";
        if (!bad && len == 0)
            bad = "name has an empty component";
        if (!bad && len == 1 && s[start] == '.')
            bad = "name has a '.' component";
        start = i + 1;
    }
    return bad;
}

/* ---- the central directory --------------------------------------------------------------- */

typedef struct span {
    uint64_t start;         /* local header offset */
    uint64_t data_end;      /* end of the member's data */
    uint8_t dd_mask;        /* acceptable data descriptor lengths (bit k: dd_len[k]) */
    bool has_dd;
    size_t idx;
} span_t;

static const unsigned dd_len[4] = {12, 16, 20, 24};

typedef struct parser {
    const char *label;
    const unsigned char *d; /* the bytes held: the archive's [base, base + len) */
    uint64_t base, len;
    uint64_t size;          /* the archive's size */
    uint64_t cd_off;        /* member area is [0, cd_off) */
    uint64_t limit;         /* where a member's bytes must end at the latest: cd_off, or for a
                             * partial archive the next member's local header */
    zip_options_t opts;
} parser_t;

/* The held byte at archive offset off (base <= off; the callers check lengths first). */
static const unsigned char *at(const parser_t *p, uint64_t off) { return p->d + (off - p->base); }

/* What lies at p->limit, for messages. */
static const char *limit_name(const parser_t *p)
{
    return p->limit == p->cd_off ? "the central directory" : "the next member";
}

/*
 * Walks the extra field records of ex (len bytes). Records must fit (trailing < 4 bytes are
 * padding, ignored as Python does). Returns the first record of `id` through *rec and *rec_len
 * (NULL when absent), or false when the field is corrupt.
 */
static bool extra_find(const unsigned char *ex, size_t len, uint16_t id,
                       const unsigned char **rec, size_t *rec_len)
{
    *rec = NULL;
    *rec_len = 0;
    size_t i = 0;
    while (len - i >= 4) {
        uint16_t tp = rd16(ex + i), ln = rd16(ex + i + 2);
        if (ln > len - i - 4)
            return false;
        if (tp == id && !*rec) {
            *rec = ex + i + 4;
            *rec_len = ln;
        }
        i += 4 + (size_t)ln;
    }
    return true;
}

/* Resolves saturated 32-bit fields from a ZIP64 extra record, in the order of the spec. */
static bool zip64_resolve(const unsigned char *rec, size_t len, uint64_t *usize, uint64_t *csize,
                          uint64_t *offset, uint32_t *disk)
{
    size_t i = 0;
    uint64_t *fields[3] = {usize, csize, offset};
    for (int k = 0; k < 3; k++) {
        if (!fields[k] || *fields[k] != 0xffffffffu)
            continue;
        if (!rec || len - i < 8)
            return false;
        *fields[k] = rd64(rec + i);
        i += 8;
    }
    if (disk && *disk == 0xffffu) {
        if (!rec || len - i < 4)
            return false;
        *disk = rd32(rec + i);
    }
    return true;
}

static int span_cmp(const void *a, const void *b)
{
    const span_t *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int entry_key_cmp(const void *a, const void *b)
{
    const zip_entry_t *x = *(const zip_entry_t *const *)a, *y = *(const zip_entry_t *const *)b;
    return zip_key_cmp(x->name, zip_key_len(x), y->name, zip_key_len(y));
}

/* Checks member e's local header (raw central name: cname, cname_len) and fills its span. */
static err_t *check_local(const parser_t *p, const zip_entry_t *e, const unsigned char *cname,
                          size_t cname_len, span_t *sp)
{
    const char *L = p->label;
    uint64_t off = e->header_offset;
    if (off > p->limit || p->limit - off < LOC_LEN)
        return zip_member_err(L, e->name, e->name_len, false,
                              "local header offset %llu lies outside the member area (0..%llu)",
                              (unsigned long long)off, (unsigned long long)p->limit);
    const unsigned char *h = at(p, off);
    if (rd32(h) != SIG_LOCAL)
        return zip_member_err(L, e->name, e->name_len, false, "no local header at offset %llu",
                              (unsigned long long)off);
    uint16_t lflags = rd16(h + 6), lmethod = rd16(h + 8);
    uint32_t lcrc = rd32(h + 14);
    uint64_t lcsize = rd32(h + 18), lusize = rd32(h + 22);
    size_t lnl = rd16(h + 26), lxl = rd16(h + 28);
    if (p->limit - off - LOC_LEN < lnl + lxl)
        return zip_member_err(L, e->name, e->name_len, false, "local header runs into %s",
                              limit_name(p));
    if (lnl != cname_len || memcmp(h + LOC_LEN, cname, cname_len) != 0) {
        err_t *err = zip_member_err(L, e->name, e->name_len, false,
                                    "local header name differs from the central directory's: '");
        buf_t b = BUF_INIT;
        buf_adds(&b, err->msg);
        zip_add_escaped(&b, (const char *)h + LOC_LEN, lnl, true);
        buf_addc(&b, '\'');
        free(err->msg);
        err->msg = buf_detach(&b);
        return err;
    }
    if ((lflags ^ e->flags) & (FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_UTF8))
        return zip_member_err(L, e->name, e->name_len, false,
                              "local header flags 0x%04x differ from the central directory's "
                              "0x%04x", lflags, e->flags);
    if (lmethod != e->method)
        return zip_member_err(L, e->name, e->name_len, false,
                              "local header method %u differs from the central directory's %u",
                              lmethod, e->method);
    const unsigned char *lextra = h + LOC_LEN + lnl;
    const unsigned char *z64;
    size_t z64_len;
    if (!extra_find(lextra, lxl, 0x0001, &z64, &z64_len))
        return zip_member_err(L, e->name, e->name_len, false, "corrupt local extra field");
    uint64_t data = off + LOC_LEN + lnl + lxl;
    if (e->csize > p->limit - data)
        return zip_member_err(L, e->name, e->name_len, false,
                              "data (%llu bytes at offset %llu) runs into %s",
                              (unsigned long long)e->csize, (unsigned long long)data,
                              limit_name(p));
    sp->start = off;
    sp->data_end = data + e->csize;
    sp->has_dd = (e->flags & FLAG_DESCRIPTOR) != 0;
    sp->dd_mask = 0;
    if (!sp->has_dd) {
        if (!zip64_resolve(z64, z64_len, &lusize, &lcsize, NULL, NULL))
            return zip_member_err(L, e->name, e->name_len, false,
                                  "local header lacks its ZIP64 extra field");
        if (lcrc != e->crc32)
            return zip_member_err(L, e->name, e->name_len, false,
                                  "local header CRC-32 %08x differs from the central "
                                  "directory's %08x", lcrc, e->crc32);
        if (lcsize != e->csize)
            return zip_member_err(L, e->name, e->name_len, false,
                                  "local header claims a compressed size of %llu bytes, the "
                                  "central directory %llu", (unsigned long long)lcsize,
                                  (unsigned long long)e->csize);
        if (lusize != e->usize)
            return zip_member_err(L, e->name, e->name_len, false,
                                  "local header claims a size of %llu bytes, the central directory "
                                  "%llu", (unsigned long long)lusize, (unsigned long long)e->usize);
        return NULL;
    }
    /* Data descriptor: with or without its signature, 32- or 64-bit sizes. Which one it is
     * gets settled by where the next structure starts (see check_layout). */
    uint64_t avail = p->limit - sp->data_end;
    const unsigned char *q = at(p, sp->data_end);
    if (avail >= 12 && rd32(q) == e->crc32 && rd32(q + 4) == e->csize && rd32(q + 8) == e->usize)
        sp->dd_mask |= 1;
    if (avail >= 16 && rd32(q) == SIG_DD && rd32(q + 4) == e->crc32 && rd32(q + 8) == e->csize &&
        rd32(q + 12) == e->usize)
        sp->dd_mask |= 2;
    if (avail >= 20 && rd32(q) == e->crc32 && rd64(q + 4) == e->csize && rd64(q + 12) == e->usize)
        sp->dd_mask |= 4;
    if (avail >= 24 && rd32(q) == SIG_DD && rd32(q + 4) == e->crc32 && rd64(q + 8) == e->csize &&
        rd64(q + 16) == e->usize)
        sp->dd_mask |= 8;
    if (!sp->dd_mask)
        return zip_member_err(L, e->name, e->name_len, false,
                              "data descriptor is missing or differs from the central directory");
    return NULL;
}

/* The length of s's data descriptor, when the next structure starts at `next`: the variant
 * that reaches it exactly, else the first that matched. */
static unsigned dd_pick(const span_t *s, uint64_t next)
{
    unsigned pick = 0;
    for (int b = 0; b < 4; b++) {
        if (!(s->dd_mask & (1u << b)))
            continue;
        if (!pick)
            pick = dd_len[b];
        if (next >= s->data_end && next - s->data_end == dd_len[b])
            return dd_len[b];
    }
    return pick;
}

/* Every byte of [0, cd_off) must belong to exactly one member. spans has n items. */
static err_t *check_layout(const parser_t *p, const zip_entry_t *entries, span_t *spans, size_t n)
{
    qsort(spans, n, sizeof *spans, span_cmp);
    uint64_t upto = 0;
    for (size_t k = 0; k < n; k++) {
        span_t *s = &spans[k];
        const zip_entry_t *e = &entries[s->idx];
        if (s->start < upto) {
            const zip_entry_t *prev = &entries[spans[k - 1].idx];
            err_t *err = zip_member_err(p->label, e->name, e->name_len, false,
                                        "overlaps member '");
            buf_t b = BUF_INIT;
            buf_adds(&b, err->msg);
            zip_add_escaped(&b, prev->name, prev->name_len, false);
            buf_adds(&b, "' (possible zip bomb)");
            free(err->msg);
            err->msg = buf_detach(&b);
            return err;
        }
        if (s->start > upto) {
            if (k == 0)
                return archive_err(p->label, "%llu bytes of data before the first member",
                                   (unsigned long long)s->start);
            return zip_member_err(p->label, e->name, e->name_len, false,
                                  "preceded by %llu bytes that belong to no member",
                                  (unsigned long long)(s->start - upto));
        }
        upto = s->data_end;
        if (s->has_dd)
            upto += dd_pick(s, k + 1 < n ? spans[k + 1].start : p->cd_off);
    }
    if (upto < p->cd_off)
        return archive_err(p->label,
                           "%llu bytes between the last member and the central directory belong "
                           "to no member", (unsigned long long)(p->cd_off - upto));
    return NULL;
}

/* Parses one central directory entry at *pos (advancing it) into e. With `local`, checks its
 * local header too and fills its span; without (a partial archive), the span is the least the
 * member must occupy: its local header without extra field, its name and its data. */
static err_t *parse_entry(const parser_t *p, size_t i, uint64_t *pos, uint64_t cd_end,
                          zip_entry_t *e, buf_t *names, size_t *name_off, span_t *sp, bool local)
{
    const char *L = p->label;
    uint64_t here = *pos;
    if (cd_end - here < CEN_LEN)
        return archive_err(L, "central directory entry %zu is truncated", i);
    const unsigned char *c = at(p, here);
    if (rd32(c) != SIG_CENTRAL)
        return archive_err(L, "central directory entry %zu has a bad signature", i);
    uint16_t flags = rd16(c + 8), method = rd16(c + 10);
    uint32_t crc = rd32(c + 16);
    uint64_t csize = rd32(c + 20), usize = rd32(c + 24);
    size_t nl = rd16(c + 28), xl = rd16(c + 30), cl = rd16(c + 32);
    uint32_t disk = rd16(c + 34);
    uint32_t ext = rd32(c + 38);
    uint64_t hoff = rd32(c + 42);
    if (cd_end - here - CEN_LEN < nl + xl + cl)
        return archive_err(L, "central directory entry %zu runs past the central directory", i);
    *pos = here + CEN_LEN + nl + xl + cl;
    const unsigned char *raw = c + CEN_LEN, *extra = raw + nl;

    /* The name, decoded. */
    *name_off = names->len;
    if (flags & FLAG_UTF8) {
        if (!utf8_valid(raw, nl))
            return zip_member_err(L, (const char *)raw, nl, true, "name is not valid UTF-8");
        buf_add(names, raw, nl);
    } else {
        add_cp437(names, raw, nl);
    }
    size_t name_len = names->len - *name_off;
    buf_addc(names, '\0');
    const char *name = names->data + *name_off;   /* valid until `names` grows again */

    const unsigned char *rec;
    size_t rec_len;
    if (!extra_find(extra, xl, 0x0001, &rec, &rec_len))
        return zip_member_err(L, name, name_len, false, "corrupt extra field");
    if (!zip64_resolve(rec, rec_len, &usize, &csize, &hoff, &disk))
        return zip_member_err(L, name, name_len, false, "corrupt or missing ZIP64 extra field");
    if (!extra_find(extra, xl, 0x7075, &rec, &rec_len))
        return zip_member_err(L, name, name_len, false, "corrupt extra field");
    if (rec && rec_len >= 5 && rec[0] == 1 && rd32(rec + 1) == (uint32_t)crc32(0, raw, (uInt)nl)) {
        if (!utf8_valid(rec + 5, rec_len - 5) ||
            zip_key_cmp((const char *)rec + 5, rec_len - 5, name, name_len) != 0)
            return zip_member_err(L, name, name_len, false,
                                  "its Unicode Path extra field names a different file");
    }

    bool is_dir;
    const char *why = name_problem(name, name_len, &is_dir);
    if (why)
        return zip_member_err(L, name, name_len, false, "%s", why);
    if (disk != 0)
        return zip_member_err(L, name, name_len, false, "lies on disk %u (multi-disk archives "
                              "are not supported)", disk);
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENC | FLAG_CD_MASKED))
        return zip_member_err(L, name, name_len, false, "encrypted members are not supported");
    if (flags & FLAG_PATCHED)
        return zip_member_err(L, name, name_len, false, "compressed patched data is not supported");
    if (method != ZIP_STORED && method != ZIP_DEFLATED)
        return zip_member_err(L, name, name_len, false,
                              "unsupported compression method %u (only stored and deflate)",
                              method);
    uint32_t mode = ext >> 16;
    uint32_t type = mode & S_IFMT;
    if (type == S_IFLNK)
        return zip_member_err(L, name, name_len, false, "symbolic links are not supported");
    if (type && type != S_IFREG && type != S_IFDIR)
        return zip_member_err(L, name, name_len, false, "special file (mode 0%o) is not supported",
                              (unsigned)mode);
    if (type == S_IFDIR && !is_dir)
        return zip_member_err(L, name, name_len, false, "directory mode on a name without a "
                              "trailing '/'");
    if (is_dir && (usize != 0 || (method == ZIP_STORED && csize != 0)))
        return zip_member_err(L, name, name_len, false, "directory entry has data");
    if (method == ZIP_STORED && csize != usize)
        return zip_member_err(L, name, name_len, false,
                              "stored member has a compressed size of %llu bytes but a size "
                              "of %llu", (unsigned long long)csize, (unsigned long long)usize);
    if (usize > p->opts.ratio_min_size &&
        (csize == 0 || usize / csize > p->opts.max_ratio ||
         (usize / csize == p->opts.max_ratio && usize % csize)))
        return zip_member_err(L, name, name_len, false,
                              "expands %llu bytes to %llu, beyond the %llu:1 limit (zip bomb?)",
                              (unsigned long long)csize, (unsigned long long)usize,
                              (unsigned long long)p->opts.max_ratio);

    memset(e, 0, sizeof *e);
    e->name = name;         /* fixed up once `names` stops moving */
    e->name_len = name_len;
    e->index = i;
    e->header_offset = hoff;
    e->csize = csize;
    e->usize = usize;
    e->crc32 = crc;
    e->method = method;
    e->flags = flags;
    e->external_attr = ext;
    e->mode = mode;
    e->is_dir = is_dir;
    sp->idx = i;
    if (!local) {
        if (hoff > p->cd_off || p->cd_off - hoff < LOC_LEN + nl)
            return zip_member_err(L, name, name_len, false,
                                  "local header offset %llu lies outside the member area "
                                  "(0..%llu)", (unsigned long long)hoff,
                                  (unsigned long long)p->cd_off);
        if (csize > p->cd_off - hoff - LOC_LEN - nl)
            return zip_member_err(L, name, name_len, false,
                                  "data (%llu bytes) runs into the central directory",
                                  (unsigned long long)csize);
        sp->start = hoff;
        sp->data_end = hoff + LOC_LEN + nl + csize;
        sp->has_dd = false;
        sp->dd_mask = 0;
        return NULL;    /* data_offset stays 0: unknown until the local header is read */
    }
    err_t *err = check_local(p, e, raw, nl, sp);
    if (err)
        return err;
    e->data_offset = sp->data_end - csize;
    return NULL;
}

/* Finds and checks the end records; sets the member area, the central directory and its count.
 * When only the archive's tail is held (p->base > 0) and the records, or the region an end
 * record may start in, begin before it, *need receives the offset from which bytes are missing
 * and nothing else is set; otherwise *need is NO_NEED. */
#define NO_NEED UINT64_MAX
static err_t *parse_end(parser_t *p, uint64_t *cd_off, uint64_t *cd_size, uint64_t *count,
                        uint64_t *need)
{
    const char *L = p->label;
    uint64_t size = p->size;
    *need = NO_NEED;
    if (size < EOCD_LEN)
        return archive_err(L, "not a zip archive (%llu bytes, too short)",
                           (unsigned long long)size);
    uint64_t lo = size > EOCD_LEN + MAX_COMMENT ? size - EOCD_LEN - MAX_COMMENT : 0;
    uint64_t slo = lo > p->base ? lo : p->base;    /* the lowest offset held and searched */
    if (slo > size - EOCD_LEN) {
        *need = lo;
        return NULL;
    }
    uint64_t pos = size - EOCD_LEN + 1;
    bool found = false;
    while (pos-- > slo) {
        if (rd32(at(p, pos)) != SIG_EOCD)
            continue;
        uint64_t end = pos + EOCD_LEN + rd16(at(p, pos + 20));
        if (end == size) {
            found = true;
            break;
        }
        /* The last signature in the file is the one Python's zipfile would use: it must be it. */
        if (end < size)
            return archive_err(L, "%llu bytes of trailing data after the end of central "
                               "directory record", (unsigned long long)(size - end));
        return archive_err(L, "truncated archive (the end of central directory comment runs "
                           "past the end of the file)");
    }
    if (!found && slo > lo) {
        *need = lo;
        return NULL;
    }
    if (!found)
        return archive_err(L, "not a zip archive, or truncated (no end of central directory "
                           "record)");
    /* (A partial archive is searched only as far down as it is held.) */
    for (uint64_t q = pos; q-- > slo;)
        if (rd32(at(p, q)) == SIG_EOCD && q + EOCD_LEN + rd16(at(p, q + 20)) == size)
            return archive_err(L, "ambiguous end of central directory record (the comment of "
                               "one holds another)");
    if (pos >= Z64_LOC_LEN && pos - Z64_LOC_LEN < p->base) {
        /* Whether a ZIP64 locator precedes the end record is not known yet: ask for it and
         * for the smallest ZIP64 record before it. */
        *need = pos >= Z64_LOC_LEN + Z64_EOCD_MIN ? pos - Z64_LOC_LEN - Z64_EOCD_MIN : 0;
        return NULL;
    }
    const unsigned char *e = at(p, pos);
    uint32_t disk = rd16(e + 4), cd_disk = rd16(e + 6);
    uint64_t n_disk = rd16(e + 8), n_total = rd16(e + 10);
    uint64_t size32 = rd32(e + 12), off32 = rd32(e + 16);
    uint64_t cd_end = pos;
    uint64_t z_count = n_total, z_cd_size = size32, z_cd_off = off32;
    if (pos >= Z64_LOC_LEN && rd32(at(p, pos - Z64_LOC_LEN)) == SIG_Z64_LOC) {
        uint64_t loc = pos - Z64_LOC_LEN;
        uint32_t z_disk = rd32(at(p, loc + 4)), n_disks = rd32(at(p, loc + 16));
        uint64_t rec = rd64(at(p, loc + 8));
        if (z_disk != 0 || n_disks > 1)
            return archive_err(L, "multi-disk archives are not supported");
        if (rec > loc || loc - rec < Z64_EOCD_MIN)
            return archive_err(L, "the ZIP64 end of central directory locator points outside "
                               "the archive (offset %llu)", (unsigned long long)rec);
        if (rec < p->base) {
            *need = rec;
            return NULL;
        }
        const unsigned char *r = at(p, rec);
        if (rd32(r) != SIG_Z64_EOCD)
            return archive_err(L, "no ZIP64 end of central directory record at offset %llu",
                               (unsigned long long)rec);
        if (rd64(r + 4) != loc - rec - 12)
            return archive_err(L, "the ZIP64 end of central directory record's size (%llu) does "
                               "not reach its locator", (unsigned long long)rd64(r + 4));
        uint32_t z_disk_num = rd32(r + 16), z_cd_disk = rd32(r + 20);
        uint64_t z_n_disk = rd64(r + 24), z_n_total = rd64(r + 32);
        uint64_t z_size = rd64(r + 40), z_off = rd64(r + 48);
        if (z_disk_num != 0 || z_cd_disk != 0)
            return archive_err(L, "multi-disk archives are not supported");
        if (z_n_disk != z_n_total)
            return archive_err(L, "the ZIP64 end record counts %llu entries on this disk but "
                               "%llu in total", (unsigned long long)z_n_disk,
                               (unsigned long long)z_n_total);
        if ((n_disk != 0xffff && n_disk != z_n_disk) ||
            (n_total != 0xffff && n_total != z_n_total) ||
            (size32 != 0xffffffffu && size32 != z_size) ||
            (off32 != 0xffffffffu && off32 != z_off))
            return archive_err(L, "the end of central directory record and its ZIP64 record "
                               "disagree");
        z_count = z_n_total;
        z_cd_size = z_size;
        z_cd_off = z_off;
        cd_end = rec;
    } else {
        if (disk != 0 || cd_disk != 0)
            return archive_err(L, "multi-disk archives are not supported");
        if (n_disk != n_total)
            return archive_err(L, "the end record counts %llu entries on this disk but %llu in "
                               "total", (unsigned long long)n_disk, (unsigned long long)n_total);
    }
    if (z_cd_off > cd_end || z_cd_size > cd_end - z_cd_off)
        return archive_err(L, "the central directory (offset %llu, %llu bytes) runs past its end "
                           "record at offset %llu", (unsigned long long)z_cd_off,
                           (unsigned long long)z_cd_size, (unsigned long long)cd_end);
    if (z_cd_off + z_cd_size != cd_end)
        return archive_err(L, "%llu bytes between the central directory and its end record (or "
                           "data prepended to the archive)",
                           (unsigned long long)(cd_end - z_cd_off - z_cd_size));
    if (z_count > p->opts.max_entries)
        return archive_err(L, "%llu entries, more than the limit of %llu",
                           (unsigned long long)z_count, (unsigned long long)p->opts.max_entries);
    if (z_count > z_cd_size / CEN_LEN)
        return archive_err(L, "the end record counts %llu entries but the central directory "
                           "has only %llu bytes", (unsigned long long)z_count,
                           (unsigned long long)z_cd_size);
    *count = z_count;
    *cd_size = z_cd_size;
    *cd_off = z_cd_off;
    p->cd_off = p->limit = z_cd_off;
    return NULL;
}

/* Parses the n entries of the central directory held by p (which starts at p->cd_off and has
 * cd_size bytes) into z's entries and names; spans[i] receives entry i's span. With `local`,
 * each local header is checked too (a whole archive). */
static err_t *parse_entries(const parser_t *p, zip_t *z, size_t n, uint64_t cd_size, bool local,
                            span_t *spans, uint64_t *cen_offs)
{
    err_t *err = NULL;
    z->entries = xcalloc(n ? n : 1, sizeof *z->entries);
    size_t *name_offs = xmalloc((n ? n : 1) * sizeof *name_offs);
    buf_t names = BUF_INIT;
    buf_grow(&names, (size_t)cd_size);
    uint64_t pos = p->cd_off, cd_end = p->cd_off + cd_size;
    for (size_t i = 0; i < n && !err; i++) {
        if (cen_offs)
            cen_offs[i] = pos - p->cd_off;
        err = parse_entry(p, i, &pos, cd_end, &z->entries[i], &names, &name_offs[i], &spans[i],
                          local);
    }
    if (!err && pos != cd_end)
        err = archive_err(z->label, "the central directory holds %llu bytes beyond its %zu "
                          "entries", (unsigned long long)(cd_end - pos), n);
    z->names = buf_detach(&names);
    if (err) {
        free(name_offs);
        return err;
    }
    z->n = n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        z->entries[i].name = z->names + name_offs[i];
        total += z->entries[i].usize;   /* each is < 2^64 / 2^20: no overflow below the cap */
        if (total > p->opts.max_total_size || total < z->entries[i].usize) {
            err = archive_err(z->label, "the members' declared size exceeds the limit of %llu "
                              "bytes (zip bomb?)", (unsigned long long)p->opts.max_total_size);
            break;
        }
    }
    free(name_offs);
    z->total = total;
    return err;
}

/* Sorts z's entries by name, refusing duplicates and members below a regular file. */
static err_t *index_names(zip_t *z)
{
    size_t n = z->n;
    err_t *err = NULL;
    z->by_name = xmalloc((n ? n : 1) * sizeof *z->by_name);
    for (size_t i = 0; i < n; i++)
        z->by_name[i] = &z->entries[i];
    qsort(z->by_name, n, sizeof *z->by_name, entry_key_cmp);
    for (size_t i = 0; i + 1 < n; i++) {
        const zip_entry_t *a = z->by_name[i], *b = z->by_name[i + 1];
        if (entry_key_cmp(&a, &b) == 0)
            return zip_member_err(z->label, b->name, b->name_len, false,
                                  "duplicate name (also at entry %zu)",
                                  a->index < b->index ? a->index : b->index);
    }
    /* A regular file cannot also be a directory holding other members. */
    buf_t k = BUF_INIT;
    for (size_t i = 0; i < n && !err; i++) {
        const zip_entry_t *e = &z->entries[i];
        if (e->is_dir)
            continue;
        buf_reset(&k);
        buf_add(&k, e->name, e->name_len);
        buf_addc(&k, '/');
        size_t j = zip_lower_bound(z, k.data, k.len);
        if (j < n && z->by_name[j]->name_len > k.len &&
            memcmp(z->by_name[j]->name, k.data, k.len) == 0)
            err = zip_member_err(z->label, z->by_name[j]->name, z->by_name[j]->name_len, false,
                                 "lies below '%s', which is a file", e->name);
    }
    buf_free(&k);
    return err;
}

err_t *zip_parse(zip_t *z, const zip_options_t *opts)
{
    parser_t p = {.label = z->label, .d = z->data, .base = 0, .len = z->size, .size = z->size,
                  .opts = opts ? *opts : ZIP_OPTIONS_DEFAULT};
    uint64_t cd_off = 0, cd_size = 0, count = 0, need;
    err_t *err = parse_end(&p, &cd_off, &cd_size, &count, &need);
    if (err)
        return err;
    size_t n = (size_t)count;
    span_t *spans = xmalloc((n ? n : 1) * sizeof *spans);
    err = parse_entries(&p, z, n, cd_size, true, spans, NULL);
    if (!err)
        err = check_layout(&p, z->entries, spans, n);
    free(spans);
    return err ? err : index_names(z);
}

/* ---- partial archives ---------------------------------------------------------------------- */

err_t *zip_parse_tail(const char *label, const unsigned char *tail, size_t len, uint64_t file_size,
                      const zip_options_t *opts, zip_tail_t *out)
{
    memset(out, 0, sizeof *out);
    out->file_size = file_size;
    if (len > file_size)
        return archive_err(label, "%zu bytes given as the end of a %llu-byte archive", len,
                           (unsigned long long)file_size);
    parser_t p = {.label = label, .d = tail, .base = file_size - len, .len = len,
                  .size = file_size, .opts = opts ? *opts : ZIP_OPTIONS_DEFAULT};
    uint64_t need;
    err_t *err = parse_end(&p, &out->cd_off, &out->cd_size, &out->count, &need);
    if (err)
        return err;
    if (need != NO_NEED) {
        out->need_more = true;
        out->need_from = need;
    }
    return NULL;
}

err_t *zip_parse_cdir(zip_t *z, const unsigned char *cd, size_t len, const zip_tail_t *t,
                      const zip_options_t *opts)
{
    parser_t p = {.label = z->label, .d = cd, .base = t->cd_off, .len = len,
                  .size = t->file_size, .cd_off = t->cd_off, .limit = t->cd_off,
                  .opts = opts ? *opts : ZIP_OPTIONS_DEFAULT};
    if (t->need_more || len != t->cd_size || t->cd_off > t->file_size ||
        t->cd_size > t->file_size - t->cd_off)
        return archive_err(z->label, "%zu bytes given as a central directory of %llu bytes at "
                           "offset %llu", len, (unsigned long long)t->cd_size,
                           (unsigned long long)t->cd_off);
    if (t->count > p.opts.max_entries || t->count > t->cd_size / CEN_LEN)
        return archive_err(z->label, "%llu entries in a central directory of %llu bytes",
                           (unsigned long long)t->count, (unsigned long long)t->cd_size);
    size_t n = (size_t)t->count;
    span_t *spans = xmalloc((n ? n : 1) * sizeof *spans);
    z->cen = xmalloc((n ? n : 1) * sizeof *z->cen);
    err_t *err = parse_entries(&p, z, n, t->cd_size, false, spans, z->cen);
    if (!err) {
        /* Without the local headers, the layout is checked as far as the central directory
         * tells: members start at offset 0, and each one's least extent (header, name, data)
         * ends before the next one starts. Each member's bytes end where the next begins. */
        z->limits = xmalloc((n ? n : 1) * sizeof *z->limits);
        qsort(spans, n, sizeof *spans, span_cmp);
        for (size_t k = 0; k < n && !err; k++) {
            const span_t *s = &spans[k];
            const zip_entry_t *e = &z->entries[s->idx];
            uint64_t next = k + 1 < n ? spans[k + 1].start : t->cd_off;
            if (k == 0 && s->start > 0)
                err = archive_err(z->label, "%llu bytes of data before the first member",
                                  (unsigned long long)s->start);
            else if (k + 1 < n && s->data_end > next) {
                const zip_entry_t *o = &z->entries[spans[k + 1].idx];
                err = zip_member_err(z->label, o->name, o->name_len, false,
                                     "overlaps member '%s' (possible zip bomb)", e->name);
            }
            z->limits[s->idx] = next;
        }
    }
    free(spans);
    if (!err) {
        z->cd = xmalloc(len ? len : 1);
        memcpy(z->cd, cd, len);
        z->cd_off = t->cd_off;
        z->partial = true;
        err = index_names(z);
    }
    return err;
}

err_t *zip_check_range(const zip_t *z, const zip_entry_t *e, const unsigned char *bytes,
                       size_t len, uint64_t *data_offset)
{
    uint64_t start = e->header_offset, end = z->limits[e->index];
    if (len != end - start)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "%zu bytes given for its range of %llu", len,
                              (unsigned long long)(end - start));
    parser_t p = {.label = z->label, .d = bytes, .base = start, .len = len, .size = z->size,
                  .cd_off = z->cd_off, .limit = end, .opts = ZIP_OPTIONS_DEFAULT};
    const unsigned char *c = z->cd + z->cen[e->index];
    span_t sp = {.idx = e->index};
    err_t *err = check_local(&p, e, c + CEN_LEN, rd16(c + 28), &sp);
    if (err)
        return err;
    uint64_t upto = sp.data_end + (sp.has_dd ? dd_pick(&sp, end) : 0);
    if (upto != end)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "followed by %llu bytes that belong to no member",
                              (unsigned long long)(end - upto));
    *data_offset = sp.data_end - e->csize;
    return NULL;
}
