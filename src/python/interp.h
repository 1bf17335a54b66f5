/*
 * interp: the facts venvsync knows about one Python interpreter.
 *
 * Filled by probe.c (running the interpreter once with probe.py, then from the cache), consumed
 * everywhere else read-only. Every string is malloc'd and owned by the interp_t; interp_free()
 * releases all of it. Paths are absolute.
 */
#ifndef VENVSYNC_PYTHON_INTERP_H
#define VENVSYNC_PYTHON_INTERP_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The identity of an executable file: if any field changes, the interpreter may have changed. */
typedef struct file_id {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
} file_id_t;

typedef struct interp {
    char *path;              /* as discovered, unresolved ("/usr/bin/python3"); what bin/ links to */
    char *realpath;          /* canonical executable (symlinks resolved) */
    file_id_t id;            /* identity of realpath when probed */
    char *implementation;    /* sys.implementation.name: "cpython", "pypy", ... */
    char *version;           /* platform.python_version() without a trailing '+': "3.12.1", "3.13.0rc1" */
    int major, minor, micro;
    char *releaselevel;      /* "final", "candidate", ... */
    bool freethreaded;       /* Py_GIL_DISABLED */
    bool debug;              /* Py_DEBUG */
    char *abiflags;          /* sys.abiflags ("", "t", "d") */
    char *soabi;             /* may be "" */
    char *ext_suffix;
    char *cache_tag;         /* "cpython-312" */
    char *prefix, *base_prefix, *base_exec_prefix;
    char *base_executable;   /* sys._base_executable (or sys.executable) */
    char *home;              /* what venv writes as `home`: dirname(abspath(base executable)) */
    char *exe_name;          /* basename venv uses for bin/<exe_name>: basename(base executable) */
    char *platlibdir;        /* "lib" or "lib64" */
    /* Paths inside a venv of this interpreter, relative to the venv root (sysconfig's venv scheme). */
    char *venv_purelib;      /* "lib/python3.12/site-packages" */
    char *venv_platlib;
    char *venv_include;      /* "include/python3.12" (3.11+) or "include" */
    char *venv_scripts;      /* "bin" */
    /* Platform. */
    char *sys_platform;      /* "linux" */
    char *platform_tag;      /* sysconfig.get_platform(): "linux-x86_64" */
    char *machine;           /* platform.machine() */
    int pointer_bits;        /* 32 or 64 */
    char *libc;              /* "glibc", "musl" or "" */
    char *libc_version;      /* "2.36" or "" */
    char *multiarch;         /* sysconfig MULTIARCH or "" */
    /* PEP 508 marker environment. */
    char *m_os_name, *m_sys_platform, *m_platform_machine, *m_platform_python_implementation,
         *m_platform_release, *m_platform_system, *m_platform_version, *m_python_version,
         *m_python_full_version, *m_implementation_name, *m_implementation_version;
    bool venv_capable;       /* can host a pyvenv.cfg virtual environment (CPython/PyPy >= 3.3) */
} interp_t;

void interp_free(interp_t *py);
/* "cpython 3.12.1 (/usr/bin/python3.12)" style label, malloc'd. */
char *interp_label(const interp_t *py);
/* "3.12" or "3.13t": the name of the lib/pythonX.Y directory suffix. */
char *interp_lib_version(const interp_t *py);

#endif
