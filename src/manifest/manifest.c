/*
 * manifest: venv.yaml version 1 -> manifest_t. See manifest.h for the contract.
 *
 * The file is loaded with libyaml's document API (one allocation per node; a manifest has a few
 * hundred at most), then walked once. This file holds the schema and the walk; reading nodes,
 * typed values and collecting problems are manifest_yaml.c's, the checks across environments
 * manifest_envs.c's (manifest_internal.h says what they share). Every problem is collected with
 * its position, and at the end the problems are sorted by position and returned as one err_t
 * chain, so a user fixes the whole file in one round.
 *
 * Decisions worth knowing:
 *  - Scalars keep their text as written: `python: 3.10` is "3.10", never 3.1.
 *  - Booleans are YAML 1.2's: true/false (also True/False/TRUE/FALSE), unquoted. YAML 1.1's
 *    yes/no/on/off are refused with a message saying what to write, because other tools (PyYAML)
 *    read them as booleans and the format must mean the same thing everywhere.
 *  - `version` is the unquoted integer 1.
 *  - A null value (`key:` with nothing after it, `~`, `null`) is an error for every key, except
 *    an environment itself (`tools:` alone is an environment with every default).
 *  - Anchors and aliases are accepted (`packages: *common`), and so are YAML merge keys
 *    (`<<: *base`) inside any mapping; keys written in a mapping win over merged ones. An error
 *    inside an aliased node is reported at the anchored node's position.
 *  - Environment names must be usable as directory names: not empty, no '/', not "." or "..",
 *    no control characters, and not starting with '-' (it would read as a command-line option).
 *  - An environment without `python` takes its copy-from source's request (following the chain),
 *    else the top-level one: a copy runs on the interpreter it was copied from.
 *  - Two environments may not share a path, nor may one lie inside another, nor may one contain
 *    the manifest's own directory (recreating it would delete the project).
 *  - Only one YAML document per file; a YAML syntax error stops parsing, so it is the only
 *    error reported.
 */
#include "manifest/manifest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "manifest/manifest_internal.h"
#include "pkg/marker.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* keys */

enum { T_VERSION, T_PYTHON, T_ROOT, T_DOWNLOADS, T_INDEX, T_ENVS, T_LINK, T_BUILD, T_LOCKENVS,
       T_N };
static const char *const top_keys[T_N] = {
    "version", "python", "root", "python-downloads", "index", "environments", "link-mode", "build",
    "lock-environments",
};

enum { I_URL, I_EXTRA, I_FIND, I_N };
static const char *const index_keys[I_N] = {"url", "extra-urls", "find-links"};

enum { E_PATH, E_PYTHON, E_PROMPT, E_SSP, E_PACKAGES, E_REQS, E_EXACT, E_UPGRADE, E_COPY,
       E_COMPILE, E_SEED, E_LINK, E_PROJECT, E_BUILD, E_LOCKENVS, E_PYLOCK, E_N };
static const char *const env_keys[E_N] = {
    "path",  "python",  "prompt",    "system-site-packages", "packages",
    "requirements", "exact", "upgrade", "copy-from", "compile", "seed", "link-mode", "project",
    "build", "lock-environments", "pylock",
};

enum { P_PATH, P_EDITABLE, P_EXTRAS, P_GROUPS, P_N };
static const char *const project_keys[P_N] = {"path", "editable", "extras", "groups"};

static const char *const link_modes[] = {"clone", "hardlink", "copy", "symlink"};

bool manifest_link_mode_parse(const char *s, mf_link_mode_t *out)
{
    int id = s ? mf_key_id(s, link_modes, 4) : -1;
    if (id < 0)
        return false;
    *out = (mf_link_mode_t)(LINK_MODE_CLONE + id);
    return true;
}

const char *manifest_link_mode_name(mf_link_mode_t m)
{
    return m >= LINK_MODE_CLONE && m <= LINK_MODE_SYMLINK ? link_modes[m - LINK_MODE_CLONE]
                                                          : "default";
}

