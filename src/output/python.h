/*
 * python: how `venvsync python` shows interpreters (python/interp.h) and managed installs
 * (toolchain/managed.h). Pure formatting.
 */
#ifndef VENVSYNC_OUTPUT_PYTHON_H
#define VENVSYNC_OUTPUT_PYTHON_H
#include <stdbool.h>
#include "python/interp.h"
#include "toolchain/managed.h"
#include "util/json.h"

/* Every fact of py as one JSON object: identity, version, build, venv paths, marker values;
 * `managed`: whether it lives in venvsync's store. */
void render_interp_json(json_t *j, const interp_t *py, bool managed);
/* "managed, free-threaded, debug, pre-release"-style notes for the table, malloc'd ("" when
 * there are none). */
char *render_interp_marks(const interp_t *py, bool managed);
/* A managed install as one JSON object; with request (the text asked for), also
 * "request" and "already_installed". */
void render_managed_json(json_t *j, const managed_t *m, const char *request, bool already);

#endif
