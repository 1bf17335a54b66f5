/*
 * marker: PEP 508 environment markers ("python_version < '3.11' and sys_platform == 'linux'").
 *
 * A marker_t is parsed once into an expression tree and is immutable afterwards: evaluating it
 * any number of times against any environment allocates at most a few short-lived specifiers.
 * marker_free() releases it. The tree owns copies of every literal; it keeps no pointer into
 * the text it was parsed from, nor into any environment.
 *
 * Grammar (as pypa/packaging's parser): `or` of `and`s of atoms; `and` binds tighter than `or`;
 * an atom is `( marker )` or `VAR OP 'literal'` / `'literal' OP VAR`. OP is one of
 * == != <= >= < > ~= === in `not in`. Literals are single- or double-quoted without escapes.
 * Whitespace is spaces and tabs. Variables: the 11 PEP 508 names plus `extra`; the dotted
 * legacy spellings os.name, sys.platform, platform.version, platform.machine,
 * platform.python_implementation and `python_implementation` are accepted as aliases. Any other
 * name is a parse error, as is an atom with two literals or two variables. Nesting deeper than
 * MARKER_MAX_DEPTH parentheses is rejected (markers come from untrusted wheel metadata).
 * Lock-file markers (marker_parse_lock, PEP 751) also accept the set-valued variables `extras`
 * and `dependency_groups` and reject `extra`.
 *
 * Evaluation (packaging's semantics, with the string fallback of newer releases):
 * - `in` / `not in`: substring test (`'linux' in sys_platform` is strstr(sys_platform, "linux")).
 * - other operators, when the literal side forms a valid specifier with the operator and the
 *   other side parses as a PEP 440 version: the specifier decides, pre-releases allowed. The
 *   operand order is respected: `'3.8' < python_version` holds for python_version "3.11".
 * - otherwise ==, != are string equality, <, <=, >, >= compare bytes (Python's str order),
 *   === is case-insensitive equality, and ~= is an error (UndefinedComparison in packaging).
 * - `extra`: both sides are normalized (PEP 685, PEP 503 rules) and compared as strings.
 * - `extras`, `dependency_groups` (lock files only): `"x" in extras` holds when the normalized
 *   name x is in the set, `"x" not in extras` when it is not; every other comparison with them
 *   (`extras == "x"`, `extras in "x"`, `"x" < extras` ...) is false, never an error.
 */
#ifndef VENVSYNC_PKG_MARKER_H
#define VENVSYNC_PKG_MARKER_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/range.h"
#include "pkg/version.h"
#include "util/err.h"

#define MARKER_MAX_DEPTH 64

/* The values a marker is evaluated against (the target interpreter's, not venvsync's). The
 * struct borrows its strings. A NULL field evaluates as "". `extra` is NULL or "" outside the
 * evaluation of a distribution's Requires-Dist for a requested extra. */
typedef struct marker_env {
    const char *os_name;                        /* os.name: "posix" */
    const char *sys_platform;                   /* sys.platform: "linux" */
    const char *platform_machine;               /* platform.machine(): "x86_64" */
    const char *platform_python_implementation; /* "CPython" */
    const char *platform_release;               /* platform.release() */
    const char *platform_system;                /* platform.system(): "Linux" */
    const char *platform_version;               /* platform.version() */
    const char *python_version;                 /* "3.12" */
    const char *python_full_version;            /* "3.12.1" */
    const char *implementation_name;            /* sys.implementation.name: "cpython" */
    const char *implementation_version;         /* "3.12.1" */
    const char *extra;
    /* Lock files only: the extras and dependency groups selected for this install, as
     * NULL-terminated lists of names (any spelling: compared normalized). NULL = empty set. */
    const char *const *extras;
    const char *const *dependency_groups;
} marker_env_t;

/* The marker variables (aliases parse to these) and operators, for walking a parsed marker. */
typedef enum marker_var {
    MARKER_VAR_OS_NAME,
    MARKER_VAR_SYS_PLATFORM,
    MARKER_VAR_PLATFORM_MACHINE,
    MARKER_VAR_PLATFORM_PYTHON_IMPLEMENTATION,
    MARKER_VAR_PLATFORM_RELEASE,
    MARKER_VAR_PLATFORM_SYSTEM,
    MARKER_VAR_PLATFORM_VERSION,
    MARKER_VAR_PYTHON_VERSION,
    MARKER_VAR_PYTHON_FULL_VERSION,
    MARKER_VAR_IMPLEMENTATION_NAME,
    MARKER_VAR_IMPLEMENTATION_VERSION,
    MARKER_VAR_EXTRA,
    MARKER_VAR_EXTRAS,            /* lock files only */
    MARKER_VAR_DEPENDENCY_GROUPS, /* lock files only */
    MARKER_NVARS
} marker_var_t;

