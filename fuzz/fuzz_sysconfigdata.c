/*
 * libFuzzer target for the build-configuration patcher (src/python/sysconfigdata.c), which
 * reads files out of downloaded Python archives.
 *
 * Any input goes through sysconfigdata_patch() and sysconfigdata_patch_pc(). Promises checked
 * with abort(): an error is "line N: ..." and leaves the output empty; an accepted module
 * patched a second time changes nothing and comes back byte for byte (the patch is idempotent
 * and the marker is added once); the pkg-config patch returns the input unchanged when it says
 * nothing changed, and is idempotent too. Build and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toolchain/sysconfigdata.h"
#include "util/buf.h"

#define PREFIX "/opt/py/cpython-3.12.7-linux-x86_64-gnu"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    buf_t out = BUF_INIT, again = BUF_INIT;
    size_t changed = 0, changed2 = 0;
    err_t *e = sysconfigdata_patch(text, size, PREFIX, &out, &changed);
    if (e) {
        check(strncmp(e->msg, "line ", 5) == 0 && out.len == 0 && changed == 0);
        err_free(e);
    } else {
        check(memmem(out.data, out.len, "'PYTHON_BUILD_STANDALONE'", 25) != NULL ||
              memmem(data, size, "PYTHON_BUILD_STANDALONE", 23) != NULL);
        e = sysconfigdata_patch(out.data, out.len, PREFIX, &again, &changed2);
        check(e == NULL && changed2 == 0 && again.len == out.len &&
              memcmp(again.data, out.data, out.len) == 0);
    }

    bool pc = sysconfigdata_patch_pc(text, size, &out);
    check(pc || (out.len == size && (size == 0 || memcmp(out.data, data, size) == 0)));
    check(!sysconfigdata_patch_pc(out.data ? out.data : "", out.len, &again));
    buf_free(&out);
    buf_free(&again);
    return 0;
}
