/*
 * render: a run's report (engine/report.h) as text for people or JSON for programs. Pure
 * formatting of a plain value into a buf_t: no engine, no disk; the command writes the buffer.
 *
 * Text: one block per environment (a header line with name, path, state and interpreter, then
 * '+'/'-'/'~'/'!' lines per action with the reason), then one summary line.
 * JSON: {"environments":[{"name","path","state","reason","result","error",
 *        "python":{"label","implementation","version","path"} or null,
 *        "actions":[{"kind","package","from","to","reason"}]}]}
 */
#ifndef VENVSYNC_OUTPUT_RENDER_H
#define VENVSYNC_OUTPUT_RENDER_H
#include <stdbool.h>
#include "engine/report.h"
#include "index/http.h"
#include "util/buf.h"
#include "util/term.h"

typedef enum {
    RENDER_PLAN,     /* what would be done */
    RENDER_SYNC,     /* what was done */
    RENDER_CHECK,    /* what differs */
    RENDER_LIST,     /* each environment in a table (render_list) */
    RENDER_ONELINE,  /* one line naming what a sync changed (render_oneline) */
    RENDER_LOCK,     /* what `venvsync lock` wrote */
} render_mode_t;

typedef struct render_opts {
    render_mode_t mode;
    bool color;
    int verbosity;        /* -1 quiet: only changed/failed envs and no summary; 0; 1 adds paths */
    const char *cwd;      /* paths under it are shown relative */
} render_opts_t;

void render_text(const report_t *r, const render_opts_t *o, buf_t *out);
void render_json(const report_t *r, const render_opts_t *o, buf_t *out);
/* One line naming the environments a sync changed ("venvsync: synced dev, docs"), or nothing
 * when it changed none: for git hooks. */
void render_oneline(const report_t *r, buf_t *out);
/* `list`: a table (NAME PATH STATE PACKAGES PYTHON; no header with verbosity < 0) or, with
 * json, {"environments":[{"name","path","python","state","packages"}]}. */
void render_list(const report_t *r, const render_opts_t *o, bool json, buf_t *out);
/* Renders the index client's progress (index/http.h) on one terminal line of the FILE * ctx
 * (stderr): pages read, files and bytes downloaded of the total, and the rate; the line is
 * cleared when a batch ends. For terminals only: the caller decides (tty, -q, --no-progress). */
void render_download_progress(void *ctx, const http_progress_t *p);
/* One line, "network: N requests (HTTP/2) over C connection(s), ...", into out; nothing when no
 * request was made. */
void render_network(buf_t *out, const http_stats_t *st);

#endif
