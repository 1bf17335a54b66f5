/*
 * pyproject: reading pyproject.toml into a pyproject_t (see pyproject.h for the rules).
 */
#include "build/pyproject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/req.h"
#include "pkg/version.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- the [project] keys ----------------------------------------------------------------- */

typedef enum { K_STRING, K_STR_OR_TABLE, K_STR_ARRAY, K_TABLE_ARRAY, K_STR_TABLE, K_OTHER } kind_t;

typedef struct field {
    const char *key;
    unsigned bit;               /* PYPROJECT_DYN_*, 0 for name */
    kind_t kind;
    bool single;                /* given + dynamic is an error */
} field_t;

static const field_t fields[] = {
    {"name", 0, K_STRING, true},
    {"version", PYPROJECT_DYN_VERSION, K_STRING, true},
    {"description", PYPROJECT_DYN_DESCRIPTION, K_STRING, true},
    {"readme", PYPROJECT_DYN_README, K_STR_OR_TABLE, true},
    {"requires-python", PYPROJECT_DYN_REQUIRES_PYTHON, K_STRING, true},
    {"license", PYPROJECT_DYN_LICENSE, K_STR_OR_TABLE, true},
    {"license-files", PYPROJECT_DYN_LICENSE_FILES, K_STR_ARRAY, false},
    {"authors", PYPROJECT_DYN_AUTHORS, K_TABLE_ARRAY, false},
    {"maintainers", PYPROJECT_DYN_MAINTAINERS, K_TABLE_ARRAY, false},
    {"keywords", PYPROJECT_DYN_KEYWORDS, K_STR_ARRAY, false},
    {"classifiers", PYPROJECT_DYN_CLASSIFIERS, K_STR_ARRAY, false},
    {"urls", PYPROJECT_DYN_URLS, K_STR_TABLE, false},
    {"scripts", PYPROJECT_DYN_SCRIPTS, K_STR_TABLE, false},
    {"gui-scripts", PYPROJECT_DYN_GUI_SCRIPTS, K_STR_TABLE, false},
    {"entry-points", PYPROJECT_DYN_ENTRY_POINTS, K_OTHER, false},
    {"dependencies", PYPROJECT_DYN_DEPENDENCIES, K_STR_ARRAY, false},
    {"optional-dependencies", PYPROJECT_DYN_OPTIONAL_DEPENDENCIES, K_OTHER, false},
    {"import-names", PYPROJECT_DYN_IMPORT_NAMES, K_STR_ARRAY, false},
    {"import-namespaces", PYPROJECT_DYN_IMPORT_NAMESPACES, K_STR_ARRAY, false},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const field_t *field_find(const char *key)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].key, key) == 0)
            return &fields[i];
    return NULL;
}

/* ---- small checks ----------------------------------------------------------------------- */

typedef struct ctx {
    const toml_doc_t *doc;
    pyproject_t *p;
} ctx_t;

/* The value must be an array of strings; each string is handed to check (may be NULL). */
static err_t *str_array(ctx_t *c, const toml_value_t *v, const char *what,
                        err_t *(*check)(ctx_t *, const toml_value_t *, const char *, const char *),
                        char ***out)
{
    if (!toml_is(v, TOML_ARRAY))
        return toml_err(c->doc, v, "%s must be an array of strings, not a %s", what,
                        toml_type_name(v));
    char **list = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < toml_len(v); i++) {
        const toml_value_t *item = toml_at(v, i);
        size_t len;
        const char *s = toml_str(item, &len);
        err_t *e = NULL;
        if (!s)
            e = toml_err(c->doc, item, "%s must be an array of strings, not hold a %s", what,
                         toml_type_name(item));
        else if (strlen(s) != len)
            e = toml_err(c->doc, item, "%s: a string holds a NUL character", what);
        else if (check)
            e = check(c, item, s, what);
        if (e) {
            strv_free(list);
            return e;
        }
        if (out)
            strv_push(&list, &n, &cap, xstrdup(s));
    }
    if (out)
        *out = list;
    return NULL;
}