/* A `link-mode` value, or LINK_MODE_DEFAULT after reporting. */
static mf_link_mode_t get_link_mode(ctx_t *c, const yaml_node_t *v, const what_t *w)
{
    int id = mf_get_enum(c, v, w, link_modes, 4);
    return id < 0 ? LINK_MODE_DEFAULT : (mf_link_mode_t)(LINK_MODE_CLONE + id);
}

static const char *const build_policies[] = {"auto", "never", "always"};

bool manifest_build_parse(const char *s, mf_build_t *out)
{
    int id = s ? mf_key_id(s, build_policies, 3) : -1;
    if (id < 0)
        return false;
    *out = (mf_build_t)id;
    return true;
}

const char *manifest_build_name(mf_build_t b)
{
    return build_policies[b];
}

static mf_build_t get_build(ctx_t *c, const yaml_node_t *v, const what_t *w)
{
    int id = mf_get_enum(c, v, w, build_policies, 3);
    return id < 0 ? BUILD_AUTO : (mf_build_t)id;
}

/* Where a mapping is, for messages: level 0 the top, 1 'index', 2 environment env, 3 the
 * environment's 'project'. */
static const char *scope_str(int level, const char *env, buf_t *b)
{
    if (level == 0)
        return "at the top level";
    if (level == 1)
        return "in 'index'";
    buf_reset(b);
    buf_printf(b, level == 3 ? "in 'project' of environment '%s'" : "in environment '%s'", env);
    return buf_cstr(b);
}

