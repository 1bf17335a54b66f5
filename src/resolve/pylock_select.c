/* pylock_select: PEP 751 installation-time selection (see pylock.h, pylock_select()). */
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "resolve/pylock.h"
#include "resolve/pylock_internal.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

typedef struct sel {
    const pylock_t *l;
    const pylock_target_t *t;
    const char *lock;       /* its name in messages */
    char *target;           /* the target in messages */
    char **extras, **groups;/* normalized */
    bool requested_sorted;  /* l->requested is in strcmp order: names are found by bisection */
    size_t nrequested;
} sel_t;

/* pylock_is_requested(s->l, name), by bisection when the list allows. */
static bool is_requested(const sel_t *s, const char *name)
{
    char *const *r = s->l->requested;
    if (!s->requested_sorted || !pkg_name_is_normalized(name))
        return pylock_is_requested(s->l, name);
    size_t lo = 0, hi = s->nrequested;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r[mid], name);
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool in_names(char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (pkg_name_eq(list[i], name))
            return true;
    return false;
}

static void join(buf_t *b, char *const *list, const char *none)
{
    if (!list || !list[0]) {
        buf_adds(b, none);
        return;
    }
    for (size_t i = 0; list[i]; i++)
        buf_printf(b, "%s%s", i ? ", " : "", list[i]);
}

/* Step 1: the extras and groups markers see. */
static err_t *sets(sel_t *s)
{
    const pylock_t *l = s->l;
    size_t n = 0, cap = 0;
    for (size_t i = 0; s->t->extras && s->t->extras[i]; i++) {
        const char *x = s->t->extras[i];
        if (!in_names(l->extras, x)) {
            buf_t b = BUF_INIT;
            join(&b, l->extras, "none");
            err_t *e = err_new(EXIT_USAGE, "%s has no extra '%s' (it has: %s)", s->lock, x,
                               buf_cstr(&b));
            buf_free(&b);
            return e;
        }
        char *norm = pkg_name_normalize(x);
        if (!strv_has(s->extras, norm))
            strv_push(&s->extras, &n, &cap, norm);
        else
            free(norm);
    }
    n = cap = 0;
    char *const *want = s->t->groups_given ? s->t->groups : l->default_groups;
    for (size_t i = 0; want && want[i]; i++) {
        const char *g = want[i];
        if (s->t->groups_given && !in_names(l->dependency_groups, g) &&
            !in_names(l->default_groups, g)) {
            buf_t b = BUF_INIT;
            join(&b, l->dependency_groups, "none");
            err_t *e = err_new(EXIT_USAGE, "%s has no dependency group '%s' (it has: %s)",
                               s->lock, g, buf_cstr(&b));
            buf_free(&b);
            return e;
        }
        char *norm = pkg_name_normalize(g);
        if (!strv_has(s->groups, norm))
            strv_push(&s->groups, &n, &cap, norm);
        else
            free(norm);
    }
    return NULL;
}

/* "pylock.dev.toml:12: " for an entry read from a file, else "pylock.dev.toml: ". */
static char *where(const sel_t *s, const pylock_package_t *p)
{
    if (p && p->line > 0)
        return xasprintf("%s:%d", s->lock, p->line);
    return xstrdup(s->lock);
}

static err_t *eval(const sel_t *s, const char *text, bool sets_ok, bool *res)
{
    marker_t *m = NULL;
    err_t *e = pylock_marker_parse(text, sets_ok, &m);
    if (!e)
        e = pylock_marker_eval(m, s->t->env, s->extras, s->groups, res);
    marker_free(m);
    return e;
}

/* Whether python_full_version satisfies spec. */
static err_t *python_ok(const sel_t *s, const char *spec, bool *res)
{
    specset_t *ss = NULL;
    char *why = NULL;
    if (!specset_parse(spec, &ss, &why)) {
        err_t *e = err_new(EXIT_USAGE, "requires-python '%s': %s", spec, why);
        free(why);
        return e;
    }
    const char *py = s->t->env->python_full_version;
    *res = py && specset_contains_str(ss, py, true);
    specset_free(ss);
    return NULL;
}

