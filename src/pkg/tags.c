/* tags: PEP 425 supported-tag lists (see tags.h). Mirrors pypa/packaging's tags.py and pip's
 * compatibility_tags.get_supported(). */
#include "pkg/tags.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

struct tagset {
    char *text;         /* every tag, NUL-terminated, one after the other */
    size_t tlen, tcap;
    uint32_t *offs;     /* where tag i starts in text */
    uint32_t *hashes;   /* hash of each tag, for rehashing */
    size_t n, cap, hcap;
    char **plats;
    uint32_t *phash;    /* part_hash of each platform */
    size_t nplats, platcap, phcap;
    uint32_t *slots;    /* open addressing: tag index + 1, 0 = empty; nslots is a power of two */
    size_t nslots;
};

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ------------------------------------------------------------------------------------------ */
/* Hash index                                                                                   */

/* A tag's hash combines the hash of "interp-abi" with that of the platform, so that a run of
 * tags sharing interp and abi hashes each platform name once, not once per tag. */
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t hash_part(uint32_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)lower(s[i]);
        h *= FNV_PRIME;
    }
    return h;
}

static uint32_t prefix_hash(const char *a, size_t na, const char *b, size_t nb)
{
    return hash_part(hash_part(hash_part(FNV_OFFSET, a, na), "-", 1), b, nb);
}

static uint32_t combine(uint32_t prefix, uint32_t plat)
{
    uint32_t h = prefix ^ (plat * 0x9e3779b1u);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

/* Whether stored tag "x-y-z" equals the triple (case-insensitively). */
static bool tag_eq(const char *tag, const char *a, size_t na, const char *b, size_t nb,
                   const char *c, size_t nc)
{
    const char *parts[3] = {a, b, c};
    size_t lens[3] = {na, nb, nc};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < lens[k]; i++, tag++)
            if (*tag != lower(parts[k][i]))
                return false;
        if (*tag != (k < 2 ? '-' : '\0'))
            return false;
        tag++;
    }
    return true;
}

static long find(const tagset_t *t, const char *a, size_t na, const char *b, size_t nb,
                 const char *c, size_t nc)
{
    if (!t->nslots)
        return -1;
    size_t mask = t->nslots - 1;
    uint32_t h = combine(prefix_hash(a, na, b, nb), hash_part(FNV_OFFSET, c, nc));
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = t->slots[i];
        if (!s)
            return -1;
        if (t->hashes[s - 1] == h && tag_eq(t->text + t->offs[s - 1], a, na, b, nb, c, nc))
            return (long)(s - 1);
    }
}

static void insert_slot(tagset_t *t, size_t idx)
{
    size_t mask = t->nslots - 1;
    size_t i = t->hashes[idx] & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = (uint32_t)(idx + 1);
}

/* The tags interp-abi-P for each platform P in plats[0..np) (lowercased) that are not there
 * yet; phash[i] is part_hash of plats[i]. */
static void add_tags(tagset_t *t, const char *interp, const char *abi, const char *const *plats,
                     const uint32_t *phash, size_t np)
{
    size_t na = strlen(interp), nb = strlen(abi);
    uint32_t ph = prefix_hash(interp, na, abi, nb);
    XGROW(t->offs, t->cap, t->n + np);
    XGROW(t->hashes, t->hcap, t->n + np);
    for (size_t p = 0; p < np; p++) {
        const char *plat = plats[p];
        size_t nc = strlen(plat);
        uint32_t h = combine(ph, phash[p]);
        bool seen = false;
        if (t->nslots) {
            size_t mask = t->nslots - 1;
            for (size_t i = h & mask; t->slots[i] && !seen; i = (i + 1) & mask)
                seen = t->hashes[t->slots[i] - 1] == h &&
                       tag_eq(t->text + t->offs[t->slots[i] - 1], interp, na, abi, nb, plat, nc);
        }
        if (seen)
            continue;
        if ((t->n + 1) * 2 > t->nslots) {
            free(t->slots);
            t->nslots = t->nslots ? t->nslots * 2 : 2048;
            t->slots = xcalloc(t->nslots, sizeof *t->slots);
            for (size_t i = 0; i < t->n; i++)
                insert_slot(t, i);
        }
        size_t len = na + nb + nc + 3;
        if (t->tlen + len > t->tcap)
            XGROW(t->text, t->tcap, t->tlen + len * (np - p));
        char *q = t->text + t->tlen;
        for (size_t i = 0; i < na; i++)
            *q++ = lower(interp[i]);
        *q++ = '-';
        for (size_t i = 0; i < nb; i++)
            *q++ = lower(abi[i]);
        *q++ = '-';
        memcpy(q, plat, nc + 1);    /* platforms are lowercase already */
        t->offs[t->n] = (uint32_t)t->tlen;
        t->hashes[t->n] = h;
        t->tlen += len;
        insert_slot(t, t->n);
        t->n++;
    }
}

