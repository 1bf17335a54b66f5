/*
 * build: building local projects and sdists, the built-wheel cache, the build fingerprint and
 * editable installs (see build.h).
 */
#include "build/build.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/backend.h"
#include "pkg/name.h"
#include "pkg/record.h"
#include "pkg/req.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "wheel/cache.h"
#include "wheel/meta.h"
#include "wheel/zip.h"

/* ---- sources ---------------------------------------------------------------------------- */

static char *builds_path(const build_opts_t *o, const char *sub)
{
    return path_joinv(o->cache_dir, CACHE_BUILDS, sub, NULL);
}

static err_t *make_work_dir(const build_opts_t *o, build_source_t *s)
{
    char *tmp = builds_path(o, BUILD_TMP_SUBDIR);
    err_t *e = fs_mkdirs(tmp, 0755);
    if (!e)
        e = fs_mkdtemp_in(tmp, "src-", &s->work_dir);
    free(tmp);
    return e;
}

err_t *build_source_dir(const char *dir, const build_opts_t *o, build_source_t **out)
{
    *out = NULL;
    build_source_t *s = xcalloc(1, sizeof *s);
    char *abs = path_absolute(NULL, dir);
    s->root = path_real(abs);
    if (!s->root) {
        err_t *e = err_sys(EXIT_USAGE, errno, "%s", abs);
        free(abs);
        build_source_free(s);
        return e;
    }
    free(abs);
    err_t *e = pyproject_load(s->root, &s->pyproject);
    if (!e)
        e = make_work_dir(o, s);
    if (e) {
        build_source_free(s);
        return e;
    }
    s->label = s->pyproject.name ? xasprintf("%s (%s)", s->pyproject.name, s->root)
                                 : xstrdup(s->root);
    *out = s;
    return NULL;
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

err_t *build_source_sdist(const char *path, const char *filename, const char *sha256_hex,
                          const build_opts_t *o, build_source_t **out)
{
    *out = NULL;
    const char *fname = filename ? filename : path_basename(path);
    char hex[65];
    err_t *e = sha256_file_hex(path, hex);
    if (e)
        return err_ctx(e, "%s", fname);
    if (sha256_hex && strcmp(hex, sha256_hex) != 0)
        return err_new(EXIT_APPLY, "%s: sha256 %s does not match the expected %s", fname, hex,
                       sha256_hex);
    build_source_t *s = xcalloc(1, sizeof *s);
    s->from_sdist = true;
    memcpy(s->sdist_sha256, hex, sizeof hex);
    s->label = xstrdup(fname);
    e = make_work_dir(o, s);
    char *dest = NULL;
    if (!e) {
        dest = path_join(s->work_dir, "src");
        e = fs_mkdirs(dest, 0755);
    }
    if (!e)
        e = sdist_unpack(path, fname, dest, &s->sdist);
    if (!e) {
        s->root = xstrdup(s->sdist.root);
        e = pyproject_load(s->root, &s->pyproject);
    }
    free(dest);
    if (e) {
        build_source_free(s);
        return e;
    }
    *out = s;
    return NULL;
}

void build_source_free(build_source_t *s)
{
    if (!s)
        return;
    if (s->work_dir)
        err_free(fs_rmtree(s->work_dir));
    free(s->work_dir);
    free(s->root);
    free(s->label);
    pyproject_free(&s->pyproject);
    sdist_free(&s->sdist);
    for (int k = 0; k < 2; k++) {
        free(s->metadata[k]);
        free(s->metadata_dir[k]);
    }
    free(s);
}

char *const *build_source_requires(const build_source_t *s)
{
    return s->pyproject.build_requires;
}

/* The project's name as far as known before a build: [project], PKG-INFO, or NULL. */
static const char *known_name(const build_source_t *s)
{
    if (s->pyproject.name)
        return s->pyproject.name;
    if (s->from_sdist && s->sdist.has_meta)
        return s->sdist.meta.name;
    return NULL;
}

/* ---- running hooks ---------------------------------------------------------------------- */

static char *safe_component(const char *s)
{
    char *r = xstrdup(s && *s ? s : "project");
    for (char *p = r; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            *p = '_';
    return r;
}

static err_t *run_hook(build_source_t *s, const build_opts_t *o, backend_hook_t h,
                       const backend_args_t *a, backend_result_t *r)
{
    memset(r, 0, sizeof *r);
    if (!o->env_dir)
        return err_new(EXIT_APPLY, "building %s: %s needs a build environment", s->label,
                       backend_hook_name(h));
    char *log_dir = o->log_dir ? xstrdup(o->log_dir) : builds_path(o, BUILD_LOGS_SUBDIR);
    err_t *e = fs_mkdirs(log_dir, 0755);
    char *name = safe_component(known_name(s) ? known_name(s) : path_basename(s->root));
    char *log = xasprintf("%s/%s-%s-XXXXXX.log", log_dir, name, backend_hook_name(h));
    if (!e) {
        int fd = mkstemps(log, 4);
        if (fd < 0)
            e = err_sys(EXIT_APPLY, errno, "creating a build log in %s", log_dir);
        else
            close(fd);
    }
    if (!e) {
        char *label = xasprintf("building %s", s->label);
        backend_opts_t bo = {
            .env_dir = o->env_dir,
            .source_dir = s->root,
            .backend = s->pyproject.build_backend,
            .backend_path = s->pyproject.backend_path,
            .config_settings = o->config_settings,
            .environ = o->environ,
            .work_dir = s->work_dir,
            .log_path = log,
            .stream = o->stream,
            .timeout_ms = o->timeout_ms,
            .label = label,
        };
        e = backend_call(&bo, h, a, r);
        if (!e)
            unlink(log);
        free(label);
    }
    free(log);
    free(name);
    free(log_dir);
    return e;
}

static err_t *no_editable(const build_source_t *s)
{
    return err_new(EXIT_APPLY, "building %s: its build backend (%s) cannot make editable "
                   "installs: it has no build_editable hook (PEP 660)", s->label,
                   s->pyproject.build_backend);
}

/* Where the get_requires answer of s for kind in o's build environment is kept, or NULL when
 * it cannot be keyed (a project whose build inputs do not read). */
static char *requires_cache_path(const build_source_t *s, const build_opts_t *o,
                                 build_kind_t kind)
{
    char id[65];
    if (s->from_sdist) {
        memcpy(id, s->sdist_sha256, sizeof id);
    } else {
        err_t *e = build_fingerprint(s->root, id);
        if (e) {
            err_free(e);
            return NULL;
        }
    }
    buf_t k = BUF_INIT;
    buf_printf(&k, "get_requires 1\n%d\n%s\n%s\n%s\n", (int)kind, o->env_dir,
               s->from_sdist ? "sdist" : s->root, id);
    for (char *const *cs = o->config_settings; cs && *cs; cs++)
        buf_printf(&k, "config %s\n", *cs);
    char name[65];
    hash_name_hex(k.data, k.len, name);
    buf_free(&k);
    char *dir = builds_path(o, BUILD_REQUIRES_SUBDIR);
    char *path = path_join(dir, name);
    free(dir);
    return path;
}

err_t *build_get_requires(build_source_t *s, const build_opts_t *o, build_kind_t kind,
                          char ***out)
{
    *out = NULL;
    char *cached = o->env_dir ? requires_cache_path(s, o, kind) : NULL;
    buf_t text = BUF_INIT;
    if (cached && fs_try_read(cached, &text)) { /* one requirement per line */
        char **list = NULL;
        size_t n = 0, cap = 0;
        for (char *line = text.data, *end; line && *line; line = end ? end + 1 : NULL) {
            end = strchr(line, '\n');
            if (end)
                *end = '\0';
            if (*line)
                strv_push(&list, &n, &cap, xstrdup(line));
        }
        buf_free(&text);
        free(cached);
        *out = list;
        return NULL;
    }
    buf_free(&text);
    backend_result_t r;
    err_t *e = run_hook(s, o, kind == BUILD_KIND_EDITABLE ? BACKEND_GET_REQUIRES_FOR_BUILD_EDITABLE
                                                         : BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL,
                        NULL, &r);
    if (e) {
        free(cached);
        return e;
    }
    for (size_t i = 0; r.list && r.list[i] && !e; i++) {
        req_t *q = NULL;
        err_t *qe = req_parse(r.list[i], &q, NULL);
        req_free(q);
        if (qe) {
            e = err_new(EXIT_APPLY, "building %s: the backend asked for an invalid build "
                        "requirement: %s", s->label, qe->msg);
            err_free(qe);
        }
    }
    if (!e && cached) { /* best effort: an unwritable cache only costs the next run a hook */
        buf_t b = BUF_INIT;
        for (size_t i = 0; r.list && r.list[i]; i++)
            buf_printf(&b, "%s\n", r.list[i]);
        char *dir = path_dirname(cached);
        err_t *we = fs_mkdirs(dir, 0755);
        if (!we)
            we = fs_write_atomic(cached, b.data ? b.data : "", b.len, 0644);
        err_free(we);
        free(dir);
        buf_free(&b);
    }
    free(cached);
    if (!e) {
        *out = r.list;
        r.list = NULL;
    }
    backend_result_free(&r);
    return e;
}

/* ---- metadata --------------------------------------------------------------------------- */

bool build_metadata_is_static(const build_source_t *s)
{
    if (s->from_sdist)
        return s->sdist.static_metadata;
    return pyproject_metadata_static(&s->pyproject);
}

static err_t *check_metadata_name(const build_source_t *s, const char *text, const char *label)
{
    core_metadata_t m = {0};
    err_t *e = meta_parse_metadata(text, strlen(text), label, &m);
    const char *want = known_name(s);
    if (!e && want && !pkg_name_eq(m.name, want))
        e = err_new(EXIT_APPLY, "%s: the metadata is for '%s', not '%s'", label, m.name, want);
    if (!e)
        core_metadata_free(&m);
    return e;
}

err_t *build_metadata(build_source_t *s, const build_opts_t *o, build_kind_t kind, char **out)
{
    *out = NULL;
    if (s->metadata[kind]) {
        *out = xstrdup(s->metadata[kind]);
        return NULL;
    }
    err_t *e = NULL;
    char *text = NULL;
    if (build_metadata_is_static(s)) {
        if (s->from_sdist) {
            text = xstrdup(s->sdist.pkg_info);
        } else {
            buf_t b = BUF_INIT;
            e = pyproject_core_metadata(&s->pyproject, &b);
            text = buf_detach(&b);
        }
    } else {
        char *dir = path_join(s->work_dir, kind == BUILD_KIND_EDITABLE ? "meta-editable"
                                                                       : "meta-wheel");
        err_free(fs_rmtree(dir));
        e = fs_mkdirs(dir, 0755);
        backend_result_t r = {0};
        backend_args_t a = {.directory = dir};
        if (!e)
            e = run_hook(s, o, kind == BUILD_KIND_EDITABLE
                                   ? BACKEND_PREPARE_METADATA_FOR_BUILD_EDITABLE
                                   : BACKEND_PREPARE_METADATA_FOR_BUILD_WHEEL, &a, &r);
        if (!e && r.outcome == BACKEND_HOOK_MISSING)
            e = no_editable(s);
        char *dist_info = NULL;
        if (!e) {
            dist_info = path_join(dir, r.str);
            char *mp = path_join(dist_info, "METADATA");
            buf_t b = BUF_INIT;
            e = fs_read(mp, &b);
            if (e)
                e = err_ctx(e, "building %s: %s returned %s but", s->label,
                            kind == BUILD_KIND_EDITABLE ? "prepare_metadata_for_build_editable"
                                                        : "prepare_metadata_for_build_wheel",
                            r.str);
            text = buf_detach(&b);
            free(mp);
        }
        if (!e) {
            free(s->metadata_dir[kind]);
            s->metadata_dir[kind] = dist_info;
            dist_info = NULL;
        }
        free(dist_info);
        backend_result_free(&r);
        free(dir);
    }
    if (!e)
        e = check_metadata_name(s, text, s->label);
    if (e) {
        free(text);
        return e;
    }
    s->metadata[kind] = text;
    *out = xstrdup(text);
    return NULL;
}

/* ---- comparing a wheel's metadata with the resolved one --------------------------------- */

static char *canonical_req(const char *text)
{
    req_t *r = NULL;
    err_t *e = req_parse(text, &r, NULL);
    if (e) {
        err_free(e);
        return xstrdup(text);
    }
    char *s = req_str(r);
    char *out = xasprintf("%s%s", r->key, s + strlen(r->name));
    free(s);
    req_free(r);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **canonical_reqs(const core_metadata_t *m)
{
    char **v = xcalloc(m->n_requires_dist + 1, sizeof *v);
    for (size_t i = 0; i < m->n_requires_dist; i++)
        v[i] = canonical_req(m->requires_dist[i]);
    qsort(v, m->n_requires_dist, sizeof *v, cmp_str);
    return v;
}

static char *no_spaces(const char *s)
{
    char *r = xstrdup(s ? s : "");
    char *w = r;
    for (const char *p = r; *p; p++)
        if (*p != ' ' && *p != '\t')
            *w++ = *p;
    *w = '\0';
    return r;
}

/* NULL when the wheel's METADATA (got) agrees with the one resolution used (want). */
static err_t *compare_metadata(const build_source_t *s, const char *wheel, const char *want,
                               const char *got)
{
    core_metadata_t a = {0}, b = {0};
    err_t *e = meta_parse_metadata(want, strlen(want), "the resolved metadata", &a);
    if (e)
        return e;
    e = meta_parse_metadata(got, strlen(got), wheel, &b);
    if (e) {
        core_metadata_free(&a);
        return e;
    }
    buf_t diff = BUF_INIT;
    if (!pkg_name_eq(a.name, b.name))
        buf_printf(&diff, "; Name %s, not %s", b.name, a.name);
    version_t va, vb;
    bool pa = version_parse(a.version, &va), pb = version_parse(b.version, &vb);
    if (!pa || !pb || version_cmp(&va, &vb) != 0)
        buf_printf(&diff, "; Version %s, not %s", b.version, a.version);
    version_free(&va);
    version_free(&vb);
    char *ra = no_spaces(a.requires_python), *rb = no_spaces(b.requires_python);
    if (strcmp(ra, rb) != 0)
        buf_printf(&diff, "; Requires-Python '%s', not '%s'", b.requires_python ? b.requires_python : "",
                   a.requires_python ? a.requires_python : "");
    free(ra);
    free(rb);
    char **da = canonical_reqs(&a), **db = canonical_reqs(&b);
    size_t i = 0, j = 0;
    while (i < a.n_requires_dist || j < b.n_requires_dist) {
        int c = i == a.n_requires_dist ? 1 : j == b.n_requires_dist ? -1 : strcmp(da[i], db[j]);
        if (c < 0)
            buf_printf(&diff, "; Requires-Dist '%s' is missing", da[i++]);
        else if (c > 0)
            buf_printf(&diff, "; Requires-Dist '%s' was added", db[j++]);
        else
            i++, j++;
    }
    strv_free(da);
    strv_free(db);
    if (diff.len)
        e = err_new(EXIT_APPLY, "building %s: the wheel %s does not match the metadata the "
                    "backend gave before the build (a build hook changed it)%s", s->label,
                    wheel, buf_cstr(&diff));
    buf_free(&diff);
    core_metadata_free(&a);
    core_metadata_free(&b);
    return e;
}

err_t *build_wheel_metadata(const char *wheel_path, char **out)
{
    *out = NULL;
    zip_t *z = NULL;
    err_t *e = zip_open(wheel_path, NULL, &z);
    if (e)
        return e;
    const zip_entry_t *found = NULL;
    size_t count = 0;
    for (size_t i = 0; i < zip_count(z); i++) {
        const zip_entry_t *en = zip_entry_at(z, i);
        const char *slash = strchr(en->name, '/');
        if (!slash || strcmp(slash, "/METADATA") != 0)
            continue;
        if (!str_ends_with(en->name, (size_t)(slash - en->name), ".dist-info"))
            continue;
        found = en;
        count++;
    }
    if (count != 1) {
        e = err_new(EXIT_APPLY, "%s: %zu .dist-info/METADATA files, not one", wheel_path, count);
    } else {
        buf_t b = BUF_INIT;
        e = zip_extract_buf(z, found, 16u << 20, &b, NULL);
        if (!e)
            *out = buf_detach(&b);
        buf_free(&b);
    }
    zip_close(z);
    return e;
}

/* ---- wheels ----------------------------------------------------------------------------- */

err_t *build_wheel(build_source_t *s, const build_opts_t *o, build_kind_t kind,
                   const char *out_dir, char **wheel_path)
{
    *wheel_path = NULL;
    backend_args_t a = {.directory = out_dir, .metadata_directory = s->metadata_dir[kind]};
    backend_result_t r;
    err_t *e = run_hook(s, o, kind == BUILD_KIND_EDITABLE ? BACKEND_BUILD_EDITABLE
                                                         : BACKEND_BUILD_WHEEL, &a, &r);
    if (e)
        return e;
    if (r.outcome == BACKEND_HOOK_MISSING) {
        backend_result_free(&r);
        return kind == BUILD_KIND_EDITABLE ? no_editable(s)
                                           : err_new(EXIT_APPLY, "building %s: the backend has "
                                                     "no %s hook", s->label, r.missing_hook);
    }
    char *path = path_join(out_dir, r.str);
    struct stat st;
    wheelname_t *wn = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        e = err_new(EXIT_APPLY, "building %s: the backend returned %s, which is not a file in "
                    "%s", s->label, r.str, out_dir);
    if (!e && (e = wheelname_parse(r.str, &wn)))
        e = err_ctx(e, "building %s: the backend made a wheel with an invalid name", s->label);
    const char *want = known_name(s);
    if (!e && want && !pkg_name_eq(wn->name, want))
        e = err_new(EXIT_APPLY, "building %s: the backend made a wheel of '%s'", s->label,
                    wn->name);
    if (!e && s->metadata[kind]) {
        char *got = NULL;
        e = build_wheel_metadata(path, &got);
        if (!e)
            e = compare_metadata(s, r.str, s->metadata[kind], got);
        free(got);
    }
    wheelname_free(wn);
    backend_result_free(&r);
    if (e) {
        free(path);
        return e;
    }
    *wheel_path = path;
    return NULL;
}

/* ---- the built-wheel cache -------------------------------------------------------------- */

char *build_interp_tag(const interp_t *py)
{
    char *t = py->soabi && *py->soabi
                  ? xstrdup(py->soabi)
                  : xasprintf("%s-%d%d%s-%s", py->implementation, py->major, py->minor,
                              py->abiflags ? py->abiflags : "",
                              py->platform_tag ? py->platform_tag : "any");
    char *safe = safe_component(t);
    free(t);
    return safe;
}

err_t *build_cache_lookup(const char *cache_dir, const char *sdist_sha256, const interp_t *py,
                          char **wheel_path)
{
    *wheel_path = NULL;
    if (!hex64(sdist_sha256))
        return err_new(EXIT_APPLY, "built-wheel cache: '%s' is not a sha256", sdist_sha256);
    char *tag = build_interp_tag(py);
    char *dir = path_joinv(cache_dir, CACHE_BUILDS, BUILD_WHEELS_SUBDIR, sdist_sha256, tag, NULL);
    free(tag);
    char **names = NULL;
    err_t *e = NULL;
    if (fs_is_dir(dir)) {
        e = fs_list_dir(dir, &names);
        size_t found = 0;
        const char *hit = NULL;
        for (size_t i = 0; names && names[i]; i++) {
            if (str_ends_with(names[i], strlen(names[i]), ".whl")) {
                hit = names[i];
                found++;
            }
        }
        if (!e && found == 1)
            *wheel_path = path_join(dir, hit);
    }
    strv_free(names);
    free(dir);
    return e;
}

err_t *build_sdist_wheel(build_source_t *s, const build_opts_t *o, const interp_t *py,
                         char **wheel_path, bool *built)
{
    *wheel_path = NULL;
    if (built)
        *built = false;
    if (!s->from_sdist)
        return err_new(EXIT_APPLY, "building %s: only wheels built from sdists are cached",
                       s->label);
    err_t *e = build_cache_lookup(o->cache_dir, s->sdist_sha256, py, wheel_path);
    if (e || *wheel_path)
        return e;
    char *out_dir = NULL, *path = NULL;
    e = fs_mkdtemp_in(s->work_dir, "wheel-", &out_dir);
    if (!e)
        e = build_wheel(s, o, BUILD_KIND_WHEEL, out_dir, &path);
    if (!e && built)
        *built = true;
    char *wheels = builds_path(o, BUILD_WHEELS_SUBDIR);
    char *stage = NULL;
    if (!e)
        e = fs_mkdirs(wheels, 0755);
    if (!e)
        e = fs_mkdtemp_in(wheels, ".tmp-", &stage);
    if (!e) {
        char *dest = path_join(stage, path_basename(path));
        if (rename(path, dest) != 0)
            e = err_sys(EXIT_APPLY, errno, "moving %s into the build cache", path);
        free(dest);
    }
    char *parent = NULL, *tag = build_interp_tag(py), *entry = NULL;
    if (!e) {
        parent = path_join(wheels, s->sdist_sha256);
        entry = path_join(parent, tag);
        e = fs_mkdirs(parent, 0755);
    }
    if (!e && rename(stage, entry) != 0 && errno != EEXIST && errno != ENOTEMPTY)
        e = err_sys(EXIT_APPLY, errno, "putting the wheel built from %s into %s", s->label,
                    entry);
    if (stage)
        err_free(fs_rmtree(stage));     /* gone after our rename; the loser's copy otherwise */
    if (!e) {
        fs_sync_dir(parent);
        e = build_cache_lookup(o->cache_dir, s->sdist_sha256, py, wheel_path);
        if (!e && !*wheel_path)
            e = err_new(EXIT_APPLY, "%s holds no single wheel", entry);
    }
    free(stage);
    free(parent);
    free(entry);
    free(tag);
    free(wheels);
    free(path);
    if (out_dir) {
        err_free(fs_rmtree(out_dir));
        free(out_dir);
    }
    return e;
}

/* ---- the build fingerprint -------------------------------------------------------------- */

/* [tool.*] tables of tools that never take part in building a wheel. */
static const char *const not_build_tools[] = {
    "autopep8", "bandit", "basedpyright", "black", "codespell", "commitizen", "coverage",
    "docformatter", "flake8", "interrogate", "isort", "mypy", "pydocstyle", "pylint",
    "pyright", "pytest", "refurb", "ruff", "tox", "towncrier", "vulture", "yapf", NULL,
};

static bool ignored_tool(const char *key)
{
    for (size_t i = 0; not_build_tools[i]; i++)
        if (strcmp(key, not_build_tools[i]) == 0)
            return true;
    return false;
}

typedef struct kv {
    const char *key;
    size_t klen;
    const toml_value_t *v;
} kv_t;

static int cmp_kv(const void *a, const void *b)
{
    const kv_t *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* A canonical, unambiguous encoding of a TOML value: type, length-prefixed strings, table keys
 * sorted. skip_tools drops the ignored [tool.*] tables (used at the root's "tool" only). */
static void canon(buf_t *b, const toml_value_t *v, int level, bool in_tool)
{
    size_t n;
    switch (toml_type(v)) {
    case TOML_STRING: {
        const char *s = toml_str(v, &n);
        buf_printf(b, "s%zu:", n);
        buf_add(b, s, n);
        break;
    }
    case TOML_INTEGER: {
        int64_t i = 0;
        toml_int(v, &i);
        buf_printf(b, "i%lld;", (long long)i);
        break;
    }
    case TOML_FLOAT: {
        double d = 0;
        toml_float(v, &d);
        buf_printf(b, "f%.17g;", d);
        break;
    }
    case TOML_BOOLEAN: {
        bool x = false;
        toml_bool(v, &x);
        buf_printf(b, "b%d;", x ? 1 : 0);
        break;
    }
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME:
        buf_printf(b, "d%d:%s;", (int)toml_type(v), toml_datetime(v));
        break;
    case TOML_ARRAY:
        buf_printf(b, "a%zu[", toml_len(v));
        for (size_t i = 0; i < toml_len(v); i++)
            canon(b, toml_at(v, i), level + 1, false);
        buf_addc(b, ']');
        break;
    case TOML_TABLE: {
        n = toml_len(v);
        kv_t *kv = xcalloc(n + 1, sizeof *kv);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            kv_t *k = &kv[m];
            k->v = toml_entry(v, i, &k->key, &k->klen);
            if (in_tool && ignored_tool(k->key))
                continue;
            m++;
        }
        qsort(kv, m, sizeof *kv, cmp_kv);
        buf_printf(b, "t%zu{", m);
        for (size_t i = 0; i < m; i++) {
            buf_printf(b, "k%zu:", kv[i].klen);
            buf_add(b, kv[i].key, kv[i].klen);
            canon(b, kv[i].v, level + 1, level == 0 && kv[i].klen == 4 &&
                                             memcmp(kv[i].key, "tool", 4) == 0);
        }
        buf_addc(b, '}');
        free(kv);
        break;
    }
    case TOML_NONE:
        buf_adds(b, "n;");
        break;
    }
}

static err_t *add_file(buf_t *b, const char *dir, const char *name)
{
    char *p = path_join(dir, name);
    buf_t content = BUF_INIT;
    err_t *e = NULL;
    if (fs_try_read(p, &content)) {
        buf_printf(b, "%s %zu:", name, content.len);
        buf_add(b, content.data ? content.data : "", content.len);
    } else if (errno == ENOENT) {
        buf_printf(b, "%s absent;", name);
    } else {
        e = err_sys(EXIT_APPLY, errno, "reading %s", p);
    }
    buf_free(&content);
    free(p);
    return e;
}

err_t *build_fingerprint(const char *dir, char out[65])
{
    err_t *e = NULL;
    buf_t b = BUF_INIT;
    buf_adds(&b, "venvsync build fingerprint 1\n");
    char *pp = path_join(dir, "pyproject.toml");
    buf_t text = BUF_INIT;
    if (fs_try_read(pp, &text)) {
        toml_doc_t *doc = NULL;
        e = toml_parse(buf_cstr(&text), text.len, pp, NULL, &doc);
        if (!e) {
            buf_adds(&b, "pyproject.toml ");
            canon(&b, toml_doc_root(doc), 0, false);
            buf_addc(&b, '\n');
        }
        toml_doc_free(doc);
    } else if (errno == ENOENT) {
        buf_adds(&b, "pyproject.toml absent;\n");
    } else {
        e = err_sys(EXIT_APPLY, errno, "reading %s", pp);
    }
    buf_free(&text);
    free(pp);
    if (!e)
        e = add_file(&b, dir, "setup.cfg");
    if (!e)
        e = add_file(&b, dir, "setup.py");
    if (!e) /* a change detector, not a guard: the fast hash (no libcrypto on a no-op sync) */
        hash_name_hex(b.data, b.len, out);
    buf_free(&b);
    return e;
}

/* ---- editable installs ------------------------------------------------------------------ */

/* direct_url.json as pip writes it for `pip install -e DIR`: json.dumps(sort_keys=True). */
static void editable_direct_url(const char *project_dir, buf_t *out)
{
    char *url = url_from_path(project_dir);
    buf_adds(out, "{\"dir_info\": {\"editable\": true}, \"url\": ");
    json_quote(out, url);
    buf_addc(out, '}');
    free(url);
}

/* Writes direct_url.json into the installed .dist-info and lists it in RECORD (sorted as pip). */
static err_t *add_direct_url(wheel_installed_t *r, const char *project_dir)
{
    buf_t json = BUF_INIT;
    editable_direct_url(project_dir, &json);
    char *path = path_join(r->dist_info, "direct_url.json");
    char *record_path = path_join(r->dist_info, "RECORD");
    buf_t rec_text = BUF_INIT;
    record_t rec = RECORD_INIT;
    struct stat st;
    mode_t mode = stat(record_path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    err_t *e = fs_write_atomic(path, json.data, json.len, mode);
    if (!e)
        e = fs_read(record_path, &rec_text);
    if (!e)
        e = record_parse(buf_cstr(&rec_text), rec_text.len, record_path, &rec);
    if (!e) {
        sha256_t h;
        unsigned char digest[32];
        char b64[44];
        sha256_init(&h);
        sha256_update(&h, json.data, json.len);
        sha256_final(&h, digest);
        sha256_b64url(digest, b64);
        char *rel = xasprintf("%s/direct_url.json", path_basename(r->dist_info));
        if (!record_find(&rec, rel))
            record_add(&rec, rel, b64, (int64_t)json.len);
        free(rel);
        record_sort(&rec);
        buf_reset(&rec_text);
        record_write(&rec, &rec_text);
        e = fs_write_atomic(record_path, rec_text.data, rec_text.len, mode);
    }
    if (!e && !strv_has(r->files, path)) {
        /* Before RECORD, which stays last. */
        r->files = xrealloc(r->files, (r->n_files + 2) * sizeof *r->files);
        r->files[r->n_files + 1] = NULL;
        r->files[r->n_files] = r->n_files ? r->files[r->n_files - 1] : NULL;
        if (r->n_files)
            r->files[r->n_files - 1] = xstrdup(path);
        else
            r->files[0] = xstrdup(path);
        r->n_files++;
        r->n_written++;
        r->bytes += json.len;
    }
    record_free(&rec);
    buf_free(&rec_text);
    free(record_path);
    free(path);
    buf_free(&json);
    return e;
}

err_t *build_install_editable(const char *wheel_path, const char *project_dir,
                              const char *scratch_dir, const wheel_target_t *t,
                              wheel_installed_t *out)
{
    memset(out, 0, sizeof *out);
    err_t *e = hash_available();
    if (e)
        return e;
    char *scratch = NULL;
    e = fs_mkdtemp_in(scratch_dir, "editable-", &scratch);
    if (e)
        return e;
    wheel_unpacked_t *w = NULL;
    e = wheel_cache_unpack(scratch, wheel_path, NULL, &w);
    if (!e) {
        wheel_target_t t2 = *t;
        t2.direct_url = NULL;
        t2.direct_url_sha256 = NULL;
        t2.link = WHEEL_LINK_COPY;
        e = wheel_install(w, &t2, out);
    }
    if (!e)
        e = add_direct_url(out, project_dir);
    if (e)
        e = err_ctx(e, "installing the editable wheel of %s", project_dir);
    wheel_unpacked_free(w);
    err_free(fs_rmtree(scratch));
    free(scratch);
    return e;
}