static err_t *check_req(ctx_t *c, const toml_value_t *v, const char *s, const char *what)
{
    req_t *r = NULL;
    err_t *e = req_parse(s, &r, NULL);
    req_free(r);
    if (!e)
        return NULL;
    err_t *out = toml_err(c->doc, v, "%s: %s", what, e->msg);
    err_free(e);
    return out;
}

static err_t *check_str_table(ctx_t *c, const toml_value_t *v, const char *what)
{
    if (!toml_is(v, TOML_TABLE))
        return toml_err(c->doc, v, "%s must be a table of strings, not a %s", what,
                        toml_type_name(v));
    for (size_t i = 0; i < toml_len(v); i++) {
        const char *k;
        const toml_value_t *item = toml_entry(v, i, &k, NULL);
        if (!toml_is(item, TOML_STRING))
            return toml_err(c->doc, item, "%s.%s must be a string, not a %s", what, k,
                            toml_type_name(item));
    }
    return NULL;
}

static bool ident_char(char ch, bool first)
{
    unsigned char u = (unsigned char)ch;
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80 ||
           (!first && u >= '0' && u <= '9');
}

/* "mod(.mod)*" then optionally ":obj(.attr)*", every part a Python identifier. */
static bool backend_valid(const char *s)
{
    bool first = true, colon = false;
    if (!*s)
        return false;
    for (const char *q = s; *q; q++) {
        if (*q == '.' || (*q == ':' && !colon)) {
            if (first)
                return false;
            if (*q == ':')
                colon = true;
            first = true;
            continue;
        }
        if (!ident_char(*q, first))
            return false;
        first = false;
    }
    return !first;
}

/* ---- [build-system] --------------------------------------------------------------------- */

static err_t *read_build_system(ctx_t *c, const toml_value_t *bs, const char *root)
{
    pyproject_t *p = c->p;
    if (!toml_is(bs, TOML_TABLE))
        return toml_err(c->doc, bs, "[build-system] must be a table, not a %s",
                        toml_type_name(bs));
    p->has_build_system = true;
    const toml_value_t *req = toml_get(bs, "requires");
    if (!req)
        return toml_err(c->doc, bs, "[build-system] has no 'requires' (PEP 518 requires it)");
    err_t *e = str_array(c, req, "build-system.requires", check_req, &p->build_requires);
    if (e)
        return e;
    if (!p->build_requires)
        p->build_requires = xcalloc(1, sizeof(char *));
    const toml_value_t *be = toml_get(bs, "build-backend");
    if (!be) {
        p->legacy = true;
        p->build_backend = xstrdup(PYPROJECT_LEGACY_BACKEND);
    } else {
        const char *s = toml_str(be, NULL);
        if (!s)
            return toml_err(c->doc, be, "build-system.build-backend must be a string, not a %s",
                            toml_type_name(be));
        if (!backend_valid(s))
            return toml_err(c->doc, be,
                            "build-system.build-backend '%s' is not 'module' or "
                            "'module:object' (Python names separated by dots)", s);
        p->build_backend = xstrdup(s);
    }
    const toml_value_t *bp = toml_get(bs, "backend-path");
    if (!bp)
        return NULL;
    char **raw = NULL;
    e = str_array(c, bp, "build-system.backend-path", NULL, &raw);
    if (e)
        return e;
    if (!root) {
        p->backend_path = raw;
        return NULL;
    }
    char *real_root = path_real(root);
    if (!real_root) {
        strv_free(raw);
        return err_sys(EXIT_USAGE, errno, "%s", root);
    }
    char **list = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; raw && raw[i] && !e; i++) {
        const toml_value_t *item = toml_at(bp, i);
        if (raw[i][0] == '/') {
            e = toml_err(c->doc, item, "build-system.backend-path entry '%s' must be relative "
                         "to the project directory", raw[i]);
            break;
        }
        char *joined = path_join(real_root, raw[i]);
        char *real = path_real(joined);
        if (!real)
            e = toml_err(c->doc, item, "build-system.backend-path entry '%s': %s", raw[i],
                         strerror(errno));
        else if (!path_is_within(real, real_root))
            e = toml_err(c->doc, item, "build-system.backend-path entry '%s' leads outside the "
                         "project directory (to %s)", raw[i], real);
        else
            strv_push(&list, &n, &cap, xstrdup(real));
        free(real);
        free(joined);
    }
    free(real_root);
    strv_free(raw);
    if (e) {
        strv_free(list);
        return e;
    }
    p->backend_path = list;
    return NULL;
}

