/*
 * target: an interpreter's facts (interp.h) in the terms the packaging standards use: its PEP 425
 * tag set, its PEP 508 marker environment, and the one-line description messages name it by.
 * Everything above python/ that chooses wheels or evaluates markers takes these values, never an
 * interp_t. Pure; what is returned borrows from py unless it says malloc'd.
 */
#ifndef VENVSYNC_PYTHON_TARGET_H
#define VENVSYNC_PYTHON_TARGET_H
#include "pkg/marker.h"
#include "pkg/tags.h"
#include "python/interp.h"

/* interp_t -> tag_facts_t as tags.h documents: implementation, version, abiflags (a 't' / 'd'
 * added from freethreaded/debug when sys.abiflags lacks them, as on Windows), soabi, system =
 * sys_platform, machine, pointer_bits, libc + version, platform = sysconfig platform. macOS:
 * interp_t has no mac_ver, so the version comes from the Darwin kernel release
 * (m_platform_release): Darwin 20+ is macOS (N-9).0, Darwin 4..19 is 10.(N-4). The strings
 * point into py and into `buf` (storage for derived values), which must both outlive *f. */
void target_tag_facts(const interp_t *py, tag_facts_t *f, char buf[32]);
/* tagset_new(target_tag_facts(py)); free with tagset_free(). */
tagset_t *target_tagset(const interp_t *py);
/* "cpython 3.11 on linux-x86_64" ("3.13t" when free-threaded); malloc'd. */
char *target_desc(const interp_t *py);
/* Fills *env with borrowed pointers to py's m_* fields (extra = NULL). */
void target_marker_env(const interp_t *py, marker_env_t *env);

#endif
