/*
 * cfg: pyvenv.cfg, read and written the way CPython reads it.
 *
 * Parsing follows site.py: each line is split on the first '=', key and value are trimmed, keys
 * are lower-cased; lines without '=' are kept verbatim on rendering but have no key. Order is
 * preserved so a rewrite changes only the keys it sets. The venv_cfg_t owns its strings.
 *
 * venvsync's own keys (written after venv's):
 *   venvsync                 = <venvsync version>
 *   venvsync-path            = <absolute path the environment was written at>
 *   venvsync-python          = <real path of the base interpreter>
 *   venvsync-python-id       = <file_id of that executable, see probe.h>
 *   venvsync-implementation  = cpython | pypy | ...
 *   venvsync-freethreaded    = true | false
 */
#ifndef VENVSYNC_VENV_CFG_H
#define VENVSYNC_VENV_CFG_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"

#define CFG_HOME            "home"
#define CFG_SYSTEM_SITE     "include-system-site-packages"
#define CFG_VERSION         "version"
#define CFG_PROMPT          "prompt"
#define CFG_EXECUTABLE      "executable"
#define CFG_COMMAND         "command"
#define CFG_VENVSYNC        "venvsync"
#define CFG_VS_PATH         "venvsync-path"
#define CFG_VS_PYTHON       "venvsync-python"
#define CFG_VS_PYTHON_ID    "venvsync-python-id"
#define CFG_VS_IMPL         "venvsync-implementation"
#define CFG_VS_FREETHREADED "venvsync-freethreaded"

typedef struct venv_cfg_line {
    char *key;      /* lower-cased, or NULL for a line without '=' */
    char *value;    /* trimmed value, or the raw line when key is NULL */
} venv_cfg_line_t;

typedef struct venv_cfg {
    venv_cfg_line_t *lines;
    size_t n, cap;
} venv_cfg_t;

venv_cfg_t *venv_cfg_parse(const char *text, size_t len);
/* Reads and parses path. */
err_t *venv_cfg_read(const char *path, venv_cfg_t **out);
/* The value of the first line with key, or NULL. */
const char *venv_cfg_get(const venv_cfg_t *c, const char *key);
/* Replaces the first line with key (dropping later duplicates), or appends. value NULL removes. */
void venv_cfg_set(venv_cfg_t *c, const char *key, const char *value);
/* "key = value\n" per line. */
void venv_cfg_render(const venv_cfg_t *c, buf_t *out);
void venv_cfg_free(venv_cfg_t *c);

/* CPython's repr() of a str, as venv writes `prompt = '<repr>'`; and the inverse (tolerant:
 * an unquoted value, as virtualenv and uv write, is returned as is). Both malloc'd. */
char *py_repr_str(const char *s);
char *py_unrepr_str(const char *s);

/* Whether the environment at env_path (its pyvenv.cfg's `home` or venvsync-python) uses an
 * interpreter inside dir (both compared by real path). False when it cannot be read. */
bool venv_uses_interpreter_in(const char *env_path, const char *dir);

#endif
