/*
 * mfedit: venv.yaml edits as splices of the original text. See edit.h for the contract.
 *
 * This file holds the operations; the text, its tree and lookups are in edit_tree.c, the
 * splices and the file's style in edit_splice.c, new text in edit_render.c (edit_internal.h
 * says what they share).
 *
 * An operation is a sequence of primitive steps; each step computes splices (edit_t) of the
 * current text, applies them, and parses the result again, failing (and restoring the text the
 * operation started from) if it does not parse. So the later steps of an operation see the
 * effect of the earlier ones, and no broken text is ever returned.
 */
#include "manifest/edit.h"

#include <stdlib.h>
#include <string.h>

#include "manifest/edit_internal.h"
#include "pkg/name.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* scalars and requirement names, as the operations below read them */

static bool literal_ok(const char *s)
{
    return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") ==
                     strlen(s);
}

static int style_of(const mfedit_t *ed, size_t n)
{
    switch (N(ed, n)->sstyle) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return Q_SINGLE;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return Q_DOUBLE;
    default: return Q_MIN;
    }
}

/* The project name a requirement starts with: [*at, *at + *n). False when there is none. */
static bool req_name(const char *s, size_t *at, size_t *n)
{
    size_t p = 0;
    while (s[p] == ' ' || s[p] == '\t')
        p++;
    size_t q = p;
    while (s[q] && (strchr("._-", s[q]) || (s[q] >= '0' && s[q] <= '9') ||
                    (s[q] >= 'a' && s[q] <= 'z') || (s[q] >= 'A' && s[q] <= 'Z')))
        q++;
    if (!pkg_name_valid_n(s + p, q - p))
        return false;
    if (s[q] && !strchr(" \t[(<>=!~;@", s[q]))
        return false;
    *at = p;
    *n = q - p;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* operations */

err_t *mfedit_open(const char *text, size_t len, const char *name, mfedit_t **out)
{
    *out = NULL;
    mfedit_t *ed = xcalloc(1, sizeof *ed);
    ed->name = xstrdup(name ? name : "venv.yaml");
    ed->text = xstrndup(text, len);
    ed->len = strlen(ed->text);
    if (ed->len != len) {
        mfe_build_lines(ed);
        err_t *e = mfe_err_at(ed, ed->len, "not valid text: a NUL byte");
        mfedit_free(ed);
        return e;
    }
    err_t *e = mfe_load(ed);
    if (e) {
        mfedit_free(ed);
        return e;
    }
    *out = ed;
    return NULL;
}

void mfedit_free(mfedit_t *ed)
{
    if (!ed)
        return;
    mfe_nodes_free(ed);
    free(ed->ls);
    free(ed->text);
    free(ed->name);
    free(ed);
}

const char *mfedit_text(const mfedit_t *ed, size_t *len)
{
    if (len)
        *len = ed->len;
    return ed->text;
}

bool mfedit_changed(const mfedit_t *ed)
{
    return ed->changed;
}

/* Restores the text saved at the start of an operation (it parsed then, so it parses now). */
static err_t *restore(mfedit_t *ed, char *saved, bool changed, err_t *e)
{
    if (!e) {
        free(saved);
        return NULL;
    }
    free(ed->text);
    ed->text = saved;
    ed->len = strlen(saved);
    ed->changed = changed;
    err_free(mfe_load(ed));
    return e;
}

static void env_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                      const void *arg)
{
    const struct { const mfedit_env_t *env; bool flow; } *a = arg;
    mfe_add_env_lines(b, ed, st, ind, a->env, a->flow);
}

static void envs_key_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                           const void *arg)
{
    mfe_indent(b, ind);
    buf_printf(b, "environments:%s", ed->eol);
    mfe_add_env_lines(b, ed, st, ind + st->step, arg, false);
}

