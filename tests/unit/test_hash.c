/* util/hash: sha256/384/512 through the lazily loaded libcrypto, the portable sha256 fallback, the
 * naming hash; engine/fetch's pin check with sha384/sha512 pins (pip's "any hash matches"). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/fetch.h"
#include "support.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/xalloc.h"

#define ABC_256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_384                                                                            \
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1" \
    "34c825a7"
#define ABC_512                                                                            \
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23" \
    "a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
#define EMPTY_384                                                                          \
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f1" \
    "4898b95b"
#define EMPTY_512                                                                          \
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2" \
    "877eec2f63b931bd47417a81a538327af927da3e"

Test(hash, known_vectors)
{
    cr_assert_null(hash_available());
    char hex[HASH_HEX_MAX];
    cr_assert_null(hash_hex(HASH_SHA256, "abc", 3, hex));
    cr_assert_str_eq(hex, ABC_256);
    cr_assert_null(hash_hex(HASH_SHA384, "abc", 3, hex));
    cr_assert_str_eq(hex, ABC_384);
    cr_assert_null(hash_hex(HASH_SHA512, "abc", 3, hex));
    cr_assert_str_eq(hex, ABC_512);
    cr_assert_null(hash_hex(HASH_SHA384, "", 0, hex));
    cr_assert_str_eq(hex, EMPTY_384);
    cr_assert_null(hash_hex(HASH_SHA512, "", 0, hex));
    cr_assert_str_eq(hex, EMPTY_512);
    /* two blocks: the FIPS 180-2 896-bit message */
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                    "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    cr_assert_null(hash_hex(HASH_SHA512, m, strlen(m), hex));
    cr_assert_str_eq(hex, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e"
                          "4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, ABC_256);
}

Test(hash, algo_names)
{
    cr_assert_eq(hash_algo_parse("sha256", 6), HASH_SHA256);
    cr_assert_eq(hash_algo_parse("sha384:ab", 6), HASH_SHA384);
    cr_assert_eq(hash_algo_parse("sha512", 6), HASH_SHA512);
    cr_assert_eq(hash_algo_parse("sha1", 4), -1);
    cr_assert_eq(hash_algo_parse("sha5122", 7), -1);
    cr_assert_eq(hash_algo_parse("SHA256", 6), -1);
    cr_assert_str_eq(hash_algo_name(HASH_SHA384), "sha384");
    cr_assert_eq(hash_algo_size(HASH_SHA256), 32);
    cr_assert_eq(hash_algo_size(HASH_SHA384), 48);
    cr_assert_eq(hash_algo_size(HASH_SHA512), 64);
}

Test(hash, file_hashed_once_with_every_algorithm_asked)
{
    char *dir = support_tmpdir("vs-hash");
    /* bigger than one read chunk (64 KiB) */
    buf_t b = BUF_INIT;
    for (int i = 0; i < 30000; i++)
        buf_printf(&b, "%d\n", i);
    char *path = support_write(dir, "f.bin", buf_cstr(&b));
    char hex[HASH_NALGOS][HASH_HEX_MAX];
    memset(hex, 'x', sizeof hex);
    cr_assert_null(hash_file_hex(path, HASH_MASK(HASH_SHA384) | HASH_MASK(HASH_SHA512), hex));
    cr_assert_eq(hex[HASH_SHA256][0], 'x', "sha256 was not asked for");
    for (int a = HASH_SHA384; a <= HASH_SHA512; a++) {
        char one[HASH_HEX_MAX];
        cr_assert_null(hash_hex(a, b.data, b.len, one));
        cr_assert_str_eq(hex[a], one);
    }
    char s256[65], one[HASH_HEX_MAX];
    cr_assert_null(sha256_file_hex(path, s256));
    cr_assert_null(hash_hex(HASH_SHA256, b.data, b.len, one));
    cr_assert_str_eq(s256, one);

    char *missing = xasprintf("%s/missing", dir);
    err_t *e = hash_file_hex(missing, HASH_MASK(HASH_SHA512), hex);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "missing: No such file"), "%s", e->msg);
    err_free(e);
    free(missing);
    free(path);
    buf_free(&b);
    support_tmpdir_free(dir);
}

