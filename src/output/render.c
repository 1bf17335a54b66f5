#include "output/render.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *state_color(const term_style_t *s, env_state_t st)
{
    switch (st) {
    case ST_OK: return s->green;
    case ST_FOREIGN:
    case ST_BROKEN:
    case ST_WRONG_PYTHON: return s->red;
    default: return s->yellow;
    }
}

/* The state's name, or "error" when an error stopped planning before a state was decided. */
static const char *state_text(const report_env_t *e)
{
    return e->planned ? env_state_name(e->state) : "error";
}

/* The environment's lock when something about it is worth saying. */
static void lock_text(const term_style_t *s, const report_env_t *e, render_mode_t mode,
                      buf_t *out)
{
    if (!e->lock_state || strcmp(e->lock_state, "fresh") == 0 ||
        strcmp(e->lock_state, "given") == 0)
        return;
    const char *what = strcmp(e->lock_state, "relocked") == 0
                           ? (mode == RENDER_SYNC ? "relocked" : "locked")
                       : strcmp(e->lock_state, "would-relock") == 0 ? "relock"
                       : strcmp(e->lock_state, "stale") == 0 ? "out of date:"
                       : strcmp(e->lock_state, "missing") == 0 ? "not locked yet:"
                                                               : "installed as it is (--frozen):";
    const char *why = strcmp(e->lock_state, "would-relock") == 0
                          ? ": the requirements changed since it was made"
                      : strcmp(e->lock_state, "stale") == 0 ? " sync relocks it"
                      : strcmp(e->lock_state, "missing") == 0 ? " sync writes it"
                                                               : "";
    buf_printf(out, "  %s~ %s %s%s%s\n", s->yellow, what, e->lock_name, why, s->reset);
    for (size_t k = 0; e->lock_changes && e->lock_changes[k]; k++)
        buf_printf(out, "    %s\n", e->lock_changes[k]);
}

static void action_text(const term_style_t *s, const report_action_t *a, buf_t *out)
{
    char sig = action_sigil(a->kind);
    const char *col = sig == '+' ? s->green : (sig == '-' || sig == '!') ? s->red : s->yellow;
    buf_printf(out, "  %s%c %s%s", col, sig, action_kind_name(a->kind), s->reset);
    if (a->package)
        buf_printf(out, " %s", a->package);
    if (a->from && a->to && strcmp(a->from, a->to) != 0)
        buf_printf(out, " %s -> %s", a->from, a->to);
    else if (a->to)
        buf_printf(out, " %s", a->to);
    else if (a->from && a->package)
        buf_printf(out, " %s", a->from);
    buf_printf(out, "%s: %s%s\n", s->dim, a->reason, s->reset);
}

