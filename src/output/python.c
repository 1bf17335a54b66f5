/* python: interpreters and managed installs as JSON and table notes (see python.h). */
#include "output/python.h"

#include <stdlib.h>
#include <string.h>

void render_interp_json(json_t *j, const interp_t *py, bool managed)
{
    char *lib = interp_lib_version(py);
    json_obj(j);
    json_kstr(j, "path", py->path);
    json_kbool(j, "managed", managed);
    json_kstr(j, "realpath", py->realpath);
    json_kstr(j, "implementation", py->implementation);
    json_kstr(j, "version", py->version);
    json_kint(j, "major", py->major);
    json_kint(j, "minor", py->minor);
    json_kint(j, "micro", py->micro);
    json_kstr(j, "releaselevel", py->releaselevel);
    json_kstr(j, "lib_version", lib);
    json_kbool(j, "freethreaded", py->freethreaded);
    json_kbool(j, "debug", py->debug);
    json_kbool(j, "venv_capable", py->venv_capable);
    json_kstr(j, "home", py->home);
    json_kstr(j, "exe_name", py->exe_name);
    json_kstr(j, "base_executable", py->base_executable);
    json_kstr(j, "prefix", py->prefix);
    json_kstr(j, "base_prefix", py->base_prefix);
    json_kstr(j, "base_exec_prefix", py->base_exec_prefix);
    json_kstr(j, "abiflags", py->abiflags);
    json_kstr(j, "soabi", py->soabi);
    json_kstr(j, "ext_suffix", py->ext_suffix);
    json_kstr(j, "cache_tag", py->cache_tag);
    json_kstr(j, "platlibdir", py->platlibdir);
    json_kstr(j, "sys_platform", py->sys_platform);
    json_kstr(j, "platform_tag", py->platform_tag);
    json_kstr(j, "machine", py->machine);
    json_kint(j, "pointer_bits", py->pointer_bits);
    json_kstr(j, "libc", py->libc);
    json_kstr(j, "libc_version", py->libc_version);
    json_kstr(j, "multiarch", py->multiarch);
    json_key(j, "venv_paths");
    json_obj(j);
    json_kstr(j, "purelib", py->venv_purelib);
    json_kstr(j, "platlib", py->venv_platlib);
    json_kstr(j, "include", py->venv_include);
    json_kstr(j, "scripts", py->venv_scripts);
    json_end(j);
    json_key(j, "markers");
    json_obj(j);
    json_kstr(j, "os_name", py->m_os_name);
    json_kstr(j, "sys_platform", py->m_sys_platform);
    json_kstr(j, "platform_machine", py->m_platform_machine);
    json_kstr(j, "platform_python_implementation", py->m_platform_python_implementation);
    json_kstr(j, "platform_release", py->m_platform_release);
    json_kstr(j, "platform_system", py->m_platform_system);
    json_kstr(j, "platform_version", py->m_platform_version);
    json_kstr(j, "python_version", py->m_python_version);
    json_kstr(j, "python_full_version", py->m_python_full_version);
    json_kstr(j, "implementation_name", py->m_implementation_name);
    json_kstr(j, "implementation_version", py->m_implementation_version);
    json_end(j);
    json_end(j);
    free(lib);
}

/* "free-threaded, debug" style notes for the table, malloc'd ("" when none). */
char *render_interp_marks(const interp_t *py, bool managed)
{
    buf_t b = BUF_INIT;
    const char *sep = "";
    if (managed) {
        buf_printf(&b, "%smanaged", sep);
        sep = ", ";
    }
    if (!py->venv_capable) {
        buf_printf(&b, "%scannot host a venv", sep);
        sep = ", ";
    }
    if (py->freethreaded) {
        buf_printf(&b, "%sfree-threaded", sep);
        sep = ", ";
    }
    if (py->debug) {
        buf_printf(&b, "%sdebug", sep);
        sep = ", ";
    }
    if (py->releaselevel && strcmp(py->releaselevel, "final") != 0)
        buf_printf(&b, "%spre-release", sep);
    return buf_detach(&b);
}

void render_managed_json(json_t *j, const managed_t *m, const char *request, bool already)
{
    json_obj(j);
    if (request)
        json_kstr(j, "request", request);
    json_kstr(j, "name", m->name);
    json_kstr(j, "path", m->path);
    json_kstr(j, "python", m->python);
    json_kstr(j, "implementation", "cpython");
    json_kstr(j, "version", m->version);
    json_kbool(j, "freethreaded", m->freethreaded);
    json_kstr(j, "release", m->release);
    json_kstr(j, "asset", m->asset);
    json_kstr(j, "sha256", m->sha256);
    json_kstr(j, "url", m->url);
    if (request)
        json_kbool(j, "already_installed", already);
    json_end(j);
}
