/*
 * version: PEP 440 versions and version specifiers.
 *
 * A version_t is parsed from text and owns its arrays; version_free() releases them. Parsing
 * accepts every spelling PEP 440 normalises ("v1.0", "1.0-post1", "1.0RC1", "1.0.dev", local
 * labels with - and _) and rejects anything else. Ordering follows the PEP's sort key.
 *
 * A version_t may also be a *sentinel* (field `sentinel`), a point between versions that
 * pkg/range uses as an interval bound. version_parse never produces one; version_cmp orders them;
 * version_str prints them with a recognisable suffix, for debugging only.
 *
 * A specset_t is a comma-separated AND of specifiers (==, !=, <=, >=, <, >, ~=, ===, and ==X.*
 * / !=X.*), opaque, immutable after parsing, freed with specset_free().
 */
#ifndef VENVSYNC_PKG_VERSION_H
#define VENVSYNC_PKG_VERSION_H
#include <stdbool.h>
#include <stddef.h>

typedef struct version {
    long epoch;
    long *release;      /* at least one component */
    size_t nrelease;
    char pre_kind;      /* 0 (none), 'a', 'b' or 'r' (rc) */
    long pre;           /* meaningful when pre_kind != 0 */
    long post;          /* -1 when absent */
    long dev;           /* -1 when absent */
    char *local;        /* normalised local label ("ubuntu.1") or NULL */
    int sentinel;       /* VERSION_NORMAL (0) for every parsed version; see below */
} version_t;

/*
 * Sentinels (uv's version_ranges bounds). Each is built from a normal version V by setting
 * `sentinel`; only the fields named below take part in the ordering.
 *   VERSION_MIN        "V.MIN": below every version with V's epoch and release (its dev and
 *                      pre-releases included), above everything smaller. Only epoch and release
 *                      count.
 *   VERSION_MAX        "V.MAX": above V, V's post-releases and their local variants (and, for V a
 *                      final release, V's pre-releases); below anything greater. V has no post,
 *                      dev or local part (they are ignored).
 *   VERSION_LOCAL_MAX  "V+localMAX": above V and every V+local; below anything greater. V has no
 *                      local part (it is ignored).
 * A sentinel never compares equal to a normal version.
 */
enum { VERSION_NORMAL = 0, VERSION_MIN, VERSION_MAX, VERSION_LOCAL_MAX };

/* Parses s; on failure returns false and leaves *out zeroed (safe to version_free). */
bool version_parse(const char *s, version_t *out);
void version_free(version_t *v);
/* <0, 0, >0 by PEP 440 ordering (1.0 == 1.0.0), sentinels included. */
int version_cmp(const version_t *a, const version_t *b);
/* Canonical text ("1.0rc1.post2.dev3+abc"), malloc'd. Sentinels print as "1.0.MIN", "1.0.MAX",
 * "1.0+localMAX": for debugging, not PEP 440. */
char *version_str(const version_t *v);
bool version_is_prerelease(const version_t *v);   /* has pre or dev */

typedef struct specset specset_t;

/* Parses "", ">=3.10,<3.13", "==1.2.*", "~=2.2" ... On failure returns false and sets *why to a
 * malloc'd explanation naming the bad specifier. The empty string is the set that matches all. */
bool specset_parse(const char *s, specset_t **out, char **why);
/* Whether v satisfies every specifier. Pre-releases are accepted when allow_pre is true or when
 * a specifier names a pre-release itself (PEP 440's rule). */
bool specset_contains(const specset_t *s, const version_t *v, bool allow_pre);
/* Convenience: parses text as a version first; false when it does not parse. */
bool specset_contains_str(const specset_t *s, const char *version, bool allow_pre);
/* Number of specifiers in the set (0 for ""). */
size_t specset_count(const specset_t *s);
/* The operator and version text of specifier i (e.g. "==", "1.2.*"). */
void specset_item(const specset_t *s, size_t i, const char **op, const char **ver);
void specset_free(specset_t *s);

#endif