/* ---- [project] -------------------------------------------------------------------------- */

static err_t *check_kind(ctx_t *c, const field_t *f, const toml_value_t *v)
{
    char what[64];
    snprintf(what, sizeof what, "project.%s", f->key);
    switch (f->kind) {
    case K_STRING:
        if (!toml_is(v, TOML_STRING))
            return toml_err(c->doc, v, "%s must be a string, not a %s", what, toml_type_name(v));
        return NULL;
    case K_STR_OR_TABLE:
        if (!toml_is(v, TOML_STRING) && !toml_is(v, TOML_TABLE))
            return toml_err(c->doc, v, "%s must be a string or a table, not a %s", what,
                            toml_type_name(v));
        return NULL;
    case K_STR_ARRAY:
        return str_array(c, v, what, NULL, NULL);
    case K_TABLE_ARRAY:
        if (!toml_is(v, TOML_ARRAY))
            return toml_err(c->doc, v, "%s must be an array of tables, not a %s", what,
                            toml_type_name(v));
        for (size_t i = 0; i < toml_len(v); i++)
            if (!toml_is(toml_at(v, i), TOML_TABLE))
                return toml_err(c->doc, toml_at(v, i), "%s must be an array of tables, not "
                                "hold a %s", what, toml_type_name(toml_at(v, i)));
        return NULL;
    case K_STR_TABLE:
        return check_str_table(c, v, what);
    case K_OTHER:
        return NULL;
    }
    return NULL;
}

static err_t *read_dynamic(ctx_t *c, const toml_value_t *proj)
{
    const toml_value_t *dyn = toml_get(proj, "dynamic");
    if (!dyn)
        return NULL;
    err_t *e = str_array(c, dyn, "project.dynamic", NULL, NULL);
    if (e)
        return e;
    for (size_t i = 0; i < toml_len(dyn); i++) {
        const toml_value_t *item = toml_at(dyn, i);
        const char *s = toml_str(item, NULL);
        const field_t *f = field_find(s);
        if (!f)
            return toml_err(c->doc, item, "project.dynamic: '%s' is not a [project] key", s);
        if (f->bit == 0)
            return toml_err(c->doc, item, "project.dynamic: 'name' cannot be dynamic");
        c->p->dynamic |= f->bit;
    }
    return NULL;
}

static void push_ep(pyproject_t *p, size_t *cap, const char *group, const char *name,
                    const char *value)
{
    if (p->n_entry_points == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        p->entry_points = xrealloc(p->entry_points, *cap * sizeof *p->entry_points);
    }
    pyproject_entry_point_t *ep = &p->entry_points[p->n_entry_points++];
    ep->group = xstrdup(group);
    ep->name = xstrdup(name);
    ep->value = xstrdup(value);
}