static err_t *add_env_step(mfedit_t *ed, const mfedit_env_t *env)
{
    if (!env->name || !*env->name)
        return mfe_err_at(ed, NONE, "an environment needs a name");
    for (size_t i = 0; i < env->nkeys; i++) {
        if (!env->keys[i].key || !*env->keys[i].key || !env->keys[i].value)
            return mfe_err_at(ed, NONE, "environment '%s': a setting without a key or value",
                              env->name);
        if (env->keys[i].literal && !literal_ok(env->keys[i].value))
            return mfe_err_at(ed, NONE, "environment '%s': '%s' is not a boolean or a number",
                              env->name, env->keys[i].value);
    }
    size_t root, ep, envs;
    err_t *e = mfe_root_map(ed, &root, true);
    if (!e)
        e = mfe_find_envs(ed, root, &ep, &envs);
    if (e)
        return e;
    style_t st = mfe_detect_style(ed);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (root == NONE) {
        /* An empty document (comments at most): append at the end. */
        if (ed->len > ed->body && !mfe_ends_with_newline(ed))
            buf_adds(&b, ed->eol);
        envs_key_lines(&b, ed, &st, 0, env);
        mfe_splice(&es, ed->len, ed->len, buf_cstr(&b));
    } else if (envs == NONE) {
        buf_t flow = BUF_INIT;
        buf_adds(&flow, "environments: {");
        mfe_add_scalar(&flow, env->name, Q_MIN);
        buf_adds(&flow, ": ");
        mfe_add_env_flow_value(&flow, env);
        buf_addc(&flow, '}');
        if (N(ed, root)->flow) {
            mfe_flow_append(ed, &es, root, buf_cstr(&flow));
        } else {
            size_t n = npairs(ed, root);
            if (mfe_blank_separated(ed, root))
                buf_adds(&b, ed->eol);
            envs_key_lines(&b, ed, &st, mfe_col_of(ed, N(ed, pkey(ed, root, n - 1))->start), env);
            mfe_insert_lines(ed, &es, mfe_entry_last(ed, root, n - 1), buf_cstr(&b));
        }
        buf_free(&flow);
    } else {
        if (N(ed, envs)->type == N_MAP) {
            size_t i = mfe_own_pair(ed, envs, env->name);
            if (i != NONE) {
                e = mfe_err_at(ed, N(ed, pkey(ed, envs, i))->start, "environment '%s' already "
                               "exists", env->name);
                goto out;
            }
            size_t mk = mfe_merged_from(ed, envs, env->name, 0);
            if (mk != NONE) {
                e = mfe_err_at(ed, N(ed, mk)->start, "environment '%s' already exists (it comes "
                               "from a merge key)", env->name);
                goto out;
            }
            if ((e = mfe_check_shared(ed, envs, env->name, "add an environment")))
                goto out;
        }
        size_t k = pkey(ed, root, ep);
        /* Written `name: {...}` when the last environment is a one-line flow mapping. */
        bool flow_value = false;
        if (N(ed, envs)->type == N_MAP && npairs(ed, envs) && !N(ed, envs)->flow) {
            size_t lv = pval(ed, envs, npairs(ed, envs) - 1);
            flow_value = N(ed, lv)->type == N_MAP && N(ed, lv)->flow && N(ed, lv)->nkids &&
                         mfe_line_of(ed, N(ed, lv)->start) == mfe_line_of(ed, N(ed, lv)->end);
        }
        buf_t flow = BUF_INIT;
        mfe_add_scalar(&flow, env->name, Q_MIN);
        buf_adds(&flow, ": ");
        mfe_add_env_flow_value(&flow, env);
        struct { const mfedit_env_t *env; bool flow; } arg = {env, flow_value};
        mfe_append_entry(ed, &es, &st, root, k, envs, env_lines, &arg, buf_cstr(&flow));
        buf_free(&flow);
    }
    buf_free(&b);
    return mfe_apply(ed, &es);
out:
    buf_free(&b);
    mfe_edits_free(&es);
    return e;
}

