#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

char *support_tmpdir(const char *prefix)
{
    cr_assert_eq(chdir("/"), 0);
    char *t = xasprintf("/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(t));
    return t;
}

void support_tmpdir_free(char *dir)
{
    err_free(fs_rmtree(dir));
    free(dir);
}

char *support_write(const char *dir, const char *rel, const char *content)
{
    char *p = path_join(dir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    free(d);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
    return p;
}

interp_t support_debian311(void)
{
    interp_t py;
    memset(&py, 0, sizeof py);
    py.implementation = "cpython";
    py.version = "3.11.2";
    py.major = 3;
    py.minor = 11;
    py.micro = 2;
    py.abiflags = "";
    py.soabi = "cpython-311-x86_64-linux-gnu";
    py.sys_platform = "linux";
    py.platform_tag = "linux-x86_64";
    py.machine = "x86_64";
    py.pointer_bits = 64;
    py.libc = "glibc";
    py.libc_version = "2.36";
    py.m_os_name = "posix";
    py.m_sys_platform = "linux";
    py.m_platform_machine = "x86_64";
    py.m_platform_python_implementation = "CPython";
    py.m_platform_release = "6.1.0-18-amd64";
    py.m_platform_system = "Linux";
    py.m_platform_version = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)";
    py.m_python_version = "3.11";
    py.m_python_full_version = "3.11.2";
    py.m_implementation_name = "cpython";
    py.m_implementation_version = "3.11.2";
    return py;
}

static const char *process_get(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

const env_lookup_t *support_env(void)
{
    static const env_lookup_t env = {process_get, NULL};
    return &env;
}