/* Reports a misplaced or misspelt key. */
static void unknown_key(ctx_t *c, const pair_t *p, int level, const char *env,
                        const char *const *keys, int n)
{
    buf_t sb = BUF_INIT;
    const char *scope = scope_str(level, env, &sb);
    const char *k = p->name;
    const char *sug = suggest_closest(k, keys, (size_t)n);
    if (level != 2 && mf_key_id(k, env_keys, E_N) >= 0 && strcmp(k, "python") != 0 &&
        strcmp(k, "link-mode") != 0 && strcmp(k, "build") != 0 &&
        strcmp(k, "lock-environments") != 0 && !(level == 3 && strcmp(k, "path") == 0)) {
        mf_report(c, p->key, "unknown key '%s' %s ('%s' belongs inside an environment, under "
                             "'environments: NAME:')", k, scope, k);
    } else if (level != 1 && mf_key_id(k, index_keys, I_N) >= 0) {
        mf_report(c, p->key, "unknown key '%s' %s ('%s' belongs under the top-level 'index:')",
                  k, scope, k);
    } else if (level != 0 && mf_key_id(k, top_keys, T_N) >= 0) {
        mf_report(c, p->key, "unknown key '%s' %s ('%s' is a top-level key)", k, scope, k);
    } else if (sug) {
        mf_report(c, p->key, "unknown key '%s' %s (did you mean '%s'?)", k, scope, sug);
    } else if (level == 0 && p->val->type == YAML_MAPPING_NODE) {
        mf_report(c, p->key, "unknown key '%s' %s (environments are listed under 'environments:')",
                  k, scope);
    } else {
        buf_t b = BUF_INIT;
        for (int i = 0; i < n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", keys[i]);
        mf_report(c, p->key, "unknown key '%s' %s (valid keys: %s)", k, scope, buf_cstr(&b));
        buf_free(&b);
    }
    buf_free(&sb);
}

/* Walks a mapping of known keys: fills slot[id] with each key's pair, reporting unknown and
 * duplicate keys. */
static void known_pairs(ctx_t *c, const pairs_t *ps, int level, const char *env,
                        const char *const *keys, int n, const pair_t **slot)
{
    for (size_t i = 0; i < ps->n; i++) {
        const pair_t *p = &ps->v[i];
        int id = mf_key_id(p->name, keys, n);
        if (id < 0) {
            unknown_key(c, p, level, env, keys, n);
            continue;
        }
        if (slot[id]) {
            if (!p->merged) {
                buf_t sb = BUF_INIT;
                mf_report(c, p->key, "duplicate key '%s' %s (first at line %d)", p->name,
                          scope_str(level, env, &sb), mf_npos(slot[id]->key).line);
                buf_free(&sb);
            }
            continue;
        }
        slot[id] = p;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* sections */

static void walk_index(ctx_t *c, manifest_t *m, yaml_node_t *v)
{
    buf_t b = BUF_INIT;
    if (v->type != YAML_MAPPING_NODE) {
        mf_report(c, v, "'index' must be a mapping (url, extra-urls, find-links), not %s",
                  mf_describe(v, &b));
        buf_free(&b);
        return;
    }
    pairs_t ps = {0};
    mf_collect(c, v, &ps, false, 0);
    const pair_t *slot[I_N] = {0};
    known_pairs(c, &ps, 1, NULL, index_keys, I_N, slot);
    const what_t w_url = {.key = "url", .index = true};
    const what_t w_extra = {.key = "extra-urls", .index = true};
    const what_t w_find = {.key = "find-links", .index = true};

    if (slot[I_URL]) {
        const char *s = mf_get_string(c, slot[I_URL]->val, &w_url);
        if (s && !strstr(s, "://"))
            mf_reportw(c, slot[I_URL]->val, &w_url, 0, " must be a URL like "
                                                       "https://pypi.org/simple, not '%s'", s);
        else if (s)
            m->index_url = xstrdup(s);
    }
    if (slot[I_EXTRA]) {
        size_t n;
        yaml_node_t **it = mf_get_list(c, slot[I_EXTRA]->val, &w_extra, &n);
        if (it) {
            free(m->extra_urls);
            m->extra_urls = xcalloc(n + 1, sizeof(char *));
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (!strstr(mf_sval(it[i]), "://"))
                    mf_reportw(c, it[i], &w_extra, i + 1, " must be a URL like "
                               "https://example.org/simple, not '%s'", mf_sval(it[i]));
                else
                    m->extra_urls[k++] = xstrdup(mf_sval(it[i]));
            }
            free(it);
        }
    }
    if (slot[I_FIND]) {
        size_t n;
        yaml_node_t **it = mf_get_list(c, slot[I_FIND]->val, &w_find, &n);
        if (it) {
            free(m->find_links);
            m->find_links = xcalloc(n + 1, sizeof(char *));
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                const char *s = mf_sval(it[i]);
                if (strstr(s, "://")) {
                    m->find_links[k++] = xstrdup(s);
                } else {
                    char *p = mf_resolve_path(c, it[i], s, &w_find);
                    if (p)
                        m->find_links[k++] = p;
                }
            }
            free(it);
        }
    }
    mf_pairs_free(&ps);
    buf_free(&b);
}

static bool check_env_name(ctx_t *c, const yaml_node_t *k, const char *name)
{
    const char *why = NULL;
    if (!*name)
        why = "an environment name cannot be empty";
    else if (strchr(name, '/'))
        why = "cannot contain '/' (the name is a directory name)";
    else if (!strcmp(name, ".") || !strcmp(name, ".."))
        why = "is not usable as a directory name";
    else if (name[0] == '-')
        why = "cannot start with '-' (it would read as a command-line option)";
    else
        for (const char *s = name; *s; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f) {
                why = "cannot contain control characters";
                break;
            }
    if (!why)
        return true;
    if (!*name)
        mf_report(c, k, "%s", why);
    else
        mf_report(c, k, "environment name '%s' %s", name, why);
    return false;
}

/* A list of strings (extras, groups) into a NULL-terminated vector (never NULL). */
static char **string_list(ctx_t *c, yaml_node_t *v, const what_t *w)
{
    size_t n = 0;
    yaml_node_t **it = mf_get_list(c, v, w, &n);
    char **out = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; it && i < n; i++)
        out[i] = xstrdup(mf_sval(it[i]));
    free(it);
    return out;
}