err_t *mfedit_add_env(mfedit_t *ed, const mfedit_env_t *env)
{
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    err_t *e = add_env_step(ed, env);
    if (!e) {
        size_t envs, pair, val;
        err_t *chk = mfe_find_env(ed, env->name, &envs, &pair, &val);
        if (chk)
            e = err_ctx(chk, "internal error: the environment was not added");
    }
    return restore(ed, saved, changed, e);
}

err_t *mfedit_remove_env(mfedit_t *ed, const char *name)
{
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    size_t envs, pair, val;
    err_t *e = mfe_find_env(ed, name, &envs, &pair, &val);
    char *what = xasprintf("remove environment '%s'", name);
    if (!e)
        e = mfe_check_shared(ed, envs, name, what);
    if (!e) {
        edits_t es = {0};
        if (N(ed, envs)->flow) {
            e = mfe_flow_remove(ed, &es, envs, pair, what);
        } else {
            size_t root = ed->root;
            size_t ek = pkey(ed, root, mfe_own_pair(ed, root, "environments"));
            e = mfe_remove_block_entry(ed, &es, envs, pair, ek, what);
        }
        if (e)
            mfe_edits_free(&es);
        else
            e = mfe_apply(ed, &es);
    }
    if (!e) {
        size_t v2;
        err_t *chk = mfe_find_env(ed, name, &envs, &pair, &v2);
        if (!chk)
            e = mfe_err_at(ed, NONE, "internal error: environment '%s' is still there", name);
        err_free(chk);
    }
    free(what);
    return restore(ed, saved, changed, e);
}

/* The packages list of environment env: *list (NONE when there is no `packages` key), the
 * environment's value *ev (a mapping or a null) and its key *ek. */
static err_t *find_packages(const mfedit_t *ed, const char *env, const char *verb, size_t *ek,
                            size_t *ev, size_t *list)
{
    size_t envs, pair;
    err_t *e = mfe_find_env(ed, env, &envs, &pair, ev);
    if (e)
        return e;
    *ek = pkey(ed, envs, pair);
    *list = NONE;
    size_t v = *ev;
    if (N(ed, v)->type == N_ALIAS)
        return mfe_err_at(ed, N(ed, v)->start, "cannot %s packages of environment '%s': it is an "
                          "alias (*%s)" BY_HAND, verb, env, N(ed, N(ed, v)->target)->anchor);
    if (mfe_is_null(ed, v))
        return NULL;
    if (N(ed, v)->type != N_MAP)
        return mfe_err_at(ed, N(ed, v)->start, "environment '%s' must be a mapping", env);
    size_t i = mfe_own_pair(ed, v, "packages");
    if (i == NONE) {
        size_t mk = mfe_merged_from(ed, v, "packages", 0);
        if (mk != NONE)
            return mfe_err_at(ed, N(ed, mk)->start, "cannot %s packages of environment '%s': its "
                              "'packages' come from the merge key here (%s)" BY_HAND, verb, env,
                              strcmp(verb, "add") == 0
                                  ? "a list of its own would replace them"
                                  : "they belong to the environment it merges");
        return NULL;
    }
    size_t l = pval(ed, v, i);
    if (N(ed, l)->type == N_ALIAS)
        return mfe_err_at(ed, N(ed, l)->start, "cannot %s packages of environment '%s': its "
                          "'packages' is an alias (*%s)" BY_HAND, verb, env,
                          N(ed, N(ed, l)->target)->anchor);
    if (N(ed, l)->type != N_SEQ && !mfe_is_null(ed, l))
        return mfe_err_at(ed, N(ed, l)->start, "'packages' in environment '%s' must be a list",
                          env);
    *list = l;
    return NULL;
}

