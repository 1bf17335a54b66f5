/* target: what an interpreter means for packaging (see target.h). */
#include "python/target.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

void target_tag_facts(const interp_t *py, tag_facts_t *f, char buf[32])
{
    memset(f, 0, sizeof *f);
    f->implementation = py->implementation;
    f->major = py->major;
    f->minor = py->minor;
    f->soabi = py->soabi;
    f->system = py->sys_platform;
    f->machine = py->machine;
    f->pointer_bits = py->pointer_bits;
    f->libc = py->libc;
    f->libc_version = py->libc_version;
    f->platform = py->platform_tag;

    /* sys.abiflags does not exist on Windows: derive the flags tags.h needs (buf[0..8)). */
    const char *flags = py->abiflags ? py->abiflags : "";
    bool need_t = py->freethreaded && !strchr(flags, 't');
    bool need_d = py->debug && !strchr(flags, 'd');
    f->abiflags = flags;
    buf[0] = '\0';
    if ((need_t || need_d) && strlen(flags) < 5) {
        snprintf(buf, 8, "%s%s%s", need_d ? "d" : "", flags, need_t ? "t" : "");
        f->abiflags = buf;
    }

    /* macOS version from the Darwin release (buf[8..32)). */
    char *mac = buf + 8;
    mac[0] = '\0';
    if (py->sys_platform && strcasecmp(py->sys_platform, "darwin") == 0) {
        int maj = 0, min = 0;
        const char *rel = py->m_platform_release ? py->m_platform_release : "";
        if (sscanf(rel, "%d.%d", &maj, &min) >= 1) {
            if (maj >= 20 && maj < 1000)
                snprintf(mac, 24, "%d.0", maj - 9);
            else if (maj >= 4 && maj < 20)
                snprintf(mac, 24, "10.%d", maj - 4);
        }
        if (mac[0])
            f->mac_version = mac;
    }
}

tagset_t *target_tagset(const interp_t *py)
{
    tag_facts_t f;
    char buf[32];
    target_tag_facts(py, &f, buf);
    return tagset_new(&f);
}

char *target_desc(const interp_t *py)
{
    return xasprintf("%s %d.%d%s on %s", py->implementation ? py->implementation : "python",
                     py->major, py->minor, py->freethreaded ? "t" : "",
                     py->platform_tag && *py->platform_tag ? py->platform_tag
                                                            : (py->sys_platform ? py->sys_platform
                                                                                : "?"));
}

void target_marker_env(const interp_t *py, marker_env_t *env)
{
    memset(env, 0, sizeof *env);
    env->os_name = py->m_os_name;
    env->sys_platform = py->m_sys_platform;
    env->platform_machine = py->m_platform_machine;
    env->platform_python_implementation = py->m_platform_python_implementation;
    env->platform_release = py->m_platform_release;
    env->platform_system = py->m_platform_system;
    env->platform_version = py->m_platform_version;
    env->python_version = py->m_python_version;
    env->python_full_version = py->m_python_full_version;
    env->implementation_name = py->m_implementation_name;
    env->implementation_version = py->m_implementation_version;
    env->extra = NULL;
}