void render_text(const report_t *r, const render_opts_t *o, buf_t *out)
{
    term_style_t s = term_style(o->color);
    size_t ok = 0, changed = 0, failed = 0, pending = 0, fresh = 0;
    for (size_t i = 0; i < r->n; i++) {
        const report_env_t *e = &r->envs[i];
        if (e->lock_state && strcmp(e->lock_state, "fresh") == 0)
            fresh++;
        if (e->result == RESULT_FAILED || (e->errors && o->mode != RENDER_SYNC))
            failed++;
        else if ((e->dep_problems || e->drift) && o->mode == RENDER_CHECK)
            pending++;
        else if (e->result == RESULT_CHANGED && o->mode == RENDER_LOCK)
            changed++; /* a lock run plans nothing: its environments all look like no-ops */
        else if (e->noop || e->result == RESULT_UNCHANGED)
            ok++;
        else if (e->result == RESULT_CHANGED)
            changed++;
        else
            pending++;
        if (o->verbosity < 0)
            continue;
        if (o->mode == RENDER_LOCK) {
            if (e->lock_state && strcmp(e->lock_state, "given") == 0)
                buf_printf(out, "%s%s%s: installs %s as it is (pylock:), nothing to lock\n",
                           s.bold, e->name, s.reset, e->lock_name);
            else if (e->lock_state && strcmp(e->lock_state, "fresh") == 0)
                buf_printf(out, "%s%s%s: %s is up to date\n", s.bold, e->name, s.reset,
                           e->lock_name);
            else if (e->lock_state)
                buf_printf(out, "%s%s%s: wrote %s\n", s.bold, e->name, s.reset, e->lock_name);
            else if (!e->errors)
                buf_printf(out, "%s%s%s: declares no packages, so it has no lock\n", s.bold,
                           e->name, s.reset);
            for (size_t k = 0; e->lock_changes && e->lock_changes[k]; k++)
                buf_printf(out, "  %s\n", e->lock_changes[k]);
            for (size_t k = 0; e->errors && e->errors[k]; k++)
                buf_printf(out, "  %s! error: %s%s\n", s.red, e->errors[k], s.reset);
            continue;
        }
        char *shown = path_shown_from(e->path, o->cwd);
        buf_printf(out, "%s%s%s %s(%s)%s: %s%s%s", s.bold, e->name, s.reset, s.dim, shown,
                   s.reset, e->planned ? state_color(&s, e->state) : s.red, state_text(e),
                   s.reset);
        if (e->python.label)
            buf_printf(out, ", %s", e->python.label);
        buf_addc(out, '\n');
        free(shown);
        if (e->reason && e->state != ST_OK)
            buf_printf(out, "  %s%s%s\n", s.dim, e->reason, s.reset);
        for (size_t k = 0; k < e->nactions; k++)
            action_text(&s, &e->actions[k], out);
        lock_text(&s, e, o->mode, out);
        for (size_t k = 0; e->dep_problems && e->dep_problems[k]; k++)
            buf_printf(out, "  %s! %s%s\n", s.red, e->dep_problems[k], s.reset);
        for (size_t k = 0; e->errors && e->errors[k]; k++)
            buf_printf(out, "  %s! error: %s%s\n", s.red, e->errors[k], s.reset);
    }
    if (o->verbosity < 0)
        return;
    size_t total = r->n;
    const char *envs = total == 1 ? "" : "s";
    switch (o->mode) {
    case RENDER_SYNC:
        buf_printf(out, "%zu environment%s: %zu changed, %zu already in sync", total, envs,
                   changed, ok);
        if (failed)
            buf_printf(out, ", %s%zu failed%s", s.red, failed, s.reset);
        buf_addc(out, '\n');
        break;
    case RENDER_PLAN:
        buf_printf(out, "%zu environment%s: %zu to change, %zu in sync", total, envs, pending, ok);
        if (failed)
            buf_printf(out, ", %s%zu with errors%s", s.red, failed, s.reset);
        buf_addc(out, '\n');
        break;
    case RENDER_CHECK:
        if (pending + failed == 0)
            buf_printf(out, "%zu environment%s in sync\n", total, envs);
        else
            buf_printf(out, "%zu of %zu environment%s out of sync\n", pending + failed, total,
                       envs);
        break;
    case RENDER_LOCK:
        buf_printf(out, "%zu environment%s locked", changed, changed == 1 ? "" : "s");
        if (fresh)
            buf_printf(out, ", %zu up to date", fresh);
        if (failed)
            buf_printf(out, ", %s%zu failed%s", s.red, failed, s.reset);
        buf_addc(out, '\n');
        break;
    case RENDER_LIST:
    case RENDER_ONELINE: /* render_list and render_oneline */
        break;
    }
}

static void python_json(json_t *j, const report_python_t *p)
{
    json_key(j, "python");
    if (!p->label && !p->implementation && !p->version && !p->path) {
        json_null(j);
        return;
    }
    json_obj(j);
    json_kstr(j, "label", p->label);
    json_kstr(j, "implementation", p->implementation);
    json_kstr(j, "version", p->version);
    json_kstr(j, "path", p->path);
    json_end(j);
}

void render_json(const report_t *r, const render_opts_t *o, buf_t *out)
{
    json_t j;
    json_init(&j, out);
    json_obj(&j);
    json_key(&j, "environments");
    json_arr(&j);
    for (size_t i = 0; i < r->n; i++) {
        const report_env_t *e = &r->envs[i];
        json_obj(&j);
        json_kstr(&j, "name", e->name);
        json_kstr(&j, "path", e->path);
        json_kstr(&j, "state", state_text(e));
        python_json(&j, &e->python);
        json_kstr(&j, "reason", e->reason);
        if (o->mode == RENDER_SYNC)
            json_kstr(&j, "result", report_result_name(e->result));
        json_kstr(&j, "error", e->errors ? e->errors[0] : NULL);
        if (e->lock_state) {
            json_key(&j, "lock");
            json_obj(&j);
            json_kstr(&j, "file", e->lock_name);
            json_kstr(&j, "state", e->lock_state);
            json_key(&j, "changes");
            json_arr(&j);
            for (size_t k = 0; e->lock_changes && e->lock_changes[k]; k++)
                json_str(&j, e->lock_changes[k]);
            json_end(&j);
            json_key(&j, "warnings");
            json_arr(&j);
            for (size_t k = 0; e->lock_warnings && e->lock_warnings[k]; k++)
                json_str(&j, e->lock_warnings[k]);
            json_end(&j);
            json_end(&j);
        }
        if (e->dep_problems) {
            json_key(&j, "dependency_problems");
            json_arr(&j);
            for (size_t k = 0; e->dep_problems[k]; k++)
                json_str(&j, e->dep_problems[k]);
            json_end(&j);
        }
        json_key(&j, "actions");
        json_arr(&j);
        for (size_t k = 0; k < e->nactions; k++) {
            const report_action_t *a = &e->actions[k];
            json_obj(&j);
            json_kstr(&j, "kind", action_kind_name(a->kind));
            json_kstr(&j, "package", a->package);
            json_kstr(&j, "from", a->from);
            json_kstr(&j, "to", a->to);
            json_kstr(&j, "reason", a->reason);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
    }
    json_end(&j);
    json_end(&j);
    buf_addc(out, '\n');
}

void render_oneline(const report_t *r, buf_t *out)
{
    size_t changed = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->envs[i].result != RESULT_CHANGED)
            continue;
        buf_adds(out, changed++ ? ", " : "venvsync: synced ");
        buf_adds(out, r->envs[i].name);
    }
    if (changed)
        buf_addc(out, '\n');
}

