/*
 * suggest: "did you mean ...?" for a misspelt word among a small set of known words.
 *
 * The distance is optimal string alignment (Levenshtein plus adjacent transposition, so
 * "pyhton" is one edit from "python"), computed case-insensitively with '_' equal to '-'.
 * Pure and allocation-free for words up to 63 bytes (longer words are never suggested).
 */
#ifndef VENVSYNC_UTIL_SUGGEST_H
#define VENVSYNC_UTIL_SUGGEST_H
#include <stddef.h>

/* Edit distance between a and b as described above; SIZE_MAX when either is longer than 63. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a plausible typo (at most 1 edit
 * for words of up to 5 characters, 2 up to 10, 3 beyond), else NULL. An exact match is not a
 * suggestion (returns NULL). Ties go to the earlier candidate. Points into cands. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

#endif
