/*
 * markeralg_impl: internals shared by the files of pkg/markeralg (markeralg.c: cubes and the
 * canonical form; markeralg_conv.c: markers to values, text, evaluation, within;
 * markeralg_ver.c: the Python version sets). Not for use outside pkg/markeralg*.c.
 */
#ifndef VENVSYNC_PKG_MARKERALG_IMPL_H
#define VENVSYNC_PKG_MARKERALG_IMPL_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/markeralg.h"
#include "pkg/marker.h"
#include "pkg/version.h"
#include "util/buf.h"

/* Version variables: python_full_version (with python_version folded in) and
 * implementation_version. */
enum { MA_PY, MA_IMPL, MA_NVV };

/* String variables with value sets, indexed by slot. */
#define MA_NSV 9
extern const marker_var_t MA_SVARS[MA_NSV];
int ma_slot(marker_var_t var);      /* -1 for variables without a slot */
int ma_rank(marker_var_t var);      /* display order */

/* A set of versions (a pkg/range set restricted to three-component final releases).
 * Owned by its cube. */
typedef struct vcon vcon_t;

void vc_free(vcon_t *v);
vcon_t *vc_copy(const vcon_t *v);
vcon_t *vc_and(const vcon_t *a, const vcon_t *b);
vcon_t *vc_or(const vcon_t *a, const vcon_t *b);
vcon_t *vc_not(const vcon_t *a);
bool vc_is_empty(const vcon_t *v);
bool vc_is_full(const vcon_t *v);
bool vc_subset(const vcon_t *a, const vcon_t *b);
/* Total order; NULL (any) last. */
int vc_cmp(const vcon_t *a, const vcon_t *b);
/* Whether the version (taken as its three-component final release) is in v. */
bool vc_contains(const vcon_t *v, const version_t *ver);
/* The set an atom on a version variable stands for (python_version folded into
 * python_full_version); NULL when marker_eval compares it as strings (an opaque atom). */
vcon_t *vc_from_atom(const marker_atom_t *a);
/* The region's Python range (marker_region_python); NULL with *why (malloc'd) when invalid. */
vcon_t *vc_from_region(const marker_region_t *region, char **why);
/* Everything from / up to (excluding) the lower / upper bound of v's first / last interval:
 * the set with that side relaxed. Returns NULL when there is nothing to relax. */
vcon_t *vc_relax_lower(const vcon_t *v);
vcon_t *vc_relax_upper(const vcon_t *v);
/* Appends v as PEP 508 text on variable `var` ("python" picks python_version or
 * python_full_version per bound; else implementation_version) to b; paren: wrap a
 * disjunction in parentheses. */
void vc_render(buf_t *b, const vcon_t *v, bool python, bool paren);

/* A string variable's constraint: any value, one of v[], or none of v[] (v sorted, unique,
 * owned). */
enum { SC_ANY, SC_IN, SC_NOTIN };
typedef struct scon {
    int kind;
    char **v;
    size_t n;
} scon_t;

void sc_free(scon_t *s);
void sc_copy(scon_t *dst, const scon_t *src);
bool sc_has(const scon_t *s, const char *v);
void sc_and(scon_t *out, const scon_t *a, const scon_t *b);
void sc_or(scon_t *out, const scon_t *a, const scon_t *b);
void sc_not(scon_t *out, const scon_t *a);
bool sc_contains(const scon_t *s, const char *v);
int sc_cmp(const scon_t *a, const scon_t *b);

/* An opaque atom with a polarity. For atoms PEP 508 can negate exactly, the stored op is the
 * canonical one of the pair (in, ==, <, <=) and the other is neg; `exact` says whether
 * rendering neg with the complementary operator is exact. lit is owned. */
typedef struct lit {
    marker_var_t var;
    marker_op_t op;
    bool var_left;
    bool neg;
    bool exact;
    char *lit;
} lit_t;

int lit_key_cmp(const lit_t *a, const lit_t *b);
int lit_cmp(const lit_t *a, const lit_t *b);
bool lit_at(const lit_t *l, const char *v);

typedef struct cube {
    vcon_t *ver[MA_NVV];    /* NULL = any */
    scon_t s[MA_NSV];
    lit_t *lits;
    size_t nlits, caplits;
    unsigned mask;          /* set by cube_norm: bit v for each variable v constrained */
} cube_t;

cube_t *cube_new(void);
cube_t *cube_copy(const cube_t *c);
void cube_free(cube_t *c);
void cube_add_lit(cube_t *c, const lit_t *l);
bool cube_norm(cube_t *c);
bool cube_is_top(const cube_t *c);
cube_t *cube_and(const cube_t *a, const cube_t *b);
bool cube_subset(const cube_t *a, const cube_t *b);
int cube_cmp(const cube_t *a, const cube_t *b);

/* Values. */
markeralg_t *ma_from_cubes(cube_t **cubes, size_t n);   /* takes the cubes */
markeralg_t *ma_from_cube(cube_t *c);
size_t ma_count(const markeralg_t *a);
/* Whether cube c lies inside a (inside one of its prime implicants). */
bool ma_covers(const markeralg_t *a, const cube_t *c);
const cube_t *ma_cube(const markeralg_t *a, size_t i);

#endif