/* Step 2: the lock as a whole. */
static err_t *check_lock(const sel_t *s)
{
    const pylock_t *l = s->l;
    const char *v = l->lock_version ? l->lock_version : "";
    char *end;
    unsigned long major = strtoul(v, &end, 10);
    if (end == v || *end != '.' || major != PYLOCK_MAJOR)
        return err_new(EXIT_USAGE, "%s: lock-version '%s' is not supported: venvsync reads "
                                   "lock-version %d.x", s->lock, v, PYLOCK_MAJOR);
    if (l->requires_python) {
        bool ok;
        err_t *e = python_ok(s, l->requires_python, &ok);
        if (e)
            return err_ctx(e, "%s", s->lock);
        if (!ok)
            return err_new(EXIT_USAGE, "%s is for Python %s: %s is Python %s", s->lock,
                           l->requires_python, s->target,
                           s->t->env->python_full_version ? s->t->env->python_full_version
                                                          : "(unknown)");
    }
    if (l->environments) {
        for (size_t i = 0; l->environments[i]; i++) {
            bool ok = false;
            err_t *e = eval(s, l->environments[i], false, &ok);
            if (e)
                return err_ctx(e, "%s: environments[%zu]", s->lock, i);
            if (ok)
                return NULL;
        }
        buf_t b = BUF_INIT;
        for (size_t i = 0; l->environments[i]; i++)
            buf_printf(&b, "%s%s", i ? "; " : "", l->environments[i]);
        err_t *e = err_new(EXIT_USAGE, "%s does not cover %s: it was locked for %s", s->lock,
                           s->target, buf_cstr(&b));
        buf_free(&b);
        return err_hint(e, "widen the environment's `lock-environments` in venv.yaml to this "
                           "platform and run `venvsync lock` (for a lock another tool wrote: "
                           "lock it for this platform there)");
    }
    return NULL;
}

static void describe_entry(buf_t *b, const sel_t *s, size_t i)
{
    const pylock_package_t *p = &s->l->packages[i];
    buf_printf(b, "packages[%zu]", i);
    if (p->line > 0)
        buf_printf(b, " (line %d", p->line);
    else
        buf_adds(b, " (");
    if (p->version)
        buf_printf(b, "%sversion %s", p->line > 0 ? ", " : "", p->version);
    if (p->marker)
        buf_printf(b, "%smarker %s", p->line > 0 || p->version ? ", " : "", p->marker);
    if (p->line <= 0 && !p->version && !p->marker)
        buf_adds(b, "no version or marker");
    buf_addc(b, ')');
}

static char *absolute(const sel_t *s, const char *path)
{
    return path_absolute(s->t->lock_dir, path);
}

static void pick_file(const sel_t *s, pylock_pick_t *pk, const pylock_file_t *f)
{
    pk->file = f;
    if (f->path) {
        pk->location = absolute(s, f->path);
        pk->is_local = true;
    } else {
        pk->location = xstrdup(f->url);
    }
}

/* Step 4 for one entry. */
static err_t *choose(const sel_t *s, size_t i, pylock_pick_t *pk)
{
    const pylock_package_t *p = &s->l->packages[i];
    pk->pkg = p;
    pk->index = i;
    pk->requested = is_requested(s, p->name);
    if (!s->t->tags)
        return NULL; /* which versions apply, not which files */
    switch (p->source) {
    case PYLOCK_VCS:
        pk->kind = PYLOCK_PICK_VCS;
        pk->is_local = !p->vcs.url && p->vcs.path;
        pk->location = p->vcs.url ? xstrdup(p->vcs.url)
                     : p->vcs.path ? absolute(s, p->vcs.path) : NULL;
        return NULL;
    case PYLOCK_DIRECTORY:
        pk->kind = PYLOCK_PICK_DIRECTORY;
        pk->is_local = true;
        pk->location = p->directory.path ? absolute(s, p->directory.path) : NULL;
        return NULL;
    case PYLOCK_ARCHIVE:
        pk->kind = PYLOCK_PICK_ARCHIVE;
        pick_file(s, pk, &p->archive.file);
        return NULL;
    case PYLOCK_DIST:
        break;
    }
    if (s->t->prefer_sdist && p->sdist) {
        pk->kind = PYLOCK_PICK_SDIST;
        pick_file(s, pk, p->sdist);
        return NULL;
    }
    long best = -1, best_rank = -1;
    for (size_t w = 0; w < p->nwheels; w++) {
        const pylock_file_t *f = &p->wheels[w];
        char *made = f->name ? NULL : pylock_file_name(f); /* a read lock has f->name */
        const char *fname = f->name ? f->name : made;
        wheelname_t *wn = NULL;
        err_t *e = fname ? wheelname_parse(fname, &wn) : NULL;
        free(made);
        if (e || !wn) {
            err_free(e);
            continue;       /* (a read lock has none such) */
        }
        long rank = wheelname_rank(wn, s->t->tags);
        wheelname_free(wn);
        if (rank >= 0 && (best < 0 || rank < best_rank)) {
            best = (long)w;
            best_rank = rank;
        }
    }
    if (best >= 0) {
        pk->kind = PYLOCK_PICK_WHEEL;
        pick_file(s, pk, &p->wheels[best]);
        return NULL;
    }
    if (p->sdist) {
        pk->kind = PYLOCK_PICK_SDIST;
        pick_file(s, pk, p->sdist);
        return NULL;
    }
    buf_t b = BUF_INIT;
    for (size_t w = 0; w < p->nwheels; w++) {
        char *fname = pylock_file_name(&p->wheels[w]);
        buf_printf(&b, "%s%s", w ? ", " : "", fname ? fname : "(no name)");
        free(fname);
    }
    char *at = where(s, p);
    err_t *e = err_new(EXIT_USAGE, "%s: no wheel of %s%s%s in %s fits %s: its files are %s, "
                                   "and it has no sdist", at, p->name,
                       p->version ? " " : "", p->version ? p->version : "", s->lock,
                       s->target, p->nwheels ? buf_cstr(&b) : "none");
    free(at);
    buf_free(&b);
    return err_hint(e, "lock for this platform (`venvsync lock`), or pick an interpreter the "
                       "lock's wheels fit");
}

