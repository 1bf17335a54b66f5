/*
 * probe: runs an interpreter once with the embedded probe.py and caches what it said (probe.h).
 *
 * Cache entry (<cache_dir>/interpreters/<hash_name_hex(realpath)>.txt), one "key=value" per line:
 *
 *     venvsync-interpreter-cache 1          format line: any other first line is a miss
 *     probe=<hash_name_hex of the embedded probe.py>   a changed probe re-probes everything
 *     realpath=/usr/bin/python3.11
 *     file_id=dev:ino:size:mtime_ns:ctime_ns
 *     --
 *     <probe.py's output, verbatim>
 *
 * The probe's facts do not depend on the name the interpreter was started by, except for
 * `executable`, `base_executable`, `home` and `exe_name`; those are recomputed from the path
 * asked for (so /usr/bin/python3 and /usr/bin/python3.11 share one entry yet each gets what
 * `python -m venv` would write for it).
 *
 * An interpreter inside a virtual environment (pyvenv.cfg beside it or one level up) shares its
 * realpath with its base but not its facts: it is probed every time and never cached.
 */
#include "python/probe.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/cachedir.h"
#include "util/embed.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/xalloc.h"

#define CACHE_MAGIC "venvsync-interpreter-cache " PROBE_CACHE_FORMAT_STR

/* ---- file identity ---------------------------------------------------------------------- */

bool file_id_of(const char *path, file_id_t *id)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    id->size = (uint64_t)st.st_size;
    id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    id->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    return true;
}

