/*
 * pubgrub_int: the solver's state, shared by pubgrub.c (solving) and pubgrub_explain.c (error
 * reporting). Not part of the public interface.
 *
 * Terms: `p ∈ r` (pos) or `p ∉ r` (!pos: p is not selected or selected outside r). The term
 * that allows anything is {pos = false, r = empty}.
 *
 * Incompatibilities live in one array and are never removed (derivations and the derivation
 * graph point at them by index); one merged into a newer one is marked dead and skipped by
 * propagation. Each package's list `incs` holds the ids of the live ones that mention it, oldest
 * first.
 */
#ifndef VENVSYNC_RESOLVE_PUBGRUB_INT_H
#define VENVSYNC_RESOLVE_PUBGRUB_INT_H
#include "resolve/pubgrub.h"

typedef struct term {
    bool pos;
    vrange_t r;
} term_t;

typedef struct iterm {
    int pkg;
    term_t t;
} iterm_t;

enum {
    INC_ROOT,           /* {not root == v0} */
    INC_NO_VERSIONS,    /* {p ∈ R}: the provider has no version in R */
    INC_UNAVAILABLE,    /* {p ∈ R}: versions that cannot be used (reason) */
    INC_DEPENDENCY,     /* {p ∈ R, not q ∈ Q}: p in R depends on q in Q (why) */
    INC_DERIVED,        /* learned from cause1 (the conflict) and cause2 (the satisfier's cause) */
};

typedef struct incompat {
    int kind;
    size_t n;
    iterm_t *terms;
    int cause1, cause2;         /* INC_DERIVED */
    const char *why;            /* INC_DEPENDENCY: provider label or NULL */
    char *reason;               /* INC_UNAVAILABLE: owned */
    int dep_pkg;                /* INC_DEPENDENCY: the dependee q ... */
    vrange_t dep_range;         /* ... and Q, kept for messages when the term was dropped */
    bool dead;                  /* merged into a newer incompatibility */
    int contradicted;           /* decision level at which found contradicted, or -1 */
} incompat_t;

/* One assignment of a package in the partial solution. */
typedef struct passign {
    size_t gidx;                /* position in the whole partial solution */
    int level;                  /* decision level */
    int cause;                  /* incompatibility id; -1 for a decision */
    term_t term;                /* the assignment itself */
    term_t accum;               /* intersection of the package's assignments up to this one */
} passign_t;

typedef struct pkgstate {
    passign_t *as;              /* assignments, oldest first */
    size_t nas, capas;
    const version_t *decided;   /* set while the last assignment is a decision */
    int *incs;                  /* live incompatibilities mentioning the package */
    size_t ninc, capinc;
    long seen;                  /* first-seen order, -1 before */
    int hint;                   /* provider priority */
    int affected, culprit;      /* conflict counters (uv's conflict tracking) */
    int conflict_class;         /* 1: decide early (lost conflicts), -1: late (caused them) */
    int *culprits;              /* the culprits when it reached the threshold */
    size_t nculprits;
    vrange_t queried;           /* versions whose dependencies are already incompatibilities */
    unsigned gen;               /* heap generation: older heap entries are stale */
    bool in_changed;
    bool pending_sent;
} pkgstate_t;

typedef struct heapent {
    int pkg;
    unsigned gen;
    int hint, conflict_class;
    long seen;
} heapent_t;

typedef struct depkey {
    long long key;              /* (depender << 32) | dependee, or -1 for an empty slot */
    int *ids;                   /* dependency incompatibilities for the pair */
    size_t n, cap;
} depkey_t;

struct pubgrub_result {
    pubgrub_provider_t prov;
    int root;
    const version_t *root_version;

    pkgstate_t *pk;
    size_t npk;

    incompat_t *inc;
    size_t ninc, capinc;

    int *trail;                 /* package of each assignment, in order */
    size_t ntrail, captrail;
    int level;

    heapent_t *heap;
    size_t nheap, capheap;
    long next_seen;

    int *changed;               /* unit propagation work list */
    size_t nchanged, capchanged;

    int *contra;                /* incompatibilities marked contradicted, in order */
    size_t ncontra, capcontra;

    depkey_t *deps;             /* open addressing on (depender, dependee) */
    size_t ndeps, capdeps;

    int backtrack_to;           /* pending conflict-priority backtrack, or -1 */

    bool solved;
    int failure;                /* the terminal incompatibility of a failed solve */
    int *sol_pkg;
    const version_t **sol_ver;
    size_t nsol;

    pubgrub_stats_t stats;
};

/* Term helpers shared with the explainer. */
bool pg_term_is_any(const term_t *t);
/* The term of pkg in incompatibility i, or NULL. */
const term_t *pg_inc_term(const incompat_t *i, int pkg);

#endif
