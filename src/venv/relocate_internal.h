/*
 * relocate_internal: the pure rewriters behind venv_relocate() (relocate_rewrite.c), for
 * relocate.c, which walks the environment, reads the files, keeps the list of touched files and
 * writes the results. Private: only src/venv/relocate*.c and tests/unit/test_relocate.c include
 * it; everyone else uses relocate.h, which states the rules these functions implement (what
 * "inside old_path" means, the shebang forms, .pth lines, direct_url.json, RECORD rows).
 *
 * Every function here works on bytes in memory: no file is read or written. A rewriter appends
 * to `out` (the caller's, who frees it); what it appended is the file's new content when it
 * reports a change, and is to be discarded otherwise.
 */
#ifndef VENVSYNC_VENV_RELOCATE_INTERNAL_H
#define VENVSYNC_VENV_RELOCATE_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* The two prefixes of a relocation: normalized absolute paths without a trailing slash,
 * borrowed. */
typedef struct reloc_paths {
    const char *old;
    size_t old_len;
    const char *new_;
    size_t new_len;
} reloc_paths_t;

/* Which prefix a path lies in. */
enum { IN_NONE, IN_OLD, IN_NEW };

/* Which prefix the path p (n bytes) lies in (equal to it, or continuing with '/'); the longer
 * prefix when both. */
int reloc_classify(const reloc_paths_t *rp, const char *p, size_t n);

/* A script (the whole file, d[0..n)) whose shebang names an interpreter inside old_path: the
 * file with the header rewritten for the new interpreter path is appended to out and IN_OLD
 * returned. IN_NEW when the shebang already names new_path, IN_NONE for anything else (no
 * shebang, a shebang outside both, a header this does not understand). */
int reloc_rewrite_script(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out);

/* A .pth file's text rewritten into out; true when something changed. */
bool reloc_rewrite_pth(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out);

/* Whether d is valid JSON whose top-level "url" is a file: URL (only those are rewritten). */
bool reloc_direct_url_is_local(const char *d, size_t n);
/* direct_url.json's text with its "url" values that are file: URLs inside old_path rewritten
 * into out, every other byte kept; true when one was. *cls is IN_OLD when one was rewritten,
 * else IN_NEW when one already names new_path, else IN_NONE. */
bool reloc_rewrite_direct_url(const reloc_paths_t *rp, const char *d, size_t n, buf_t *out,
                              int *cls);

/* A file relocation rewrote (or found already naming new_path), with its content's RECORD
 * hash and size. */
typedef struct reloc_touched {
    char *key;            /* path relative to the environment, normalised ("bin/pip") */
    char hash[44];        /* urlsafe base64 sha256 of the content now on disk */
    size_t size;
} reloc_touched_t;

/* A cheap filter before parsing RECORD text: can it have a row to change? (It names old_path,
 * or new_path when files were touched, or a touched file.) */
bool reloc_record_may_change(const reloc_paths_t *rp, const reloc_touched_t *touched,
                             size_t ntouched, const char *d, size_t n);
/* A RECORD file's text (of a .dist-info in site-packages site_rel, e.g.
 * "lib/python3.12/site-packages") rewritten into out: rows under old_path move under new_path,
 * rows naming a touched file get its hash and size; every other row is kept byte for byte.
 * touched is sorted by key (strcmp). True when a row changed. */
bool reloc_rewrite_record(const reloc_paths_t *rp, const char *site_rel,
                          const reloc_touched_t *touched, size_t ntouched, const char *d,
                          size_t n, buf_t *out);

#endif
