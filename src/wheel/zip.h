/*
 * zip: a hardened, read-only ZIP reader for wheels (stored and deflate members only).
 *
 * Archives are untrusted input. zip_open() maps the file read-only, parses the End of Central
 * Directory (and the ZIP64 locator and record), reads the whole central directory into an array
 * of entries and validates everything up front, so that extraction later needs no further
 * checks of the structure. An archive is accepted only when:
 *
 *  - it is a single-disk archive whose every byte belongs to exactly one structure: member i's
 *    local header, name, extra field, data and optional data descriptor, then the central
 *    directory, the ZIP64 end record and locator (when present), the end record and its comment.
 *    Prepended data (self-extracting stubs, concatenated archives), gaps between members (which
 *    could hide a local header that a streaming reader would see), overlapping members (the
 *    "overlapping files" zip bomb) and trailing data after the end record are all rejected;
 *  - the end record's counts agree with each other, with the ZIP64 record (a 32-bit field is
 *    either its saturated value or equal to the 64-bit one) and with the central directory,
 *    which must hold exactly that many entries and nothing else;
 *  - every member uses method 0 (stored, with equal sizes) or 8 (deflate), is not encrypted
 *    (flag bits 0, 6, 13) nor "compressed patched data" (bit 5);
 *  - every member's local header repeats the central directory's name bytes, method, flag bits
 *    3 and 11, and (without a data descriptor) its CRC-32 and sizes; with a data descriptor
 *    (bit 3) the descriptor must repeat the central directory's CRC-32 and sizes;
 *  - every name is a safe relative path: not empty, not absolute, no NUL, no backslash, no
 *    drive letter, no control character (< 0x20 or 0x7f), no "..", "." or empty component (a
 *    single trailing "/" marks a directory); with flag bit 11 the name must be valid UTF-8, and
 *    an Info-ZIP Unicode Path extra field (0x7075), which Python >= 3.12 honours, must name the
 *    same file;
 *  - no two names are equal after removing a trailing "/", and no member lies below a regular
 *    file member ("a" and "a/b");
 *  - no member is a symbolic link or other special file (S_IFLNK etc. in the top 16 bits of the
 *    external attributes); a directory entry carries no data; S_IFDIR is only set on names that
 *    end in "/";
 *  - zip-bomb defence: the sum of declared uncompressed sizes is at most max_total_size, and a
 *    member larger than ratio_min_size expands at most max_ratio times. Extraction additionally
 *    refuses to produce a byte beyond the declared size, so the declared sizes are binding.
 *
 * Names: with flag bit 11 unset, bytes >= 0x80 are decoded from CP437 to UTF-8, as Python's
 * zipfile does; entries expose the decoded UTF-8 name.
 *
 * Errors: every failure is an err_t with EXIT_APPLY whose message names the archive (the path,
 * or the label given to zip_open_mem) and, for a member problem, the member, then the reason:
 * "<archive>: member 'a/../b': name has a '..' component".
 *
 * Ownership and lifetime: a zip_t owns its entries and their names; zip_close() frees it all and
 * unmaps the file. Entry pointers stay valid until zip_close(). zip_open_mem() borrows the
 * caller's bytes, which must outlive the zip_t. The file must not be truncated while it is open
 * (it is mapped: the installer only opens cache files, which are replaced by rename, never
 * rewritten in place).
 *
 * Threads: after zip_open() returns, a zip_t is immutable. Any number of threads may call the
 * lookup and extraction functions on the same zip_t at once; each extraction keeps its state
 * (zlib stream, hash, buffer) on its own.
 *
 * Extraction streams the member to a sink while it inflates, computing the CRC-32 (checked
 * against the central directory), the exact size and the sha256 of the output, so the caller can
 * check RECORD without reading the file again. The sink sees data before the final checks: on
 * error, the caller must discard what it wrote (the installer writes into a staging directory).
 *
 * Partial archives (a remote file read with HTTP range requests: index/metadata.h). Three steps,
 * each on bytes the caller fetched:
 *  1. zip_tail_parse() finds the end records in the archive's last bytes, given its total size;
 *     when they (or the 64 KiB an end record's comment may span, or the ZIP64 record) start
 *     before the bytes given, it says from which offset it needs them instead;
 *  2. zip_open_cdir() reads the central directory alone into a "partial" zip_t: the same entry
 *     checks as zip_open() (names, flags, methods, ZIP64 fields, duplicates, zip-bomb caps,
 *     limits), and the layout as far as the central directory tells it: the first member starts
 *     at offset 0 and no member's local header, name and data can overlap the next member's
 *     header. Entries, zip_find() and zip_count() work; data_offset is 0 (unknown) and
 *     zip_extract*() refuse a partial archive;
 *  3. zip_member_range() gives the exact bytes a member occupies (its local header up to the next
 *     member's header, or the central directory); zip_extract_range_buf() takes those bytes,
 *     checks the local header and data descriptor against the central directory exactly as
 *     zip_open() does (and that no byte of the range belongs to no member), then inflates with
 *     the same size, CRC-32 and size-limit checks.
 * The only checks a partial archive cannot make are those needing bytes never fetched: the other
 * members' local headers, and (in step 1) end-record signatures in a comment below the tail.
 */
#ifndef VENVSYNC_WHEEL_ZIP_H
#define VENVSYNC_WHEEL_ZIP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"
#include "util/err.h"

enum { ZIP_STORED = 0, ZIP_DEFLATED = 8 };

typedef struct zip_options {
    uint64_t max_total_size;    /* sum of declared uncompressed sizes */
    uint64_t max_ratio;         /* usize / csize limit for members above ratio_min_size */
    uint64_t ratio_min_size;    /* smaller members are not ratio-checked */
    uint64_t max_entries;       /* central directory entries */
} zip_options_t;