static err_t *read_entry_points(ctx_t *c, const toml_value_t *proj)
{
    pyproject_t *p = c->p;
    size_t cap = 0;
    static const char *const keys[2] = {"scripts", "gui-scripts"};
    static const char *const groups[2] = {"console_scripts", "gui_scripts"};
    for (int k = 0; k < 2; k++) {
        const toml_value_t *t = toml_get(proj, keys[k]);
        for (size_t i = 0; i < toml_len(t); i++) {
            const char *name;
            const toml_value_t *v = toml_entry(t, i, &name, NULL);
            push_ep(p, &cap, groups[k], name, toml_str(v, NULL));
        }
    }
    const toml_value_t *eps = toml_get(proj, "entry-points");
    if (!eps)
        return NULL;
    if (!toml_is(eps, TOML_TABLE))
        return toml_err(c->doc, eps, "project.entry-points must be a table of tables, not a %s",
                        toml_type_name(eps));
    for (size_t g = 0; g < toml_len(eps); g++) {
        const char *group;
        const toml_value_t *t = toml_entry(eps, g, &group, NULL);
        if (strcmp(group, "console_scripts") == 0 || strcmp(group, "gui_scripts") == 0)
            return toml_err(c->doc, t, "project.entry-points.%s is not allowed: use "
                            "[project.%s]", group,
                            group[0] == 'c' ? "scripts" : "gui-scripts");
        char what[300];
        snprintf(what, sizeof what, "project.entry-points.%s", group);
        err_t *e = check_str_table(c, t, what);
        if (e)
            return e;
        for (size_t i = 0; i < toml_len(t); i++) {
            const char *name;
            const toml_value_t *v = toml_entry(t, i, &name, NULL);
            push_ep(p, &cap, group, name, toml_str(v, NULL));
        }
    }
    return NULL;
}

static err_t *read_extras(ctx_t *c, const toml_value_t *proj)
{
    pyproject_t *p = c->p;
    const toml_value_t *od = toml_get(proj, "optional-dependencies");
    if (!od)
        return NULL;
    if (!toml_is(od, TOML_TABLE))
        return toml_err(c->doc, od, "project.optional-dependencies must be a table, not a %s",
                        toml_type_name(od));
    p->extras = xcalloc(toml_len(od) + 1, sizeof *p->extras);
    for (size_t i = 0; i < toml_len(od); i++) {
        const char *key;
        size_t klen;
        const toml_value_t *v = toml_entry(od, i, &key, &klen);
        if (strlen(key) != klen || !pkg_name_valid(key))
            return toml_err(c->doc, v, "project.optional-dependencies: '%s' is not a valid "
                            "extra name", key);
        char *norm = pkg_name_normalize(key);
        for (size_t j = 0; j < p->n_extras; j++) {
            if (strcmp(p->extras[j].name, norm) == 0) {
                err_t *e = toml_err(c->doc, v, "project.optional-dependencies: '%s' and an "
                                    "earlier extra are both '%s' once normalized", key, norm);
                free(norm);
                return e;
            }
        }
        pyproject_extra_t *x = &p->extras[p->n_extras++];
        x->name = norm;
        char what[300];
        snprintf(what, sizeof what, "project.optional-dependencies.%s", key);
        err_t *e = str_array(c, v, what, check_req, &x->requires);
        if (e)
            return e;
    }
    return NULL;
}

static err_t *read_project(ctx_t *c, const toml_value_t *proj)
{
    pyproject_t *p = c->p;
    if (!toml_is(proj, TOML_TABLE))
        return toml_err(c->doc, proj, "[project] must be a table, not a %s",
                        toml_type_name(proj));
    p->has_project = true;
    err_t *e = read_dynamic(c, proj);
    if (e)
        return e;
    /* Types, and the given-and-dynamic rule, in the order of the table. */
    for (size_t i = 0; i < toml_len(proj); i++) {
        const char *key;
        const toml_value_t *v = toml_entry(proj, i, &key, NULL);
        const field_t *f = field_find(key);
        if (!f)
            continue;
        if ((e = check_kind(c, f, v)))
            return e;
        if (f->single && (p->dynamic & f->bit))
            return toml_err(c->doc, v, "project.%s is given and also listed in "
                            "project.dynamic", key);
    }
    const toml_value_t *name = toml_get(proj, "name");
    if (!name)
        return toml_err(c->doc, proj, "[project] has no 'name'");
    const char *s = toml_str(name, NULL);
    if (!pkg_name_valid(s))
        return toml_err(c->doc, name, "project.name '%s' is not a valid project name", s);
    p->name = xstrdup(s);

    const toml_value_t *ver = toml_get(proj, "version");
    if (!ver && !(p->dynamic & PYPROJECT_DYN_VERSION))
        return toml_err(c->doc, proj, "[project] has no 'version' and does not list it in "
                        "'dynamic'");
    if (ver) {
        version_t vv;
        s = toml_str(ver, NULL);
        bool ok = version_parse(s, &vv);
        version_free(&vv);
        if (!ok)
            return toml_err(c->doc, ver, "project.version '%s' is not a valid version "
                            "(PEP 440)", s);
        p->version = xstrdup(s);
    }
    const toml_value_t *rp = toml_get(proj, "requires-python");
    if (rp) {
        s = toml_str(rp, NULL);
        specset_t *ss = NULL;
        char *why = NULL;
        bool ok = specset_parse(s, &ss, &why);
        specset_free(ss);
        if (!ok) {
            e = toml_err(c->doc, rp, "project.requires-python: %s", why);
            free(why);
            return e;
        }
        p->requires_python = xstrdup(s);
    }
    const toml_value_t *deps = toml_get(proj, "dependencies");
    if (deps && (e = str_array(c, deps, "project.dependencies", check_req, &p->dependencies)))
        return e;
    if ((e = read_extras(c, proj)))
        return e;
    return read_entry_points(c, proj);
}

