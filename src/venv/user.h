/*
 * user: what lies in an environment's directory that is not part of the environment: the user's
 * own files (an app.py, a notes/ folder, a src/ checkout of an editable install, a script put in
 * bin/ by hand). venvsync never deletes them: a recreation carries them into the new tree, and
 * `remove` refuses while they are there unless forced.
 *
 * Part of the environment are: the top-level names venv writes (bin, include, lib, lib64,
 * pyvenv.cfg, .gitignore), in bin/ the interpreter links (python*, pypy*), the activators and
 * __pycache__, and anything an installed distribution's RECORD lists (scripts in bin/, data under
 * share/ or etc/). Everything else at the top level or in bin/ is the user's. (site-packages is
 * not searched: what is there without a RECORD is an installer's business.)
 */
#ifndef VENVSYNC_VENV_USER_H
#define VENVSYNC_VENV_USER_H
#include "util/err.h"

/* The user's entries of the environment at env_dir, relative to it ("app.py", "notes",
 * "bin/deploy.sh"), sorted, NULL-terminated; NULL when there are none. site_packages (absolute,
 * may be NULL) is where the installed distributions' RECORDs are read. Unreadable parts are
 * treated as the environment's, never as the user's. */
char **venv_user_entries(const char *env_dir, const char *site_packages);

/* Moves entries (relative paths, from venv_user_entries of from_env) into to_env, each by one
 * rename (both trees are on one file system: they are siblings). An entry whose name exists in
 * to_env already stays in from_env and is listed in *kept (NULL when all moved; malloc'd). */
err_t *venv_carry_user_entries(const char *from_env, const char *to_env, char *const *entries,
                               char ***kept);

/* "app.py, notes/ and bin/deploy.sh" for messages (directories get a '/'); malloc'd. */
char *venv_user_entries_text(const char *env_dir, char *const *entries);

#endif
