#include "util/term.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool term_use_color(color_mode_t mode, bool env_forbids, FILE *f)
{
    if (mode == COLOR_ALWAYS)
        return true;
    if (mode == COLOR_NEVER || env_forbids)
        return false;
    return isatty(fileno(f));
}

term_style_t term_style(bool color)
{
    if (!color)
        return (term_style_t){"", "", "", "", "", "", ""};
    return (term_style_t){"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m", "\033[34m", "\033[0m"};
}
