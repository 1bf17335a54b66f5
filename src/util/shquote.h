/*
 * shquote: quoting a byte string as one literal word of a shell's syntax. Every function appends
 * to out a word that the shell reads back as exactly s, with no expansion of '$', backticks, '!',
 * globs or escapes: any byte string is safe (paths and prompts with spaces, quotes, newlines).
 * They are the only quoting functions for shells in venvsync: activators, git hooks, launchers
 * and shell integration all use them.
 */
#ifndef VENVSYNC_UTIL_SHQUOTE_H
#define VENVSYNC_UTIL_SHQUOTE_H
#include "util/buf.h"

typedef void (*shquote_fn)(buf_t *out, const char *s);

void shquote_sh(buf_t *out, const char *s);    /* POSIX sh, bash, zsh, dash: '...' */
void shquote_fish(buf_t *out, const char *s);  /* fish */
void shquote_csh(buf_t *out, const char *s);   /* csh, tcsh (history '!' escaped) */
void shquote_pwsh(buf_t *out, const char *s);  /* PowerShell */
void shquote_nu(buf_t *out, const char *s);    /* nushell */

#endif