void render_list(const report_t *r, const render_opts_t *o, bool json, buf_t *out)
{
    if (json) {
        json_t j;
        json_init(&j, out);
        json_obj(&j);
        json_key(&j, "environments");
        json_arr(&j);
        for (size_t i = 0; i < r->n; i++) {
            const report_env_t *e = &r->envs[i];
            json_obj(&j);
            json_kstr(&j, "name", e->name);
            json_kstr(&j, "path", e->path);
            python_json(&j, &e->python);
            json_kstr(&j, "state", state_text(e));
            json_kint(&j, "packages", e->packages < 0 ? 0 : e->packages);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        buf_addc(out, '\n');
        return;
    }
    size_t wname = 4, wpath = 4;
    char **shown = xcalloc(r->n + 1, sizeof(char *));
    for (size_t i = 0; i < r->n; i++) {
        shown[i] = path_shown_from(r->envs[i].path, o->cwd);
        if (strlen(r->envs[i].name) > wname)
            wname = strlen(r->envs[i].name);
        if (strlen(shown[i]) > wpath)
            wpath = strlen(shown[i]);
    }
    if (o->verbosity >= 0)
        buf_printf(out, "%-*s  %-*s  %-12s  %8s  %s\n", (int)wname, "NAME", (int)wpath, "PATH",
                   "STATE", "PACKAGES", "PYTHON");
    for (size_t i = 0; i < r->n; i++) {
        const report_env_t *e = &r->envs[i];
        buf_printf(out, "%-*s  %-*s  %-12s  %8ld  %s\n", (int)wname, e->name, (int)wpath,
                   shown[i], state_text(e), e->packages < 0 ? 0 : e->packages,
                   e->python.label ? e->python.label : "-");
    }
    strv_free(shown);
}

void render_download_progress(void *ctx, const http_progress_t *p)
{
    FILE *f = ctx;
    if (p->finished)
        fputs("\r\033[K", f);
    else if (p->files_total)
        fprintf(f, "\r\033[K  downloading: %zu/%zu files, %.1f/%.1f MiB, %.1f MiB/s",
                p->files_done, p->files_total, (double)p->bytes_done / 1048576.0,
                (double)p->bytes_total / 1048576.0, p->rate / 1048576.0);
    else if (p->pages_total)
        fprintf(f, "\r\033[K  reading the index: %zu/%zu pages", p->pages_done, p->pages_total);
    fflush(f);
}

void render_network(buf_t *out, const http_stats_t *st)
{
    if (!st->requests)
        return;
    buf_printf(out, "network: %zu request%s (", st->requests, st->requests == 1 ? "" : "s");
    const char *sep = "";
    const struct { size_t n; const char *name; } v[] = {
        {st->http1, "HTTP/1.1"}, {st->http2, "HTTP/2"}, {st->http3, "HTTP/3"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (!v[i].n)
            continue;
        if (v[i].n == st->requests)
            buf_printf(out, "%s%s", sep, v[i].name);
        else
            buf_printf(out, "%s%zu %s", sep, v[i].n, v[i].name);
        sep = ", ";
    }
    buf_printf(out, ") over %zu new connection%s", st->connections,
               st->connections == 1 ? "" : "s");
    if (st->not_modified)
        buf_printf(out, ", %zu answered 304", st->not_modified);
    buf_printf(out, ", %.1f MiB received\n", (double)st->bytes / 1048576.0);
}
