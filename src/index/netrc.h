/*
 * netrc: credentials from a .netrc file (the format of ftp(1), curl and Python's netrc module),
 * for index hosts that need HTTP basic authentication.
 *
 * Format: whitespace-separated tokens. "machine NAME" starts an entry, "default" starts the
 * entry used for any other host; inside an entry "login X", "password X" and "account X" (kept
 * out: unused) set its fields; "macdef NAME" skips lines up to the next empty line. A token may
 * be double-quoted with backslash escapes (curl 7.84+, Python 3.11+). '#' starts a comment
 * line (Python's rule) when it begins a token at the start of a line. Unknown tokens are
 * skipped with a warning, as curl does; a keyword missing its value ends parsing with a warning.
 * Nothing here fails on a malformed file: venvsync must still reach public indexes, so
 * problems become warnings (never quoting a password).
 *
 * Lookup: the FIRST "machine" entry whose name equals the host (case-insensitive, no port) wins;
 * else the "default" entry; else none.
 *
 * The file used is $NETRC when set (as requests and pip honour it), else $HOME/.netrc. A missing
 * file is no error and yields an empty netrc_t.
 *
 * Ownership: a netrc_t owns its entries and warnings; netrc_free() releases them (and clears the
 * passwords' memory first). Pointers from netrc_lookup() live as long as the netrc_t.
 */
#ifndef VENVSYNC_INDEX_NETRC_H
#define VENVSYNC_INDEX_NETRC_H
#include <stddef.h>

#include "util/err.h"

typedef struct netrc_entry {
    char *machine;        /* NULL for the default entry */
    char *login;          /* may be NULL */
    char *password;       /* may be NULL */
} netrc_entry_t;

typedef struct netrc {
    char *path;           /* the file read (or that would have been read) */
    netrc_entry_t *entries;
    size_t n;
    char **warnings;      /* "PATH:LINE: ..." ; NULL-terminated, never NULL */
    size_t nwarnings;
} netrc_t;

/* Parses text (path names it in warnings). Never fails. */
netrc_t *netrc_parse(const char *text, size_t len, const char *path);
/* Reads path; a missing (or unreadable) file gives an empty netrc_t (unreadable: a warning). */
netrc_t *netrc_load(const char *path);
/* The entry for host (see above), or NULL. */
const netrc_entry_t *netrc_lookup(const netrc_t *n, const char *host);
void netrc_free(netrc_t *n);

#endif
