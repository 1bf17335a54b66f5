/*
 * choose: which wheel file to install for one wanted pin (want.h) on one interpreter.
 *
 * A candidate fits when its normalized name equals the pin's, its version satisfies the pin
 * (PEP 440 "==" semantics: 1.0 == 1.0.0, a local label on the file is ignored unless the pin
 * names one; "===": string equality) and at least one of its expanded tags is supported
 * (wheelname_rank >= 0). Among fitting files the best is pip's order: the highest version (only
 * differs for "==" pins matching several spellings or local labels), then the best tag rank,
 * then the highest build tag, then the earliest candidate. Requires-Python is not known from a
 * filename and is not checked; files are not hashed here (as pip, which prefers files whose
 * *URL* carries an allowed hash: local files have none), so a hash mismatch is found when the
 * chosen file is verified.
 *
 * When nothing fits, the error (EXIT_USAGE) names the requirement's origin and lists every
 * candidate with that name and why it was rejected, one per line:
 *   "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: not compatible with cpython 3.11 on
 *    linux-x86_64", "foo-0.9-py3-none-any.whl: version 0.9, want 1.0",
 * or says "no file named foo in: <sources>".
 *
 * Nothing here allocates beyond what it returns; no I/O except choose_check_direct() (one stat).
 */
#ifndef VENVSYNC_INDEX_CHOOSE_H
#define VENVSYNC_INDEX_CHOOSE_H
#include <stdbool.h>
#include <stddef.h>

#include "index/findlinks.h"
#include "pkg/tags.h"
#include "resolve/want.h"
#include "pkg/wheelname.h"
#include "util/err.h"

typedef enum {
    CHOOSE_FITS,
    CHOOSE_OTHER_NAME,
    CHOOSE_OTHER_VERSION,
    CHOOSE_INCOMPATIBLE,
} choose_verdict_t;

/* Judges one file for w; *rank (may be NULL) gets its tag rank when it fits, else -1. */
choose_verdict_t choose_judge(const want_pkg_t *w, const wheelname_t *wn, const tagset_t *tags,
                              long *rank);

/* The best fitting wheel among cands[0..n) (any names), or -1 when none fits. */
long choose_best(const want_pkg_t *w, wheelname_t *const *cands, size_t n,
                 const tagset_t *tags);

/* The best local candidate for w in fl. desc: target_desc() of the interpreter (python/target.h) (used in
 * messages). On failure *out is NULL and the error lists the rejected candidates. */
err_t *choose_findlinks(const want_pkg_t *w, const fl_set_t *fl, const tagset_t *tags,
                        const char *desc, const fl_cand_t **out);

/* A direct wheel (w->path_or_url set): its filename must parse, name the same project and be
 * compatible; a local one must exist as a regular file. NULL when it is usable. */
err_t *choose_check_direct(const want_pkg_t *w, const tagset_t *tags, const char *desc);

#endif
