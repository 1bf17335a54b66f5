/*
 * choose_remote: which remote file (remote.h) to install for one pin, and the batch helper that
 * looks projects up and chooses for many pins at once.
 *
 * A candidate fits when it is a wheel (a source distribution never fits: venvsync installs
 * wheels only), choose_judge() says CHOOSE_FITS (name, pinned version, a supported tag), its
 * Requires-Python contains the interpreter's full version (pre-releases allowed; an unparsable
 * Requires-Python is ignored, as pip does), and the index did not give a malformed sha256.
 * In hash-checking mode (the pin has hashes), when some fitting files carry an index sha256
 * among the pin's, only those are considered (pip prefers them too).
 * Among fitting files the best is choose.h's order (version, tag rank, build tag, earliest:
 * index files before find-links ones). Yanked files (PEP 592) are taken only when no fitting
 * file is unyanked; every pin is exact, so that is allowed, with a note naming the reason.
 *
 * When nothing fits, the error (EXIT_USAGE) names the requirement's origin and lists every file
 * of the project with why it was rejected ("foo-1.0.tar.gz: a source distribution (venvsync
 * installs wheels only)", "foo-1.0-py3-none-any.whl: requires Python >=3.12, this is 3.11.7"),
 * or says "no project named foo on: <sources>".
 *
 * Pure except remote_choose_all() (which fetches through remote.h). Returned choices own their
 * strings (remote_choice_clear).
 */
#ifndef VENVSYNC_INDEX_CHOOSE_REMOTE_H
#define VENVSYNC_INDEX_CHOOSE_REMOTE_H
#include <stdbool.h>
#include <stddef.h>

#include "index/choose.h"
#include "index/remote.h"
#include "pkg/tags.h"
#include "resolve/want.h"
#include "util/err.h"

/* Why a remote candidate does not fit (CR_FITS when it does). */
typedef enum {
    CR_FITS,
    CR_NOT_A_WHEEL,
    CR_OTHER_NAME,
    CR_OTHER_VERSION,
    CR_INCOMPATIBLE,
    CR_REQUIRES_PYTHON,
    CR_MALFORMED_HASH,
} cr_verdict_t;

cr_verdict_t choose_remote_judge(const want_pkg_t *w, const remote_cand_t *c,
                                 const tagset_t *tags, const char *python_version, long *rank);

/* The best candidate of p for w, or an error as described above. python_version: the
 * interpreter's full version ("3.11.7"); desc: choose_interp_desc(); where: the sources, for
 * messages. *note (may be NULL) receives a malloc'd note when a yanked file was chosen. */
err_t *choose_remote(const want_pkg_t *w, const remote_project_t *p, const tagset_t *tags,
                     const char *python_version, const char *desc, const char *where,
                     const remote_cand_t **out, char **note);

typedef struct remote_choice {
    char *url;                /* where to download it (credentials as configured) */
    char *filename;
    char sha256[65];          /* from the index, "" when unknown */
    int64_t size;             /* from the index, -1 when unknown */
    char *note;               /* the yanked-file note, or NULL */
} remote_choice_t;

/* For each wants[i]: looks every project up (one batch), chooses, and, for pins that found no
 * fitting file on a page served from the cache without asking the server, looks those up again
 * with revalidation before giving up. out[0..n) is filled for every pin that succeeded (url NULL
 * for the others); errors of all pins are returned chained. Yanked notes also go to the
 * remote_t's notes. */
err_t *remote_choose_all(remote_t *r, const remote_sources_t *src, const want_pkg_t *const *wants,
                         size_t n, const char *python_version, const char *desc,
                         const tagset_t *tags, remote_choice_t *out);
void remote_choice_clear(remote_choice_t *c);

#endif
