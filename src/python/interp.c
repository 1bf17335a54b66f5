/*
 * interp: releasing and naming the facts of an interpreter (see interp.h).
 */
#include "python/interp.h"

#include <stdlib.h>

#include "util/xalloc.h"

void interp_free(interp_t *py)
{
    if (!py)
        return;
    char **strings[] = {
        &py->path, &py->realpath, &py->implementation, &py->version, &py->releaselevel,
        &py->abiflags, &py->soabi, &py->ext_suffix, &py->cache_tag, &py->prefix,
        &py->base_prefix, &py->base_exec_prefix, &py->base_executable, &py->home,
        &py->exe_name, &py->platlibdir, &py->venv_purelib, &py->venv_platlib,
        &py->venv_include, &py->venv_scripts, &py->sys_platform, &py->platform_tag,
        &py->machine, &py->libc, &py->libc_version, &py->multiarch, &py->m_os_name,
        &py->m_sys_platform, &py->m_platform_machine, &py->m_platform_python_implementation,
        &py->m_platform_release, &py->m_platform_system, &py->m_platform_version,
        &py->m_python_version, &py->m_python_full_version, &py->m_implementation_name,
        &py->m_implementation_version,
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    free(py);
}

char *interp_label(const interp_t *py)
{
    return xasprintf("%s %s%s (%s)", py->implementation ? py->implementation : "python",
                     py->version ? py->version : "?", py->freethreaded ? "t" : "",
                     py->path ? py->path : "?");
}

char *interp_lib_version(const interp_t *py)
{
    return xasprintf("%d.%d%s", py->major, py->minor, py->freethreaded ? "t" : "");
}
