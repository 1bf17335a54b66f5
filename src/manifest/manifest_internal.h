/*
 * manifest_internal: what the three files of the manifest parser share. Private: only
 * src/manifest/manifest*.c include it; everyone else uses manifest.h.
 *
 *   manifest.c        the schema: which keys exist where, the walk over the top level, 'index'
 *                     and each environment, and the entry points (load, parse, free, find)
 *   manifest_yaml.c   reading the libyaml document: problems collected with their positions
 *                     and returned sorted as one err_t chain, parser errors, node helpers,
 *                     mappings with merge keys, and typed values (string, boolean, enum, list,
 *                     path, Python request) that report what is wrong with them
 *   manifest_envs.c   the checks across environments: copy-from targets and cycles, the Python
 *                     request a copy inherits, paths that coincide or nest
 *
 * A ctx_t lives for one manifest_parse(): it borrows the text, the directory and the
 * environment lookup, and owns the problems until mf_problems_to_err() hands them over. Nodes
 * belong to the libyaml document, which outlives every pair_t and node pointer taken from it.
 */
#ifndef VENVSYNC_MANIFEST_MANIFEST_INTERNAL_H
#define VENVSYNC_MANIFEST_MANIFEST_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "manifest/manifest.h"
#include "util/buf.h"
#include "util/env.h"
#include "util/err.h"

/* ---- problems and nodes (manifest_yaml.c) -------------------------------------------------- */

typedef struct problem {
    mf_pos_t pos;
    size_t seq;                  /* order of reporting, to sort stably */
    char *msg;
} problem_t;

typedef struct ctx {
    const char *text;
    size_t len;
    const char *dir;             /* manifest's directory, absolute */
    const env_lookup_t *env;     /* for ~ and ${VAR} in paths */
    yaml_document_t *doc;
    problem_t *probs;
    size_t nprobs, capprobs;
} ctx_t;

/* Where a node starts (1-based); {0, 0} for NULL. */
mf_pos_t mf_npos(const yaml_node_t *n);
/* Records a problem at pos / at node n. */
void mf_report_at(ctx_t *c, mf_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mf_report(ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Forgets every problem reported so far. */
void mf_drop_problems(ctx_t *c);
/* The problems sorted by position, duplicates dropped, as one err_t chain (NULL when none),
 * each "FILE:LINE:COL: message" with FILE shown relative to the cwd when below it. Frees them. */
err_t *mf_problems_to_err(ctx_t *c, const char *path);
/* Reports why libyaml's parser stopped. */
void mf_yaml_problem(ctx_t *c, const yaml_parser_t *p);

/* The node with index i of the document, or NULL. */
yaml_node_t *mf_node(ctx_t *c, int i);
/* A scalar's text. */
const char *mf_sval(const yaml_node_t *n);
bool mf_is_plain(const yaml_node_t *n);       /* an unquoted scalar */
bool mf_is_null(const yaml_node_t *n);        /* "", "~", "null", "Null", "NULL", unquoted */
/* "a list", "a mapping", "empty (null)", "'text'" for messages. Returns static or b's text. */
const char *mf_describe(const yaml_node_t *n, buf_t *b);
/* The index of k in keys[0..n), or -1. */
int mf_key_id(const char *k, const char *const *keys, int n);

typedef struct pair {
    yaml_node_t *key, *val;
    const char *name;            /* the key's text */
    bool merged;                 /* came in through a merge key (<<) */
} pair_t;

typedef struct pairs {
    pair_t *v;
    size_t n, cap;
} pairs_t;

/* Collects a mapping's pairs into out: its own first, then those merged in with "<<", in order;
 * keys that are not strings are reported and skipped. Call with merged false, depth 0. */
void mf_collect(ctx_t *c, yaml_node_t *map, pairs_t *out, bool merged, int depth);
void mf_pairs_free(pairs_t *p);

/* Names the key in messages ("'exact' in environment 'dev'"); the text is only built when there
 * is something to report. */
typedef struct what {
    const char *key;
    const char *env;             /* in this environment, or NULL */
    bool index;                  /* in 'index' */
} what_t;

/* Reports a problem with the value of w at node n (item > 0: its item-th list item); fmt
 * continues the sentence "item N of 'key' in environment 'env'". */
void mf_reportw(ctx_t *c, const yaml_node_t *n, const what_t *w, size_t item, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
/* The typed value of v, or a report and NULL / false / -1. */
const char *mf_get_string(ctx_t *c, const yaml_node_t *v, const what_t *w);
bool mf_get_bool(ctx_t *c, const yaml_node_t *v, const what_t *w, bool *out);
int mf_get_enum(ctx_t *c, const yaml_node_t *v, const what_t *w, const char *const *vals, int n);
/* raw with ~ and ${VAR} expanded, made absolute against the manifest's directory; malloc'd. */
char *mf_resolve_path(ctx_t *c, const yaml_node_t *n, const char *raw, const what_t *w);
/* A list of non-empty strings: its item nodes (malloc'd, *n of them), or a report and NULL. */
yaml_node_t **mf_get_list(ctx_t *c, yaml_node_t *v, const what_t *w, size_t *n);
/* A Python request (a path request expanded and made absolute); *text gets it as written. */
pyreq_t *mf_get_request(ctx_t *c, const yaml_node_t *v, const what_t *w, char **text);

/* ---- environments (manifest_envs.c) -------------------------------------------------------- */

/* What the walk remembers about an environment (parallel to manifest_t.envs). */
typedef struct envx {
    yaml_node_t *key;
    yaml_node_t *path_node;      /* the `path` value, or NULL */
    yaml_node_t *copy_node;      /* the `copy-from` value, or NULL */
    int copy_target;             /* index, or -1 (set by mf_check_envs) */
    bool own_python;             /* `python` was given (even if it was bad) */
    bool bad_name;
} envx_t;

/* A string with the index it came from, for sorting. */
typedef struct ref {
    const char *s;
    size_t i;
} ref_t;

/* qsort order of ref_t by string, then index. */
int mf_cmp_name(const void *a, const void *b);
/* Resolves and checks copy-from (unknown, itself, cycles), gives each environment without its
 * own python the request it inherits, and checks that no two paths coincide or nest (nor
 * contain the manifest's directory, nor hold ':'). */
void mf_check_envs(ctx_t *c, manifest_t *m, envx_t *xs);

#endif
