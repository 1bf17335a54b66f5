/* Unit tests for util/utf8: the one UTF-8 reader and writer. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/utf8.h"

static size_t seq(const char *s)
{
    const unsigned char *q = (const unsigned char *)s;
    return utf8_seq_len(q, q + strlen(s));
}

Test(utf8, sequence_lengths_follow_rfc3629)
{
    cr_assert_eq(seq("\xC3\xA9"), 2);
    cr_assert_eq(seq("\xE4\xB8\xAD"), 3);
    cr_assert_eq(seq("\xF0\x9F\x98\x80"), 4);
    cr_assert_eq(seq("\xC0\xAF"), 0, "overlong");
    cr_assert_eq(seq("\xE0\x80\xAF"), 0, "overlong");
    cr_assert_eq(seq("\xED\xA0\x80"), 0, "surrogate");
    cr_assert_eq(seq("\xF4\x90\x80\x80"), 0, "above U+10FFFF");
    cr_assert_eq(seq("\xE4\xB8"), 0, "cut short");
    cr_assert_eq(seq("\x80"), 0, "a continuation byte cannot lead");
}

Test(utf8, encode_round_trips_through_the_reader)
{
    const unsigned long cps[] = {0x41, 0xE9, 0x7FF, 0x800, 0x4E2D, 0xFFFD, 0x10000, 0x1F600,
                                 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char out[5] = {0};
        size_t n = utf8_encode(out, cps[i]);
        cr_assert_eq(n, cps[i] < 0x80 ? 1u : cps[i] < 0x800 ? 2u : cps[i] < 0x10000 ? 3u : 4u);
        cr_assert(utf8_valid(out, n), "U+%lX", cps[i]);
        if (n > 1)
            cr_assert_eq(utf8_seq_len((unsigned char *)out, (unsigned char *)out + n), n);
    }
    char out[4];
    cr_assert_eq(utf8_encode(out, 0xE9), 2);
    cr_assert(memcmp(out, "\xC3\xA9", 2) == 0);
}
