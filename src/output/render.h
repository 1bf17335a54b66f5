/*
 * render: plans and results as text for people or JSON for programs. Pure formatting into a
 * buf_t; the command writes the buffer to stdout.
 *
 * Text: one block per environment (a header line with name, path, state and interpreter, then
 * '+'/'-'/'~'/'!' lines per action with the reason), then one summary line.
 * JSON: {"environments":[{"name","path","state","python","reason","result","error",
 *        "actions":[{"kind","package","from","to","reason"}]}]}
 */
#ifndef VENVSYNC_OUTPUT_RENDER_H
#define VENVSYNC_OUTPUT_RENDER_H
#include <stdbool.h>
#include "engine/engine.h"
#include "index/http.h"
#include "util/buf.h"
#include "util/term.h"

typedef enum {
    RENDER_PLAN,     /* what would be done */
    RENDER_SYNC,     /* what was done */
    RENDER_CHECK,    /* what differs */
} render_mode_t;

typedef struct render_opts {
    render_mode_t mode;
    bool color;
    int verbosity;        /* -1 quiet: only changed/failed envs and no summary; 0; 1 adds paths */
    const char *cwd;      /* paths under it are shown relative */
} render_opts_t;

void render_text(const engine_t *en, const render_opts_t *o, buf_t *out);
void render_json(const engine_t *en, const render_opts_t *o, buf_t *out);
/* One line naming the environments a sync changed ("venvsync: synced dev, docs"), or nothing
 * when it changed none: for git hooks. */
void render_oneline(const engine_t *en, buf_t *out);
/* Renders the index client's progress (index/http.h) on one terminal line of the FILE * ctx
 * (stderr): pages read, files and bytes downloaded of the total, and the rate; the line is
 * cleared when a batch ends. For terminals only: the caller decides (tty, -q, --no-progress). */
void render_download_progress(void *ctx, const http_progress_t *p);
/* One line, "network: N requests (HTTP/2) over C connection(s), ...", into out; nothing when no
 * request was made. */
void render_network(buf_t *out, const http_stats_t *st);
/* The path shown to the user: relative to cwd when under it, else absolute. malloc'd. */
char *render_path(const char *path, const char *cwd);

#endif