bool pylock_covers(const pylock_t *l, const pylock_target_t *t)
{
    sel_t s = {.l = l, .t = t, .lock = "pylock.toml", .target = (char *)"the target"};
    err_t *e = check_lock(&s);
    bool ok = !e;
    err_free(e);
    return ok;
}

err_t *pylock_select(const pylock_t *l, const pylock_target_t *t, pylock_selection_t *out)
{
    memset(out, 0, sizeof(*out));
    sel_t s = {.l = l, .t = t, .lock = t->lock_name ? t->lock_name : "pylock.toml"};
    const marker_env_t *env = t->env;
    s.target = t->describe ? xstrdup(t->describe)
                           : xasprintf("%s %s on %s-%s",
                                       env->implementation_name ? env->implementation_name
                                                                : "python",
                                       env->python_version ? env->python_version : "?",
                                       env->sys_platform ? env->sys_platform : "?",
                                       env->platform_machine ? env->platform_machine : "?");
    s.nrequested = strv_len(l->requested);
    s.requested_sorted = true;
    for (size_t i = 0; i + 1 < s.nrequested && s.requested_sorted; i++)
        s.requested_sorted = strcmp(l->requested[i], l->requested[i + 1]) <= 0;
    err_t *e = sets(&s);
    if (!e)
        e = check_lock(&s);
    size_t *chosen = xcalloc(l->npackages + 1, sizeof(*chosen));
    size_t nchosen = 0;
    /* while the names chosen come in strcmp order (a lock venvsync wrote), a name chosen twice
     * can only be the last one chosen */
    bool in_order = true;
    for (size_t i = 0; i < l->npackages && !e; i++) {
        const pylock_package_t *p = &l->packages[i];
        bool ok = true;
        if (p->marker && (e = eval(&s, p->marker, true, &ok))) {
            char *at = where(&s, p);
            e = err_ctx(e, "%s: packages[%zu] '%s': marker", at, i, p->name);
            free(at);
            break;
        }
        if (!ok)
            continue;
        if (p->requires_python) {
            if ((e = python_ok(&s, p->requires_python, &ok))) {
                char *at = where(&s, p);
                e = err_ctx(e, "%s: packages[%zu] '%s'", at, i, p->name);
                free(at);
                break;
            }
            if (!ok) {
                char *at = where(&s, p);
                e = err_new(EXIT_USAGE, "%s: %s%s%s requires Python %s, but %s is Python %s",
                            at, p->name, p->version ? " " : "", p->version ? p->version : "",
                            p->requires_python, s.target,
                            env->python_full_version ? env->python_full_version : "(unknown)");
                free(at);
                break;
            }
        }
        if (in_order && nchosen && strcmp(l->packages[chosen[nchosen - 1]].name, p->name) > 0)
            in_order = false;
        for (size_t j = in_order && nchosen ? nchosen - 1 : 0; j < nchosen; j++) {
            if (strcmp(l->packages[chosen[j]].name, p->name) != 0) /* normalized (pylock.h) */
                continue;
            buf_t b = BUF_INIT;
            describe_entry(&b, &s, chosen[j]);
            buf_adds(&b, " and ");
            describe_entry(&b, &s, i);
            char *at = where(&s, p);
            e = err_new(EXIT_USAGE, "%s: two entries for %s apply to %s: %s", at, p->name,
                        s.target, buf_cstr(&b));
            free(at);
            buf_free(&b);
            e = err_hint(e, "their markers must not hold together: re-create the lock with "
                            "`venvsync lock`");
            break;
        }
        if (!e)
            chosen[nchosen++] = i;
    }
    if (!e) {
        out->picks = xcalloc(nchosen + 1, sizeof(*out->picks));
        for (size_t j = 0; j < nchosen && !e; j++) {
            e = choose(&s, chosen[j], &out->picks[j]);
            out->n = j + 1;
        }
        if (e)
            pylock_selection_free(out);
    }
    free(chosen);
    strv_free(s.extras);
    strv_free(s.groups);
    free(s.target);
    return e;
}