/* `project: PATH` or `project: {path, editable, extras, groups}`. */
static void walk_project(ctx_t *c, mf_env_t *env, yaml_node_t *v)
{
    mf_project_t *p = &env->project;
    p->editable = true;
    p->pos = mf_npos(v);
    yaml_node_t *path = NULL;
    const pair_t *slot[P_N] = {0};
    pairs_t ps = {0};
    if (v->type == YAML_MAPPING_NODE) {
        mf_collect(c, v, &ps, false, 0);
        known_pairs(c, &ps, 3, env->name, project_keys, P_N, slot);
        if (slot[P_PATH])
            path = slot[P_PATH]->val;
        else
            mf_report(c, v, "'project' of environment '%s' needs a 'path' (the project's "
                            "directory, e.g. '.')", env->name);
    } else if (v->type == YAML_SCALAR_NODE && !mf_is_null(v)) {
        path = v;
    } else {
        buf_t b = BUF_INIT;
        mf_report(c, v, "'project' of environment '%s' must be a path or a mapping (path, "
                        "editable, extras, groups), not %s", env->name, mf_describe(v, &b));
        buf_free(&b);
    }
    const what_t wp = {.key = "project path", .env = env->name};
    if (path && mf_get_string(c, path, &wp)) {
        p->path = mf_resolve_path(c, path, mf_sval(path), &wp);
    }
    if (slot[P_EDITABLE])
        mf_get_bool(c, slot[P_EDITABLE]->val, &(what_t){.key = "editable", .env = env->name},
                    &p->editable);
    p->extras = slot[P_EXTRAS] ? string_list(c, slot[P_EXTRAS]->val,
                                             &(what_t){.key = "extras", .env = env->name})
                               : xcalloc(1, sizeof(char *));
    p->groups = slot[P_GROUPS] ? string_list(c, slot[P_GROUPS]->val,
                                             &(what_t){.key = "groups", .env = env->name})
                               : xcalloc(1, sizeof(char *));
    if (!p->path) {
        strv_free(p->extras);
        strv_free(p->groups);
        p->extras = p->groups = NULL;
    }
    mf_pairs_free(&ps);
}

/* `lock-environments`: a list of PEP 508 markers, each checked. NULL after a report. */
static char **get_lock_environments(ctx_t *c, yaml_node_t *v, const what_t *w)
{
    size_t n;
    yaml_node_t **it = mf_get_list(c, v, w, &n);
    if (!it)
        return NULL;
    char **out = NULL;
    size_t nout = 0, cap = 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        marker_t *mk = NULL;
        size_t at = 0;
        err_t *e = marker_parse(mf_sval(it[i]), &mk, &at);
        if (e) {
            mf_reportw(c, it[i], w, i + 1, " is not a PEP 508 marker: %s", e->msg);
            err_free(e);
            ok = false;
        }
        marker_free(mk);
        strv_push(&out, &nout, &cap, xstrdup(mf_sval(it[i])));
    }
    free(it);
    if (!ok || !nout) {
        if (ok)
            mf_reportw(c, v, w, 0, " is empty (leave it out to lock for every platform)");
        strv_free(out);
        return NULL;
    }
    return out;
}

