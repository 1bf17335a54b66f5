/*
 * install: installs an unpacked wheel (wheel/cache.h) into an environment, producing what
 * `pip install --no-deps --no-compile` produces from the same wheel (pip 23/24, distlib's
 * launchers), so that pip, importlib.metadata and other tools read the result as usual.
 *
 * What goes where (pip's rules):
 *  - members under a top-level `*.data/<key>/` directory go to the scheme path for <key>
 *    (purelib, platlib, headers, scripts, data); any other key, or a file directly in
 *    `*.data/` or `*.data/<key>`, is an error;
 *  - every other member goes to purelib when WHEEL says Root-Is-Purelib: true, else platlib
 *    (the "lib dir", which holds the .dist-info and which RECORD paths are relative to);
 *  - `<dist-info>/RECORD` is not installed: a new RECORD is written; RECORD.jws/.p7s are
 *    installed and listed with an empty hash, as pip does;
 *  - files in `*.data/scripts/` whose name (less `.exe`, `-script.py` or `.pya`) is a
 *    console/gui entry point are setuptools wrappers and are skipped (pip's rule).
 *
 * Files and modes (umask applied as pip applies it): members 0666 & ~umask, or
 * (0777 & ~umask) | 0111 when the archive marks them executable; generated launchers
 * (0666 & ~umask) | 0555; INSTALLER, REQUESTED, direct_url.json, RECORD 0666 & ~umask;
 * directories 0777 & ~umask, created only where a file goes. An existing file at a destination
 * is replaced (pip's behaviour: even one another distribution owns); such files are reported
 * in `replaced`. A directory at a destination is an error. Destinations that would replace the
 * environment's interpreter (`<scripts>/python`, `python3`, `python3.12`, `pythonw`) or its
 * `pyvenv.cfg` are refused, where pip would silently break the environment.
 *
 * Unchanged members come from the cache by reflink, else hard link, else copy (see
 * wheel_link_mode_t); a hard link is used only when the cache file's mode is exactly the mode
 * the file must have, so the cache is never chmod'ed. Files that differ per environment are
 * always written, never linked: scripts whose shebang is rewritten, launchers, INSTALLER,
 * REQUESTED, direct_url.json and RECORD.
 *
 * Scripts: a `.data/scripts/` member whose first line starts with `#!python` (which covers
 * `#!pythonw` and a CRLF line end) gets that whole first line replaced with `#!<python>\n`
 * (pip's fix_script). When <python> holds a space or the line would exceed 127 bytes, the
 * distlib /bin/sh trampoline is written instead (pip writes a shebang that cannot run there).
 *
 * Launchers for [console_scripts] and [gui_scripts] are byte-identical to pip's (distlib's
 * SCRIPT_TEMPLATE with `import re`), including pip's special case that turns a `pip` entry
 * point into pip, pip3, pip3.Y and `easy_install` into easy_install, easy_install-3.Y (other
 * versioned pip/easy_install entries are dropped). The shebang is `#!<python>` when <python>
 * has no space and `#!<python>\n` fits in 127 bytes, else distlib's trampoline:
 *     #!/bin/sh
 *     '''exec' "<python with spaces, quoted>" "$0" "$@"
 *     ' '''
 *
 * RECORD is written the way pip writes it: every installed file relative to the lib dir
 * (`../../../bin/x` for other schemes) with sha256 and size, `<dist-info>/RECORD,,`, rows
 * sorted, CRLF (see wheel/record.h). No .pyc rows: compile afterwards and call
 * wheel_install_record_pycs() to list them as pip does.
 *
 * Where this knowingly differs from pip (all cases where pip's result is broken or unsafe):
 *  - `__pycache__` members of the wheel are not installed (the cache skips them, as installer
 *    does; pip installs them with an empty RECORD row);
 *  - pip keeps the wheel's RECORD row of a skipped setuptools wrapper (`x.data/scripts/foo`,
 *    a file that is never installed); it is dropped here;
 *  - wheel RECORD rows that name no archive member are dropped (pip copies them);
 *  - a `#!python` script gets the sh trampoline when the interpreter path needs it;
 *  - destinations replacing the interpreter or pyvenv.cfg are refused;
 *  - when two members land on one destination, RECORD lists it once (pip twice).
 * Everything else (bytes, modes, RECORD order and quoting, launchers, direct_url.json) is
 * checked against pip by tests/unit/test_wheel_install.c and tests/e2e/test_wheel_vs_pip_e2e.py.
 *
 * Hard links: an installed file may share its inode with the cache entry. Code that later
 * rewrites installed files (relocation) must replace them (write a new file, rename over),
 * never edit them in place, or every environment sharing the entry changes with it.
 *
 * Order of work: the .dist-info appears last and in one step, so that a distribution is either
 * installed whole (its METADATA and RECORD there, every file it lists in place) or not installed
 * at all, whenever the process is killed:
 *   1. a temporary dist-info `<lib dir>/.<dist-info>.venvsync-tmp-XXXXXX` is created (its name is
 *      pkg/installed.h's; no tool takes it for a distribution);
 *   2. every file outside the .dist-info is placed (members, scripts, launchers), replacing what
 *      is at its destination;
 *   3. the .dist-info's files are written into the temporary dist-info: its members, INSTALLER,
 *      direct_url.json, REQUESTED, and RECORD last;
 *   4. the temporary dist-info is renamed to `<lib dir>/<dist-info>`. When that exists (the same
 *      version installed again without an uninstall), the two are swapped in one
 *      renameat2(RENAME_EXCHANGE) (two renames where the file system cannot), and the old one,
 *      now under the temporary name, is deleted.
 * Invariants: a `<dist-info>` directory in the lib dir always has its METADATA and RECORD, and
 * RECORD lists files that are all in place. A leftover temporary dist-info means an install of
 * that name and version was killed between 1 and 4 (or the old copy of step 4 was not deleted
 * yet): files of step 2 may be in place, owned by no RECORD. What to do with it is the
 * uninstaller's wheel_remove_leftover(): the files its RECORD lists (or, when it has none yet, the
 * ones wheel_install_rows() gives for the cached wheel of that name and version) that no
 * installed distribution claims are deleted, then the directory; the next install puts
 * everything back.
 *
 * Failure: on error, files this call created are removed again (best effort), with the
 * directories it made for them and the temporary dist-info; files it replaced are not restored. Callers that need all-or-nothing
 * install into a staging copy.
 *
 * Ownership: the caller owns the wheel_installed_t filled in and frees it with
 * wheel_installed_free(). Thread-safe (no shared state; the umask is read from /proc).
 */