/* The fallback must agree with libcrypto at every length around the block and padding edges,
 * however the input is split. */
Test(hash, portable_sha256_agrees_with_libcrypto)
{
    cr_assert_null(hash_available());
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n <= sizeof data; n += (n < 200 ? 1 : 37)) {
        unsigned char got[32];
        char hex[HASH_HEX_MAX], ghex[65];
        cr_assert_null(hash_hex(HASH_SHA256, data, n, hex));
        hash_test_portable_sha256(data, n, got);
        hex_encode(got, 32, ghex);
        cr_assert_str_eq(ghex, hex, "length %zu", n);
    }
    unsigned char d[32];
    char hex[65];
    hash_test_portable_sha256("abc", 3, d);
    hex_encode(d, 32, hex);
    cr_assert_str_eq(hex, ABC_256);
}

/* Without libcrypto: hash_available() and the err_t functions say so; the sha256 functions that
 * cannot fail still give the right digest (portable fallback). */
Test(hash, without_libcrypto)
{
    hash_test_set_library("libvenvsync-no-such-crypto.so.9");
    err_t *e = hash_available();
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    cr_assert(strstr(e->msg, "cannot load OpenSSL's libcrypto (libcrypto.so.3)"), "%s", e->msg);
    cr_assert(strstr(e->msg, "libvenvsync-no-such-crypto.so.9"), "%s", e->msg);
    cr_assert(e->hint && strstr(e->hint, "libssl3"));
    err_free(e);

    char hex[HASH_HEX_MAX];
    e = hash_hex(HASH_SHA512, "abc", 3, hex);
    cr_assert_not_null(e);
    err_free(e);
    char s256[65];
    e = sha256_file_hex("/etc/hostname", s256);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "hashing /etc/hostname: cannot load"), "%s", e->msg);
    err_free(e);

    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, ABC_256);
    sha256_t h;
    unsigned char d[32];
    sha256_init(&h);
    sha256_update(&h, "a", 1);
    sha256_update(&h, "bc", 2);
    sha256_final(&h, d);
    char b64[44];
    sha256_b64url(d, b64);
    cr_assert_str_eq(b64, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

Test(hash, name_hash_is_fnv1a_twice)
{
    char out[33];
    hash_name_hex("", 0, out);
    cr_assert_str_eq(out, "cbf29ce4842223256c62272e07bb0142");
    hash_name_hex("a", 1, out);
    /* FNV-1a 64("a") = af63dc4c8601ec8c */
    cr_assert_str_eq(out, "af63dc4c8601ec8ce5c9b63722c2ee79");
    hash_name_hex("foobar", 6, out);
    cr_assert_str_eq(out, "85944171f73967e8d261c5099350d8f3");
    hash_name_hex("/usr/bin/python3.11", 19, out);
    cr_assert_str_eq(out, "02168b49f583478eac8bed39be801bfb");
}

/* ---- pins with sha384 / sha512 (engine/fetch.h) ---------------------------------------- */

typedef struct pinfix {
    char *dir, *path;
    char h256[65], h384[HASH_HEX_MAX], h512[HASH_HEX_MAX];
    want_set_t ws;
    want_pkg_t w;
    char *pins[4];
} pinfix_t;

static void pin_setup(pinfix_t *f, bool hash_mode)
{
    memset(f, 0, sizeof *f);
    f->dir = support_tmpdir("vs-pins");
    f->path = support_write(f->dir, "foo-1.0-py3-none-any.whl", "not really a wheel\n");
    char hex[HASH_NALGOS][HASH_HEX_MAX];
    cr_assert_null(hash_file_hex(f->path, HASH_MASK(HASH_SHA256) | HASH_MASK(HASH_SHA384) |
                                              HASH_MASK(HASH_SHA512), hex));
    memcpy(f->h256, hex[HASH_SHA256], 65);
    strcpy(f->h384, hex[HASH_SHA384]);
    strcpy(f->h512, hex[HASH_SHA512]);
    f->ws.hash_mode = hash_mode;
    f->ws.hash_mode_why = hash_mode ? "--require-hashes at r.txt:1" : NULL;
    f->w.name = "foo";
    f->w.key = "foo";
    f->w.origin = "r.txt:2";
    f->w.hashes = f->pins;
}

static void pin(pinfix_t *f, const char *algo, const char *hex)
{
    f->pins[f->w.nhashes++] = xasprintf("%s:%s", algo, hex);
}

static void pin_teardown(pinfix_t *f)
{
    for (size_t i = 0; i < f->w.nhashes; i++)
        free(f->pins[i]);
    free(f->path);
    support_tmpdir_free(f->dir);
}

/* A valid hex digest of the algorithm's length that is not the file's. */
static char *wrong(const char *hex)
{
    char *s = xstrdup(hex);
    s[0] = s[0] == '0' ? '1' : '0';
    return s;
}

Test(hash, pin_sha512_only_matches)
{
    pinfix_t f;
    pin_setup(&f, true);
    pin(&f, "sha512", f.h512);
    cr_assert_null(fetch_check_hash(&f.ws, &f.w, f.path, f.h256));
    pin_teardown(&f);
}

Test(hash, pin_sha384_only_matches)
{
    pinfix_t f;
    pin_setup(&f, false);
    pin(&f, "sha384", f.h384);
    cr_assert_null(fetch_check_hash(&f.ws, &f.w, f.path, f.h256));
    pin_teardown(&f);
}

Test(hash, pin_wrong_sha512_fails_and_says_what_the_file_has)
{
    pinfix_t f;
    pin_setup(&f, true);
    char *bad = wrong(f.h512);
    pin(&f, "sha512", bad);
    err_t *e = fetch_check_hash(&f.ws, &f.w, f.path, f.h256);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    cr_assert(strstr(e->msg, "r.txt:2: hash mismatch for "), "%s", e->msg);
    char *exp = xasprintf("expected sha512:%s", bad);
    char *got = xasprintf("got      sha512:%s", f.h512);
    cr_assert(strstr(e->msg, exp), "%s", e->msg);
    cr_assert(strstr(e->msg, got), "%s", e->msg);
    cr_assert_null(strstr(e->msg, "sha384:"), "only the algorithms pinned are computed");
    free(exp);
    free(got);
    free(bad);
    err_free(e);
    pin_teardown(&f);
}

Test(hash, pin_any_hash_matching_is_enough)
{
    pinfix_t f;
    pin_setup(&f, true);
    char *b256 = wrong(f.h256), *b384 = wrong(f.h384);
    pin(&f, "sha256", b256);
    pin(&f, "sha384", b384);
    pin(&f, "sha512", f.h512);
    cr_assert_null(fetch_check_hash(&f.ws, &f.w, f.path, f.h256));
    free(b256);
    free(b384);
    pin_teardown(&f);
}

/* A matching sha256 decides without reading the file (it may even be gone). */
Test(hash, pin_matching_sha256_reads_nothing)
{
    pinfix_t f;
    pin_setup(&f, true);
    char *b512 = wrong(f.h512);
    pin(&f, "sha512", b512);
    pin(&f, "sha256", f.h256);
    cr_assert_null(fetch_check_hash(&f.ws, &f.w, "/nonexistent/foo.whl", f.h256));
    free(b512);
    pin_teardown(&f);
}

Test(hash, pin_other_algorithm_of_a_vanished_file)
{
    pinfix_t f;
    pin_setup(&f, true);
    pin(&f, "sha512", f.h512);
    err_t *e = fetch_check_hash(&f.ws, &f.w, "/nonexistent/foo.whl", f.h256);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "cannot check the hashes of foo"), "%s", e->msg);
    cr_assert(e->hint && strstr(e->hint, "cache clean"));
    err_free(e);
    pin_teardown(&f);
}

Test(hash, pin_none_in_hash_mode)
{
    pinfix_t f;
    pin_setup(&f, true);
    err_t *e = fetch_check_hash(&f.ws, &f.w, f.path, f.h256);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "foo has no --hash, but hash checking is on (--require-hashes at "
                             "r.txt:1)"), "%s", e->msg);
    err_free(e);
    f.ws.hash_mode = false;
    cr_assert_null(fetch_check_hash(&f.ws, &f.w, f.path, f.h256));
    pin_teardown(&f);
}
