/*
 * editing: what the commands that change venv.yaml share (new, adopt, add, rm, remove, copy,
 * init): the file opened in the text editor (manifest/edit.h), the edited text checked by the
 * real parser before anything is written, environments on disk described as they are, and the
 * sync that follows an edit.
 *
 * A cmd_edit_t owns its file name, editor and manifest; cmd_edit_free() releases them.
 */
#ifndef VENVSYNC_CMD_EDITING_H
#define VENVSYNC_CMD_EDITING_H
#include <stdbool.h>
#include "cmd/common.h"
#include "manifest/edit.h"
#include "manifest/manifest.h"

typedef struct cmd_edit {
    char *file;              /* absolute path of the manifest */
    char *shown;             /* its name in messages ("venv.yaml" below the cwd, else the path) */
    manifest_t *m;           /* the manifest as it is before the edit */
    mfedit_t *ed;            /* its text, being edited */
} cmd_edit_t;

/* Finds the manifest (cmd_manifest_file: -g creates the global one), reads and parses it and
 * opens its text for editing. */
err_t *cmd_edit_open(const cmd_ctx_t *ctx, cmd_edit_t *out);
/* Checks the edited text with manifest_parse() (as the file, with the same ${VAR} values) and
 * writes it atomically, keeping the file's mode; nothing is written when it does not parse
 * (EXIT_USAGE: "the edit would leave FILE invalid: ..."), nor when the text did not change.
 * On success e->m is the new manifest. */
err_t *cmd_edit_commit(const cmd_ctx_t *ctx, cmd_edit_t *e);
/* The same check without writing, for an edit that must be known valid before the disk
 * changes (remove). */
err_t *cmd_edit_check(const cmd_ctx_t *ctx, const cmd_edit_t *e);
void cmd_edit_free(cmd_edit_t *e);

/* Each of specs[0..n) must parse as a PEP 508 requirement: EXIT_USAGE errors, one per spec
 * that does not, prefixed with `what`. */
err_t *cmd_check_specs(const char *what, char *const *specs, int n);

/* Prints a line on stdout (on the log with --json, where stdout is JSON), unless -q. */
void cmd_say(const cmd_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The environment named name in m, or an EXIT_USAGE error with a suggestion ("did you mean"). */
err_t *cmd_need_env(const manifest_t *m, const char *name, const mf_env_t **out);

/* An existing environment as it is, for a manifest entry that changes nothing about it. */
typedef struct env_desc {
    bool exists;             /* a virtual environment (pyvenv.cfg with a version) is there */
    char *python;            /* the request naming its own interpreter ("3.11", "3.13t",
                                "pypy@3.10") */
    char *version;           /* its full version, for messages */
    char *prompt;            /* what its activators show now: pyvenv.cfg's, else the folder */
    bool system_site_packages;
    bool has_pip;
    char **by_hand;          /* "name version" of each installed distribution, pip excluded;
                                NULL-terminated, never NULL */
} env_desc_t;

/* Describes what is at path (absent: exists false). A path that exists and is not a virtual
 * environment is an EXIT_USAGE error. */
err_t *cmd_describe_env(const char *path, env_desc_t *out);
void env_desc_free(env_desc_t *d);

/* Adopts environment name of the manifest `file` (just written to describe it as it is): applies
 * its plan when that only records the interpreter and rewrites activators. *adopted says
 * whether it did; otherwise the plan is left for `sync` (or `plan`) to show. */
err_t *cmd_adopt_env(const cmd_ctx_t *ctx, const char *file, const char *name, bool *adopted);

/* The link mode in force for this run: --link-mode's value (flag, may be NULL), else
 * VENVSYNC_LINK_MODE, checked (EXIT_USAGE naming the valid words). */
err_t *cmd_link_mode(const cmd_ctx_t *ctx, const char *flag, mf_link_mode_t *out);

/* Syncs the named environments of the manifest (as `sync NAME...` does: plan, apply, print). */
err_t *cmd_sync_names(const cmd_ctx_t *ctx, char *const *names, int n, mf_link_mode_t link);

#endif
