/*
 * scripts: what an installed wheel puts in bin/ besides its files — the launchers its entry
 * points ask for, by pip's rules — and the one writer of script headers (shebangs) in venvsync:
 * the installer's launchers and "#!python" scripts and relocation's rewritten headers all come
 * from script_shebang(), so an environment's scripts look the same however they were written.
 *
 * Pure: no I/O. A script_set_t borrows the entry_points_t it was built from and owns its arrays;
 * script_set_free() releases them.
 */
#ifndef VENVSYNC_WHEEL_SCRIPTS_H
#define VENVSYNC_WHEEL_SCRIPTS_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "wheel/meta.h"

/* The longest plain shebang line, "#!" and the newline included (Linux before 5.1 truncates
 * longer ones); distlib uses the same limit. */
#define SCRIPT_SHEBANG_MAX 127

/* Appends the header of a script run by `interp` with extra interpreter arguments `args` (NULL,
 * "" or starting with a space, e.g. " -E"); `eol` ends the header's last line ("\n", or "\r\n"
 * to keep a file's line endings):
 *   "#!<interp><args><eol>"                          when interp has no whitespace and the line
 *                                                    is at most SCRIPT_SHEBANG_MAX bytes;
 *   "#!/bin/sh\n'''exec' <word><args> \"$0\" \"$@\"\n' '''<eol>"   otherwise (distlib's
 *                                                    trampoline: sh runs the exec line, Python
 *                                                    reads the three lines as a string).
 * <word> is script_sh_word(interp). */
void script_shebang(buf_t *out, const char *interp, const char *args, const char *eol);
/* Appends s as one sh word that sh reads back as exactly s and that never contains "'''" (so the
 * trampoline's header stays one Python string): single-quoted runs, each "'" written as "\"'\""
 * between them (a'b becomes 'a'"'"'b'). distlib double-quotes instead, which lets sh expand '$'
 * and backticks in the path. A backslash in s can still upset Python's parse of the header string
 * ("\x", "\N"): such paths are not supported. */
void script_sh_word(buf_t *out, const char *s);

/* The console-script launcher pip writes for module:attr, run by python, appended to out. */
void script_launcher(buf_t *out, const char *python, const char *module, const char *attr);

typedef struct script_ep {
    char *name;                    /* owned */
    const entry_point_t *ep;       /* borrowed */
} script_ep_t;

/* A wheel's console_scripts and gui_scripts as pip holds them: dicts in first-seen order where
 * a repeated name takes the last value. */
typedef struct script_set {
    script_ep_t *console, *gui;
    size_t n_console, n_gui;
} script_set_t;

void script_set_init(script_set_t *s, const entry_points_t *eps);
void script_set_free(script_set_t *s);
/* pip's is_entrypoint_wrapper(): whether a file of the wheel's scripts named `filename` (with an
 * optional ".exe", "-script.py" or ".pya") is a setuptools wrapper for one of the entry points;
 * pip skips those in favour of the launchers it writes. */
bool script_set_is_wrapper(const script_set_t *s, const char *filename);
/* The launchers to write, in pip's order (get_console_script_specs(): pip, pipX, pipX.Y for a
 * `pip` entry point and easy_install, easy_install-X.Y likewise, when python_version ("3.12") is
 * given; the other console scripts; then the gui scripts). Where a name repeats, only its last
 * occurrence is kept. *n receives the count; the array and its names are the caller's to free
 * with script_eps_free(). */
script_ep_t *script_set_launchers(const script_set_t *s, const char *python_version, size_t *n);
void script_eps_free(script_ep_t *v, size_t n);

#endif