/* ---- [dependency-groups] ---------------------------------------------------------------- */

static err_t *read_groups(ctx_t *c, const toml_value_t *dg)
{
    pyproject_t *p = c->p;
    if (!toml_is(dg, TOML_TABLE))
        return toml_err(c->doc, dg, "[dependency-groups] must be a table, not a %s",
                        toml_type_name(dg));
    p->groups = xcalloc(toml_len(dg) + 1, sizeof *p->groups);
    for (size_t i = 0; i < toml_len(dg); i++) {
        const char *key;
        size_t klen;
        const toml_value_t *v = toml_entry(dg, i, &key, &klen);
        if (strlen(key) != klen || !pkg_name_valid(key))
            return toml_err(c->doc, v, "dependency-groups: '%s' is not a valid group name", key);
        char *norm = pkg_name_normalize(key);
        for (size_t j = 0; j < p->n_groups; j++) {
            if (strcmp(p->groups[j].name, norm) == 0) {
                err_t *e = toml_err(c->doc, v, "dependency-groups: '%s' and an earlier group "
                                    "are both '%s' once normalized", key, norm);
                free(norm);
                return e;
            }
        }
        pyproject_group_t *g = &p->groups[p->n_groups++];
        g->name = norm;
        g->value = v;
        g->key_at = v;
    }
    return NULL;
}

/* ---- loading ---------------------------------------------------------------------------- */

static void set_legacy(pyproject_t *p)
{
    p->legacy = true;
    p->build_backend = xstrdup(PYPROJECT_LEGACY_BACKEND);
    p->build_requires = xcalloc(2, sizeof(char *));
    p->build_requires[0] = xstrdup(PYPROJECT_LEGACY_REQUIRES);
}

err_t *pyproject_parse(const char *text, size_t len, const char *display, const char *root,
                       pyproject_t *out)
{
    memset(out, 0, sizeof *out);
    out->display = xstrdup(display ? display : "pyproject.toml");
    if (!text) {
        set_legacy(out);
        return NULL;
    }
    out->has_file = true;
    err_t *e = toml_parse(text, len, out->display, NULL, &out->doc);
    ctx_t c = {out->doc, out};
    const toml_value_t *root_t = toml_doc_root(out->doc);
    if (!e) {
        const toml_value_t *bs = toml_get(root_t, "build-system");
        if (bs)
            e = read_build_system(&c, bs, root);
        else
            set_legacy(out);
    }
    const toml_value_t *proj = toml_get(root_t, "project");
    if (!e && proj)
        e = read_project(&c, proj);
    const toml_value_t *dg = toml_get(root_t, "dependency-groups");
    if (!e && dg)
        e = read_groups(&c, dg);
    if (e)
        pyproject_free(out);
    return e;
}

