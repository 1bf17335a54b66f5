#include "apply/packages.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "pkg/installed.h"
#include "pkg/name.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/install.h"
#include "wheel/uninstall.h"

bool plan_has_packages(const env_plan_t *p)
{
    for (size_t i = 0; i < p->nactions; i++)
        if (p->actions[i].package)
            return true;
    return false;
}

/* The install target for the tree at dir with interpreter py (python: the interpreter path
 * shebangs name, pyver "X.Y"); fp NULL for a target only used to compute paths. */
static wheel_target_t target_for(const char *dir, const interp_t *py, const char *python,
                                 const char *pyver, const fetched_pkg_t *fp,
                                 wheel_link_mode_t link)
{
    return (wheel_target_t){
        .root = dir,
        .purelib = py->venv_purelib,
        .platlib = py->venv_platlib && *py->venv_platlib ? py->venv_platlib : py->venv_purelib,
        .scripts = py->venv_scripts && *py->venv_scripts ? py->venv_scripts : "bin",
        .headers = NULL,
        .data = "",
        .python = python,
        .python_version = pyver,
        .requested = fp ? fp->want->requested : false,
        .direct_url = fp ? fp->url : NULL,
        .direct_url_sha256 = !fp || !fp->url ? NULL
                             : fp->built ? (fp->sha256_url[0] ? fp->sha256_url : NULL)
                                         : fp->sha256,
        .direct_url_dir = fp && fp->want->kind == WANT_DIR,
        .direct_url_editable = fp && fp->want->kind == WANT_DIR && fp->want->editable,
        .source_marker = fp ? fp->want->source : NULL,
        .installer = NULL,
        .link = link,
    };
}

/* One removal: an installed distribution (dist) or a leftover temporary dist-info (leftover),
 * with the stand-in rows from the cache when its RECORD is missing. */
typedef struct removal {
    const dist_t *dist;
    const char *leftover;
    bool has_rows;
    record_t rows;
} removal_t;

/* Before anything changes: what each removal will delete by. A distribution without RECORD
 * whose wheel is not in the cache is refused here, so that the environment stays as it was.
 * shown_site: site-packages where the environment lives, for the message. */
static err_t *prepare_removals(removal_t *rm, size_t n, const char *shown_site,
                               const wheel_target_t *t, const char *cache_dir)
{
    for (size_t i = 0; i < n; i++) {
        removal_t *r = &rm[i];
        char *info = NULL;
        if (r->leftover) {
            installed_tmp_parse(r->leftover, &info);
            r->has_rows = info && wheel_cached_rows(cache_dir, info, t, &r->rows);
        } else if (r->dist->missing & DIST_MISSING_RECORD) {
            r->has_rows = wheel_cached_rows(cache_dir, r->dist->info_dir, t, &r->rows);
            if (!r->has_rows)
                return err_hint(err_new(EXIT_USAGE, "cannot remove %s %s: %s/%s has no RECORD "
                                        "(an interrupted install?) and the wheel cache holds no "
                                        "%s %s that tells which files are its; nothing was "
                                        "changed", r->dist->name, r->dist->version, shown_site,
                                        r->dist->info_dir, r->dist->name, r->dist->version),
                                "recreate the environment (`venvsync remove` it, then `venvsync "
                                "sync`), or delete that folder yourself (the package's files "
                                "then stay behind) and sync again");
        }
        free(info);
    }
    return NULL;
}

static err_t *remove_one(const char *dir, const char *site, const removal_t *r)
{
    const record_t *rows = r->has_rows ? &r->rows : NULL;
    if (r->leftover)
        return err_ctx(wheel_remove_leftover(dir, site, r->leftover, rows, NULL),
                       "removing the leftover %s/%s", site, r->leftover);
    err_t *e = wheel_uninstall_fallback(dir, site, r->dist->info_dir, rows, NULL);
    return e ? err_ctx(e, "removing %s %s", r->dist->name, r->dist->version) : NULL;
}

/* One run of the interpreter over every installed .py file (paths on stdin). */
static void compile_all(const interp_t *py, wheel_installed_t *res, size_t n)
{
    buf_t list = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < res[i].n_py_files; k++)
            buf_printf(&list, "%s\n", res[i].py_files[k]);
    if (!list.len) {
        buf_free(&list);
        return;
    }
    char *argv[] = {py->path, "-I", "-m", "compileall", "-q", "-f", "-j", "0", "-i", "-", NULL};
    buf_t out = BUF_INIT;
    int status = 0;
    err_free(proc_capture(argv, list.data, &out, NULL, &status));
    buf_free(&out);
    buf_free(&list);
    for (size_t i = 0; i < n; i++)
        err_free(wheel_install_record_pycs(&res[i], py->cache_tag));
}

/* Installs run in a few threads: each wheel writes its own files (directories are created
 * race-free), and linking from the cache is syscall-bound. */
typedef struct install_job {
    const char *dir;
    const interp_t *py;
    const char *python, *pyver;
    wheel_link_mode_t link;
    bool compile;                 /* keep what byte-compilation needs (py_files, dist_info) */
    const fetched_pkg_t **tasks;
    wheel_installed_t *done;      /* parallel to tasks; zeroed until installed */
    size_t ntasks;
    atomic_size_t next;
    pthread_mutex_t mu;
    err_t *err;                   /* the first failure; later tasks are not started */
} install_job_t;