bool file_id_equal(const file_id_t *a, const file_id_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

char *file_id_format(const file_id_t *id)
{
    return xasprintf("%llu:%llu:%llu:%lld:%lld", (unsigned long long)id->dev,
                     (unsigned long long)id->ino, (unsigned long long)id->size,
                     (long long)id->mtime_ns, (long long)id->ctime_ns);
}

static bool parse_u64(const char **s, uint64_t *v)
{
    if (**s < '0' || **s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(*s, &end, 10);
    if (errno)
        return false;
    *v = x;
    *s = end;
    return true;
}

static bool parse_i64(const char **s, int64_t *v)
{
    const char *p = *s;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(*s, &end, 10);
    if (errno)
        return false;
    *v = x;
    *s = end;
    return true;
}

bool file_id_parse(const char *s, file_id_t *id)
{
    file_id_t r;
    if (!s || !parse_u64(&s, &r.dev) || *s++ != ':' || !parse_u64(&s, &r.ino) || *s++ != ':' ||
        !parse_u64(&s, &r.size) || *s++ != ':' || !parse_i64(&s, &r.mtime_ns) || *s++ != ':' ||
        !parse_i64(&s, &r.ctime_ns) || *s != '\0')
        return false;
    *id = r;
    return true;
}

/* ---- the probe's output ----------------------------------------------------------------- */

typedef enum { F_STR, F_INT, F_BOOL } field_kind_t;

typedef struct field {
    const char *key;
    field_kind_t kind;
    size_t off;
    bool required;
} field_t;

#define S(name, req) {#name, F_STR, offsetof(interp_t, name), req}
#define I(name, req) {#name, F_INT, offsetof(interp_t, name), req}
#define B(name, req) {#name, F_BOOL, offsetof(interp_t, name), req}

/* Every key of probe.py that maps onto interp_t. Required keys are the ones Python 2.7 also
 * reports; a missing one means the output was not the probe's. */
static const field_t fields[] = {
    S(implementation, true), S(version, true), I(major, true), I(minor, true), I(micro, true),
    S(releaselevel, true), B(freethreaded, true), B(debug, true), S(abiflags, true),
    S(soabi, true), S(ext_suffix, true), S(cache_tag, true), S(prefix, true),
    S(base_prefix, true), S(base_exec_prefix, true), S(base_executable, true), S(home, true),
    S(exe_name, true), S(platlibdir, true), S(venv_purelib, true), S(venv_platlib, true),
    S(venv_include, true), S(venv_scripts, true), S(sys_platform, true), S(platform_tag, true),
    S(machine, true), I(pointer_bits, true), S(libc, true), S(libc_version, true),
    S(multiarch, true), S(m_os_name, true), S(m_sys_platform, true),
    S(m_platform_machine, true), S(m_platform_python_implementation, true),
    S(m_platform_release, true), S(m_platform_system, true), S(m_platform_version, true),
    S(m_python_version, true), S(m_python_full_version, true), S(m_implementation_name, true),
    S(m_implementation_version, true), B(venv_capable, true),
};
#undef S
#undef I
#undef B
#define NFIELDS (sizeof fields / sizeof fields[0])

static char *unescape(const char *s, size_t n)
{
    /* Never longer than the text: written in place, no growing buffer (this runs for every
     * fact of every interpreter discovery lists). */
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[++i];
            *o++ = c == 'n' ? '\n' : c == 'r' ? '\r' : c;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Calls fn(key, keylen, value, valuelen) for each "key=value" line of text[0..n). */
typedef void (*kv_fn)(void *ctx, const char *k, size_t kn, const char *v, size_t vn);
static void each_kv(const char *text, size_t n, kv_fn fn, void *ctx)
{
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        if (eq)
            fn(ctx, p, (size_t)(eq - p), eq + 1, (size_t)(le - eq - 1));
        p = nl ? nl + 1 : end;
    }
}

typedef struct parse_state {
    interp_t *py;
    bool seen[NFIELDS];
    bool end;
    long format;
    char *executable;
    char *venv_dir;
    bool bad;
    char *bad_key;
    size_t next;             /* where the next key is looked for first in fields[] */
} parse_state_t;

static bool keyeq(const char *k, size_t kn, const char *name)
{
    return strlen(name) == kn && memcmp(k, name, kn) == 0;
}

static void parse_kv(void *ctx, const char *k, size_t kn, const char *v, size_t vn)
{
    parse_state_t *st = ctx;
    if (keyeq(k, kn, "end")) {
        st->end = true;
        return;
    }
    if (keyeq(k, kn, "probe_format")) {
        st->format = strtol(v, NULL, 10);
        return;
    }
    if (keyeq(k, kn, "executable")) {
        free(st->executable);
        st->executable = unescape(v, vn);
        return;
    }
    if (keyeq(k, kn, "venv_dir")) {
        free(st->venv_dir);
        st->venv_dir = unescape(v, vn);
        return;
    }
    /* The probe writes the fields in table order: start looking after the last one found. */
    for (size_t j = 0; j < NFIELDS; j++) {
        size_t i = (st->next + j) % NFIELDS;
        const field_t *f = &fields[i];
        if (!keyeq(k, kn, f->key))
            continue;
        st->next = i + 1;
        char *val = unescape(v, vn);
        char *slot = (char *)st->py + f->off;
        if (f->kind == F_STR) {
            free(*(char **)slot);
            *(char **)slot = val;
        } else {
            char *e;
            long x = strtol(val, &e, 10);
            if (*val == '\0' || *e != '\0') {
                if (!st->bad) {
                    st->bad = true;
                    st->bad_key = xstrdup(f->key);
                }
            } else if (f->kind == F_INT) {
                *(int *)slot = (int)x;
            } else {
                *(bool *)slot = x != 0;
            }
            free(val);
        }
        st->seen[i] = true;
        return;
    }
    /* Unknown keys come from a newer probe and are ignored. */
}

err_t *probe_parse_output(const char *text, size_t len, interp_t **out, char **executable,
                          char **venv_dir)
{
    *out = NULL;
    parse_state_t st = {.py = xcalloc(1, sizeof(interp_t))};
    each_kv(text, len, parse_kv, &st);
    err_t *e = NULL;
    if (st.bad) {
        e = err_new(EXIT_USAGE, "the probe's value for '%s' is not a number", st.bad_key);
    } else if (!st.end || st.format < 1) {
        e = err_new(EXIT_USAGE, "the probe's output is incomplete (no end marker)");
    } else {
        for (size_t i = 0; i < NFIELDS && !e; i++)
            if (fields[i].required && !st.seen[i])
                e = err_new(EXIT_USAGE, "the probe did not report '%s'", fields[i].key);
    }
    /* Every string field is non-NULL in a parsed interp_t. */
    for (size_t i = 0; i < NFIELDS; i++) {
        char **slot = (char **)((char *)st.py + fields[i].off);
        if (fields[i].kind == F_STR && !*slot)
            *slot = xstrdup("");
    }
    free(st.bad_key);
    if (e) {
        interp_free(st.py);
        free(st.executable);
        free(st.venv_dir);
        return e;
    }
    *out = st.py;
    if (executable)
        *executable = st.executable ? st.executable : xstrdup("");
    else
        free(st.executable);
    if (venv_dir)
        *venv_dir = st.venv_dir ? st.venv_dir : xstrdup("");
    else
        free(st.venv_dir);
    return NULL;
}

/* ---- the cache entry -------------------------------------------------------------------- */

/* Both the entry's name and its probe key use the naming hash (util/hash.h), not sha256:
 * reading the cache is on the path of creating an environment, which must not load libcrypto.
 * They only tell entries apart; the entry itself is checked against realpath and file_id. (An
 * entry of a venvsync that named them by sha256 is simply not found, and pruned.) */
static pthread_once_t probe_key_once = PTHREAD_ONCE_INIT;
static char probe_key[33];

static void probe_key_compute(void)
{
    const embed_file_t *f = embed_find("python/probe.py");
    hash_name_hex(f ? f->data : "", f ? f->size : 0, probe_key);
}

static const char *probe_script_hash(void)
{
    pthread_once(&probe_key_once, probe_key_compute);
    return probe_key;
}

char *probe_cache_entry_format(const char *realpath, const file_id_t *id, const char *output)
{
    const char *h = probe_script_hash();
    char *fid = file_id_format(id);
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s\nprobe=%s\nrealpath=", CACHE_MAGIC, h);
    /* A path with a newline cannot be a key=value line; such entries simply never match. */
    buf_add_replaced(&b, realpath, "\n", "?");
    buf_printf(&b, "\nfile_id=%s\n--\n%s", fid, output);
    if (b.len && b.data[b.len - 1] != '\n')
        buf_addc(&b, '\n');
    free(fid);
    return buf_detach(&b);
}

static bool line_is(const char **p, const char *prefix, char **value)
{
    size_t n = strlen(prefix);
    if (strncmp(*p, prefix, n) != 0)
        return false;
    const char *s = *p + n;
    const char *nl = strchr(s, '\n');
    if (!nl)
        return false;
    *value = xstrndup(s, (size_t)(nl - s));
    *p = nl + 1;
    return true;
}

const char *probe_cache_entry_parse(const char *entry, const char *realpath, const file_id_t *id)
{
    const char *p = entry;
    char *magic = NULL, *probe = NULL, *rp = NULL, *fid = NULL, *sep = NULL;
    const char *result = NULL;
    if (!line_is(&p, "", &magic) || strcmp(magic, CACHE_MAGIC) != 0)
        goto done;
    if (!line_is(&p, "probe=", &probe) || !line_is(&p, "realpath=", &rp) ||
        !line_is(&p, "file_id=", &fid) || !line_is(&p, "", &sep) || strcmp(sep, "--") != 0)
        goto done;
    const char *h = probe_script_hash();
    file_id_t stored;
    if (strcmp(probe, h) != 0 || strcmp(rp, realpath) != 0 || !file_id_parse(fid, &stored) ||
        !file_id_equal(&stored, id))
        goto done;
    result = p;
done:
    free(magic);
    free(probe);
    free(rp);
    free(fid);
    free(sep);
    return result;
}

bool probe_cache_entry_current(const char *entry)
{
    const char *r = strstr(entry, "\nrealpath=");
    if (!r)
        return false;
    r += 10;
    char *rp = xstrndup(r, strcspn(r, "\n"));
    file_id_t id;
    bool ok = file_id_of(rp, &id) && probe_cache_entry_parse(entry, rp, &id) != NULL;
    free(rp);
    return ok;
}

char *probe_cache_path(const char *cache_dir, const char *realpath)
{
    char h[33];
    hash_name_hex(realpath, strlen(realpath), h);
    char *name = xasprintf("%s.txt", h);
    char *r = path_joinv(cache_dir, CACHE_INTERPRETERS, name, (char *)NULL);
    free(name);
    return r;
}

/* ---- probing ---------------------------------------------------------------------------- */

static bool in_venv(const char *abs_exe)
{
    char *d1 = path_dirname(abs_exe);
    char *d2 = path_dirname(d1);
    char *c1 = path_join(d1, "pyvenv.cfg"), *c2 = path_join(d2, "pyvenv.cfg");
    struct stat st;
    bool r = (stat(c1, &st) == 0 && S_ISREG(st.st_mode)) ||
             (stat(c2, &st) == 0 && S_ISREG(st.st_mode));
    free(d1);
    free(d2);
    free(c1);
    free(c2);
    return r;
}

bool probe_is_venv_interp(const char *exe)
{
    char *abs = path_absolute(NULL, exe);
    bool r = in_venv(abs);
    free(abs);
    return r;
}

/* Fills the name-dependent facts for the executable as asked for (see the top comment). */
static void finish(interp_t *py, const char *exe, const char *abs, const char *real,
                   const file_id_t *id, const char *probed_exe, const char *venv_dir)
{
    py->path = xstrdup(exe);
    py->realpath = xstrdup(real);
    py->id = *id;
    if (venv_dir[0] == '\0' && strcmp(py->base_executable, probed_exe) == 0) {
        /* Not a venv: venv's base executable is the interpreter as it was started. */
        free(py->base_executable);
        free(py->home);
        free(py->exe_name);
        py->base_executable = xstrdup(abs);
        py->home = path_dirname(abs);
        py->exe_name = xstrdup(path_basename(abs));
    }
}

static char *last_line(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    size_t b = n;
    while (b && s[b - 1] != '\n')
        b--;
    return xstrndup(s + b, n - b);
}

/* Runs probe.py with the interpreter. *lasting tells whether a failure would recur (the
 * program ran and exited with an error of its own rather than being killed or not started). */
static err_t *run_probe(const char *abs, buf_t *out, bool *lasting)
{
    *lasting = false;
    const embed_file_t *script = embed_find("python/probe.py");
    if (!script)
        return err_new(EXIT_APPLY, "internal error: probe.py is not embedded in this build");
    /* -E -s -S -B instead of -I: Python 2.7 has no -I; probe.py drops the cwd from sys.path. */
    char *argv[] = {(char *)abs, "-E", "-s", "-S", "-B", "-c", (char *)script->data, NULL};
    buf_t errb = BUF_INIT;
    int status = 0;
    err_t *e = proc_capture(argv, NULL, out, &errb, &status);
    if (e) {
        buf_free(&errb);
        return err_code(e, EXIT_USAGE);
    }
    if (status != 0) {
        char *why = last_line(buf_cstr(&errb));
        e = err_new(EXIT_USAGE, "%s is not a Python venvsync can use: the probe exited with "
                    "status %d%s%s", abs, status, why[0] ? ": " : "", why);
        free(why);
        *lasting = status < 128;
    }
    buf_free(&errb);
    return e;
}

static void cache_write(const char *cpath, const char *real, const file_id_t *id,
                        const char *output)
{
    /* The cache only saves time: failing to write it is not an error. */
    char *dir = path_dirname(cpath);
    err_t *we = fs_mkdirs(dir, 0755);
    if (!we) {
        char *entry = probe_cache_entry_format(real, id, output);
        we = fs_write_atomic(cpath, entry, strlen(entry), 0644);
        free(entry);
    }
    err_free(we);
    free(dir);
}

/* A failure worth remembering is cached as a single "probe_error=<message>" line, so a broken
 * interpreter on PATH does not start a process on every run. */
#define PROBE_ERROR_KEY "probe_error="

static err_t *probe_common(const char *exe, const char *known_real, const char *cache_dir,
                           interp_t **out, bool *ran_python);

err_t *probe_interp(const char *exe, const char *cache_dir, interp_t **out, bool *ran_python)
{
    return probe_common(exe, NULL, cache_dir, out, ran_python);
}

err_t *probe_interp_known(const char *exe, const char *realpath, const char *cache_dir,
                          interp_t **out, bool *ran_python)
{
    return probe_common(exe, realpath, cache_dir, out, ran_python);
}

/* known_real: the caller resolved exe to it and found it outside any virtual environment. */
static err_t *probe_common(const char *exe, const char *known_real, const char *cache_dir,
                           interp_t **out, bool *ran_python)
{
    *out = NULL;
    if (ran_python)
        *ran_python = false;
    char *abs = path_absolute(NULL, exe);
    char *real = NULL, *cpath = NULL, *probed_exe = NULL, *venv_dir = NULL;
    buf_t cached = BUF_INIT, output = BUF_INIT;
    err_t *e = NULL;
    struct stat st;
    file_id_t id;

    if (stat(abs, &st) != 0) {
        e = err_sys(EXIT_USAGE, errno, "%s", exe);
        goto done;
    }
    if (!S_ISREG(st.st_mode) || access(abs, X_OK) != 0) {
        e = err_new(EXIT_USAGE, "%s is not an executable file", exe);
        goto done;
    }
    real = known_real ? xstrdup(known_real) : path_real(abs);
    if (!real || !file_id_of(real, &id)) {
        e = err_sys(EXIT_USAGE, errno, "%s", exe);
        goto done;
    }

    bool cacheable = cache_dir && (known_real || !in_venv(abs));
    if (cacheable) {
        cpath = probe_cache_path(cache_dir, real);
        if (fs_try_read(cpath, &cached)) {
            const char *facts = probe_cache_entry_parse(buf_cstr(&cached), real, &id);
            if (facts && strncmp(facts, PROBE_ERROR_KEY, strlen(PROBE_ERROR_KEY)) == 0) {
                const char *m = facts + strlen(PROBE_ERROR_KEY);
                char *msg = xstrndup(m, strcspn(m, "\n"));
                e = err_ctx(err_new(EXIT_USAGE, "%s", msg), "probing %s", exe);
                free(msg);
                goto done;
            }
            err_t *pe = facts ? probe_parse_output(facts, strlen(facts), out, &probed_exe,
                                                   &venv_dir)
                              : NULL;
            if (facts && !pe) {
                finish(*out, exe, abs, real, &id, probed_exe, venv_dir);
                goto done;
            }
            err_free(pe);
            /* Stale, from another format, or unreadable: probe again. */
        }
    }

    if (ran_python)
        *ran_python = true;
    bool lasting = false;
    e = run_probe(abs, &output, &lasting);
    if (!e) {
        e = probe_parse_output(buf_cstr(&output), output.len, out, &probed_exe, &venv_dir);
        if (e)
            e = err_ctx(e, "%s is not a Python venvsync can use", abs);
        lasting = true;
    }
    if (e) {
        if (cacheable && lasting) {
            buf_t line = BUF_INIT;
            buf_adds(&line, PROBE_ERROR_KEY);
            buf_add_replaced(&line, e->msg, "\n", " ");
            cache_write(cpath, real, &id, buf_cstr(&line));
            buf_free(&line);
        }
        e = err_ctx(e, "probing %s", exe);
        goto done;
    }
    finish(*out, exe, abs, real, &id, probed_exe, venv_dir);
    if (cacheable)
        cache_write(cpath, real, &id, buf_cstr(&output));

done:
    free(abs);
    free(real);
    free(cpath);
    free(probed_exe);
    free(venv_dir);
    buf_free(&cached);
    buf_free(&output);
    return e;
}

err_t *probe_cache_prune(const char *cache_dir, size_t *removed, unsigned long long *freed)
{
    err_t *e = NULL;
    char *dir = path_join(cache_dir, CACHE_INTERPRETERS);
    char **names = NULL;
    err_free(fs_list_dir(dir, &names));
    buf_t text = BUF_INIT;
    for (size_t i = 0; names && names[i] && !e; i++) {
        char *p = path_join(dir, names[i]);
        buf_reset(&text);
        bool keep = fs_try_read(p, &text) && probe_cache_entry_current(buf_cstr(&text));
        free(p);
        if (!keep) {
            e = cachedir_remove(dir, names[i], freed);
            ++*removed;
        }
    }
    strv_free(names);
    buf_free(&text);
    free(dir);
    return e;
}
