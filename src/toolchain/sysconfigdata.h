/*
 * sysconfigdata: makes a python-build-standalone (PBS) interpreter's build-time configuration
 * describe the machine it was installed on, so that compiling C extensions against it works
 * (pip building an sdist, setuptools, meson-python, pkg-config users).
 *
 * PBS builds are configured with prefix /install and built with their own toolchain, and
 * `sysconfig.get_config_vars()` reports that: INCLUDEPY=/install/include/python3.12,
 * CC=clang, AR=/tools/llvm/bin/llvm-ar. Two files carry it:
 *
 *   lib/python3.X[t]/_sysconfigdata_*.py   CPython writes `build_time_vars = {...}`, a pprint'ed
 *                                          dict of str -> str | int. In every string value, the
 *                                          path /install (starting a word, after `=`, `,`, `:`
 *                                          or a quote, or as the argument of an -L/-I/-R that
 *                                          does) becomes the real prefix; in
 *                                          the compiler variables (CC, CXX, CPP, LDSHARED,
 *                                          LDCXXSHARED, BLDSHARED, LINKCC, MAINCC) the words
 *                                          clang / musl-clang / <cross>-gcc become cc and
 *                                          clang++ / <cross>-g++ become c++; AR becomes ar.
 *                                          PYTHON_BUILD_STANDALONE: 1 is added (as uv does).
 *   lib/pkgconfig/NAME.pc                  `name=/install[/...]` lines become
 *                                          `name=${pcfiledir}/../..[/...]` (relocatable).
 *
 * Only values that change are rewritten (as one single-quoted literal; whitespace inside a
 * value is kept); every other byte of the file stays as it was.
 *
 * sysconfigdata_patch() and sysconfigdata_patch_pc() are pure. sysconfigdata_patch_tree()
 * applies both to an extracted tree on disk (before it is renamed into place: `prefix` is
 * where it will live, not where it is now) and removes the stale compiled _sysconfigdata
 * module from __pycache__.
 */
#ifndef VENVSYNC_TOOLCHAIN_SYSCONFIGDATA_H
#define VENVSYNC_TOOLCHAIN_SYSCONFIGDATA_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"

/* The new text of a _sysconfigdata module for an interpreter installed at prefix (absolute)
 * into *out (reset first), and how many values changed into *changed (the added marker is
 * not counted). An EXIT_APPLY error "line N: ..." when text is not the dict literal CPython
 * writes; *out is then empty. */
err_t *sysconfigdata_patch(const char *text, size_t len, const char *prefix, buf_t *out,
                           size_t *changed);

/* The new text of a pkg-config file into *out (reset first). False when nothing changes. */
bool sysconfigdata_patch_pc(const char *text, size_t len, buf_t *out);

/* Patches the tree at root (lib/python<libver>/_sysconfigdata_*.py and lib/pkgconfig/NAME.pc)
 * for an install whose final path is prefix. libver: "3.12" or "3.13t". *changed (may be NULL): the
 * number of values changed in the module. A tree without a _sysconfigdata module is an error. */
err_t *sysconfigdata_patch_tree(const char *root, const char *libver, const char *prefix,
                                size_t *changed);

#endif