err_t *pyproject_load(const char *root, pyproject_t *out)
{
    char *path = path_join(root, "pyproject.toml");
    buf_t b = BUF_INIT;
    err_t *e = NULL;
    memset(out, 0, sizeof *out);
    if (fs_try_read(path, &b)) {
        e = pyproject_parse(buf_cstr(&b), b.len, path, root, out);
    } else if (errno != ENOENT) {
        e = err_sys(EXIT_USAGE, errno, "reading %s", path);
    } else {
        char *setup = path_join(root, "setup.py");
        if (!fs_exists(setup))
            e = err_new(EXIT_USAGE, "%s: neither pyproject.toml nor setup.py is there: not a "
                        "Python project", root);
        else
            e = pyproject_parse(NULL, 0, path, root, out);
        free(setup);
    }
    buf_free(&b);
    free(path);
    return e;
}

void pyproject_free(pyproject_t *p)
{
    free(p->display);
    toml_doc_free(p->doc);
    strv_free(p->build_requires);
    free(p->build_backend);
    strv_free(p->backend_path);
    free(p->name);
    free(p->version);
    free(p->requires_python);
    strv_free(p->dependencies);
    for (size_t i = 0; i < p->n_extras; i++) {
        free(p->extras[i].name);
        strv_free(p->extras[i].requires);
    }
    free(p->extras);
    for (size_t i = 0; i < p->n_entry_points; i++) {
        free(p->entry_points[i].group);
        free(p->entry_points[i].name);
        free(p->entry_points[i].value);
    }
    free(p->entry_points);
    for (size_t i = 0; i < p->n_groups; i++)
        free(p->groups[i].name);
    free(p->groups);
    memset(p, 0, sizeof *p);
}

/* ---- static metadata -------------------------------------------------------------------- */

bool pyproject_metadata_static(const pyproject_t *p)
{
    return p->has_project && p->name && p->version &&
           !(p->dynamic & (PYPROJECT_DYN_VERSION | PYPROJECT_DYN_REQUIRES_PYTHON |
                           PYPROJECT_DYN_DEPENDENCIES | PYPROJECT_DYN_OPTIONAL_DEPENDENCIES));
}

/* "req ; (marker) and extra == "x"" for requirement text s in extra x (x NULL: as is). */
static void add_requires_dist(buf_t *out, const char *s, const char *extra)
{
    req_t *r = NULL;
    err_t *e = req_parse(s, &r, NULL);
    if (e) {            /* checked at load: cannot happen */
        err_free(e);
        return;
    }
    marker_t *m = r->marker;
    r->marker = NULL;
    char *base = req_str(r);
    r->marker = m;
    char *ms = m ? marker_str(m) : NULL;
    buf_printf(out, "Requires-Dist: %s", base);
    if (extra && ms)
        buf_printf(out, "; (%s) and extra == \"%s\"", ms, extra);
    else if (extra)
        buf_printf(out, "; extra == \"%s\"", extra);
    else if (ms)
        buf_printf(out, "; %s", ms);
    buf_addc(out, '\n');
    free(ms);
    free(base);
    req_free(r);
}

err_t *pyproject_core_metadata(const pyproject_t *p, buf_t *out)
{
    if (!pyproject_metadata_static(p))
        return err_new(EXIT_USAGE, "%s: the project's metadata is not static (dynamic or no "
                       "[project])", p->display);
    buf_adds(out, "Metadata-Version: 2.2\n");
    buf_printf(out, "Name: %s\nVersion: %s\n", p->name, p->version);
    if (p->requires_python)
        buf_printf(out, "Requires-Python: %s\n", p->requires_python);
    for (size_t i = 0; p->dependencies && p->dependencies[i]; i++)
        add_requires_dist(out, p->dependencies[i], NULL);
    for (size_t i = 0; i < p->n_extras; i++) {
        buf_printf(out, "Provides-Extra: %s\n", p->extras[i].name);
        for (size_t j = 0; p->extras[i].requires && p->extras[i].requires[j]; j++)
            add_requires_dist(out, p->extras[i].requires[j], p->extras[i].name);
    }
    return NULL;
}