static void walk_env(ctx_t *c, const manifest_t *m, mf_env_t *env, envx_t *x, yaml_node_t *v)
{
#define WHAT(k) (&(what_t){.key = (k), .env = env->name})
    env->exact = true;
    env->upgrade = UPGRADE_MINOR;
    env->seed = SEED_UNSET;
    env->link_mode = m->link_mode;
    env->build = m->build;
    env->lock_environments = strv_dup(m->lock_environments);

    const pair_t *slot[E_N] = {0};
    pairs_t ps = {0};
    if (v->type == YAML_MAPPING_NODE) {
        mf_collect(c, v, &ps, false, 0);
        known_pairs(c, &ps, 2, env->name, env_keys, E_N, slot);
    } else if (!mf_is_null(v)) {
        buf_t b = BUF_INIT;
        mf_report(c, v, "environment '%s' must be a mapping of settings (path, python, packages, "
                        "...), not %s", env->name, mf_describe(v, &b));
        buf_free(&b);
    }

    if (slot[E_PATH] && mf_get_string(c, slot[E_PATH]->val, WHAT("path")))
        x->path_node = slot[E_PATH]->val;
    if (slot[E_PYTHON]) {
        x->own_python = true;
        env->python = mf_get_request(c, slot[E_PYTHON]->val, WHAT("python"), &env->python_text);
    }
    if (slot[E_PROMPT]) {
        const char *s = mf_get_string(c, slot[E_PROMPT]->val, WHAT("prompt"));
        if (s && !*s)
            mf_reportw(c, slot[E_PROMPT]->val, WHAT("prompt"), 0, " is empty (leave it out to use "
                                                                "the environment's name)");
        else if (s && strchr(s, '\n'))
            mf_reportw(c, slot[E_PROMPT]->val, WHAT("prompt"), 0, " must be a single line");
        else if (s)
            env->prompt = xstrdup(s);
    }
    if (!env->prompt)
        env->prompt = xstrdup(env->name);
    if (slot[E_SSP])
        mf_get_bool(c, slot[E_SSP]->val, WHAT("system-site-packages"), &env->system_site_packages);
    if (slot[E_EXACT])
        mf_get_bool(c, slot[E_EXACT]->val, WHAT("exact"), &env->exact);
    if (slot[E_COMPILE])
        mf_get_bool(c, slot[E_COMPILE]->val, WHAT("compile"), &env->compile);
    bool seed;
    if (slot[E_SEED] && mf_get_bool(c, slot[E_SEED]->val, WHAT("seed"), &seed))
        env->seed = seed ? SEED_ON : SEED_OFF;
    if (slot[E_LINK])
        env->link_mode = get_link_mode(c, slot[E_LINK]->val, WHAT("link-mode"));
    if (slot[E_BUILD])
        env->build = get_build(c, slot[E_BUILD]->val, WHAT("build"));
    if (slot[E_UPGRADE]) {
        static const char *const ups[] = {"minor", "exact"};
        int id = mf_get_enum(c, slot[E_UPGRADE]->val, WHAT("upgrade"), ups, 2);
        if (id >= 0)
            env->upgrade = id == 0 ? UPGRADE_MINOR : UPGRADE_EXACT;
    }
    if (slot[E_PROJECT])
        walk_project(c, env, slot[E_PROJECT]->val);
    if (slot[E_LOCKENVS]) {
        strv_free(env->lock_environments);
        env->lock_environments = get_lock_environments(c, slot[E_LOCKENVS]->val,
                                                       WHAT("lock-environments"));
    }
    if (slot[E_PYLOCK]) {
        const char *s = mf_get_string(c, slot[E_PYLOCK]->val, WHAT("pylock"));
        if (s)
            env->pylock = mf_resolve_path(c, slot[E_PYLOCK]->val, s, WHAT("pylock"));
        const pair_t *with = slot[E_PACKAGES] ? slot[E_PACKAGES] : slot[E_REQS] ? slot[E_REQS]
                                                                 : slot[E_PROJECT];
        if (with)
            mf_report(c, with->key, "environment '%s' has both 'pylock' and '%s': a lock another "
                                    "tool wrote is installed as it is, so the packages come from "
                                    "it alone", env->name, with->name);
    }
    env->manages_packages = slot[E_PACKAGES] || slot[E_REQS] || slot[E_PROJECT] || slot[E_PYLOCK];
    if (slot[E_PACKAGES]) {
        size_t n;
        yaml_node_t **it = mf_get_list(c, slot[E_PACKAGES]->val, WHAT("packages"), &n);
        if (it) {
            env->packages = xcalloc(n ? n : 1, sizeof *env->packages);
            for (size_t i = 0; i < n; i++)
                env->packages[i] = (mf_item_t){xstrdup(mf_sval(it[i])), mf_npos(it[i])};
            env->npackages = n;
            free(it);
        }
    }
    if (slot[E_REQS]) {
        size_t n;
        yaml_node_t **it = mf_get_list(c, slot[E_REQS]->val, WHAT("requirements"), &n);
        if (it) {
            env->requirements = xcalloc(n ? n : 1, sizeof *env->requirements);
            for (size_t i = 0; i < n; i++) {
                char *p = mf_resolve_path(c, it[i], mf_sval(it[i]), WHAT("requirements"));
                if (p)
                    env->requirements[env->nrequirements++] = (mf_item_t){p, mf_npos(it[i])};
            }
            free(it);
        }
    }
    if (slot[E_COPY]) {
        const char *s = mf_get_string(c, slot[E_COPY]->val, WHAT("copy-from"));
        if (s) {
            env->copy_from = xstrdup(s);
            x->copy_node = slot[E_COPY]->val;
        }
    }
#undef WHAT
    mf_pairs_free(&ps);
}