static void *install_worker(void *arg)
{
    install_job_t *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->ntasks)
            break;
        pthread_mutex_lock(&j->mu);
        bool stop = j->err != NULL;
        pthread_mutex_unlock(&j->mu);
        if (stop)
            break;
        const fetched_pkg_t *fp = j->tasks[i];
        wheel_target_t t = target_for(j->dir, j->py, j->python, j->pyver, fp, j->link);
        err_t *e = wheel_install(fp->wheel, &t, &j->done[i]);
        if (!e) {
            /* the list of every file written is not used here: 28k paths for 98 wheels were
             * most of the heap's peak */
            wheel_installed_t *r = &j->done[i];
            if (!j->compile)
                wheel_installed_free(r);
            strv_free(r->files);
            r->files = NULL;
            r->n_files = 0;
        }
        if (e) {
            e = err_ctx(e, "installing %s %s", fp->wheel->name, fp->wheel->version);
            pthread_mutex_lock(&j->mu);
            if (!j->err)
                j->err = e;
            else
                err_free(e);
            pthread_mutex_unlock(&j->mu);
        }
    }
    return NULL;
}

static err_t *install_all(install_job_t *j)
{
    atomic_init(&j->next, 0);
    pthread_mutex_init(&j->mu, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
    if (nt > j->ntasks)
        nt = j->ntasks;
    pthread_t th[4];
    size_t started = 0;
    for (size_t i = 1; i < nt; i++)
        if (pthread_create(&th[started], NULL, install_worker, j) == 0)
            started++;
    install_worker(j);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j->mu);
    return j->err;
}

err_t *apply_packages(const char *dir, const char *final_path, const interp_t *py,
                      const env_plan_t *p, const fetch_t *f, const char *cache_dir, bool compile,
                      wheel_link_mode_t link)
{
    if (!plan_has_packages(p))
        return NULL;
    char *site = path_join(dir, py->venv_purelib);
    dist_list_t installed;
    err_t *e = installed_scan(site, &installed);
    /* leftovers first, then removals and the old versions of upgrades and downgrades */
    removal_t *rm = xcalloc(p->nactions + 1, sizeof(*rm));
    size_t nrm = 0;
    for (size_t i = 0; i < p->nactions && !e; i++) {
        const action_t *a = &p->actions[i];
        if (a->kind == ACT_CLEANUP && a->package) {
            for (size_t k = 0; k < installed.nleftovers; k++)
                if (strcmp(installed.leftovers[k], a->package) == 0)
                    rm[nrm++] = (removal_t){.leftover = installed.leftovers[k]};
        }
    }
    for (size_t i = 0; i < p->nactions && !e; i++) {
        const action_t *a = &p->actions[i];
        if (a->kind != ACT_REMOVE && a->kind != ACT_UPGRADE && a->kind != ACT_DOWNGRADE &&
            a->kind != ACT_REINSTALL)
            continue;
        char *key = pkg_name_normalize(a->package);
        const dist_t *d = dist_list_find(&installed, key);
        free(key);
        if (d) /* else not in this tree (a new environment) */
            rm[nrm++] = (removal_t){.dist = d};
    }
    char *pyver = xasprintf("%d.%d", py->major, py->minor);
    wheel_target_t paths = target_for(dir, py, "python", pyver, NULL, link);
    char *shown_site = path_join(final_path, py->venv_purelib);
    if (!e)
        e = prepare_removals(rm, nrm, shown_site, &paths, cache_dir);
    free(shown_site);
    for (size_t i = 0; i < nrm && !e; i++)
        e = remove_one(dir, site, &rm[i]);
    for (size_t i = 0; i < nrm; i++)
        record_free(&rm[i].rows);
    free(rm);
    dist_list_free(&installed);
    char *python = path_joinv(final_path, py->venv_scripts, "python", NULL);
    install_job_t job = {.dir = dir, .py = py, .python = python, .pyver = pyver, .link = link,
                         .compile = compile};
    job.tasks = xcalloc(p->nactions + 1, sizeof(*job.tasks));
    job.done = xcalloc(p->nactions + 1, sizeof(*job.done));
    for (size_t i = 0; i < p->nactions && !e; i++) {
        const action_t *a = &p->actions[i];
        if (a->kind != ACT_INSTALL && a->kind != ACT_UPGRADE && a->kind != ACT_DOWNGRADE &&
            a->kind != ACT_REINSTALL && a->kind != ACT_SEED)
            continue;
        char *key = pkg_name_normalize(a->package);
        const fetched_pkg_t *fp = fetch_find(f, key);
        free(key);
        if (!fp || !fp->wheel)
            e = err_new(EXIT_APPLY, "internal: no fetched wheel for %s", a->package);
        else
            job.tasks[job.ntasks++] = fp;
    }
    if (!e)
        e = install_all(&job);
    wheel_installed_t *done = job.done;
    size_t ndone = job.ntasks;
    if (!e && compile)
        compile_all(py, done, ndone);
    for (size_t i = 0; i < ndone; i++)
        wheel_installed_free(&done[i]);
    free(done);
    free(job.tasks);
    free(pyver);
    free(python);
    free(site);
    return e;
}
