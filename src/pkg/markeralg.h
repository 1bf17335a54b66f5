/*
 * markeralg: an algebra of environment markers (boolean functions of the marker variables),
 * for universal lock files: combine markers with and/or/not, decide equality, implication and
 * disjointness, simplify, evaluate in a region, and render back to PEP 508 text.
 *
 * A markeralg_t is an immutable value. Every function returning one returns a new value owned
 * by the caller (markeralg_free); inputs are never modified or retained.
 *
 * The model. Each value is a set of *cubes* (an OR of conjunctions) kept in canonical form:
 * - Python: python_version is folded into python_full_version the way uv does it, as a set
 *   of versions (pkg/range.h): `python_version < "3.11"` is python_full_version < 3.11,
 *   `python_version <= "3.11"` is < 3.12, `python_version == "3.11"` is [3.11, 3.12), `"3.8" <
 *   python_version` is >= 3.9, `python_version in "2.7 3.4"` is the set of minors whose text
 *   occurs in the string. implementation_version is a second version variable.
 *   Versions are modeled as final releases with three components (what CPython and PyPy
 *   report): a 3.13.0rc1 interpreter counts as 3.13.0 (as in uv). Exactly on those, the
 *   algebra agrees with marker_eval.
 * - The other variables (os_name, sys_platform, platform_machine, platform_system,
 *   platform_python_implementation, platform_release, platform_version, implementation_name,
 *   extra) hold, per cube, a set of allowed values or a set of excluded values, built from ==
 *   and != comparisons that marker_eval makes as plain strings. `extra` values are normalized.
 * - Everything else is an opaque atom, possibly negated: `in`/`not in` substring tests,
 *   string-order comparisons (<, <=, >, >=), comparisons that marker_eval makes as versions on
 *   non-Python variables (`platform_release >= "5.10"`), `===`, and the lock-file set atoms
 *   `"x" in extras` / `"x" in dependency_groups`. `VAR ~= "X.Y"` is rewritten as
 *   `VAR >= "X.Y" and VAR == "X.*"` (PEP 440's definition). Comparisons that are always false
 *   (`extras == "x"`) or undefined (`os_name ~= "posix"`, an error in marker_eval) are FALSE.
 *   Opaque atoms are independent of each other (`os_name < "a" and os_name > "b"` is not
 *   found FALSE); on a string variable, they are evaluated on the values its sets name
 *   (`"win" in sys_platform and sys_platform == "linux"` is FALSE, `sys_platform == "win32"`
 *   implies `"win" in sys_platform`) and free on every other value.
 * Canonical form: the set of all prime implicants (Blake canonical form) in the model above,
 * sorted. Contradictory cubes vanish, subsumed ones are dropped, and cubes that differ in one
 * variable are merged by consensus: `python_version < "3.10" or python_version >= "3.10"` is
 * TRUE, `sys_platform == "linux" or sys_platform == "darwin"` one cube with a two-value set.
 * The form is unique per function (markeralg_equal is equality, is_true / is_false /
 * implies / disjoint are exact in the model) unless some string variable has both a value set
 * and an opaque atom in the value: then what is found depends on which values are named (a
 * `"win" in sys_platform` cube covers "darwin" only where "darwin" is named), and two forms of
 * one function may differ; those answers stay sound (true is proven) but may miss.
 * Fixed points: iterate m <- m or step(m) and stop when markeralg_implies(step(m), m). This
 * terminates for every input: each round either adds a cube that no cube of m contains, or
 * stops, and the cubes are built from the finitely many bounds, values and atoms of the inputs.
 *
 * Sizes: the canonical form of typical lock markers (a handful of variables) has a few cubes,
 * and the union of the 6 standard targets over 5 Python minors has 3. The number of prime
 * implicants can grow exponentially with the number of variables a value mixes, and `not`
 * multiplies out a conjunction of disjunctions: keep long chains of `not` off big values.
 */
#ifndef VENVSYNC_PKG_MARKERALG_H
#define VENVSYNC_PKG_MARKERALG_H
#include <stdbool.h>

#include "pkg/marker.h"
#include "util/err.h"

typedef struct markeralg markeralg_t;

/* How FALSE renders: an always-false marker that pypa/packaging parses (entries whose marker
 * is FALSE should be dropped instead of written). markeralg_parse of it gives FALSE. */