const pyproject_extra_t *pyproject_find_extra(const pyproject_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_extras; i++)
        if (pkg_name_eq(p->extras[i].name, name))
            return &p->extras[i];
    return NULL;
}

const pyproject_group_t *pyproject_find_group(const pyproject_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_groups; i++)
        if (pkg_name_eq(p->groups[i].name, name))
            return &p->groups[i];
    return NULL;
}

/* ---- dependency groups ------------------------------------------------------------------ */

typedef struct expand {
    const pyproject_t *p;
    const char **stack;         /* groups being expanded (normalized names) */
    size_t depth;
    char **out;
    size_t n, cap;
} expand_t;

static err_t *expand_group(expand_t *x, const pyproject_group_t *g, const toml_value_t *at)
{
    const toml_doc_t *doc = x->p->doc;
    for (size_t i = 0; i < x->depth; i++) {
        if (strcmp(x->stack[i], g->name) == 0) {
            buf_t chain = BUF_INIT;
            for (size_t j = i; j < x->depth; j++)
                buf_printf(&chain, "%s -> ", x->stack[j]);
            buf_adds(&chain, g->name);
            err_t *e = toml_err(doc, at, "dependency-groups: include cycle: %s",
                                buf_cstr(&chain));
            buf_free(&chain);
            return e;
        }
    }
    if (!toml_is(g->value, TOML_ARRAY))
        return toml_err(doc, g->value, "dependency-groups.%s must be an array, not a %s",
                        g->name, toml_type_name(g->value));
    x->stack[x->depth++] = g->name;
    err_t *e = NULL;
    for (size_t i = 0; i < toml_len(g->value) && !e; i++) {
        const toml_value_t *item = toml_at(g->value, i);
        size_t len;
        const char *s = toml_str(item, &len);
        if (s) {
            req_t *r = NULL;
            err_t *re = strlen(s) == len ? req_parse(s, &r, NULL)
                                         : err_new(EXIT_USAGE, "a string holds a NUL character");
            req_free(r);
            if (re) {
                e = toml_err(doc, item, "dependency-groups.%s: %s", g->name, re->msg);
                err_free(re);
            } else {
                strv_push(&x->out, &x->n, &x->cap, xstrdup(s));
            }
            continue;
        }
        if (!toml_is(item, TOML_TABLE)) {
            e = toml_err(doc, item, "dependency-groups.%s: an item must be a requirement "
                         "string or an {include-group = \"...\"} table, not a %s", g->name,
                         toml_type_name(item));
            break;
        }
        const toml_value_t *inc = toml_get(item, "include-group");
        if (!inc || toml_len(item) != 1) {
            e = toml_err(doc, item, "dependency-groups.%s: a table item must have exactly "
                         "one key, 'include-group'", g->name);
            break;
        }
        const char *target = toml_str(inc, NULL);
        if (!target) {
            e = toml_err(doc, inc, "dependency-groups.%s: include-group must be a string, "
                         "not a %s", g->name, toml_type_name(inc));
            break;
        }
        const pyproject_group_t *tg = pyproject_find_group(x->p, target);
        if (!tg) {
            e = toml_err(doc, inc, "dependency-groups.%s: includes '%s', which is not a "
                         "dependency group", g->name, target);
            break;
        }
        e = expand_group(x, tg, inc);
    }
    x->depth--;
    return e;
}

err_t *pyproject_group_expand(const pyproject_t *p, const char *name, char ***out)
{
    *out = NULL;
    const pyproject_group_t *g = pyproject_find_group(p, name);
    if (!g)
        return err_new(EXIT_USAGE, "%s: no dependency group '%s'", p->display, name);
    expand_t x = {.p = p};
    x.stack = xcalloc(p->n_groups + 1, sizeof *x.stack);
    err_t *e = expand_group(&x, g, g->key_at);
    free(x.stack);
    if (e) {
        strv_free(x.out);
        return e;
    }
    *out = x.out;
    return NULL;
}