/* Index of the first item of seq naming project key (normalized), from index from; NONE. */
static size_t find_item(const mfedit_t *ed, size_t seq, const char *name, size_t nlen,
                        size_t from)
{
    for (size_t j = from; j < N(ed, seq)->nkids; j++) {
        size_t it = mfe_resolve(ed, N(ed, seq)->kids[j]);
        size_t at, n;
        if (N(ed, it)->type == N_SCALAR && req_name(N(ed, it)->value, &at, &n) &&
            pkg_name_eq_n(N(ed, it)->value + at, n, name, nlen))
            return j;
    }
    return NONE;
}

static void pkg_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                      const void *arg)
{
    const char *spec = arg;
    mfe_add_list_lines(b, ed, st, ind, "packages", &spec, 1, st->pkgs_flow);
}

static err_t *add_package_step(mfedit_t *ed, const char *env, const char *spec, char **replaced)
{
    size_t at, nlen;
    req_name(spec, &at, &nlen);
    size_t ek, ev, list;
    err_t *e = find_packages(ed, env, "add", &ek, &ev, &list);
    if (e)
        return e;
    style_t st = mfe_detect_style(ed);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (list == NONE) {
        char *what = xasprintf("add packages to environment '%s'", env);
        e = mfe_check_shared(ed, ev, "packages", what);
        free(what);
        if (e)
            return e;
        buf_adds(&b, "packages: ");
        mfe_add_flow_list(&b, &spec, 1);
        size_t envs = N(ed, ek)->parent;
        mfe_append_entry(ed, &es, &st, envs, ek, ev, pkg_lines, spec, buf_cstr(&b));
    } else {
        char *what = xasprintf("add packages to environment '%s'", env);
        e = mfe_check_shared(ed, list, NULL, what);
        free(what);
        if (e)
            return e;
        size_t v = N(ed, list)->parent;
        size_t lk = pkey(ed, v, mfe_own_pair(ed, v, "packages"));
        size_t j = N(ed, list)->type == N_SEQ ? find_item(ed, list, spec + at, nlen, 0) : NONE;
        if (j != NONE) {
            size_t it = N(ed, list)->kids[j];
            const char *was = N(ed, mfe_resolve(ed, it))->value;
            if (replaced)
                *replaced = xstrdup(was);
            if (strcmp(was, spec) == 0)
                return NULL;
            char *rwhat = xasprintf("replace '%s' in environment '%s'", was, env);
            e = mfe_check_shared(ed, it, NULL, rwhat);
            free(rwhat);
            if (e) {
                if (replaced)
                    free(*replaced), *replaced = NULL;
                return e;
            }
            mfe_add_scalar(&b, spec, style_of(ed, it));
            mfe_splice(&es, N(ed, it)->vstart, N(ed, it)->end, buf_cstr(&b));
        } else if (mfe_blockable(ed, v, lk, list) && !st.pkgs_flow) {
            mfe_unblock(ed, &es, lk, list);
            size_t ind = mfe_col_of(ed, N(ed, lk)->start) + st.seq_off;
            mfe_indent(&b, ind);
            buf_addc(&b, '-');
            mfe_indent(&b, st.dash_gap);
            mfe_add_scalar(&b, spec, Q_MIN);
            buf_adds(&b, ed->eol);
            mfe_insert_lines(ed, &es, mfe_last_line(ed, lk), buf_cstr(&b));
        } else if (mfe_is_null(ed, list)) {
            /* `packages: ~` somewhere a block cannot go: write a flow list in its place */
            size_t vs, ve;
            mfe_value_span(ed, lk, list, &vs, &ve);
            if (vs == ve)
                buf_addc(&b, ' ');
            mfe_add_flow_list(&b, &spec, 1);
            mfe_splice(&es, vs, ve, buf_cstr(&b));
        } else if (N(ed, list)->flow) {
            mfe_add_scalar(&b, spec, Q_MIN);
            mfe_flow_append(ed, &es, list, buf_cstr(&b));
        } else {
            /* a block list: a line like the last item's */
            size_t it = N(ed, list)->kids[N(ed, list)->nkids - 1];
            size_t dash = N(ed, it)->start;
            while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
                dash--;
            if (!dash || ed->text[dash - 1] != '-' || !mfe_starts_line(ed, dash - 1)) {
                buf_free(&b);
                return mfe_err_at(ed, N(ed, it)->start, "cannot add packages: the last item of "
                                  "'packages' is not on a line of its own" BY_HAND);
            }
            dash--;
            size_t ls = ed->ls[mfe_line_of(ed, dash)];
            buf_add(&b, ed->text + ls, dash - ls);
            buf_addc(&b, '-');
            if (mfe_line_of(ed, dash) == mfe_line_of(ed, N(ed, it)->start))
                buf_add(&b, ed->text + dash + 1, N(ed, it)->start - dash - 1);
            else
                buf_addc(&b, ' ');
            mfe_add_scalar(&b, spec, Q_MIN);
            buf_adds(&b, ed->eol);
            mfe_insert_lines(ed, &es, mfe_last_line(ed, it), buf_cstr(&b));
        }
    }
    buf_free(&b);
    return mfe_apply(ed, &es);
}

