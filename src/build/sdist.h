/*
 * sdist: unpacking a source distribution (spec "Source distribution format", PEP 625/643) into
 * a directory, safely, and reading its PKG-INFO.
 *
 * gzip-compressed tar archives (.tar.gz, the one format the spec allows; also .tgz) and, as pip
 * still builds them, legacy .zip sdists are read; .tar.bz2 and others are refused with a
 * message. Tar extraction is util/tar's, with its safety rules: member paths must be relative
 * with no "..", links must stay inside the tree, no devices, FIFOs or other special members,
 * nothing written through a link, files 0644 or 0755 (setuid, setgid and sticky bits never
 * survive), size and member limits. Zip extraction is wheel/zip.h's hardened reader (safe
 * relative names, no links or special members, zip-bomb limits), files 0644 or 0755.
 *
 * The archive must hold exactly one top-level directory ({name}-{version}/ by the spec; its name
 * is not checked against the file name, as pip does not) and nothing beside it: that directory is
 * the source tree.
 *
 * PKG-INFO (in the tree) is optional. Its metadata is static, i.e. equal for every wheel built
 * from the sdist so resolution needs no build (PEP 643), when its Metadata-Version is 2.2 or
 * later and no Dynamic field names Requires-Dist, Requires-Python or Provides-Extra.
 *
 * Ownership: sdist_t owns its strings and metadata (sdist_free); the files on disk are the
 * caller's (they live in the directory it gave). Thread-safe: no shared state.
 */
#ifndef VENVSYNC_BUILD_SDIST_H
#define VENVSYNC_BUILD_SDIST_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"
#include "wheel/meta.h"

typedef struct sdist {
    char *root;                 /* <dest>/<top>: the source tree */
    char *top;                  /* the top-level directory's name ("foo-1.0") */
    char *pkg_info;             /* PKG-INFO's text, or NULL when the tree has none */
    bool has_meta;              /* PKG-INFO was there and parsed: meta is filled */
    core_metadata_t meta;
    bool static_metadata;       /* see above */
} sdist_t;

/* Extracts the sdist at archive into dest, an existing empty directory, and reads it into *out.
 * display is its file name for messages and the format check (an archive kept under another
 * name, a download cache's, passes its real name), NULL for the path. Errors (EXIT_APPLY) name
 * the archive: a format other than .tar.gz, .tgz or .zip, an unsafe or damaged archive, no
 * single top-level directory, an unreadable or invalid PKG-INFO. On error dest may hold a
 * partial tree (the caller removes it). */
err_t *sdist_unpack(const char *archive, const char *display, const char *dest, sdist_t *out);

/* Whether PKG-INFO text makes the metadata static (see above). Pure. */
bool sdist_pkg_info_static(const char *text, size_t len);

void sdist_free(sdist_t *s);

#endif
