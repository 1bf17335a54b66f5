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
 *
 * Evaluation (packaging's semantics, with the string fallback of newer releases):
 * - `in` / `not in`: substring test (`'linux' in sys_platform` is strstr(sys_platform, "linux")).
 * - other operators, when the literal side forms a valid specifier with the operator and the
 *   other side parses as a PEP 440 version: the specifier decides, pre-releases allowed. The
 *   operand order is respected: `'3.8' < python_version` holds for python_version "3.11".
 * - otherwise ==, != are string equality, <, <=, >, >= compare bytes (Python's str order),
 *   === is case-insensitive equality, and ~= is an error (UndefinedComparison in packaging).
 * - `extra`: both sides are normalized (PEP 685, PEP 503 rules) and compared as strings.
 */
#ifndef VENVSYNC_PKG_MARKER_H
#define VENVSYNC_PKG_MARKER_H
#include <stdbool.h>
#include <stddef.h>

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
} marker_env_t;

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

/* Canonical text: double-quoted literals, single spaces, parentheses only where `or` is nested
 * inside `and` ("python_version < \"3.11\" and (os_name == \"nt\" or extra == \"win\")").
 * Re-parsing it yields an equivalent marker. malloc'd. */
char *marker_str(const marker_t *m);

void marker_free(marker_t *m);

#endif
