/*
 * record: the RECORD file of a wheel or an installed distribution (PEP 376 / 627), a UTF-8 CSV
 * of `path,hash,size` rows.
 *
 * Parsing follows Python's csv reader with the default "excel" dialect, which is what pip,
 * installer and importlib.metadata use: "," separates fields, '"' quotes a field, a doubled '"'
 * inside quotes is one '"', quoted fields may hold "," and line breaks, CRLF, LF and a lone CR
 * all end a row, blank lines are skipped. Like Python in its default (non-strict) mode, text
 * after a closing quote is appended to the field ("x"y -> xy). A row has one to three fields;
 * more is an error (installer's rule; pip only warns). The hash field is `algo=value` or empty,
 * the size a decimal number or empty.
 *
 * Writing produces exactly what pip writes (`csv.writer` over rows sorted as Python tuples of
 * strings): `path,sha256=<urlsafe b64, no padding>,size` with CRLF line ends, a field quoted when
 * it holds ',', '"', CR or LF (with '"' doubled), and an empty hash and size written as nothing
 * (`x.dist-info/RECORD,,`).
 *
 * Ownership: a record_t owns its rows and their strings; record_free() releases them and leaves
 * an empty record. Rows keep file order unless record_sort() is called.
 */
#ifndef VENVSYNC_PKG_RECORD_H
#define VENVSYNC_PKG_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"
#include "util/err.h"

typedef struct record_row {
    char *path;         /* as written: relative ("pkg/mod.py", "../../../bin/x") or absolute */
    char *hash_algo;    /* "sha256", or NULL when the hash field is empty */
    char *hash;         /* the value after '=' as written, or NULL when empty */
    int64_t size;       /* -1 when the size field is empty */
} record_row_t;

typedef struct record {
    record_row_t *rows;
    size_t n, cap;
} record_t;

#define RECORD_INIT {0, 0, 0}

/* One row of a RECORD file as the CSV reader sees it, kept byte for byte: the one tokenizer
 * behind record_parse() and the rewriters that must write untouched rows back unchanged
 * (venv/relocate, venv/copytree). Rows end with LF, CRLF or CR outside quotes. */
typedef struct record_line {
    const char *raw;       /* the row's bytes in the text, terminator excluded */
    size_t raw_len;
    const char *eol;       /* its terminator: "\r\n", "\n", "\r" or "" (last row without one) */
    const char *fields[3]; /* path, hash, size decoded; missing fields are "" (never NULL) */
    size_t nfields;        /* fields present in the row (more than 3 are counted, not kept) */
    bool unterminated;     /* a quoted field runs to the end of the text */
    buf_t store;           /* owns the decoded fields */
} record_line_t;

/* Reads the row starting at text[*pos] (len bytes in all) into row, advancing *pos past its
 * terminator. Returns false at the end of the text. An empty line is a row with nfields == 0.
 * Start with a zeroed row and reuse it for every row: the fields stay valid until the next
 * call; record_line_clear() frees them at the end. A NUL byte is an ordinary byte here (it
 * cuts the decoded field short): record_parse() refuses text that holds one. */
bool record_next_line(const char *text, size_t len, size_t *pos, record_line_t *row);
void record_line_clear(record_line_t *row);

/* Parses len bytes of RECORD text into out (which must be empty or RECORD_INIT). label names
 * the file in messages ("foo-1.0.dist-info/RECORD: line 3: ..."). Errors are EXIT_APPLY: a
 * malformed field, an unterminated quote, a bad size, a hash without '=', an empty path, more
 * than three fields, or a NUL byte. On error *out is left empty. */
err_t *record_parse(const char *text, size_t len, const char *label, record_t *out);

/* Appends a row. hash_b64 is a sha256 digest in RECORD form (or NULL for an empty hash field);
 * size < 0 writes an empty size. Strings are copied. */
void record_add(record_t *r, const char *path, const char *hash_b64, int64_t size);
/* Appends a row with an explicit algorithm (copied; both NULL for an empty hash field). */
void record_add_algo(record_t *r, const char *path, const char *algo, const char *hash,
                     int64_t size);

/* Sorts the rows as pip does: Python's sorted() over (path, hash field, size field) string
 * tuples, i.e. code-point (= UTF-8 byte) order on the path, then the hash text, then the size
 * text. */
void record_sort(record_t *r);

/* The row whose path equals `path`, or NULL (linear; for small lookups). */
const record_row_t *record_find(const record_t *r, const char *path);

/* Appends the CSV text of every row, in order, as pip writes it (see above). */
void record_write(const record_t *r, buf_t *out);
/* Appends one CSV field with Python's QUOTE_MINIMAL rule. */
void record_write_field(buf_t *out, const char *field);

void record_free(record_t *r);

/*
 * Path safety for uninstalling: resolves a RECORD row's path against the directory that holds
 * the .dist-info (`base`, absolute, normalised) and checks that it stays inside env_root
 * (absolute, normalised). Returns NULL and sets *out (malloc'd, absolute, lexically normalised)
 * when the path is acceptable; otherwise an EXIT_USAGE error saying why: empty, a NUL or control
 * character, a backslash, an absolute path outside env_root, or a relative path whose ".."
 * components leave env_root. The path may still pass through a symbolic link that leads
 * elsewhere: callers that delete must also check the real path of the parent directory.
 */
err_t *record_resolve_path(const char *base, const char *env_root, const char *row_path,
                           char **out);

/* True when s is a syntactically valid RECORD sha256 value: 43 urlsafe-base64 characters
 * (the 32-byte digest without '=' padding). */
bool record_hash_is_sha256_b64(const char *s);

#endif
