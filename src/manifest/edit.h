/*
 * mfedit: edits venv.yaml as text, changing only the lines an edit needs, so that the user's
 * comments, key order, quoting, indentation and blank lines survive and the diff shows only the
 * intended lines. Used by `new`, `remove`, `copy`, `add`, `rm` and `init`.
 *
 * Pure text to text: no file I/O. The caller reads the file, opens an editor on its text, applies
 * operations, takes the result with mfedit_text() and writes it atomically. It should then parse
 * the result with manifest_parse() before writing: this module only guarantees valid YAML with
 * the asked-for change, not a valid manifest (it does not check keys, names or values).
 *
 * How it works: the text is parsed with libyaml's event API into a tree of nodes that keep their
 * byte ranges; an operation computes splices of the original text, applies them and parses the
 * new text again (so operations can be chained, and a splice that would break the YAML is caught:
 * the operation then fails and the text is left as it was). Every operation is all-or-nothing: on
 * error the text is unchanged.
 *
 * Rules (each is unit-tested):
 *  - Style. A new environment is appended after the last one, indented like its siblings, with a
 *    blank line before it when the last two environments are separated by one; it is written
 *    `name: {...}` when the last environment is written that way, and inside the braces when
 *    `environments:` itself is a flow mapping. `environments:` when missing is appended after the
 *    last top-level key; `environments: {}` (or a null value) on a block key becomes a block.
 *    Indentation steps, the dash column of block lists (`key:\n  - a` or `key:\n- a`) and the
 *    spaces after the dash are taken from the file (the environments mapping and `packages:`
 *    lists first), defaulting to the examples' style: 2 spaces, dashes indented 2. A new
 *    `packages:` list (and an empty `[]` or null one that gets its first item) is flow
 *    (`[a, b]`) when the file's last non-empty packages list is, else block; inside a flow
 *    mapping everything is flow. An environment written `{}` or with a null value under a block
 *    key becomes a block when it gets its first key. A new key goes after the environment's
 *    last key (after its value's lines, before any comment lines that follow at the key's own
 *    indentation). A new top-level key goes after the key before `environments:` (blank-line
 *    separated when that key is), just above `environments:` when it comes first, else last.
 *  - Flow collections stay flow; an item is added after the last one on the same line, or on a
 *    line of its own indented like the last item when each item has its own line. A trailing
 *    comma is kept. Nothing is wrapped.
 *  - Comments. Removing an environment removes: the comment lines directly above its key (no
 *    blank line between) whose '#' is in the key's column; its own lines; and the comment lines
 *    after it, up to the next content line, whose '#' is indented deeper than the key (inside its
 *    block, with the blank lines among them). A comment in the key's column that is separated from
 *    the key by a blank line, or that follows the environment at the key's column, belongs to
 *    nobody and stays. One run of blank lines goes with the environment: the one above it, or
 *    when there is none, the one below it if another environment follows. Removing a block list
 *    item removes its lines, including the comment at the end of its last line, and no comment
 *    above it. Removing a flow item removes it and one comma (and, when the item had lines of its
 *    own, those lines).
 *  - An emptied block collection becomes `{}` (environments) or `[]` (packages): the key is kept,
 *    because `packages: []` still means "venvsync owns this environment's packages".
 *  - Values are written plain when YAML reads them back as the same string in every context and
 *    no YAML tool reads them as something else; otherwise double-quoted with escapes (see
 *    mfedit_quote). Replacing a value keeps its quote style when it was quoted ('...' or "...").
 *  - Packages are matched by their PEP 503-normalized project name (the requirement's leading
 *    name). Adding a spec whose project is listed replaces that item in place (same quote style);
 *    adding the same text again changes nothing.
 *  - Anchors and aliases: an edit is refused, with an error naming the lines, when it would touch
 *    an alias (`packages: *common`, `docs: *dev`), when the node it changes (or a mapping around
 *    it) is anchored and an alias elsewhere would see the change (a `<<: *dev` merge only sees
 *    keys its mapping does not set itself), when it would delete an anchor that an alias outside
 *    the deleted text uses, and when the environment has no `packages` of its own but merges one
 *    in with `<<` (adding one would hide the merged list; removing from it would change the other
 *    environment). Setting a key that only comes from a merge adds the key (it overrides).
 *  - Text: UTF-8 (a BOM is kept), LF or CRLF line endings (new lines use the first line's ending),
 *    tabs in comments, `---` / `...` markers, a last line without a newline (it stays without
 *    one). Refused: a YAML syntax error, more than one document, lone CR or Unicode line
 *    separators (NEL, LS, PS), keys written in the explicit `? key` form where a line must be cut.
 *
 * Errors are EXIT_USAGE err_t's, "NAME:LINE:COL: message" (NAME is the display name given to
 * mfedit_open; LINE and COL 1-based, COL in characters) or "NAME: message".
 */
#ifndef VENVSYNC_MANIFEST_EDIT_H
#define VENVSYNC_MANIFEST_EDIT_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef struct mfedit mfedit_t;

