/*
 * edit_internal: what the four files of the manifest editor share. Private: only
 * src/manifest/edit.c, edit_tree.c, edit_splice.c and edit_render.c include it; everyone else
 * uses edit.h, whose contract (the style, comment and anchor rules) this header does not restate.
 *
 *   edit.c         the public operations (open, add/remove an environment, add/remove packages,
 *                  set a key), each a sequence of steps that is undone as a whole on error
 *   edit_tree.c    the text and its YAML tree: the line table and positions, error messages,
 *                  loading the text with libyaml into nodes with byte ranges, lookups in the tree
 *                  (pairs, merge keys, anchors and aliases an edit must not break, the root and
 *                  the environments)
 *   edit_splice.c  the changes: splices of the text applied and re-parsed, the file's style,
 *                  which lines belong to a block entry, flow collection items, appending entries
 *   edit_render.c  new text: scalars quoted when YAML needs it (mfedit_quote), lists and
 *                  environments as lines or flow values, a whole new manifest (mfedit_render)
 *
 * The text is parsed with libyaml's event API into a flat array of nodes (scalars, sequences,
 * mappings, aliases) that keep byte offsets: libyaml marks give line and column in characters,
 * turned into bytes through our own line table (which is why only LF and CRLF line breaks are
 * accepted: the table and libyaml must count the same lines). A node's `end` is just past its
 * last non-blank byte; a block collection ends where its last child ends.
 *
 * Ownership: the mfedit_t owns its name, text, line table and nodes (each node its anchor,
 * value and kids); an edits_t owns its edits' texts until mfe_apply() or mfe_edits_free().
 * Node indexes (size_t) are valid until the next load, i.e. the next applied step.
 */
#ifndef VENVSYNC_MANIFEST_EDIT_INTERNAL_H
#define VENVSYNC_MANIFEST_EDIT_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "manifest/edit.h"
#include "util/buf.h"
#include "util/err.h"

#define NONE ((size_t)-1)

enum { N_SCALAR, N_SEQ, N_MAP, N_ALIAS };

typedef struct node {
    int type;
    bool flow;                   /* a flow collection */
    yaml_scalar_style_t sstyle;
    size_t start;                /* first byte, properties (anchor, tag) included */
    size_t vstart;               /* first byte after the properties */
    size_t pend;                 /* just past the last property (== start without any) */
    size_t end;                  /* just past the last non-blank byte */
    size_t close;                /* flow collections: the closing bracket */
    size_t prev_end;             /* end of the token before this node; NONE at the start */
    char *anchor;
    char *value;                 /* scalars: the value as YAML reads it */
    size_t vlen;
    size_t *kids;                /* mappings: key, value, key, value...; sequences: items */
    size_t nkids, capkids;
    size_t target;               /* aliases: the anchored node */
    size_t parent;               /* NONE for the root */
} node_t;

struct mfedit {
    char *name;                  /* display name for messages */
    char *text;                  /* NUL-terminated */
    size_t len;
    bool changed;
    size_t body;                 /* 3 after a UTF-8 BOM, else 0 */
    size_t *ls;                  /* start of each line */
    size_t nlines;
    const char *eol;             /* "\n" or "\r\n" */
    node_t *nodes;
    size_t nnodes, capnodes;
    size_t root;                 /* NONE for an empty document */
};

#define BY_HAND "; edit it by hand"

/* ------------------------------------------------------------------------------------------ */
/* edit_tree.c: lines and positions */

size_t mfe_line_of(const mfedit_t *ed, size_t off);
/* Start of the line after L (the text's length after the last line). */
size_t mfe_line_next(const mfedit_t *ed, size_t L);
/* End of line L's content, before its line break. */
size_t mfe_line_cend(const mfedit_t *ed, size_t L);
bool mfe_ends_with_newline(const mfedit_t *ed);

enum { L_BLANK, L_COMMENT, L_CONTENT };