#define MARKERALG_FALSE_TEXT "python_version < \"0\""

markeralg_t *markeralg_true(void);
markeralg_t *markeralg_false(void);
markeralg_t *markeralg_copy(const markeralg_t *a);
void markeralg_free(markeralg_t *a);

/* The function a parsed marker (marker_parse or marker_parse_lock) computes. NULL = TRUE. */
markeralg_t *markeralg_from_marker(const marker_t *m);
/* Convenience: parses text (lock syntax when lock is true) and converts it. "" is TRUE. */
err_t *markeralg_parse(const char *text, bool lock, markeralg_t **out);
/* The set of environments a region describes: its Python range and known string values.
 * implementation_version, extras and dependency_groups are left free (they add nothing on
 * real CPython targets, and constraining implementation_version per minor would keep the
 * regions of consecutive minors from merging). */
err_t *markeralg_from_region(const marker_region_t *region, markeralg_t **out);

markeralg_t *markeralg_and(const markeralg_t *a, const markeralg_t *b);
markeralg_t *markeralg_or(const markeralg_t *a, const markeralg_t *b);
markeralg_t *markeralg_not(const markeralg_t *a);

/* Whether the canonical form is FALSE (no cube) / TRUE (the empty cube). See above for when
 * these are exact; a true answer is always right. */
bool markeralg_is_false(const markeralg_t *a);
bool markeralg_is_true(const markeralg_t *a);
/* Structural equality of the canonical forms (see above). */
bool markeralg_equal(const markeralg_t *a, const markeralg_t *b);
/* A total order on canonical forms (for sorting), consistent with markeralg_equal. */
int markeralg_cmp(const markeralg_t *a, const markeralg_t *b);
/* a and b have no environment in common / every environment of a is one of b. A true answer
 * is proven; false is exact in the model except as noted above. Both are cheap (no negation:
 * a cube lies inside b exactly when it lies inside one of b's prime implicants). */
bool markeralg_disjoint(const markeralg_t *a, const markeralg_t *b);
bool markeralg_implies(const markeralg_t *a, const markeralg_t *b);

/* A simpler value that agrees with a on every environment of universe: constraints that
 * every environment of the universe satisfies are dropped or relaxed, cubes outside it
 * removed. Within `python_version >= "3.9"`, `python_version >= "3.8" and os_name == "nt"`
 * becomes `os_name == "nt"`. Postcondition: (result and universe) == (a and universe). */
markeralg_t *markeralg_within(const markeralg_t *a, const markeralg_t *universe);

/* PEP 508 text a person reads in a lock-file diff and pypa/packaging parses: cubes joined by
 * `or`, constraints by `and`; a Python range as `python_version >= "3.10"` / `python_version <
 * "3.12"` / `python_version == "3.11"` when its bounds are whole minors and python_full_version
 * otherwise; a value set as `sys_platform == "linux" or sys_platform == "darwin"`
 * (parenthesised inside `and`), an excluded set as `os_name != "nt" and ...`. TRUE renders as
 * "" (no marker), FALSE as MARKERALG_FALSE_TEXT. malloc'd.
 * When exact is not NULL it is set to whether the text computes exactly a in the model: the
 * negation of an opaque atom PEP 508 cannot negate (`===`, and <, <=, >, >= that marker_eval
 * may compare as versions on a non-Python variable) renders with the complementary operator
 * (`!=`, >=, >, <, <=), which differs from it on values that are pre-, post- or local
 * releases of the literal; only then is *exact false. When exact, parsing the text and
 * converting it gives a value equal to a. */
char *markeralg_str(const markeralg_t *a, bool *exact);

/* Evaluates a in a concrete environment (env->python_full_version and, when a constrains
 * it, env->implementation_version must be versions: else an EXIT_USAGE error). */
err_t *markeralg_eval(const markeralg_t *a, const marker_env_t *env, bool *result);

/* Three-valued evaluation over a region (see marker_eval_region): TRUE when a holds in every
 * environment of the region, FALSE in none, else MAYBE; decided in the model, so at least as
 * decisive as marker_eval_region on the marker a came from and never contradicting it. */
err_t *markeralg_eval_region(const markeralg_t *a, const marker_region_t *region,
                             marker_tri_t *result);

#endif
