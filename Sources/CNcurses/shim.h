// What Swift cannot import from ncursesw directly: function-like macros
// (COLOR_PAIR, A_BOLD, ...) and the wide-character entry points, which need
// _XOPEN_SOURCE_EXTENDED before <curses.h>.
#ifndef PANOPLY_CNCURSES_SHIM_H
#define PANOPLY_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/// Sets the attributes for following output: bold, reverse, dim, underline, colour pair (0 = none).
static inline int panoply_attrset(int bold, int reverse, int dim, int underline, short pair) {
    attr_t a = A_NORMAL;
    if (bold) a |= A_BOLD;
    if (reverse) a |= A_REVERSE;
    if (dim) a |= A_DIM;
    if (underline) a |= A_UNDERLINE;
    return attr_set(a, pair, NULL);
}

/// Reads one key: returns OK (a character in *ch), KEY_CODE_YES (a key code in *ch) or ERR.
static inline int panoply_get_wch(unsigned int *ch) {
    wint_t w = 0;
    int r = get_wch(&w);
    *ch = (unsigned int)w;
    return r;
}

static inline int panoply_key_code_yes(void) { return KEY_CODE_YES; }
static inline int panoply_lines(void) { return LINES; }
static inline int panoply_cols(void) { return COLS; }
static inline int panoply_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *panoply_stdscr(void) { return stdscr; }

/// 1 when the current locale's character set is UTF-8.
static inline int panoply_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (cs[0] == 'U' || cs[0] == 'u') && (cs[1] == 'T' || cs[1] == 't') && (cs[2] == 'F' || cs[2] == 'f');
}

#endif
