/*
 * term: how output looks. Holds no state of its own: the options decide, main passes them in.
 */
#ifndef VENVSYNC_UTIL_TERM_H
#define VENVSYNC_UTIL_TERM_H
#include <stdbool.h>
#include <stdio.h>

typedef enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_mode_t;

/* Whether to colour output written to `f`: the mode decides, else nothing when the environment
 * forbids it (NO_COLOR, TERM=dumb: config.h), else whether f is a terminal. */
bool term_use_color(color_mode_t mode, bool env_forbids, FILE *f);

/* ANSI sequences, or "" when colour is off. */
typedef struct term_style {
    const char *bold, *dim, *red, *green, *yellow, *blue, *reset;
} term_style_t;
term_style_t term_style(bool color);

#endif