/* 8 GiB total (CUDA wheels unpack to several GiB), 1000:1 above 1 MiB, a million entries. */
#define ZIP_OPTIONS_DEFAULT \
    ((zip_options_t){ (uint64_t)8 << 30, 1000, (uint64_t)1 << 20, (uint64_t)1 << 20 })

typedef struct zip_entry {
    const char *name;           /* UTF-8, NUL-terminated, "/"-separated; a directory ends in "/" */
    size_t name_len;
    size_t index;               /* position in the central directory (entries keep its order) */
    uint64_t header_offset;     /* local file header */
    uint64_t data_offset;       /* first byte of the member's (compressed) data */
    uint64_t csize;             /* compressed size, from the central directory */
    uint64_t usize;             /* uncompressed size, from the central directory */
    uint32_t crc32;
    uint16_t method;            /* ZIP_STORED or ZIP_DEFLATED */
    uint16_t flags;             /* general-purpose bit flags */
    uint32_t external_attr;
    uint32_t mode;              /* external_attr >> 16: Unix st_mode, or 0 when none was stored */
    bool is_dir;                /* the name ends in "/" */
} zip_entry_t;

typedef struct zip zip_t;

/* Opens and validates the archive at path. opts may be NULL (ZIP_OPTIONS_DEFAULT). */
err_t *zip_open(const char *path, const zip_options_t *opts, zip_t **out);
/* The same over len bytes at data (borrowed); label names the archive in messages. */
err_t *zip_open_mem(const void *data, size_t len, const char *label, const zip_options_t *opts,
                    zip_t **out);
void zip_close(zip_t *z);                       /* NULL is fine */

const char *zip_label(const zip_t *z);          /* the path or label */
size_t zip_count(const zip_t *z);
const zip_entry_t *zip_entry_at(const zip_t *z, size_t i);     /* i < zip_count() */
uint64_t zip_total_size(const zip_t *z);        /* sum of uncompressed sizes */
/* The member named `name`, or NULL. A trailing "/" is ignored on both sides, so "pkg" and
 * "pkg/" both find the directory entry "pkg/". O(log n). */
const zip_entry_t *zip_find(const zip_t *z, const char *name);

/* True for a regular file with any execute bit, the way pip decides (S_IFREG must be set). */
bool zip_entry_is_executable(const zip_entry_t *e);

typedef struct zip_result {
    uint64_t size;              /* bytes produced (== e->usize on success) */
    uint32_t crc32;
    unsigned char sha256[32];   /* of the uncompressed content */
} zip_result_t;

/* Receives the member's content in order, in chunks of up to 256 KiB. Returning an error stops
 * the extraction; zip_extract() returns it with the archive and member prefixed. */
typedef err_t *(*zip_sink_fn)(void *ctx, const void *data, size_t len);

/* Streams e's content to sink, verifying the exact size and the CRC-32. res may be NULL. */
err_t *zip_extract(const zip_t *z, const zip_entry_t *e, zip_sink_fn sink, void *ctx,
                   zip_result_t *res);
/* Writes e's content to fd at its current position. */
err_t *zip_extract_fd(const zip_t *z, const zip_entry_t *e, int fd, zip_result_t *res);
/* Appends e's content to out, refusing members whose declared size exceeds max_size (for small
 * files such as METADATA, WHEEL, RECORD; a malicious archive cannot make it allocate more). */
err_t *zip_extract_buf(const zip_t *z, const zip_entry_t *e, size_t max_size, buf_t *out,
                       zip_result_t *res);

/* ---- partial archives (see above) --------------------------------------------------------- */

typedef struct zip_tail {
    uint64_t file_size;         /* the archive's size (as given) */
    bool need_more;             /* the bytes from need_from on are needed (nothing else is set) */
    uint64_t need_from;
    uint64_t cd_off, cd_size;   /* the central directory: [cd_off, cd_off + cd_size) */
    uint64_t count;             /* its entries */
} zip_tail_t;

/* Reads the end records from tail[0..len), the last len bytes of an archive of file_size bytes
 * (len <= file_size). NULL with out filled, or with out->need_more set (call again with the
 * bytes from out->need_from to the end), or an error (EXIT_APPLY, naming label). */
err_t *zip_tail_parse(const void *tail, size_t len, uint64_t file_size, const char *label,
                      const zip_options_t *opts, zip_tail_t *out);
/* Opens the central directory cd[0..len), exactly the bytes [t->cd_off, t->cd_off + t->cd_size)
 * of the archive t describes (from zip_tail_parse, need_more unset). cd is read during the call
 * only. The zip_t is partial: see above. */
err_t *zip_open_cdir(const void *cd, size_t len, const zip_tail_t *t, const char *label,
                     const zip_options_t *opts, zip_t **out);
bool zip_is_partial(const zip_t *z);
/* The archive bytes [*start, *end) that member e occupies: its local header to the next member's
 * local header or the central directory (partial archives; for a whole archive, the header to
 * the end of the data). */
void zip_member_range(const zip_t *z, const zip_entry_t *e, uint64_t *start, uint64_t *end);
/* Appends e's content to out from bytes[0..len), the archive's bytes in e's zip_member_range()
 * (partial archives only), after checking them as described above; refuses a member whose
 * declared size exceeds max_size. */
err_t *zip_extract_range_buf(const zip_t *z, const zip_entry_t *e, const void *bytes, size_t len,
                             size_t max_size, buf_t *out, zip_result_t *res);

#endif