static void walk_envs(ctx_t *c, manifest_t *m, yaml_node_t *v)
{
    buf_t b = BUF_INIT;
    if (v->type != YAML_MAPPING_NODE) {
        if (mf_is_null(v))
            mf_report(c, v, "'environments' is empty: list at least one environment under it, or "
                            "write 'environments: {}'");
        else
            mf_report(c, v, "'environments' must be a mapping of environment names to settings, "
                            "not %s", mf_describe(v, &b));
        buf_free(&b);
        return;
    }
    pairs_t ps = {0};
    mf_collect(c, v, &ps, false, 0);

    /* Names: sort once to find duplicates (and, later, copy-from targets). */
    ref_t *names = xmalloc((ps.n ? ps.n : 1) * sizeof *names);
    for (size_t i = 0; i < ps.n; i++)
        names[i] = (ref_t){ps.v[i].name, i};
    qsort(names, ps.n, sizeof *names, mf_cmp_name);
    bool *drop = xcalloc(ps.n ? ps.n : 1, sizeof *drop);
    size_t run = 0;   /* start of the current run of equal names: its first is kept */
    for (size_t i = 1; i < ps.n; i++) {
        if (strcmp(names[i].s, names[run].s) != 0) {
            run = i;
            continue;
        }
        const pair_t *p = &ps.v[names[i].i];
        drop[names[i].i] = true;
        if (!p->merged)
            mf_report(c, p->key, "duplicate environment '%s' (first defined at line %d)", p->name,
                      mf_npos(ps.v[names[run].i].key).line);
    }
    free(names);

    m->envs = xcalloc(ps.n ? ps.n : 1, sizeof *m->envs);
    envx_t *xs = xcalloc(ps.n ? ps.n : 1, sizeof *xs);
    for (size_t i = 0; i < ps.n; i++) {
        if (drop[i])
            continue;
        const pair_t *p = &ps.v[i];
        size_t k = m->nenvs++;
        mf_env_t *env = &m->envs[k];
        env->name = xstrdup(p->name);
        env->pos = mf_npos(p->key);
        xs[k].key = p->key;
        xs[k].bad_name = !check_env_name(c, p->key, p->name);
        walk_env(c, m, env, &xs[k], p->val);
        /* The path: as written, else <root>/<name>. */
        if (xs[k].path_node) {
            env->path = mf_resolve_path(c, xs[k].path_node, mf_sval(xs[k].path_node),
                                        &(what_t){.key = "path", .env = env->name});
        } else if (!xs[k].bad_name && m->root) {
            env->path = path_join(m->root, env->name);
        }
    }
    free(drop);

    mf_check_envs(c, m, xs);
    free(xs);
    mf_pairs_free(&ps);
    buf_free(&b);
}

