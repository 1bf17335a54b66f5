# venvsync's interpreter probe: prints one `key=value` line per fact about the running Python.
#
# venvsync runs it as `python -E -s -S -B -c <this file>` (no site, no user site, no PYTHON*
# variables, no bytecode written), so it must work on every Python from 2.7 to 3.13+: no
# f-strings, nothing imported that is slow (no `platform`, which costs more than everything
# else here together). Values are escaped: backslash -> \\, newline -> \n, carriage return -> \r.
# Keys are the names of the fields of interp_t (src/python/interp.h); probe.c reads them.
import sys

# -c puts the current directory first on sys.path: a stray sysconfig.py there must not run.
sys.path[:] = [p for p in sys.path if p not in ('', '.')]

import os

PY3 = sys.version_info[0] >= 3
lines = []


def emit(key, value):
    if value is None:
        value = ''
    elif value is True:
        value = '1'
    elif value is False:
        value = '0'
    elif not isinstance(value, str):
        if not PY3 and isinstance(value, unicode):  # noqa: F821 (Python 2 only)
            value = value.encode('utf-8')
        else:
            value = str(value)
    value = value.replace('\\', '\\\\').replace('\n', '\\n').replace('\r', '\\r')
    lines.append(key + '=' + value)


def flush():
    text = '\n'.join(lines) + '\n'
    if PY3:
        data = text.encode(sys.getfilesystemencoding() or 'utf-8', 'surrogateescape')
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


vi = sys.version_info
# platform.python_version() is the first word of sys.version ("3.13.0rc1", "3.12.0a1+").
full_version = sys.version.split()[0] if sys.version else '%d.%d.%d' % (vi[0], vi[1], vi[2])
impl = getattr(sys, 'implementation', None)
impl_name = impl.name if impl is not None else ('pypy' if 'PyPy' in sys.version else 'cpython')

emit('probe_format', 1)
emit('version', full_version.rstrip('+'))
emit('major', vi[0])
emit('minor', vi[1])
emit('micro', vi[2])
emit('releaselevel', vi[3])
emit('implementation', impl_name)

executable = sys.executable or ''
emit('executable', executable)
emit('executable_realpath', os.path.realpath(executable) if executable else '')

# A venv is recognised the way site.venv() does it: pyvenv.cfg next to the executable or one
# level up. Under -S site never ran, so sys.prefix is still the base's; report the venv's own.
venv_dir = ''
if executable:
    exe_dir = os.path.dirname(executable)
    for d in (exe_dir, os.path.dirname(exe_dir)):
        if os.path.isfile(os.path.join(d, 'pyvenv.cfg')):
            venv_dir = d
            break
emit('venv_dir', venv_dir)
base_prefix = getattr(sys, 'base_prefix', sys.prefix)
emit('prefix', venv_dir or sys.prefix)
emit('base_prefix', base_prefix)
emit('base_exec_prefix', getattr(sys, 'base_exec_prefix', sys.exec_prefix))

# What `python -m venv` uses for `home` and bin/<name>: sys._base_executable (3.7+ on POSIX),
# sys.executable before that; abspath, never realpath.
base_executable = getattr(sys, '_base_executable', None) or executable
emit('base_executable', base_executable)
if base_executable:
    home, exe_name = os.path.split(os.path.abspath(base_executable))
else:
    home, exe_name = '', ''
emit('home', home)
emit('exe_name', exe_name)
emit('platlibdir', getattr(sys, 'platlibdir', 'lib'))
emit('abiflags', getattr(sys, 'abiflags', ''))
emit('cache_tag', impl.cache_tag if impl is not None else '')
emit('sys_platform', sys.platform)
emit('pointer_bits', 64 if sys.maxsize > 2 ** 32 else 32)
# venv support (pyvenv.cfg) arrived in 3.3 together with sys.base_prefix.
emit('venv_capable', hasattr(sys, 'base_prefix') and impl_name in ('cpython', 'pypy', 'graalpy'))

import sysconfig  # noqa: E402 (after the sys.path cleanup on purpose)

cv = sysconfig.get_config_var
emit('freethreaded', cv('Py_GIL_DISABLED') == 1)
emit('debug', cv('Py_DEBUG') == 1 or hasattr(sys, 'gettotalrefcount'))
emit('soabi', cv('SOABI'))
emit('ext_suffix', cv('EXT_SUFFIX') or cv('SO'))
emit('multiarch', cv('MULTIARCH') or getattr(impl, '_multiarch', ''))
emit('platform_tag', sysconfig.get_platform())

# The venv layout, relative to the venv's root. 3.11+ has the dedicated `venv` scheme (which
# distributions leave alone); before that venv hard-codes posix_prefix's layout and a bare
# `include`. Never the default scheme: Debian's is posix_local / deb_system.
ROOT = os.sep + '@venvsync-root@'
root_vars = {'base': ROOT, 'platbase': ROOT, 'installed_base': ROOT, 'installed_platbase': ROOT}
if 'venv' in sysconfig.get_scheme_names():
    paths = sysconfig.get_paths('venv', vars=root_vars)
else:
    paths = sysconfig.get_paths('nt' if os.name == 'nt' else 'posix_prefix', vars=root_vars)
    paths['include'] = os.path.join(ROOT, 'Include' if os.name == 'nt' else 'include')


def rel(p):
    p = p or ''
    if p.startswith(ROOT + os.sep):
        return p[len(ROOT) + 1:]
    return p


emit('venv_purelib', rel(paths.get('purelib')))
emit('venv_platlib', rel(paths.get('platlib')))
emit('venv_include', rel(paths.get('include')))
emit('venv_scripts', rel(paths.get('scripts')))

# The C library, without platform.libc_ver() (which reads the whole executable).
libc, libc_version = '', ''
try:
    parts = os.confstr('CS_GNU_LIBC_VERSION').split()
    if len(parts) == 2:
        libc, libc_version = parts
except (AttributeError, ValueError, OSError):
    pass
if not libc and sys.platform.startswith('linux'):
    try:
        if [n for n in os.listdir('/lib') if n.startswith('ld-musl-')]:
            libc = 'musl'
    except OSError:
        pass
emit('libc', libc)
emit('libc_version', libc_version)

# PEP 508 marker environment, computed as packaging does but without importing platform:
# on POSIX platform.system/release/version/machine are the fields of os.uname().
if hasattr(os, 'uname'):
    u = os.uname()
    system, release, kversion, machine = u[0], u[2], u[3], u[4]
else:
    system = release = kversion = machine = ''
emit('machine', machine)
if 'PyPy' in sys.version:
    py_impl = 'PyPy'
elif impl_name == 'graalpy':
    py_impl = 'GraalVM'
elif sys.version.startswith('IronPython'):
    py_impl = 'IronPython'
else:
    py_impl = 'CPython'
if impl is not None:
    iv = impl.version
    impl_version = '%d.%d.%d' % (iv[0], iv[1], iv[2])
    if iv[3] != 'final':
        impl_version += iv[3][0] + str(iv[4])
else:
    impl_version = '0'
emit('m_os_name', os.name)
emit('m_sys_platform', sys.platform)
emit('m_platform_machine', machine)
emit('m_platform_python_implementation', py_impl)
emit('m_platform_release', release)
emit('m_platform_system', system)
emit('m_platform_version', kversion)
emit('m_python_version', '%d.%d' % (vi[0], vi[1]))
emit('m_python_full_version', full_version)
emit('m_implementation_name', impl_name if impl is not None else '')
emit('m_implementation_version', impl_version)
emit('end', 1)
flush()
