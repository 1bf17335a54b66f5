/*
 * relocate: make the content of an environment that was written at one path name another.
 *
 * An environment physically at env_dir holds files that name old_path (where it was written);
 * venv_relocate() makes them name new_path. env_dir is usually new_path itself, but may be a
 * staging directory that is renamed to new_path afterwards: files are read and written below
 * env_dir, their content names new_path.
 *
 * What is rewritten (and nothing else is read):
 *   - bin/<file>, regular files only (links and subdirectories are left alone), whose shebang
 *     names an interpreter inside old_path, in any of the forms installers write:
 *       #!/old/bin/python3.X [args]                         (pip .data scripts, distlib, uv)
 *       #!"/old dir/bin/python"                             (old virtualenv, quoted)
 *       #!/bin/sh / '''exec' <word> [args] "$0" "$@" / ' '''  (distlib: "<path>" or bare,
 *                                                            installer and uv: '<path>')
 *     The new header is chosen for the NEW interpreter path the way distlib does: a plain
 *     "#!<interp><args>" when the path has no whitespace and the line (with "#!" and the
 *     newline) is at most 127 bytes, else the /bin/sh trampoline (wheel/scripts.h). Only the
 *     header changes; the rest of the file is kept byte for byte. Files that do not start with
 *     "#!" (ELF binaries, activators) are not touched; pyvenv.cfg and the activators are the
 *     caller's (venv_write_activators, cfg.h).
 *   - <site>/<name>.pth (site = lib/python* /site-packages, and lib64/... when lib64 is a real
 *     directory): path lines inside old_path are rewritten, lines outside it (editable installs
 *     pointing at a project) are kept; in "import" lines every occurrence of old_path that is a
 *     whole path prefix is replaced. Comments, blank and relative lines are kept.
 *   - <site>/<dist>.dist-info/direct_url.json: "url" values that are file:// URLs inside old_path
 *     (percent-decoded to compare; the new URL is percent-encoded like pip's path_to_url).
 *   - <site>/<dist>.dist-info/RECORD: absolute rows under old_path move under new_path; rows for the
 *     files above get their current sha256 (urlsafe base64, no padding) and size. Row order,
 *     untouched rows (byte for byte), CRLF/LF terminators and CSV quoting rules are kept;
 *     malformed rows (more than three fields) are kept as they are.
 *   .pyc files are never touched (importlib fixes co_filename on load).
 *
 * A path "is inside" old_path when it equals it or continues with '/'. When a path is inside
 * both old_path and new_path (one nested in the other) the longer prefix wins, so a path that
 * already names new_path is not rewritten again.
 *
 * Everything is read and computed first; the rewritten files are then written at the end, each
 * atomically (fs_write_atomic) with its permission bits kept, several at a time on a few
 * short-lived threads (on ext4 every rename over an existing file waits for the new file's
 * blocks, so one at a time they dominate the run). A file that is hard-linked into another
 * environment is therefore replaced, never edited in place. Relocation is
 * idempotent and safe to re-run after an interruption: files already naming new_path are still
 * hashed, so their RECORD rows are brought up to date by a second run; a run that finds nothing
 * to change writes nothing.
 */
#ifndef VENVSYNC_VENV_RELOCATE_H
#define VENVSYNC_VENV_RELOCATE_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"
#include "util/strv.h"

typedef struct relocate_stats {
    size_t files_read;     /* files opened to look at (bin/ entries, .pth, direct_url, RECORD) */
    size_t scripts;        /* bin/ scripts whose shebang was rewritten */
    size_t pth_files;      /* .pth files rewritten */
    size_t direct_urls;    /* direct_url.json files rewritten */
    size_t records;        /* RECORD files rewritten */
} relocate_stats_t;

/* Relocates the environment at env_dir from old_path to new_path (both absolute; trailing
 * slashes are ignored; equal paths do nothing). stats may be NULL; it is zeroed first. On error
 * the files written so far stay written (each is whole; the errors of every failed write are
 * chained); running again completes the job. */
err_t *venv_relocate(const char *env_dir, const char *old_path, const char *new_path,
                     relocate_stats_t *stats);

/* The site-packages directories of the environment at env_dir, relative to it and sorted
 * ("lib/python3.11/site-packages"): lib/python* /site-packages, plus lib64/... when lib64 is a
 * real directory rather than the usual link to lib. NULL-terminated, malloc'd (strv_free). */
char **venv_site_dirs(const char *env_dir);


#endif