static void walk_top(ctx_t *c, manifest_t *m, yaml_node_t *root)
{
    pairs_t ps = {0};
    mf_collect(c, root, &ps, false, 0);
    const pair_t *slot[T_N] = {0};
    /* The version first: a newer format's keys are not ours to judge. */
    for (size_t i = 0; i < ps.n; i++) {
        if (strcmp(ps.v[i].name, "version") != 0)
            continue;
        yaml_node_t *v = ps.v[i].val;
        const char *s = v->type == YAML_SCALAR_NODE ? mf_sval(v) : "";
        bool digits = mf_is_plain(v) && *s && strspn(s, "0123456789") == strlen(s);
        if (digits && strcmp(s, "1") != 0 && strlen(s) < 10) {
            mf_drop_problems(c);       /* a newer format's keys are not ours to judge */
            mf_report(c, v, "unsupported manifest version %s: this venvsync reads version 1 "
                            "(upgrade venvsync to read it)", s);
            mf_pairs_free(&ps);
            return;
        }
        break;
    }
    known_pairs(c, &ps, 0, NULL, top_keys, T_N, slot);

    buf_t b = BUF_INIT;
    if (!slot[T_VERSION]) {
        mf_report(c, root, "missing 'version: 1' (the manifest format version) at the top level");
    } else {
        yaml_node_t *v = slot[T_VERSION]->val;
        if (mf_is_plain(v) && strcmp(mf_sval(v), "1") == 0)
            m->version = 1;
        else if (v->type == YAML_SCALAR_NODE && !mf_is_plain(v))
            mf_report(c, v, "'version' must be the number 1 (unquoted), not the string %s",
                      mf_describe(v, &b));
        else
            mf_report(c, v, "'version' must be 1, not %s", mf_describe(v, &b));
    }
    if (slot[T_PYTHON])
        m->python = mf_get_request(c, slot[T_PYTHON]->val, &(what_t){.key = "python"},
                                   &m->python_text);
    if (slot[T_ROOT]) {
        const char *s = mf_get_string(c, slot[T_ROOT]->val, &(what_t){.key = "root"});
        if (s)
            m->root = mf_resolve_path(c, slot[T_ROOT]->val, s, &(what_t){.key = "root"});
    } else {
        m->root = path_join(m->dir, ".venvs");
    }
    if (slot[T_DOWNLOADS]) {
        static const char *const vals[] = {"automatic", "manual", "never"};
        int id = mf_get_enum(c, slot[T_DOWNLOADS]->val, &(what_t){.key = "python-downloads"},
                             vals, 3);
        m->python_downloads = id == 0 ? DOWNLOADS_AUTOMATIC : id == 2 ? DOWNLOADS_NEVER
                                                                      : DOWNLOADS_MANUAL;
    }
    if (slot[T_LINK])
        m->link_mode = get_link_mode(c, slot[T_LINK]->val, &(what_t){.key = "link-mode"});
    if (slot[T_BUILD])
        m->build = get_build(c, slot[T_BUILD]->val, &(what_t){.key = "build"});
    if (slot[T_LOCKENVS])
        m->lock_environments = get_lock_environments(c, slot[T_LOCKENVS]->val,
                                                     &(what_t){.key = "lock-environments"});
    if (slot[T_INDEX])
        walk_index(c, m, slot[T_INDEX]->val);
    if (slot[T_ENVS])
        walk_envs(c, m, slot[T_ENVS]->val);
    if (!m->envs)
        m->envs = xcalloc(1, sizeof *m->envs);
    buf_free(&b);
    mf_pairs_free(&ps);
}

/* ------------------------------------------------------------------------------------------ */
/* entry points */