err_t *mfedit_add_packages(mfedit_t *ed, const char *env, const char *const *specs, size_t n,
                           char **replaced)
{
    for (size_t i = 0; replaced && i < n; i++)
        replaced[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t at, len;
        if (!specs[i] || !req_name(specs[i], &at, &len))
            return mfe_err_at(ed, NONE, "'%s' is not a requirement (it must start with a project "
                              "name)", specs[i] ? specs[i] : "");
        for (size_t j = 0; j < i; j++) {
            size_t at2, len2;
            req_name(specs[j], &at2, &len2);
            if (pkg_name_eq_n(specs[i] + at, len, specs[j] + at2, len2))
                return mfe_err_at(ed, NONE, "'%s' and '%s' name the same project", specs[j],
                                  specs[i]);
        }
    }
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    err_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        e = add_package_step(ed, env, specs[i], replaced ? &replaced[i] : NULL);
        if (!e) {
            size_t ek, ev, list, at, len;
            req_name(specs[i], &at, &len);
            e = find_packages(ed, env, "add", &ek, &ev, &list);
            if (!e && (list == NONE || N(ed, list)->type != N_SEQ ||
                       find_item(ed, list, specs[i] + at, len, 0) == NONE))
                e = mfe_err_at(ed, NONE, "internal error: '%s' was not added", specs[i]);
        }
    }
    if (e && replaced)
        for (size_t i = 0; i < n; i++)
            free(replaced[i]), replaced[i] = NULL;
    return restore(ed, saved, changed, e);
}

static err_t *remove_item_step(mfedit_t *ed, size_t list, size_t j, const char *what)
{
    edits_t es = {0};
    err_t *e = mfe_check_shared(ed, N(ed, list)->kids[j], NULL, what);
    if (e)
        return e;
    if (N(ed, list)->flow) {
        e = mfe_flow_remove(ed, &es, list, j, what);
    } else {
        size_t it = N(ed, list)->kids[j];
        size_t dash = N(ed, it)->start;
        while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
            dash--;
        if (!dash || ed->text[dash - 1] != '-' || !mfe_starts_line(ed, dash - 1))
            return mfe_err_at(ed, N(ed, it)->start, "cannot %s: the item is not on a line of its "
                              "own" BY_HAND, what);
        dash--;
        size_t first = mfe_line_of(ed, dash), last = mfe_last_line(ed, it);
        e = mfe_check_anchors_in(ed, ed->ls[first], mfe_line_next(ed, last), what);
        if (!e && N(ed, list)->nkids == 1) {
            size_t v = N(ed, list)->parent;
            size_t lk = pkey(ed, v, mfe_own_pair(ed, v, "packages"));
            size_t at = mfe_empty_marker_at(ed, lk, list);
            if (at == NONE)
                e = mfe_err_at(ed, N(ed, lk)->start, "cannot %s: no place to write '[]'" BY_HAND,
                               what);
            else
                mfe_splice(&es, at, at, " []");
        }
        if (!e)
            mfe_delete_lines(ed, &es, first, last);
    }
    if (e) {
        mfe_edits_free(&es);
        return e;
    }
    return mfe_apply(ed, &es);
}

