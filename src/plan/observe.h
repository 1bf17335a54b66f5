/*
 * observe: what is on disk at an environment's path, read cheaply and without judging it.
 *
 * observe_env() lstat's the path, reads pyvenv.cfg, stats the recorded interpreter and the
 * interpreter link, reads the activators and lists site-packages. It starts no process and
 * writes nothing. Judging (is it ok? what to do?) is the planner's job.
 *
 * The observed_env_t owns everything in it; observed_env_free() releases it.
 */
#ifndef VENVSYNC_PLAN_OBSERVE_H
#define VENVSYNC_PLAN_OBSERVE_H
#include <stdbool.h>
#include <stddef.h>
#include "pkg/installed.h"
#include "python/interp.h"
#include "util/err.h"
#include "venv/cfg.h"

typedef enum {
    OBS_ABSENT,      /* nothing at the path */
    OBS_EMPTY_DIR,   /* an empty directory: safe to create into */
    OBS_FOREIGN,     /* something that is not a virtual environment: never touched */
    OBS_VENV,        /* a directory holding pyvenv.cfg */
} obs_kind_t;

typedef struct observed_env {
    char *path;                 /* absolute path observed */
    obs_kind_t kind;
    char *foreign_why;          /* OBS_FOREIGN: "a regular file", "a directory without pyvenv.cfg" */

    /* OBS_VENV: pyvenv.cfg and what it records. Strings point into cfg unless noted. */
    venv_cfg_t *cfg;
    bool by_venvsync;           /* cfg has venvsync's keys */
    const char *version;        /* `version` (or virtualenv's version_info), may be NULL */
    const char *implementation; /* venvsync-implementation / virtualenv's implementation, lower-cased copy */
    char *impl_lower;           /* owned storage behind implementation */
    bool freethreaded;
    bool system_site_packages;
    char *prompt;               /* un-repr'd prompt, owned; NULL when cfg has none */
    const char *recorded_path;  /* venvsync-path */
    char *activate_path;        /* not written by venvsync: the VIRTUAL_ENV bin/activate names,
                                 * when it is another place than path (the environment was moved
                                 * or copied since venv, virtualenv or uv wrote it); owned */
    const char *recorded_python;    /* venvsync-python */
    const char *recorded_python_id; /* venvsync-python-id */
    const char *home;

    /* The interpreter. */
    char *link_target;          /* readlink of bin/python (unresolved), owned; NULL if no link */
    char *python_real;          /* realpath of bin/python, owned; NULL if missing or dangling */
    bool recorded_python_present;   /* recorded interpreter exists */
    bool recorded_python_same;      /* and its identity matches venvsync-python-id */
    bool site_packages_present; /* lib/pythonX.Y[t]/site-packages is a directory */

    /* Activators, indexed like activators.h; NULL where the file is missing. Owned. */
    char **activators;
    size_t nactivators;
    char *site_packages;        /* absolute path of lib/pythonX.Y[t]/site-packages, owned */
    dist_list_t dists;          /* installed distributions, from the directory names, with
                                 * what their .dist-info lacks and the temporary dist-infos
                                 * killed runs left (pkg/installed.h) */
    size_t ndists;              /* dists.n */

    /* The user's own files in it (venv/user.h): not read by observe_env (it costs RECORD reads);
     * the engine fills them in when a plan would recreate or delete the environment. */
    char **user_files;          /* relative paths, NULL when none or not looked at; owned */
    char *user_files_text;      /* "app.py and notes/" for messages; owned */

    /* Any kind: staging folders an interrupted run left beside the path. */
    size_t stale_staging;
} observed_env_t;

err_t *observe_env(const char *path, observed_env_t *out);
/* The absolute path a bash `activate` script assigns to VIRTUAL_ENV (the forms CPython's venv
 * 3.3-3.13, virtualenv and uv write: VIRTUAL_ENV="..." or '...', maybe after `export`; the
 * cygpath variants are skipped), malloc'd; NULL when there is none. */
char *observe_activate_path(const char *activate);
/* Fills o->user_files and o->user_files_text (venv/user.h): what in the environment's
 * directory is not the environment's, such as the user's own files. Costly (reads every
 * RECORD), so only for plans that would recreate or delete. Returns whether there are any. */
bool observe_user_files(observed_env_t *o);
void observed_env_free(observed_env_t *o);

#endif
