/*
 * tags: PEP 425 compatibility tags: the ordered list of tags an interpreter supports, and a fast
 * lookup from a tag triple to its priority.
 *
 * tagset_new() computes, from plain interpreter facts (no I/O, no interp_t), the same ordered
 * list that pip installs by (pip's get_supported(), i.e. pypa/packaging's sys_tags() for
 * CPython):
 *   1. cpXY-<abi>-P for each CPython ABI (cpXYd then cpXY for debug builds; cp37m for 3.7;
 *      cpXYt for free-threaded), then cpXY-abi3-P (not free-threaded), cpXY-none-P,
 *      cpXk-abi3-P for k = Y-1 down to 2;  other implementations: <impl><XY>-<soabi-abi>-P,
 *      <impl><XY>-none-P;
 *   2. pyXY-none-P, pyX-none-P, pyXk-none-P for k = Y-1 down to 0;
 *   3. <impl><XY>-none-any (cp311 / pp310 ...);
 *   4. pyXY-none-any, pyX-none-any, pyXk-none-any.
 * Each "-P" step loops over the platform list P, best first:
 *   Linux:  manylinux_2_Y_<arch> for Y = glibc minor down to 5 (x86_64, i686) or 17 (others),
 *           each legacy alias right after its equivalent (manylinux2014 after 2_17,
 *           manylinux2010 after 2_12, manylinux1 after 2_5); or musllinux_1_Y_<arch> for Y =
 *           musl minor down to 0; then linux_<arch>. A 32-bit interpreter on x86_64 uses i686,
 *           on aarch64 armv8l (+ armv7l). manylinux only for x86_64, i686, aarch64, armv7l,
 *           ppc64, ppc64le, s390x, loongarch64, riscv64 (packaging's allowed set).
 *   macOS:  macosx_<ver>_<format> as packaging's mac_platforms(version, arch).
 *   other:  the normalized sysconfig platform ("win-amd64" -> "win_amd64").
 * Every tag is lowercase; a tag that would repeat keeps its first (best) index.
 *
 * A tagset_t owns its strings and index; it is immutable after tagset_new() and may be shared
 * read-only. tagset_free() releases it.
 */
#ifndef VENVSYNC_PKG_TAGS_H
#define VENVSYNC_PKG_TAGS_H
#include <stdbool.h>
#include <stddef.h>

/* The facts tag computation needs. Strings are borrowed for the duration of tagset_new(). */
typedef struct tag_facts {
    const char *implementation; /* sys.implementation.name ("cpython", "pypy", "graalpy") or
                                 * its short form ("cp", "pp") */
    int major, minor;           /* sys.version_info[:2] */
    const char *abiflags;       /* sys.abiflags: "", "m" (<3.8), "d", "dm", "t", "td"; NULL = "" */
    const char *soabi;          /* sysconfig SOABI ("pypy310-pp73-x86_64-linux-gnu"); only used
                                 * for non-CPython ABIs; NULL or "" = none */
    const char *system;         /* "linux", "darwin", anything else = generic; compared
                                 * case-insensitively (sys.platform or platform.system()) */
    const char *machine;        /* uname machine ("x86_64", "aarch64", "armv7l", "arm64") */
    int pointer_bits;           /* 32 or 64 (struct.calcsize("P") * 8) */
    const char *libc;           /* "glibc", "musl", or NULL/"" when unknown (Linux) */
    const char *libc_version;   /* "2.36", "1.2.4" (leading "N.M" is used); NULL/"" unknown */
    const char *mac_version;    /* macOS: platform.mac_ver()[0] ("14.2"); else NULL */
    const char *platform;       /* generic systems: sysconfig.get_platform() ("win-amd64") */
} tag_facts_t;

typedef struct tagset tagset_t;

/* Never fails: missing facts only shorten the list (e.g. no glibc version: no manylinux). */
tagset_t *tagset_new(const tag_facts_t *facts);
void tagset_free(tagset_t *t);

size_t tagset_count(const tagset_t *t);
/* Tag i as "interp-abi-platform" (owned by t), i < tagset_count(t); index 0 is the best. */
const char *tagset_get(const tagset_t *t, size_t i);

/* Priority (index in the list, 0 = best) of one tag, -1 when unsupported. Compared
 * case-insensitively. O(1): a hash lookup without allocation. */
long tagset_priority(const tagset_t *t, const char *interp, const char *abi, const char *plat);
/* Same for "interp-abi-platform" text (a single tag, not a compressed set). */
long tagset_priority_str(const tagset_t *t, const char *tag);

/* The platform list P used above, best first (owned by t). */
size_t tagset_platform_count(const tagset_t *t);
const char *tagset_platform(const tagset_t *t, size_t i);

#endif