typedef enum marker_op {
    MARKER_OP_EQ, MARKER_OP_NE, MARKER_OP_LE, MARKER_OP_GE, MARKER_OP_LT, MARKER_OP_GT,
    MARKER_OP_COMPAT, MARKER_OP_ARB, MARKER_OP_IN, MARKER_OP_NOTIN
} marker_op_t;

/* "os_name", ... (the canonical spelling); "==", "not in", ... Static strings. */
const char *marker_var_name(marker_var_t var);
const char *marker_op_text(marker_op_t op);

typedef struct marker marker_t;

/* Parses text (the part after ';' in a requirement). On failure returns an EXIT_USAGE error
 * ("invalid marker ...: expected ... at column N", 1-based) and, when errpos is not NULL,
 * stores the 0-based byte offset of the problem in text. *out is NULL on failure. */
err_t *marker_parse(const char *text, marker_t **out, size_t *errpos);

/* Low-level form for embedding parsers (req.c): parses s[start..end) as a marker; on failure
 * returns false with *errmsg (malloc'd, no position in it) and *errpos an offset into s. */
bool marker_parse_span(const char *s, size_t start, size_t end, marker_t **out, size_t *errpos,
                       char **errmsg);

/* Evaluates m against env. Fails (EXIT_USAGE) only for comparisons PEP 508 leaves undefined
 * (`os_name ~= "posix"`); *result is then false. */
err_t *marker_eval(const marker_t *m, const marker_env_t *env, bool *result);

/* Requires-Dist rule (as pip): with no extras requested, evaluates with extra = ""; otherwise
 * true iff the marker holds for at least one of the requested extras. env->extra is ignored. */
err_t *marker_eval_extras(const marker_t *m, const marker_env_t *env, char *const *extras,
                          size_t nextras, bool *result);

/* Whether the marker mentions the `extra` variable anywhere. */
bool marker_uses_extra(const marker_t *m);

/* Parses a PEP 751 lock-file marker (`packages.marker`, `environments`): as marker_parse, and
 * also accepts `extras` and `dependency_groups`, while `extra` is an error ("the legacy 'extra'
 * variable is not allowed in lock-file markers", errpos at the variable). */
err_t *marker_parse_lock(const char *text, marker_t **out, size_t *errpos);

/* Whether the marker mentions `extras` or `dependency_groups` (only lock markers can). */
bool marker_uses_sets(const marker_t *m);

/* ---- Walking a parsed marker (for pkg/markeralg) ---- */

/* One comparison. `lit` is the quoted string's content, normalized (PEP 503) for extra, extras
 * and dependency_groups; it points into the marker and lives as long as the marker does. */
typedef struct marker_atom {
    marker_var_t var;
    marker_op_t op;
    bool var_left;          /* `VAR op "lit"` (true) or `"lit" op VAR` */
    const char *lit;
} marker_atom_t;

typedef enum { MARKER_NODE_ATOM, MARKER_NODE_AND, MARKER_NODE_OR } marker_node_t;

/* What m is: an atom (copied to *atom when atom is not NULL), or the `and` / `or` of *l and *r
 * (set when not NULL; NULL for an atom). */
marker_node_t marker_node(const marker_t *m, const marker_t **l, const marker_t **r,
                          marker_atom_t *atom);

/* Evaluates the single comparison a against env exactly as marker_eval evaluates it inside a
 * marker (same semantics, same errors). a->lit must be as marker_node gives it. */
err_t *marker_atom_eval(const marker_atom_t *a, const marker_env_t *env, bool *result);

/* When marker_eval compares a `VAR op "lit"` atom as versions (its variable value permitting):
 * the one-specifier set "op lit", which the caller frees; NULL when the atom is always compared
 * as strings (op+lit is no valid specifier, `in`/`not in`, reversed operands, extra, sets). */
specset_t *marker_atom_spec(const marker_atom_t *a);

/* For an atom on python_version, python_full_version or implementation_version: the set of
 * python_full_version (for the first two) or implementation_version values for which it holds,
 * in the model of final three-component releases (see marker_region_t): `python_version <=
 * "3.11"` is [-inf, 3.12.0), `"3.8" < python_version` is [3.9.0, inf), `python_version in
 * "2.7 3.4"` is [2.7.0, 2.8.0) U [3.4.0, 3.5.0) U (every minor whose text occurs in the
 * string). Every bound is a three-component final release, lower bounds inclusive, upper
 * exclusive, and nothing below 0.0.0 is kept, so two atoms that agree on every final release
 * give equal sets. Returns false (and *out empty) when marker_eval compares the atom as strings
 * (`python_version < "3.*"`, `===`, reversed operands whose literal is not a final release). */
