/*
 * report: what a run planned, did and found, as a plain value: the engine's answer and the only
 * thing output/ renders. Built from an engine_t by engine_report() once the engine is done with
 * it; a report_t owns copies of everything in it and outlives the engine. report_free()
 * releases it. Tests build reports by hand to check the text and JSON people and programs see.
 */
#ifndef VENVSYNC_ENGINE_REPORT_H
#define VENVSYNC_ENGINE_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include "index/http.h"
#include "plan/plan.h"

typedef struct report_action {
    action_kind_t kind;
    char *package, *from, *to;     /* may be NULL */
    char *reason;                  /* never NULL */
} report_action_t;

/* The interpreter an environment has (or will have after the plan). Every field may be NULL. */
typedef struct report_python {
    char *label;                   /* for people: "CPython 3.11.2 (/usr/bin/python3.11)" */
    char *implementation;          /* "cpython" */
    char *version;                 /* "3.11.2" */
    char *path;                    /* the interpreter's executable */
} report_python_t;

typedef enum { RESULT_NONE, RESULT_CHANGED, RESULT_UNCHANGED, RESULT_FAILED } env_result_t;

typedef struct report_env {
    char *name, *path;
    env_state_t state;             /* meaningful when planned */
    bool planned;                  /* false: an error stopped it before a state was decided
                                      (a bad requirements file): shown as "error" */
    char *reason;                  /* why this state; NULL for ok */
    report_python_t python;
    bool noop;                     /* the plan changes nothing */
    bool drift;                    /* differs from the manifest (check's exit 1) */
    env_result_t result;           /* after a sync */
    char **errors;                 /* messages of what failed, NULL-terminated; NULL if none */
    char **hints;                  /* their hints, same length (entries may be "") */
    report_action_t *actions;
    size_t nactions;
    long packages;                 /* installed distributions seen; -1 when not looked at */
    char **dep_problems;           /* unmet Requires-Dist of what is installed (pip check's
                                      words), NULL-terminated; NULL when none or not checked */
    char *lock_name;               /* its lock file ("pylock.dev.toml"), NULL without one */
    const char *lock_state;        /* "fresh", "relocked", "would-relock", "stale", "missing",
                                      "frozen"; NULL without a lock */
    char **lock_changes;           /* what the relock changed, "+ idna 3.10" ...; NULL if none */
    char **lock_warnings;          /* the resolver's notes; NULL when none */
} report_env_t;

typedef struct report {
    report_env_t *envs;            /* in the order the engine handled them */
    size_t n;
    bool network_used;             /* the index client was created: `network` is meaningful */
    http_stats_t network;
    char **notes;                  /* warnings for the user, NULL-terminated; NULL if none */
} report_t;

void report_free(report_t *r);
/* The label of an environment's result ("changed", "unchanged", "failed"), NULL for none. */
const char *report_result_name(env_result_t r);

#endif