err_t *mfedit_remove_packages(mfedit_t *ed, const char *env, const char *const *names, size_t n,
                              char ***missing)
{
    if (missing)
        *missing = NULL;
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !pkg_name_valid(names[i]))
            return mfe_err_at(ed, NONE, "'%s' is not a project name", names[i] ? names[i] : "");
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    char **miss = xcalloc(n + 1, sizeof *miss);
    size_t nmiss = 0;
    err_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        bool found = false;
        for (;;) {
            size_t ek, ev, list;
            if ((e = find_packages(ed, env, "remove", &ek, &ev, &list)))
                break;
            size_t j = list == NONE || N(ed, list)->type != N_SEQ
                           ? NONE : find_item(ed, list, names[i], strlen(names[i]), 0);
            if (j == NONE)
                break;
            char *what = xasprintf("remove '%s' from environment '%s'",
                                   N(ed, mfe_resolve(ed, N(ed, list)->kids[j]))->value, env);
            e = remove_item_step(ed, list, j, what);
            free(what);
            found = true;
            if (e)
                break;
        }
        if (!e && !found) {
            bool dup = false;
            for (size_t j = 0; j < nmiss; j++)
                dup |= pkg_name_eq(miss[j], names[i]);
            if (!dup)
                miss[nmiss++] = xstrdup(names[i]);
        }
    }
    if (!e && nmiss && !missing) {
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < nmiss; i++)
            buf_printf(&b, "%s'%s'", i ? ", " : "", miss[i]);
        e = mfe_err_at(ed, NONE, "environment '%s' has no package %s", env, buf_cstr(&b));
        buf_free(&b);
    }
    if (e || !missing)
        strv_free(miss);
    else
        *missing = miss;
    return restore(ed, saved, changed, e);
}

static void kv_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                     const void *arg)
{
    const mfedit_kv_t *kv = arg;
    mfe_indent(b, ind);
    mfe_add_scalar(b, kv->key, Q_MIN);
    buf_adds(b, ": ");
    mfe_add_value(b, kv, Q_MIN);
    buf_adds(b, ed->eol);
}