#ifndef VENVSYNC_WHEEL_INSTALL_H
#define VENVSYNC_WHEEL_INSTALL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkg/record.h"
#include "util/buf.h"
#include "util/err.h"
#include "wheel/cache.h"

typedef enum {
    WHEEL_LINK_AUTO = 0,    /* reflink, else hard link, else copy (decided per file) */
    WHEEL_LINK_REFLINK,     /* reflink, else copy */
    WHEEL_LINK_HARDLINK,    /* hard link, else copy */
    WHEEL_LINK_COPY,        /* always copy */
    WHEEL_LINK_SYMLINK,     /* a symbolic link to the cache file when its mode is the file's,
                             * else copy: the environment then depends on the cache staying (and
                             * an edit in the environment edits the cache) */
} wheel_link_mode_t;

typedef struct wheel_target {
    const char *root;           /* the environment, absolute */
    /* Scheme paths relative to root ("" is root itself): */
    const char *purelib;        /* "lib/python3.12/site-packages" */
    const char *platlib;        /* usually the same as purelib */
    const char *scripts;        /* "bin" */
    const char *headers;        /* "include/site/python3.12/<name>", or NULL for that with
                                 * python_version and the wheel file name's name field with
                                 * '_' -> '-' (what pip uses for a wheel path; for an index
                                 * install pip uses the requirement's name as written) */
    const char *data;           /* "" */
    const char *python;         /* the interpreter for shebangs, absolute, written verbatim:
                                 * pip writes its own sys.executable, i.e. "<root>/bin/python3"
                                 * when run as <root>/bin/pip, "<root>/bin/python" when run as
                                 * <root>/bin/python -m pip */
    const char *python_version; /* "3.12": pip's versioned launchers and the headers default */
    bool requested;             /* write REQUESTED */
    const char *direct_url;     /* PEP 610 URL ("file:///abs/x.whl"), or NULL: no
                                 * direct_url.json */
    const char *direct_url_sha256;  /* hex sha256 for archive_info, or NULL ("archive_info": {}) */
    bool direct_url_dir;        /* direct_url is a local project directory: "dir_info" instead
                                 * of "archive_info" (PEP 610) */
    bool direct_url_editable;   /* ... installed editable: "dir_info": {"editable": true} */
    const char *source_marker;  /* the line of INSTALLED_SOURCE_FILE (pkg/installed.h) in the
                                 * .dist-info (recorded like any file), or NULL: none */
    const char *installer;      /* INSTALLER's content less "\n"; NULL means "venvsync" */
    wheel_link_mode_t link;
} wheel_target_t;

typedef struct wheel_installed {
    char *lib_dir;              /* absolute purelib or platlib: RECORD paths are relative to it */
    char *dist_info;            /* absolute path of the installed .dist-info */
    char **files;               /* every file written (absolute, write order), NULL-terminated;
                                 * the last one is RECORD */
    size_t n_files;
    char **py_files;            /* the .py files installed from the wheel, sorted, for
                                 * byte-compilation (pip compiles exactly these) */
    size_t n_py_files;
    char **replaced;            /* destinations that existed before and were replaced */
    size_t n_replaced;
    size_t n_reflinked, n_hardlinked, n_symlinked, n_copied, n_written; /* how each file was
                                                                         * made */
    uint64_t bytes;             /* total size of the files */
} wheel_installed_t;

/* Installs w into t. See above. Errors are EXIT_APPLY and name the wheel and the file. */
err_t *wheel_install(const wheel_unpacked_t *w, const wheel_target_t *t,
                     wheel_installed_t *result);

/* The rows the RECORD of wheel_install(w, t) would hold, sorted, one per path, without
 * installing anything: for a distribution whose own RECORD is gone, which files are its.
 * Members placed as they are have their hash and size; rewritten scripts, launchers and the
 * generated .dist-info files (INSTALLER, direct_url.json and REQUESTED, all three named, as any
 * may have been written) have none. *out is owned by the caller (record_free). */
err_t *wheel_install_rows(const wheel_unpacked_t *w, const wheel_target_t *t, record_t *out);

/* After byte-compiling r->py_files, adds a row with empty hash and size for each
 * `__pycache__/<stem>.<cache_tag>[.opt-N].pyc` that exists, as pip lists the pycs it compiled,
 * and rewrites RECORD. cache_tag is sys.implementation.cache_tag ("cpython-312"). */
err_t *wheel_install_record_pycs(const wheel_installed_t *r, const char *cache_tag);

void wheel_installed_free(wheel_installed_t *r);


#endif