/* Initialise with designated initializers ({.key = "exact", .value = "true", .literal = true}). */
typedef struct mfedit_kv {           /* one scalar setting: `key: value` */
    const char *key;
    const char *value;               /* a string, quoted when YAML needs it (mfedit_quote) */
    bool literal;                    /* value is YAML written as is: a boolean or a number
                                        (`exact: true`); only [A-Za-z0-9._+-] allowed */
} mfedit_kv_t;

typedef struct mfedit_env {          /* an environment to write (borrowed strings) */
    const char *name;
    const mfedit_kv_t *keys;         /* written in this order, before packages */
    size_t nkeys;
    const char *const *packages;     /* requirement strings, written as given */
    size_t npackages;
    bool with_packages;              /* write `packages:` (`packages: []` when npackages == 0);
                                        false: no packages key at all */
} mfedit_env_t;

/* Parses text (len bytes; it need not be NUL-terminated) and returns an editor owning a copy of
 * it. name is the file's name in error messages ("venv.yaml"). The document may be empty (only
 * comments); it need not be a valid manifest. */
err_t *mfedit_open(const char *text, size_t len, const char *name, mfedit_t **out);
void mfedit_free(mfedit_t *ed);

/* The current text (NUL-terminated, owned by ed, valid until the next operation); *len (if not
 * NULL) its length. */
const char *mfedit_text(const mfedit_t *ed, size_t *len);
/* Whether any operation changed the text since mfedit_open. */
bool mfedit_changed(const mfedit_t *ed);

/* Appends environment env->name (see the style rules above). Refused when the name exists
 * (also through a merge key), when the root is not a mapping, when `environments` is not a
 * mapping. An empty document gets `environments:` with the environment. */
err_t *mfedit_add_env(mfedit_t *ed, const mfedit_env_t *env);

/* Removes environment name's entry with its comments (rule above). Removing the last one
 * leaves `environments: {}`. Refused when it does not exist, comes from a merge key, or holds
 * an anchor used elsewhere. It does not look at other environments' `copy-from` (the caller's
 * manifest_parse of the result does). */
err_t *mfedit_remove_env(mfedit_t *ed, const char *name);

/* Adds specs (PEP 508 requirement strings; each must start with a valid project name, and no two
 * may name the same project) to environment env's `packages`, creating the key when missing.
 * A spec whose project is already listed replaces the first such item in place. If replaced is
 * not NULL it must have room for n pointers: replaced[i] is set to the text the i-th spec
 * replaced (malloc'd, the value as YAML read it), or NULL when it was added (or was already there
 * with the same text: then replaced[i] is that text too). */
err_t *mfedit_add_packages(mfedit_t *ed, const char *env, const char *const *specs, size_t n,
                           char **replaced);

/* Removes from environment env's `packages` every item whose project is one of names (project
 * names, compared normalized; a name that is not a valid project name is an error). A block list
 * that becomes empty is written `packages: []`. Names that match nothing: if missing is NULL,
 * that is an error and nothing changes; else *missing is set to a NULL-terminated malloc'd list
 * of them (strv_free; an empty list when all were found) and the others are removed. */
err_t *mfedit_remove_packages(mfedit_t *ed, const char *env, const char *const *names, size_t n,
                              char ***missing);

/* Sets scalar key to value in environment env, or at the top level when env is NULL
 * (e.g. "python"). An existing scalar's text is replaced (anchor, tag and trailing comment kept,
 * quote style kept); a missing key is added after the environment's last key, or at the top
 * level just before `environments:` (at the end when there is none). Refused when the existing
 * value is a list, a mapping or an alias. */
err_t *mfedit_set(mfedit_t *ed, const char *env, const char *key, const char *value);

/* Like mfedit_set, for a boolean or number written as is ("true", "false", "1"): value must be
 * non-empty [A-Za-z0-9._+-]. An existing quoted value loses its quotes. */
err_t *mfedit_set_literal(mfedit_t *ed, const char *env, const char *key, const char *value);

/* value as a YAML scalar: plain when that reads back as the same string everywhere, else
 * double-quoted ("3.12", ">=3.10,<3.13", "tomli; python_version < '3.11'", "", "true").
 * malloc'd. */
char *mfedit_quote(const char *value);

/* A brand-new manifest, for `init` and the first use of the global manifest. */
typedef struct mfedit_manifest {
    const char *header;              /* comment text, '\n'-separated lines written "# line"
                                        (an empty line as "#"), then a blank line; NULL: none */
    const char *python;              /* top-level `python`, or NULL */
    const char *root;                /* top-level `root`, or NULL */
    const mfedit_env_t *envs;        /* in order; none gives `environments: {}` */
    size_t nenvs;
} mfedit_manifest_t;

/* The text of m in the examples' style: `version: 1`, then python and root, then
 * `environments:` with 2-space indentation and block `packages:` lists (dashes indented 2), LF
 * line endings, final newline. An environment without keys or packages is `name: {}`.
 * malloc'd. */
char *mfedit_render(const mfedit_manifest_t *m);

#endif