static err_t *set_step(mfedit_t *ed, const char *env, const mfedit_kv_t *kv)
{
    const char *key = kv->key, *value = kv->value;
    size_t map, mk = NONE, parent = NONE, root;
    err_t *e;
    char *what = env ? xasprintf("set '%s' of environment '%s'", key, env)
                     : xasprintf("set '%s'", key);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (env) {
        size_t envs, pair;
        if ((e = mfe_find_env(ed, env, &envs, &pair, &map)))
            goto out;
        mk = pkey(ed, envs, pair);
        parent = envs;
        if (N(ed, map)->type == N_ALIAS) {
            e = mfe_err_at(ed, N(ed, map)->start, "cannot %s: the environment is an alias (*%s)"
                           BY_HAND, what, N(ed, N(ed, map)->target)->anchor);
            goto out;
        }
        if (N(ed, map)->type != N_MAP && !mfe_is_null(ed, map)) {
            e = mfe_err_at(ed, N(ed, map)->start, "environment '%s' must be a mapping", env);
            goto out;
        }
    } else {
        if ((e = mfe_root_map(ed, &root, true)))
            goto out;
        map = root;
    }
    size_t i = map == NONE || N(ed, map)->type != N_MAP ? NONE : mfe_own_pair(ed, map, key);
    if (i != NONE) {
        size_t v = pval(ed, map, i);
        if (N(ed, v)->type != N_SCALAR) {
            e = mfe_err_at(ed, N(ed, v)->start, "cannot %s: its value is %s" BY_HAND, what,
                           N(ed, v)->type == N_ALIAS ? "an alias" :
                           N(ed, v)->type == N_SEQ ? "a list" : "a mapping");
            goto out;
        }
        if ((e = mfe_check_shared(ed, v, NULL, what)))
            goto out;
        if (N(ed, v)->vlen == strlen(value) && strcmp(N(ed, v)->value, value) == 0 &&
            !mfe_is_null(ed, v) && kv->literal == (N(ed, v)->sstyle == YAML_PLAIN_SCALAR_STYLE))
            goto out;
        size_t vs, ve;
        mfe_value_span(ed, pkey(ed, map, i), v, &vs, &ve);
        if (vs == ve)
            buf_addc(&b, ' ');           /* `key:` with nothing after it */
        mfe_add_value(&b, kv, mfe_is_null(ed, v) ? Q_MIN : style_of(ed, v));
        mfe_splice(&es, vs, ve, buf_cstr(&b));
    } else if (map == NONE) {
        /* empty document */
        if (ed->len > ed->body && !mfe_ends_with_newline(ed))
            buf_adds(&b, ed->eol);
        kv_lines(&b, ed, NULL, 0, kv);
        mfe_splice(&es, ed->len, ed->len, buf_cstr(&b));
    } else {
        if ((e = mfe_check_shared(ed, map, key, what)))
            goto out;
        style_t st = mfe_detect_style(ed);
        buf_t flow = BUF_INIT;
        mfe_add_scalar(&flow, key, Q_MIN);
        buf_adds(&flow, ": ");
        mfe_add_value(&flow, kv, Q_MIN);
        size_t ep = env ? NONE : mfe_own_pair(ed, map, "environments");
        if (!env && ep != NONE && !N(ed, map)->flow && ep > 0) {
            /* top level: after the key before `environments:` */
            if (mfe_blank_before(ed, map, ep - 1))
                buf_adds(&b, ed->eol);
            kv_lines(&b, ed, &st, mfe_col_of(ed, N(ed, pkey(ed, map, ep))->start), kv);
            mfe_insert_lines(ed, &es, mfe_entry_last(ed, map, ep - 1), buf_cstr(&b));
        } else if (!env && ep != NONE && !N(ed, map)->flow) {
            /* `environments:` comes first: just above it and its comments */
            size_t first = mfe_entry_first(ed, map, ep);
            kv_lines(&b, ed, &st, mfe_col_of(ed, N(ed, pkey(ed, map, ep))->start), kv);
            mfe_splice(&es, ed->ls[first], ed->ls[first], buf_cstr(&b));
        } else {
            mfe_append_entry(ed, &es, &st, parent, mk, map, kv_lines, kv, buf_cstr(&flow));
        }
        buf_free(&flow);
    }
out:
    free(what);
    buf_free(&b);
    if (e) {
        mfe_edits_free(&es);
        return e;
    }
    if (!es.n)
        return NULL;
    return mfe_apply(ed, &es);
}

static err_t *set(mfedit_t *ed, const char *env, const mfedit_kv_t *kv)
{
    if (!kv->key || !*kv->key || !kv->value)
        return mfe_err_at(ed, NONE, "a setting needs a key and a value");
    if (kv->literal && !literal_ok(kv->value))
        return mfe_err_at(ed, NONE, "'%s' is not a boolean or a number", kv->value);
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    return restore(ed, saved, changed, set_step(ed, env, kv));
}

err_t *mfedit_set(mfedit_t *ed, const char *env, const char *key, const char *value)
{
    return set(ed, env, &(mfedit_kv_t){key, value, false});
}

err_t *mfedit_set_literal(mfedit_t *ed, const char *env, const char *key, const char *value)
{
    return set(ed, env, &(mfedit_kv_t){key, value, true});
}

