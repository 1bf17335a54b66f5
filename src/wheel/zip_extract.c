/* zip_extract: a member's content (see zip.h, "Extraction"): stored bytes or a raw deflate
 * stream inflated chunk by chunk, streamed to a sink while its size, CRC-32 and sha256 are
 * computed, then checked against the central directory. The structure was validated when the
 * archive was opened (zip_cdir.c), so only the data itself can be wrong here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/hash.h"
#include "util/xalloc.h"
#include "wheel/zip_internal.h"

#define CHUNK ((size_t)256 << 10)

static err_t *emit(const zip_t *z, const zip_entry_t *e, zip_sink_fn sink, void *ctx,
                   const unsigned char *data, size_t len, uLong *crc, sha256_t *h)
{
    *crc = crc32_z(*crc, data, len);
    sha256_update(h, data, len);
    err_t *err = sink(ctx, data, len);
    if (err)
        return err_ctx(err, "%s: member '%s'", z->label, e->name);
    return NULL;
}

static err_t *inflate_member(const zip_t *z, const zip_entry_t *e, const unsigned char *src,
                             zip_sink_fn sink, void *ctx, uLong *crc, sha256_t *h,
                             uint64_t *total)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -15) != Z_OK)
        return zip_member_err(z->label, e->name, e->name_len, false, "cannot initialise zlib");
    /* Small members inflate in one call into a buffer one byte larger than declared, so that
     * a member longer than declared is caught at once. */
    size_t cap = e->usize < CHUNK ? (size_t)e->usize + 1 : CHUNK;
    unsigned char *out = xmalloc(cap);
    const unsigned char *in = src;
    uint64_t in_left = e->csize;
    err_t *err = NULL;
    for (;;) {
        if (s.avail_in == 0 && in_left) {
            uInt n = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
            s.next_in = (unsigned char *)in;
            s.avail_in = n;
            in += n;
            in_left -= n;
        }
        s.next_out = out;
        s.avail_out = (uInt)cap;
        int zr = inflate(&s, Z_NO_FLUSH);
        size_t got = cap - s.avail_out;
        if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_STREAM_ERROR) {
            err = zip_member_err(z->label, e->name, e->name_len, false,
                                 "corrupt compressed data (%s)",
                                 s.msg ? s.msg : "invalid deflate stream");
            break;
        }
        if (zr == Z_MEM_ERROR) {
            err = zip_member_err(z->label, e->name, e->name_len, false, "out of memory inflating");
            break;
        }
        if (got) {
            if (got > e->usize - *total) {
                err = zip_member_err(z->label, e->name, e->name_len, false,
                                     "inflates beyond its declared size of %llu bytes",
                                     (unsigned long long)e->usize);
                break;
            }
            *total += got;
            if ((err = emit(z, e, sink, ctx, out, got, crc, h)))
                break;
        }
        if (zr == Z_STREAM_END) {
            if (s.avail_in || in_left)
                err = zip_member_err(z->label, e->name, e->name_len, false,
                                     "%llu bytes after the end of the compressed stream",
                                     (unsigned long long)(s.avail_in + in_left));
            break;
        }
        if (got == 0 && (zr == Z_BUF_ERROR || (s.avail_in == 0 && in_left == 0))) {
            /* No progress is possible: the input ended before the end of the stream. */
            bool exhausted = s.avail_in == 0 && in_left == 0;
            err = zip_member_err(z->label, e->name, e->name_len, false, "%s",
                                 exhausted ? "truncated compressed data"
                                           : "corrupt compressed data");
            break;
        }
    }
    inflateEnd(&s);
    free(out);
    return err;
}

err_t *zip_extract_from(const zip_t *z, const zip_entry_t *e, const unsigned char *src,
                        zip_sink_fn sink, void *ctx, zip_result_t *res)
{
    uLong crc = crc32(0, NULL, 0);
    sha256_t h;
    sha256_init(&h);
    uint64_t total = 0;
    err_t *err = NULL;
    if (e->method == ZIP_STORED) {
        const unsigned char *p = src;
        while (total < e->usize && !err) {
            size_t n = e->usize - total > CHUNK ? CHUNK : (size_t)(e->usize - total);
            err = emit(z, e, sink, ctx, p + total, n, &crc, &h);
            total += n;
        }
    } else {
        err = inflate_member(z, e, src, sink, ctx, &crc, &h, &total);
    }
    unsigned char digest[32];
    sha256_final(&h, digest);
    if (err)
        return err;
    if (total != e->usize)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "inflates to %llu bytes, the central directory says %llu",
                              (unsigned long long)total, (unsigned long long)e->usize);
    if ((uint32_t)crc != e->crc32)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "CRC-32 mismatch (data %08x, central directory %08x): corrupt "
                              "archive", (uint32_t)crc, e->crc32);
    if (res) {
        res->size = total;
        res->crc32 = (uint32_t)crc;
        memcpy(res->sha256, digest, 32);
    }
    return NULL;
}

err_t *zip_extract(const zip_t *z, const zip_entry_t *e, zip_sink_fn sink, void *ctx,
                   zip_result_t *res)
{
    if (z->partial)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "the archive's data is not at hand (a central directory alone)");
    return zip_extract_from(z, e, z->data + e->data_offset, sink, ctx, res);
}

static err_t *fd_sink(void *ctx, const void *data, size_t len)
{
    int fd = *(int *)ctx;
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return err_sys(EXIT_APPLY, errno, "writing");
        }
        p += w;
        len -= (size_t)w;
    }
    return NULL;
}

err_t *zip_extract_fd(const zip_t *z, const zip_entry_t *e, int fd, zip_result_t *res)
{
    return zip_extract(z, e, fd_sink, &fd, res);
}

static err_t *buf_sink(void *ctx, const void *data, size_t len)
{
    buf_add(ctx, data, len);
    return NULL;
}

err_t *zip_extract_buf(const zip_t *z, const zip_entry_t *e, size_t max_size, buf_t *out,
                       zip_result_t *res)
{
    if (e->usize > max_size)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "%llu bytes, more than the %zu this file may have",
                              (unsigned long long)e->usize, max_size);
    size_t old = out->len;
    buf_grow(out, (size_t)e->usize);
    err_t *err = zip_extract(z, e, buf_sink, out, res);
    if (err)
        buf_setlen(out, old);
    return err;
}

err_t *zip_extract_range_buf(const zip_t *z, const zip_entry_t *e, const void *bytes, size_t len,
                             size_t max_size, buf_t *out, zip_result_t *res)
{
    if (!z->partial)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "not a partial archive");
    if (e->usize > max_size)
        return zip_member_err(z->label, e->name, e->name_len, false,
                              "%llu bytes, more than the %zu this file may have",
                              (unsigned long long)e->usize, max_size);
    uint64_t data_offset;
    err_t *err = zip_check_range(z, e, bytes, len, &data_offset);
    if (err)
        return err;
    size_t old = out->len;
    buf_grow(out, (size_t)e->usize);
    err = zip_extract_from(z, e, (const unsigned char *)bytes + (data_offset - e->header_offset),
                           buf_sink, out, res);
    if (err)
        buf_setlen(out, old);
    return err;
}
