/*
 * cache: the content-addressed cache of unpacked, fully verified wheels.
 *
 * Layout, under the cache directory:
 *
 *   wheels-v2/<sha256 of the .whl, hex>/
 *       tree/...        the archive's files at their archive paths (directories implied),
 *                       mode 0644, or 0755 for members the archive marks executable
 *       INDEX           one line per file: kind, exec bit, size, sha256 (RECORD form), inode,
 *                       mtime (ns), path; plus the wheel's name, version, dist-info directory
 *                       and Root-Is-Purelib
 *       COMPLETE        written last: an entry without it is not an entry
 *   wheels-v2/.tmp-XXXXXX/   an entry being built (renamed into place when complete)
 *   wheels-v2/.trash-XXXXXX/ an entry being deleted
 *
 * An entry is built in a private temporary directory and renamed into place in one step, so
 * readers see a complete entry or none. When two processes (or threads) build the same entry
 * at once, the first rename wins and the loser deletes its own copy and uses the winner's.
 *
 * Nothing enters the cache unverified. Before an entry is renamed into place, the wheel has
 * passed every check below; any failure deletes the temporary directory, so a hostile or
 * broken archive leaves nothing behind:
 *
 *  - the archive passes zip_open()'s structural checks (wheel/zip.h);
 *  - the file's sha256 equals sha256_hex when one was given;
 *  - the filename parses (pkg/wheelname.h); exactly one top-level `*.dist-info` directory,
 *    whose name part normalises to the filename's name;
 *  - `<dist-info>/WHEEL` parses with Wheel-Version 1.x; `<dist-info>/METADATA` parses and its
 *    Name and Version equal the filename's (normalised name, PEP 440 equality), as pip checks;
 *    `<dist-info>/RECORD` parses;
 *  - every file member except RECORD and its signatures (RECORD.jws, RECORD.p7s) is listed in
 *    RECORD with a sha256 hash and, when RECORD gives one, the same size; the hash and size
 *    are checked against the bytes actually extracted. Other hash algorithms are refused. Rows
 *    naming no member are ignored; a path listed twice with different values is an error;
 *  - members below a `__pycache__` directory are skipped (neither extracted nor checked), as
 *    installer does; directory members are skipped (pip creates directories lazily).
 *
 * Members are extracted by a small pool of threads (the number of CPUs, 2 to 8, fewer for
 * small wheels). Nothing is flushed: each file's identity (size, inode, modification time) is
 * recorded in INDEX when it is written, and every reuse of an entry checks them
 * (wheel_cache_intact). A crash that tore a file (after a crash a file written but not yet on
 * disk comes back short or empty), or an edit in place of an installed file hard-linked to the
 * entry (a `print()` added to debug), changes them: the entry is then evicted and built again
 * from the archive, so a damaged entry is never linked into another environment. (Hard links
 * share the file: an edit in place does show in every environment linked to the same file;
 * `link-mode: copy` or `clone`, where the file system has reflinks, keep them apart.)
 *
 * Entries are immutable once complete. wheel_cache_verify() re-hashes an entry against its
 * INDEX (for `sync --verify`), and wheel_cache_evict() removes a damaged entry.
 *
 * Ownership: a wheel_unpacked_t is owned by the caller and freed with wheel_unpacked_free(); it
 * refers to the entry by path and holds no open files. Thread-safe: no shared state.
 */
#ifndef VENVSYNC_WHEEL_CACHE_H
#define VENVSYNC_WHEEL_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/cachedir.h"
#include "util/err.h"

#define WHEEL_CACHE_SUBDIR CACHE_WHEELS

typedef enum {
    WHEEL_MEMBER_FILE = 0,      /* an ordinary file: installed */
    WHEEL_MEMBER_RECORD,        /* <dist-info>/RECORD: never installed (a new one is written) */
    WHEEL_MEMBER_SIGNATURE,     /* <dist-info>/RECORD.jws or .p7s: installed, not in RECORD */
} wheel_member_kind_t;

typedef struct wheel_member {
    char *path;                 /* archive path: UTF-8, '/'-separated, relative to `tree` */
    uint64_t size;
    char hash[44];              /* sha256, RECORD form (urlsafe base64, no padding) */
    bool executable;            /* the archive marks it executable (pip's rule, S_IFREG|x) */
    wheel_member_kind_t kind;
    uint64_t ino;               /* identity of the cache file when it was unpacked */
    int64_t mtime_ns;
} wheel_member_t;