err_t *manifest_parse(const char *text, size_t len, const char *path, const env_lookup_t *env,
                      manifest_t **out)
{
    *out = NULL;
    manifest_t *m = xcalloc(1, sizeof *m);
    m->file = path_absolute(NULL, path);
    m->dir = path_dirname(m->file);
    m->python_downloads = DOWNLOADS_MANUAL;
    m->extra_urls = xcalloc(1, sizeof(char *));
    m->find_links = xcalloc(1, sizeof(char *));

    ctx_t c = {.text = text, .len = len, .dir = m->dir, .env = env};
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false;
    if (!yaml_parser_initialize(&parser)) {
        manifest_free(m);
        return err_new(EXIT_USAGE, "%s: cannot initialise the YAML parser", path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        mf_yaml_problem(&c, &parser);
    } else {
        have_doc = true;
        c.doc = &doc;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            mf_report_at(&c, (mf_pos_t){1, 1}, "the manifest is empty; it needs at least "
                                               "'version: 1' and 'environments:'");
        } else {
            yaml_document_t more;
            if (!yaml_parser_load(&parser, &more)) {
                mf_yaml_problem(&c, &parser);
            } else {
                yaml_node_t *r2 = yaml_document_get_root_node(&more);
                if (r2)
                    mf_report_at(&c, (mf_pos_t){(int)more.start_mark.line + 1,
                                                (int)more.start_mark.column + 1},
                                 "a manifest is a single YAML document; remove the second one");
                yaml_document_delete(&more);
            }
            if (root->type != YAML_MAPPING_NODE) {
                buf_t b = BUF_INIT;
                mf_report(&c, root, "the manifest must be a mapping of keys (version, python, "
                                    "environments, ...), not %s", mf_describe(root, &b));
                buf_free(&b);
            } else {
                walk_top(&c, m, root);
            }
        }
    }
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    err_t *e = mf_problems_to_err(&c, path);
    if (e) {
        manifest_free(m);
        return e;
    }
    *out = m;
    return NULL;
}

err_t *manifest_load(const char *path, const env_lookup_t *env, manifest_t **out)
{
    *out = NULL;
    buf_t b = BUF_INIT;
    err_t *e = fs_read(path, &b);
    if (e) {
        buf_free(&b);
        return err_code(e, EXIT_USAGE);
    }
    e = manifest_parse(buf_cstr(&b), b.len, path, env, out);
    buf_free(&b);
    return e;
}

void manifest_free(manifest_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nenvs; i++) {
        mf_env_t *e = &m->envs[i];
        free(e->name);
        free(e->path);
        pyreq_free(e->python);
        free(e->python_text);
        free(e->prompt);
        for (size_t k = 0; k < e->npackages; k++)
            free(e->packages[k].value);
        free(e->packages);
        for (size_t k = 0; k < e->nrequirements; k++)
            free(e->requirements[k].value);
        free(e->requirements);
        free(e->copy_from);
        free(e->project.path);
        strv_free(e->project.extras);
        strv_free(e->project.groups);
        strv_free(e->lock_environments);
        free(e->pylock);
    }
    free(m->envs);
    strv_free(m->lock_environments);
    pyreq_free(m->python);
    free(m->python_text);
    free(m->root);
    free(m->index_url);
    strv_free(m->extra_urls);
    strv_free(m->find_links);
    free(m->file);
    free(m->dir);
    free(m);
}

err_t *manifest_find(const char *start_dir, char **out)
{
    *out = NULL;
    char *dir = path_absolute(NULL, start_dir);
    for (;;) {
        char *cand = path_join(dir, "venv.yaml");
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            free(dir);
            *out = cand;
            return NULL;
        }
        free(cand);
        if (strcmp(dir, "/") == 0)
            break;
        char *up = path_dirname(dir);
        free(dir);
        dir = up;
    }
    free(dir);
    char *shown = path_absolute(NULL, start_dir);
    err_t *e = err_new(EXIT_USAGE, "no venv.yaml in %s or any directory above it", shown);
    free(shown);
    return err_hint(e, "run `venvsync init` to write one, or name it with -f FILE");
}

const mf_env_t *manifest_env(const manifest_t *m, const char *name)
{
    for (size_t i = 0; i < m->nenvs; i++)
        if (strcmp(m->envs[i].name, name) == 0)
            return &m->envs[i];
    return NULL;
}