/* What line L holds; *col is the column of its first non-blank character. */
int mfe_line_kind(const mfedit_t *ed, size_t L, size_t *col);
/* Line (0-based) of node n's last byte. */
size_t mfe_last_line(const mfedit_t *ed, size_t n);
/* Column (0-based, characters) of offset off in its line. */
size_t mfe_col_of(const mfedit_t *ed, size_t off);
/* Whether only blanks precede offset off on its line. */
bool mfe_starts_line(const mfedit_t *ed, size_t off);

/* edit_tree.c: errors */

err_t *mfe_err_at(const mfedit_t *ed, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* edit_tree.c: loading */

void mfe_nodes_free(mfedit_t *ed);
void mfe_build_lines(mfedit_t *ed);
/* Parses ed->text into ed->nodes. */
err_t *mfe_load(mfedit_t *ed);

/* edit_tree.c: the tree */

static inline node_t *N(const mfedit_t *ed, size_t i)
{
    return &ed->nodes[i];
}

static inline size_t npairs(const mfedit_t *ed, size_t map)
{
    return N(ed, map)->nkids / 2;
}

static inline size_t pkey(const mfedit_t *ed, size_t map, size_t i)
{
    return N(ed, map)->kids[2 * i];
}

static inline size_t pval(const mfedit_t *ed, size_t map, size_t i)
{
    return N(ed, map)->kids[2 * i + 1];
}

bool mfe_key_is(const mfedit_t *ed, size_t k, const char *s);
/* Index of map's own pair with key s, or NONE. */
size_t mfe_own_pair(const mfedit_t *ed, size_t map, const char *s);
size_t mfe_resolve(const mfedit_t *ed, size_t n);
/* The merge key ('<<') through which map gets key s, or NONE. */
size_t mfe_merged_from(const mfedit_t *ed, size_t map, const char *s, int depth);
bool mfe_is_null(const mfedit_t *ed, size_t n);
/* Refuses changing node n (or, when key is not NULL, n's entry `key`) when an alias would see
 * the change: n or a node around it is anchored and aliased, except through a merge into a
 * mapping that sets the affected key itself. what names the change in the message. */
err_t *mfe_check_shared(const mfedit_t *ed, size_t n, const char *key, const char *what);
/* Refuses deleting [s, e) when it holds an anchor that an alias outside it uses. */
err_t *mfe_check_anchors_in(const mfedit_t *ed, size_t s, size_t e, const char *what);

/* edit_tree.c: finding things */

/* The root mapping, or an error. NONE (no error) for an empty document when allow_empty. */
err_t *mfe_root_map(const mfedit_t *ed, size_t *out, bool allow_empty);
/* The environments mapping: *envs_pair in the root (NONE when missing) and *envs its value. */
err_t *mfe_find_envs(const mfedit_t *ed, size_t root, size_t *envs_pair, size_t *envs);
/* Environment name: its pair index in the environments mapping and its value. */
err_t *mfe_find_env(const mfedit_t *ed, const char *name, size_t *envs, size_t *pair,
                    size_t *val);

/* ------------------------------------------------------------------------------------------ */
/* edit_splice.c: splices */

typedef struct edit {
    size_t start, end;
    char *text;
    size_t seq;
} edit_t;

typedef struct edits {
    edit_t *v;
    size_t n, cap;
} edits_t;

void mfe_splice(edits_t *es, size_t start, size_t end, const char *text);
void mfe_edits_free(edits_t *es);
/* Applies es (freed) and parses the result; on failure the text is unchanged. */
err_t *mfe_apply(mfedit_t *ed, edits_t *es);
/* Inserts text (whole lines, each ending with ed->eol) after line L. After a last line without
 * a line break, the break goes before the text and the text's last one is dropped. */
void mfe_insert_lines(const mfedit_t *ed, edits_t *es, size_t L, const char *text);
/* Deletes lines a..b (whole, with their breaks). */
void mfe_delete_lines(const mfedit_t *ed, edits_t *es, size_t a, size_t b);

/* edit_splice.c: the file's style */

typedef struct style {
    size_t step;                 /* indentation of a block mapping below its key */
    size_t seq_off;              /* a block list's dash column, relative to its key */
    size_t dash_gap;             /* spaces after the dash */
    bool pkgs_flow;              /* new packages lists are written [a, b] */
} style_t;

style_t mfe_detect_style(const mfedit_t *ed);

/* edit_splice.c: block mapping entries */

/* The first line of entry i of block mapping map: its key's line, or the first of the comment
 * lines directly above it in the key's column. */
size_t mfe_entry_first(const mfedit_t *ed, size_t map, size_t i);
/* The last line of entry i: its value's last line, or the last of the comment lines after it
 * (before the next content line) indented deeper than its key. */
size_t mfe_entry_last(const mfedit_t *ed, size_t map, size_t i);
/* Where to write " {}" / " []" for an emptied block collection v under key k. */
size_t mfe_empty_marker_at(const mfedit_t *ed, size_t k, size_t v);
/* Splices that remove entry i of block mapping map (rules in edit.h). When it is the only
 * entry, `empty` (" {}") is written after the mapping's key parent_key. */
err_t *mfe_remove_block_entry(const mfedit_t *ed, edits_t *es, size_t map, size_t i,
                              size_t parent_key, const char *what);
/* Whether entry i of block mapping map (i > 0) is separated from the one before by a blank
 * line (just above its comment lines). */
bool mfe_blank_before(const mfedit_t *ed, size_t map, size_t i);
/* Whether the entries of block mapping map are separated by blank lines (judged by the last
 * two). */
bool mfe_blank_separated(const mfedit_t *ed, size_t map);

/* edit_splice.c: flow collections */

/* Splices that append item (its text) to flow collection n. */
void mfe_flow_append(const mfedit_t *ed, edits_t *es, size_t n, const char *item);
/* Splices that remove item j of flow collection n (rules in edit.h). */
err_t *mfe_flow_remove(const mfedit_t *ed, edits_t *es, size_t n, size_t j, const char *what);

/* edit_splice.c: values that become blocks, and new entries */

/* Whether value v of key k can be turned into a block by deleting its text: a null or an empty
 * flow collection without properties on the key's line, in a block mapping. */
bool mfe_blockable(const mfedit_t *ed, size_t map, size_t k, size_t v);
/* Splices deleting a blockable value's text (" ~", " {}"). */
void mfe_unblock(const mfedit_t *ed, edits_t *es, size_t k, size_t v);
/* The text of value v of key k to replace: [*s, *e). An empty value (`key:` with nothing after
 * it) is the empty span right after the ':' (libyaml may place it further on, at a '}'). */
void mfe_value_span(const mfedit_t *ed, size_t k, size_t v, size_t *s, size_t *e);

/* Writes an entry's lines into b at column ind (arg: as passed to mfe_append_entry). */
typedef void (*lines_fn)(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                         const void *arg);

/* Splices that add an entry (lines made by `lines` at the right column, or `flow_text` inside a
 * flow mapping) to mapping map, the value of key k in parent (k == NONE for the root). */
void mfe_append_entry(const mfedit_t *ed, edits_t *es, const style_t *st, size_t parent,
                      size_t k, size_t map, lines_fn lines, const void *arg,
                      const char *flow_text);

/* ------------------------------------------------------------------------------------------ */
/* edit_render.c: scalars */

enum { Q_MIN, Q_SINGLE, Q_DOUBLE };

/* Appends s as a scalar: plain when safe (Q_MIN), else quoted, single quotes when asked for
 * and possible. */
void mfe_add_scalar(buf_t *b, const char *s, int style);
/* A setting's value: as is when literal, else a string. */
void mfe_add_value(buf_t *b, const mfedit_kv_t *kv, int style);
/* n spaces. */
void mfe_indent(buf_t *b, size_t n);

/* edit_render.c: writing environments and lists */

/* `[a, b]` */
void mfe_add_flow_list(buf_t *b, const char *const *items, size_t n);
/* "key:" and a list, as lines at column ind (block unless flow). */
void mfe_add_list_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                        const char *key, const char *const *items, size_t n, bool flow);
/* `{k: v, packages: [a]}` */
void mfe_add_env_flow_value(buf_t *b, const mfedit_env_t *env);
/* The environment as block lines at column ind. */
void mfe_add_env_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                       const mfedit_env_t *env, bool flow_value);

#endif