typedef struct wheel_unpacked {
    char *dir;                  /* the entry: <cache>/wheels-v2/<sha256> */
    char *tree;                 /* <dir>/tree: the wheel's files */
    char sha256[65];            /* of the .whl file, hex */
    char *filename;             /* the wheel's file name when the entry was built */
    char *dist_info;            /* "foo_bar-1.0.dist-info", as in the archive */
    char *name;                 /* METADATA's Name */
    char *version;              /* METADATA's Version */
    bool root_is_purelib;
    bool newer_wheel_minor;     /* Wheel-Version 1.x, x > 0 (pip warns) */
    wheel_member_t *members;    /* files in archive order (no directories, no __pycache__) */
    size_t n_members;
    uint64_t total_size;        /* sum of member sizes */
    bool reused;                /* true when an existing entry was used (nothing extracted) */
} wheel_unpacked_t;

/* Returns the entry for the wheel at wheel_path, building it when absent (see above).
 * sha256_hex is the wheel's sha256 when the caller knows it (it is verified when the entry is
 * built; a complete entry is reused without reading the wheel at all), or NULL to compute it.
 * The file name (the last component of wheel_path) must be a valid wheel file name. Errors are
 * EXIT_APPLY and name the wheel. */
err_t *wheel_cache_unpack(const char *cache_dir, const char *wheel_path, const char *sha256_hex,
                          wheel_unpacked_t **out);

/* The same, for a wheel stored under another name (a download cache keyed by hash): filename
 * is the wheel's real file name, used for the name checks. */
err_t *wheel_cache_unpack_named(const char *cache_dir, const char *wheel_path,
                                const char *filename, const char *sha256_hex,
                                wheel_unpacked_t **out);

/* Loads the complete entry for sha256_hex. *out is NULL (and NULL returned) when there is none;
 * an error means an entry exists but its INDEX is unreadable or damaged. */
err_t *wheel_cache_lookup(const char *cache_dir, const char *sha256_hex, wheel_unpacked_t **out);
/* The check wheel_cache_unpack_named makes of a reused entry: filename (a wheel file name) names
 * the entry's project, else an EXIT_APPLY error (label: the file, for messages). For an entry
 * from wheel_cache_lookup that is then used instead of unpacking. */
err_t *wheel_cache_check_name(const wheel_unpacked_t *w, const char *filename, const char *label);

/* Every complete entry whose wheel is name at version (normalised name, PEP 440 equality), in
 * the order of their sha256, for telling which files a distribution installed when its RECORD is
 * gone (wheel/uninstall.h). Reads each entry's INDEX header, and the whole INDEX of those that
 * match; nothing is checked or evicted (the files are not used). Returns them NULL-terminated
 * (NULL when none; an unreadable cache or entry finds nothing), *n their number; free with
 * wheel_unpacked_list_free(). */
wheel_unpacked_t **wheel_cache_find(const char *cache_dir, const char *name,
                                    const char *version, size_t *n);
void wheel_unpacked_list_free(wheel_unpacked_t **v, size_t n);

/* Re-hashes every file of an entry against its INDEX (sizes, sha256, exec bits). NULL when
 * intact, else an error naming the first damaged file. */
err_t *wheel_cache_verify(const wheel_unpacked_t *w);
/* Whether every file of the entry still has the identity recorded when it was unpacked (one
 * stat per file; no reading). *first_changed (may be NULL) names the first that does not. */
bool wheel_cache_intact(const wheel_unpacked_t *w, const char **first_changed);

/* Removes the entry for sha256_hex (renamed aside first, then deleted). Missing is success. */
err_t *wheel_cache_evict(const char *cache_dir, const char *sha256_hex);

/* Deletes leftover .tmp-* and .trash-* directories older than max_age_seconds (interrupted
 * runs). Errors for single directories are ignored. */
void wheel_cache_clean_stale(const char *cache_dir, long max_age_seconds);
/* `cache prune`: leftovers of interrupted unpacks older than an hour, and with
 * older_than_days >= 0 the entries neither modified nor read for that long. *removed counts the
 * entries removed, *freed the bytes. */
err_t *wheel_cache_prune(const char *cache_dir, long older_than_days, size_t *removed,
                         unsigned long long *freed);

/* The member at archive path `path`, or NULL (binary search over an internal sorted view is not
 * kept: linear). */
const wheel_member_t *wheel_unpacked_find(const wheel_unpacked_t *w, const char *path);

void wheel_unpacked_free(wheel_unpacked_t *w);     /* NULL is fine */

/* The number of extraction threads for n members on this machine (1 to 8). */
int wheel_cache_threads(size_t n_members);

#endif
