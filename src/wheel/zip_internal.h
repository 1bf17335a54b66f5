/*
 * zip_internal: what the three files of the ZIP reader share. Private: only src/wheel/zip*.c
 * include it; everyone else uses zip.h, which states the rules an archive must follow.
 *
 *   zip.c          the zip_t: opening (a mapped file or caller's bytes), closing, entries, lookup
 *                  by name, and the error messages that name the archive and a member
 *   zip_cdir.c     the structure: end records (ZIP64 too), central directory entries, names
 *                  (CP437, UTF-8, safety), local headers, data descriptors and the layout of
 *                  every byte; fills a zip_t's entries, names and index, or says why not
 *   zip_extract.c  a member's content: stored or inflated, streamed to a sink with its size,
 *                  CRC-32 and sha256 checked
 *
 * The zip_t (fields below) is filled by zip_parse() (a whole archive) or zip_parse_cdir() (a
 * partial one: its central directory alone) and immutable afterwards (see zip.h, "Threads").
 */
#ifndef VENVSYNC_WHEEL_ZIP_INTERNAL_H
#define VENVSYNC_WHEEL_ZIP_INTERNAL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"
#include "wheel/zip.h"

struct zip {
    char *label;
    const unsigned char *data;
    size_t size;
    bool mapped;                    /* data is an mmap of size bytes (zip_close unmaps it) */
    zip_entry_t *entries;
    size_t n;
    const zip_entry_t **by_name;    /* sorted by key (name without its trailing "/") */
    char *names;                    /* every entry's name, NUL-separated */
    uint64_t total;
    /* partial archives (zip_open_cdir) only: */
    bool partial;                   /* data is NULL; size is the whole archive's size */
    uint64_t cd_off;                /* where the central directory starts */
    unsigned char *cd;              /* a copy of the central directory (the raw names) */
    uint64_t *cen;                  /* per entry: its offset in cd */
    uint64_t *limits;               /* per entry: where its bytes end (the next member's local
                                     * header, or cd_off) */
};

/* Reads and validates the archive in z->data, filling the rest of z (everything it allocated
 * is z's, also on error). opts may be NULL (ZIP_OPTIONS_DEFAULT). (zip_cdir.c) */
err_t *zip_parse(zip_t *z, const zip_options_t *opts);
/* The end records found in tail[0..len), the last len bytes of an archive of file_size bytes
 * (see zip_tail_parse). (zip_cdir.c) */
err_t *zip_parse_tail(const char *label, const unsigned char *tail, size_t len,
                      uint64_t file_size, const zip_options_t *opts, zip_tail_t *out);
/* Reads and validates the central directory cd[0..len) that t located, filling z (label set,
 * data NULL, size t->file_size) as a partial archive; everything allocated is z's, also on
 * error. (zip_cdir.c) */
err_t *zip_parse_cdir(zip_t *z, const unsigned char *cd, size_t len, const zip_tail_t *t,
                      const zip_options_t *opts);
/* Checks e's local header, data descriptor and layout in bytes[0..len), the archive's bytes
 * from e's local header to its limit; *data_offset receives where its data starts in the
 * archive. (zip_cdir.c) */
err_t *zip_check_range(const zip_t *z, const zip_entry_t *e, const unsigned char *bytes,
                       size_t len, uint64_t *data_offset);
/* Streams e's data, which starts at src, to sink (zip_extract's work). (zip_extract.c) */
err_t *zip_extract_from(const zip_t *z, const zip_entry_t *e, const unsigned char *src,
                        zip_sink_fn sink, void *ctx, zip_result_t *res);

/* Appends fmt's text to b and returns b's text as an EXIT_APPLY error; b is freed. */
err_t *zip_verr(buf_t *b, const char *fmt, va_list ap);
/* Appends s for an error message: control bytes (and, when raw, non-ASCII bytes) as \xNN. */
void zip_add_escaped(buf_t *b, const char *s, size_t n, bool raw);
/* "<label>: member '<name>': <fmt...>", EXIT_APPLY; raw: name is undecoded bytes. */
err_t *zip_member_err(const char *label, const char *name, size_t len, bool raw,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* An entry's key: its name without the trailing "/" of a directory (length of). */
size_t zip_key_len(const zip_entry_t *e);
/* Byte order of two keys. */
int zip_key_cmp(const char *a, size_t al, const char *b, size_t bl);
/* Index of the first entry in z->by_name whose key is >= (s, n). */
size_t zip_lower_bound(const zip_t *z, const char *s, size_t n);

#endif