bool marker_atom_versions(const marker_atom_t *a, vrange_t *out);

/* Sets the string variable var of env to value (borrowed). var must not be EXTRAS or
 * DEPENDENCY_GROUPS. */
void marker_env_set(marker_env_t *env, marker_var_t var, const char *value);
/* The value of string variable var in env (NULL when unset). */
const char *marker_env_get(const marker_env_t *env, marker_var_t var);

/* ---- Regions: partial environments, three-valued evaluation ---- */

typedef enum { MARKER_FALSE = 0, MARKER_TRUE = 1, MARKER_MAYBE = 2 } marker_tri_t;

#define MARKER_REGION_VERSION_MAX 32

/* A set of environments: what is known about a target, e.g. "Linux, x86_64, CPython 3.11.*".
 * - env: a NULL field is unknown (any value), unlike in marker_eval where NULL means "". The
 *   fields python_version, python_full_version and implementation_version are ignored:
 *   the Python version is the range below. `extra`: NULL unknown, "" no extra (as
 *   marker_eval_extras with none requested), else that extra. `extras`, `dependency_groups`:
 *   NULL unknown, else the known set (an empty set is a list holding only NULL).
 * - python_lo <= python_full_version < python_hi, as PEP 440 versions; "" leaves that side
 *   unbounded (both "" = unknown Python). Python versions are modeled as final releases (a
 *   3.13.0rc1 interpreter counts as 3.13.0, as uv does), so [3.11, 3.12) is "any 3.11.x".
 *   python_version is known (its major.minor) when the range lies within one minor.
 *   implementation_version follows python_full_version when implementation_name is known to
 *   be "cpython", and is unknown otherwise.
 * The struct borrows env's strings and owns the two bound strings. */
typedef struct marker_region {
    marker_env_t env;
    char python_lo[MARKER_REGION_VERSION_MAX];
    char python_hi[MARKER_REGION_VERSION_MAX];
} marker_region_t;

/* The region's Python range in the same model as marker_atom_versions (the full set when both
 * bounds are ""). False with *why (malloc'd) when a bound is not a version or the range has
 * no final release. */
bool marker_region_python(const marker_region_t *region, vrange_t *out, char **why);

/* python_version's value in the region ("3.11", written to out[n]) when the region's Python
 * range lies within one minor; false otherwise (or when the range is invalid). */
bool marker_region_python_version(const marker_region_t *region, char *out, size_t n);

/* Evaluates m over every environment of the region: TRUE (holds in all of them), FALSE (in
 * none) or MAYBE (depends on what is unknown). Kleene logic over the atoms: an atom is decided
 * when the region fixes it (`python_full_version >= "3.11.2"` is MAYBE in [3.11, 3.12), TRUE in
 * [3.12, 3.13)); `and`/`or` combine TRUE/FALSE/MAYBE (MAYBE and FALSE is FALSE). So the answer
 * is sound but can be MAYBE for a marker that is in fact decided (`os_name < "a" or os_name >=
 * "a"` with os_name unknown); pkg/markeralg decides more. Errors as marker_eval, only for
 * comparisons whose values are all known; an unparsable python bound is an EXIT_USAGE error. */
err_t *marker_eval_region(const marker_t *m, const marker_region_t *region,
                          marker_tri_t *result);

/* The standard lock targets. */
typedef enum { MARKER_OS_LINUX, MARKER_OS_MACOS, MARKER_OS_WINDOWS } marker_os_t;
typedef enum { MARKER_ARCH_X86_64, MARKER_ARCH_ARM64 } marker_arch_t;

/* "linux", "macos", "windows" / "x86_64", "arm64" (static). */
const char *marker_os_name(marker_os_t os);
const char *marker_arch_name(marker_arch_t arch);

/* The region of CPython major.minor (any patch) on os/arch, with the values CPython reports
 * there: os_name posix|nt, sys_platform linux|darwin|win32, platform_system
 * Linux|Darwin|Windows, platform_machine x86_64|aarch64 (Linux), x86_64|arm64 (macOS),
 * AMD64|ARM64 (Windows), platform_python_implementation CPython, implementation_name cpython;
 * python [major.minor, major.(minor+1)). platform_release, platform_version, extra, extras and
 * dependency_groups are unknown. */
void marker_region_target(marker_os_t os, marker_arch_t arch, int major, int minor,
                          marker_region_t *out);

/* Canonical text: double-quoted literals, single spaces, parentheses only where `or` is nested
 * inside `and` ("python_version < \"3.11\" and (os_name == \"nt\" or extra == \"win\")").
 * Re-parsing it yields an equivalent marker. malloc'd. */
char *marker_str(const marker_t *m);

void marker_free(marker_t *m);

#endif
