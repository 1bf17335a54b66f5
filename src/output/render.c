#include "output/render.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

char *render_path(const char *path, const char *cwd)
{
    if (cwd && path_is_within(path, cwd) && strcmp(path, cwd) != 0) {
        size_t n = strlen(cwd);
        if (n > 1)
            n++;
        return xstrdup(path + n);
    }
    return xstrdup(path);
}

static const char *result_name(env_result_t r)
{
    switch (r) {
    case RESULT_CHANGED: return "changed";
    case RESULT_UNCHANGED: return "unchanged";
    case RESULT_FAILED: return "failed";
    default: return NULL;
    }
}

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

void render_text(const engine_t *en, const render_opts_t *o, buf_t *out)
{
    term_style_t s = term_style(o->color);
    size_t ok = 0, changed = 0, failed = 0, pending = 0;
    for (size_t i = 0; i < en->n; i++) {
        const engine_env_t *ee = &en->envs[i];
        const env_plan_t *p = &ee->plan;
        bool noop = !ee->error && env_plan_is_noop(p);
        if (ee->result == RESULT_FAILED || (ee->error && o->mode != RENDER_SYNC))
            failed++;
        else if (noop || ee->result == RESULT_UNCHANGED)
            ok++;
        else if (ee->result == RESULT_CHANGED)
            changed++;
        else
            pending++;
        if (o->verbosity < 0)
            continue;
        char *shown = render_path(ee->env->path, o->cwd);
        buf_printf(out, "%s%s%s %s(%s)%s: %s%s%s", s.bold, ee->env->name, s.reset, s.dim, shown,
                   s.reset, state_color(&s, p->state), env_state_name(p->state), s.reset);
        if (p->python)
            buf_printf(out, ", %s", p->python);
        buf_addc(out, '\n');
        free(shown);
        if (p->reason && p->state != ST_OK)
            buf_printf(out, "  %s%s%s\n", s.dim, p->reason, s.reset);
        for (size_t k = 0; k < p->nactions; k++) {
            const action_t *a = &p->actions[k];
            char sig = action_sigil(a->kind);
            const char *col = sig == '+' ? s.green : sig == '-' ? s.red : sig == '!' ? s.red : s.yellow;
            buf_printf(out, "  %s%c %s%s", col, sig, action_kind_name(a->kind), s.reset);
            if (a->package)
                buf_printf(out, " %s", a->package);
            if (a->from && a->to && strcmp(a->from, a->to) != 0)
                buf_printf(out, " %s -> %s", a->from, a->to);
            else if (a->to)
                buf_printf(out, " %s", a->to);
            else if (a->from && a->package)
                buf_printf(out, " %s", a->from);
            buf_printf(out, "%s: %s%s\n", s.dim, a->reason, s.reset);
        }
        if (ee->error)
            for (const err_t *e = ee->error; e; e = e->next)
                buf_printf(out, "  %s! error: %s%s\n", s.red, e->msg, s.reset);
    }
    if (o->verbosity < 0)
        return;
    size_t total = en->n;
    switch (o->mode) {
    case RENDER_SYNC:
        buf_printf(out, "%zu environment%s: %zu changed, %zu already in sync", total,
                   total == 1 ? "" : "s", changed, ok);
        if (failed)
            buf_printf(out, ", %s%zu failed%s", s.red, failed, s.reset);
        buf_addc(out, '\n');
        break;
    case RENDER_PLAN:
        buf_printf(out, "%zu environment%s: %zu to change, %zu in sync", total,
                   total == 1 ? "" : "s", pending, ok);
        if (failed)
            buf_printf(out, ", %s%zu with errors%s", s.red, failed, s.reset);
        buf_addc(out, '\n');
        break;
    case RENDER_CHECK:
        if (pending + failed == 0)
            buf_printf(out, "%zu environment%s in sync\n", total, total == 1 ? "" : "s");
        else
            buf_printf(out, "%zu of %zu environment%s out of sync\n", pending + failed, total,
                       total == 1 ? "" : "s");
        break;
    }
}

void render_json(const engine_t *en, const render_opts_t *o, buf_t *out)
{
    json_t j;
    json_init(&j, out);
    json_obj(&j);
    json_key(&j, "environments");
    json_arr(&j);
    for (size_t i = 0; i < en->n; i++) {
        const engine_env_t *ee = &en->envs[i];
        const env_plan_t *p = &ee->plan;
        json_obj(&j);
        json_kstr(&j, "name", ee->env->name);
        json_kstr(&j, "path", ee->env->path);
        json_kstr(&j, "state", env_state_name(p->state));
        json_kstr(&j, "python", p->python);
        json_kstr(&j, "reason", p->reason);
        if (o->mode == RENDER_SYNC)
            json_kstr(&j, "result", result_name(ee->result));
        json_kstr(&j, "error", ee->error ? ee->error->msg : NULL);
        json_key(&j, "actions");
        json_arr(&j);
        for (size_t k = 0; k < p->nactions; k++) {
            const action_t *a = &p->actions[k];
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

void render_oneline(const engine_t *en, buf_t *out)
{
    size_t changed = 0;
    for (size_t i = 0; i < en->n; i++) {
        if (en->envs[i].result != RESULT_CHANGED)
            continue;
        buf_adds(out, changed++ ? ", " : "venvsync: synced ");
        buf_adds(out, en->envs[i].env->name);
    }
    if (changed)
        buf_addc(out, '\n');
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