/* The tags interp-abi-P for every platform of t. */
static void add_plat_tags(tagset_t *t, const char *interp, const char *abi)
{
    add_tags(t, interp, abi, (const char *const *)t->plats, t->phash, t->nplats);
}

/* The tag interp-abi-any. */
static void add_any_tag(tagset_t *t, const char *interp, const char *abi)
{
    static const char *const any[] = {"any"};
    uint32_t h = hash_part(FNV_OFFSET, "any", 3);
    add_tags(t, interp, abi, any, &h, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Platforms                                                                                    */

/* Adds the platform printf(fmt, ...) (lowercased) unless present. */
static void add_plat(tagset_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_plat(tagset_t *t, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *s = small;
    if (n < 0)
        return;
    if ((size_t)n >= sizeof small) {
        s = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    for (char *p = s; *p; p++)
        *p = lower(*p);
    uint32_t h = hash_part(FNV_OFFSET, s, (size_t)n);
    bool seen = false;
    for (size_t i = 0; i < t->nplats && !seen; i++)
        seen = t->phash[i] == h && strcmp(t->plats[i], s) == 0;
    if (!seen) {
        XGROW(t->plats, t->platcap, t->nplats + 1);
        XGROW(t->phash, t->phcap, t->nplats + 1);
        t->phash[t->nplats] = h;
        t->plats[t->nplats++] = s == small ? xstrdup(s) : s;
    } else if (s != small) {
        free(s);
    }
}

/* packaging's _normalize_string: '.', '-' and ' ' become '_'. malloc'd. */
static char *normalize_string(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++)
        if (*p == '.' || *p == '-' || *p == ' ')
            *p = '_';
    return r;
}

/* Leading "N.M" of s; false when absent. */
static bool parse_major_minor(const char *s, int *major, int *minor)
{
    if (!s)
        return false;
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '.' || a < 0 || a > 1000 || !(end[1] >= '0' && end[1] <= '9'))
        return false;
    const char *m = end + 1;
    long b = strtol(m, &end, 10);
    if (end == m || b < 0 || b > 1000)
        return false;
    *major = (int)a;
    *minor = (int)b;
    return true;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static void manylinux_platforms(tagset_t *t, const char *const *archs, int gmaj, int gmin)
{
    static const char *const allowed[] = {"x86_64", "aarch64", "ppc64", "ppc64le", "s390x",
                                          "loongarch64", "riscv64", NULL};
    bool compatible = false, x86 = false;
    for (size_t i = 0; archs[i]; i++) {
        /* armv7l (armhf) and i686 are assumed to be the interpreter's own ABI. */
        if (in_list(archs[i], allowed) || strcmp(archs[i], "armv7l") == 0 ||
            strcmp(archs[i], "i686") == 0)
            compatible = true;
        if (strcmp(archs[i], "x86_64") == 0 || strcmp(archs[i], "i686") == 0)
            x86 = true;
    }
    if (!compatible)
        return;
    int too_old_major = 2, too_old_minor = x86 ? 4 : 16;
    for (size_t a = 0; archs[a]; a++) {
        /* glibc_max_list: the current version, then (M, 50) for each older major down to 2. */
        for (int major = gmaj; major >= 2; major--) {
            int max_minor = major == gmaj ? gmin : 50;
            int min_minor = major == too_old_major ? too_old_minor : -1;
            for (int minor = max_minor; minor > min_minor; minor--) {
                add_plat(t, "manylinux_%d_%d_%s", major, minor, archs[a]);
                const char *legacy = NULL;
                if (major == 2 && minor == 17)
                    legacy = "manylinux2014";
                else if (major == 2 && minor == 12)
                    legacy = "manylinux2010";
                else if (major == 2 && minor == 5)
                    legacy = "manylinux1";
                if (legacy)
                    add_plat(t, "%s_%s", legacy, archs[a]);
            }
        }
    }
}

static void linux_platforms(tagset_t *t, const tag_facts_t *f)
{
    char *arch = normalize_string(f->machine && *f->machine ? f->machine : "unknown");
    for (char *p = arch; *p; p++)
        *p = lower(*p);
    if (f->pointer_bits == 32) {
        if (strcmp(arch, "x86_64") == 0) {
            free(arch);
            arch = xstrdup("i686");
        } else if (strcmp(arch, "aarch64") == 0) {
            free(arch);
            arch = xstrdup("armv8l");
        }
    }
    const char *archs[3] = {arch, NULL, NULL};
    if (strcmp(arch, "armv8l") == 0)
        archs[1] = "armv7l";

    int maj, min;
    bool have_version = parse_major_minor(f->libc_version, &maj, &min);
    if (have_version && f->libc && strcasecmp(f->libc, "glibc") == 0)
        manylinux_platforms(t, archs, maj, min);
    if (have_version && f->libc && strcasecmp(f->libc, "musl") == 0)
        for (size_t a = 0; archs[a]; a++)
            for (int m = min; m >= 0; m--)
                add_plat(t, "musllinux_%d_%d_%s", maj, m, archs[a]);
    for (size_t a = 0; archs[a]; a++)
        add_plat(t, "linux_%s", archs[a]);
    free(arch);
}

/* packaging's _mac_binary_formats: the formats usable on macOS (major, minor) for cpu. */
static size_t mac_formats(int major, int minor, const char *cpu, const char *out[6])
{
    size_t n = 0;
    bool lt_10_4 = major < 10 || (major == 10 && minor < 4);
    out[n++] = cpu;
    if (strcmp(cpu, "x86_64") == 0) {
        if (lt_10_4)
            return 0;
        out[n++] = "intel";
        out[n++] = "fat64";
        out[n++] = "fat32";
    } else if (strcmp(cpu, "i386") == 0) {
        if (lt_10_4)
            return 0;
        out[n++] = "intel";
        out[n++] = "fat32";
        out[n++] = "fat";
    } else if (strcmp(cpu, "ppc64") == 0) {
        if (major > 10 || (major == 10 && minor > 5) || lt_10_4)
            return 0;
        out[n++] = "fat64";
    } else if (strcmp(cpu, "ppc") == 0) {
        if (major > 10 || (major == 10 && minor > 6))
            return 0;
        out[n++] = "fat32";
        out[n++] = "fat";
    }
    if (strcmp(cpu, "arm64") == 0 || strcmp(cpu, "x86_64") == 0)
        out[n++] = "universal2";
    if (strcmp(cpu, "x86_64") == 0 || strcmp(cpu, "i386") == 0 || strcmp(cpu, "ppc64") == 0 ||
        strcmp(cpu, "ppc") == 0 || strcmp(cpu, "intel") == 0)
        out[n++] = "universal";
    return n;
}

static void mac_add(tagset_t *t, int major, int minor, const char *cpu)
{
    const char *formats[6];
    size_t n = mac_formats(major, minor, cpu, formats);
    for (size_t i = 0; i < n; i++)
        add_plat(t, "macosx_%d_%d_%s", major, minor, formats[i]);
}

static void mac_platforms(tagset_t *t, const tag_facts_t *f)
{
    int major, minor;
    if (!parse_major_minor(f->mac_version, &major, &minor)) {
        /* "14" alone */
        if (!f->mac_version || !(major = atoi(f->mac_version)))
            return;
        minor = 0;
    }
    const char *cpu = f->machine && *f->machine ? f->machine : "x86_64";
    if (f->pointer_bits == 32)
        cpu = strncmp(cpu, "ppc", 3) == 0 ? "ppc" : "i386";
    if (major == 10) {
        for (int m = minor; m >= 0; m--)
            mac_add(t, 10, m, cpu);
    }
    if (major >= 11) {
        for (int M = major; M > 10; M--)
            mac_add(t, M, 0, cpu);
        for (int m = 16; m > 3; m--) {
            if (strcmp(cpu, "x86_64") == 0)
                mac_add(t, 10, m, cpu);
            else
                add_plat(t, "macosx_10_%d_universal2", m);
        }
    }
}

static void platforms(tagset_t *t, const tag_facts_t *f)
{
    const char *sys = f->system ? f->system : "";
    if (strcasecmp(sys, "linux") == 0 || strncasecmp(sys, "linux", 5) == 0) {
        linux_platforms(t, f);
    } else if (strcasecmp(sys, "darwin") == 0) {
        mac_platforms(t, f);
    } else if (f->platform && *f->platform) {
        char *plat = normalize_string(f->platform);
        add_plat(t, "%s", plat);
        free(plat);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Tags                                                                                         */

static const char *short_name(const char *impl)
{
    static const char *const map[][2] = {{"cpython", "cp"}, {"pypy", "pp"},
                                         {"ironpython", "ip"}, {"jython", "jy"},
                                         {"python", "py"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(impl, map[i][0]) == 0)
            return map[i][1];
    return impl;
}

/* packaging's _generic_abi, from SOABI instead of EXT_SUFFIX (SOABI is EXT_SUFFIX's middle). */
static char *generic_abi(const char *soabi)
{
    if (!soabi || !*soabi)
        return NULL;
    size_t keep;
    const char *dash = strchr(soabi, '-');
    if (strncmp(soabi, "cpython", 7) == 0 && dash) {
        size_t n = strcspn(dash + 1, "-");
        char *r = xasprintf("cp%.*s", (int)n, dash + 1);
        return r;
    }
    if (strncmp(soabi, "cp", 2) == 0) {
        keep = strcspn(soabi, "-");
    } else if (strncmp(soabi, "pypy", 4) == 0 || strncmp(soabi, "graalpy", 7) == 0) {
        int parts = strncmp(soabi, "pypy", 4) == 0 ? 2 : 3;
        keep = 0;
        for (int k = 0; k < parts; k++) {
            keep += strcspn(soabi + keep, "-");
            if (k + 1 < parts && soabi[keep] == '-')
                keep++;
            else
                break;
        }
    } else {
        keep = strlen(soabi);
    }
    char *abi = xstrndup(soabi, keep);
    char *norm = normalize_string(abi);
    free(abi);
    return norm;
}

tagset_t *tagset_new(const tag_facts_t *f)
{
    tagset_t *t = xcalloc(1, sizeof *t);
    platforms(t, f);
    const char *impl = short_name(f->implementation ? f->implementation : "cp");
    int M = f->major, m = f->minor;
    char *interp = xasprintf("%s%d%d", impl, M, m);
    bool cpython = strcmp(impl, "cp") == 0;

    if (cpython) {
        const char *flags = f->abiflags ? f->abiflags : "";
        bool newer38 = M > 3 || (M == 3 && m >= 8);
        bool threading = (M > 3 || (M == 3 && m >= 13)) && strchr(flags, 't');
        bool debug = strchr(flags, 'd') != NULL;
        bool pymalloc = !newer38 && strchr(flags, 'm');
        bool ucs4 = (M < 3 || (M == 3 && m < 3)) && strchr(flags, 'u');
        char *abis[2] = {xasprintf("cp%d%d%s%s%s%s", M, m, threading ? "t" : "", debug ? "d" : "",
                                   pymalloc ? "m" : "", ucs4 ? "u" : ""),
                         NULL};
        if (newer38 && debug)
            abis[1] = xasprintf("cp%d%d%s", M, m, threading ? "t" : "");
        for (int a = 0; a < 2 && abis[a]; a++)
            add_plat_tags(t, interp, abis[a]);
        bool abi3 = (M > 3 || (M == 3 && m >= 2)) && !threading;
        if (abi3)
            add_plat_tags(t, interp, "abi3");
        add_plat_tags(t, interp, "none");
        if (abi3)
            for (int k = m - 1; k > 1; k--) {
                char older[32];
                snprintf(older, sizeof older, "cp%d%d", M, k);
                add_plat_tags(t, older, "abi3");
            }
        free(abis[0]);
        free(abis[1]);
    } else {
        char *abi = generic_abi(f->soabi);
        if (abi && strcmp(abi, "none") != 0)
            add_plat_tags(t, interp, abi);
        add_plat_tags(t, interp, "none");
        free(abi);
    }

    /* compatible_tags(): pyXY, pyX, pyX(Y-1)..pyX0 with each platform, then <interp>-none-any
     * (pip passes impl+version as the interpreter), then the py range with "any". */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            add_any_tag(t, interp, "none");
        for (int k = -2; k < m; k++) {
            /* k = -2: pyXY, -1: pyX, then minors m-1 down to 0 */
            char py[32];
            if (k == -1)
                snprintf(py, sizeof py, "py%d", M);
            else
                snprintf(py, sizeof py, "py%d%d", M, k == -2 ? m : m - 1 - k);
            if (pass == 0)
                add_plat_tags(t, py, "none");
            else
                add_any_tag(t, py, "none");
        }
    }
    free(interp);
    return t;
}

void tagset_free(tagset_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nplats; i++)
        free(t->plats[i]);
    free(t->text);
    free(t->offs);
    free(t->hashes);
    free(t->plats);
    free(t->phash);
    free(t->slots);
    free(t);
}

size_t tagset_count(const tagset_t *t)
{
    return t->n;
}

const char *tagset_get(const tagset_t *t, size_t i)
{
    return i < t->n ? t->text + t->offs[i] : NULL;
}

size_t tagset_platform_count(const tagset_t *t)
{
    return t->nplats;
}

const char *tagset_platform(const tagset_t *t, size_t i)
{
    return i < t->nplats ? t->plats[i] : NULL;
}

long tagset_priority(const tagset_t *t, const char *interp, const char *abi, const char *plat)
{
    if (strchr(interp, '-') || strchr(abi, '-') || strchr(plat, '-'))
        return -1;
    return find(t, interp, strlen(interp), abi, strlen(abi), plat, strlen(plat));
}

long tagset_priority_str(const tagset_t *t, const char *tag)
{
    const char *d1 = strchr(tag, '-');
    const char *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
    if (!d2 || strchr(d2 + 1, '-'))
        return -1;
    return find(t, tag, (size_t)(d1 - tag), d1 + 1, (size_t)(d2 - d1 - 1), d2 + 1,
                strlen(d2 + 1));
}
