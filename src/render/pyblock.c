/*
 * inspect.getblock() for line tables (pysource.h): the pure-Python
 * tokenizer of Python 3.11's Lib/tokenize.py feeding inspect.BlockFinder.
 * Only what decides where a block ends is modelled: logical lines,
 * brackets, strings, numbers, comments, indentation, and the tokens "@",
 * "def", "class" and "lambda".
 */
#include "pysource.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <profkit/error.h>

#include "alloc.h"

typedef enum tok_type {
    T_OTHER, T_NEWLINE, T_NL, T_COMMENT, T_INDENT, T_DEDENT
} tok_type;

typedef enum tok_word { W_NONE, W_AT, W_DEF, W_CLASS, W_LAMBDA } tok_word;

/* inspect.BlockFinder's state. */
typedef struct finder {
    int indent;
    bool islambda, started, passline, indecorator;
    size_t last;       /* lines in the block so far */
    long body_col0;    /* -1 while None */
} finder;

/* BlockFinder.tokeneater(); false means EndOfBlock. */
static bool eat(finder *f, tok_type type, tok_word word, size_t row, size_t scol, size_t ecol)
{
    if (!f->started && !f->indecorator) {
        if (word == W_AT) {
            f->indecorator = true;
        } else if (word == W_DEF || word == W_CLASS || word == W_LAMBDA) {
            f->islambda = word == W_LAMBDA;
            f->started = true;
        }
        f->passline = true;
    } else if (type == T_NEWLINE) {
        f->passline = false;
        f->last = row;
        if (f->islambda)
            return false;
        f->indecorator = false;
    } else if (f->passline) {
        /* skipping to the end of the line */
    } else if (type == T_INDENT) {
        if (f->body_col0 < 0 && f->started)
            f->body_col0 = (long)ecol;
        f->indent++;
        f->passline = true;
    } else if (type == T_DEDENT) {
        if (--f->indent <= 0)
            return false;
    } else if (type == T_COMMENT) {
        if (f->body_col0 >= 0 && (long)scol >= f->body_col0)
            f->last = row;
    } else if (f->indent == 0 && type != T_NL) {
        return false;
    }
    return true;
}

/* The tokenizer's state between lines. */
typedef struct tokstate {
    const pk_pysource *s;
    finder f;
    size_t *indents;  /* columns; indents[0] == 0 */
    size_t nindents;
    long parenlev;
    bool continued;
    bool in_str;      /* inside a string that spans lines */
    bool str_triple, str_needcont;
    char str_quote;
} tokstate;

/* Characters (code points) before byte pos: tokenize's columns. */
static size_t char_col(const char *line, size_t pos)
{
    size_t i, col = 0;
    for (i = 0; i < pos; i++)
        col += ((unsigned char)line[i] & 0xc0) != 0x80;
    return col;
}

static bool word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* Where the string closing with quote (tripled or not) ends on this line,
 * scanning from pos: the index after the closing quotes, or 0 when it
 * does not end here. A backslash escapes the next character but not the
 * newline (the regexes' "\\." does not match "\n"). */
static size_t string_end(const char *line, size_t len, size_t pos, char quote, bool triple)
{
    size_t i = pos;

    while (i < len && line[i] != '\n') {
        if (line[i] == '\\') {
            if (i + 1 >= len || line[i + 1] == '\n')
                return 0;
            i += 2;
        } else if (line[i] == quote &&
                   (!triple || (i + 2 < len && line[i + 1] == quote && line[i + 2] == quote))) {
            return i + (triple ? 3 : 1);
        } else {
            i++;
        }
    }
    return 0;
}

/* Length of a string prefix (b r u f and the two-letter combinations)
 * followed by a quote at pos, or -1 when no string starts there. */
static long string_prefix(const char *line, size_t len, size_t pos)
{
    static const char *const prefixes[] = {"", "b", "r", "u", "f", "br", "rb", "fr", "rf"};
    size_t i, k;

    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        bool match = pos + n < len;
        for (k = 0; match && k < n; k++)
            match = tolower((unsigned char)line[pos + k]) == prefixes[i][k];
        if (match && (line[pos + n] == '\'' || line[pos + n] == '"'))
            return (long)n;
    }
    return -1;
}

/* A string token starting at pos (after its prefix). Returns false at the
 * end of the line, where a multi-line string continues. */
static bool scan_string(tokstate *t, const char *line, size_t len, size_t *pos,
                        size_t row, size_t prefix, bool *stop)
{
    size_t q = *pos + prefix, end;
    char quote = line[q];
    bool triple = q + 2 < len && line[q + 1] == quote && line[q + 2] == quote;

    end = string_end(line, len, q + (triple ? 3 : 1), quote, triple);
    if (end) {
        *stop = !eat(&t->f, T_OTHER, W_NONE, row, 0, 0);
        *pos = end;
        return true;
    }
    if (triple || (len >= 2 && line[len - 2] == '\\')) {
        /* The string goes on in the next line(s). */
        t->in_str = true;
        t->str_triple = triple;
        t->str_needcont = !triple;
        t->str_quote = quote;
        return false;
    }
    /* Unterminated: the prefix is a name, the quote an error token. */
    *stop = !eat(&t->f, T_OTHER, W_NONE, row, 0, 0);
    *pos = q + 1;
    return true;
}

/* ---- numbers, as tokenize's Number regex matches them ---- */

/* [0-9](?:_?[0-9])* at i; the end, or 0 when it does not match. */
static size_t m_digits(const char *s, size_t len, size_t i, const char *set)
{
    if (i >= len || !strchr(set, s[i]) || s[i] == '\0')
        return 0;
    i++;
    for (;;) {
        size_t k = i + (i < len && s[i] == '_');
        if (k >= len || s[k] == '\0' || !strchr(set, s[k]))
            return i;
        i = k + 1;
    }
}

#define DEC "0123456789"

/* [eE][-+]?digits */
static size_t m_exponent(const char *s, size_t len, size_t i)
{
    if (i >= len || (s[i] != 'e' && s[i] != 'E'))
        return 0;
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    return m_digits(s, len, i, DEC);
}

/* Pointfloat | Expfloat, the longest form the regex prefers. */
static size_t m_float(const char *s, size_t len, size_t i)
{
    size_t end = 0, e;

    if (i < len && s[i] == '.') {
        end = m_digits(s, len, i + 1, DEC);
    } else if ((e = m_digits(s, len, i, DEC)) && e < len && s[e] == '.') {
        end = m_digits(s, len, e + 1, DEC);
        if (!end)
            end = e + 1;
    } else if (e) {
        return m_exponent(s, len, e); /* Expfloat needs its exponent */
    }
    if (end && (e = m_exponent(s, len, end)))
        end = e;
    return end;
}

/* Number: Imagnumber | Floatnumber | Intnumber, in that order. */
static size_t m_number(const char *s, size_t len, size_t i)
{
    size_t e = m_digits(s, len, i, DEC);

    if (e && e < len && (s[e] == 'j' || s[e] == 'J'))
        return e + 1;
    e = m_float(s, len, i);
    if (e && e < len && (s[e] == 'j' || s[e] == 'J'))
        return e + 1;
    if (e)
        return e;
    if (i + 1 < len && s[i] == '0') {
        char x = (char)tolower((unsigned char)s[i + 1]);
        const char *set = x == 'x' ? DEC "abcdefABCDEF" : x == 'b' ? "01" : x == 'o' ? "01234567" : NULL;
        size_t k = i + 2 + (i + 2 < len && s[i + 2] == '_');
        if (set && (e = m_digits(s, len, k, set)))
            return e;
    }
    if (i < len && s[i] == '0') {
        for (e = i + 1; e < len;) {
            size_t k = e + (s[e] == '_');
            if (k >= len || s[k] != '0')
                break;
            e = k + 1;
        }
        return e;
    }
    return m_digits(s, len, i, DEC);
}

static tok_word word_of(const char *s, size_t n)
{
    if (n == 3 && memcmp(s, "def", 3) == 0)
        return W_DEF;
    if (n == 5 && memcmp(s, "class", 5) == 0)
        return W_CLASS;
    if (n == 6 && memcmp(s, "lambda", 6) == 0)
        return W_LAMBDA;
    return W_NONE;
}

/* The tokens of one line from pos; false when the block ended. */
static bool scan_tokens(tokstate *t, const char *line, size_t len, size_t pos, size_t row)
{
    bool stop = false;

    while (pos < len && !stop) {
        unsigned char c;
        long prefix;

        while (pos < len && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\f'))
            pos++;
        if (pos >= len)
            break;
        c = (unsigned char)line[pos];
        prefix = string_prefix(line, len, pos);
        if (c == '\n') {
            stop = !eat(&t->f, t->parenlev > 0 ? T_NL : T_NEWLINE, W_NONE, row, 0, 0);
            pos++;
        } else if (c == '#') {
            stop = !eat(&t->f, T_COMMENT, W_NONE, row, char_col(line, pos), 0);
            pos = len - 1; /* the newline is a token of its own */
        } else if (c == '\\' && pos + 1 < len && line[pos + 1] == '\n') {
            t->continued = true;
            pos = len;
        } else if (prefix >= 0) {
            if (!scan_string(t, line, len, &pos, row, (size_t)prefix, &stop))
                break;
        } else if (isdigit(c) || (c == '.' && pos + 1 < len && isdigit((unsigned char)line[pos + 1]))) {
            pos = m_number(line, len, pos);
            stop = !eat(&t->f, T_OTHER, W_NONE, row, 0, 0);
        } else if (word_char(c)) {
            size_t start = pos;
            while (pos < len && word_char((unsigned char)line[pos]))
                pos++;
            stop = !eat(&t->f, T_OTHER, word_of(line + start, pos - start), row, 0, 0);
        } else {
            tok_word w = W_NONE;
            if (c == '(' || c == '[' || c == '{')
                t->parenlev++;
            else if (c == ')' || c == ']' || c == '}')
                t->parenlev--;
            else if (c == '@' && !(pos + 1 < len && line[pos + 1] == '='))
                w = W_AT;
            pos += (c == '@' && w == W_NONE) ? 2 : 1;
            stop = !eat(&t->f, T_OTHER, w, row, 0, 0);
        }
    }
    return !stop;
}

/* The continuation of a multi-line string. Returns the position where
 * tokens resume, or 0 when the whole line was string. */
static size_t continue_string(tokstate *t, const char *line, size_t len, size_t row,
                              bool *stop)
{
    size_t end = string_end(line, len, 0, t->str_quote, t->str_triple);

    if (end) {
        t->in_str = false;
        *stop = !eat(&t->f, T_OTHER, W_NONE, row, 0, 0);
        return end;
    }
    if (t->str_needcont && !(len >= 2 && line[len - 2] == '\\')) {
        /* tokenize gives up on the string: an error token, next line. */
        t->in_str = false;
        *stop = !eat(&t->f, T_OTHER, W_NONE, row, 0, 0);
    }
    return 0;
}

/* A new logical line: indentation, INDENT and DEDENT. Returns false when
 * the block ended (EndOfBlock or IndentationError); *pos gets the first
 * token's position, or len for a blank or comment-only line. */
static int new_statement(tokstate *t, const char *line, size_t len, size_t row, size_t *pos)
{
    size_t column = 0, i = 0;

    for (; i < len; i++) {
        if (line[i] == ' ')
            column++;
        else if (line[i] == '\t')
            column = (column / 8 + 1) * 8;
        else if (line[i] == '\f')
            column = 0;
        else
            break;
    }
    *pos = len;
    if (line[i] == '#' || line[i] == '\n') {
        if (line[i] == '#' && !eat(&t->f, T_COMMENT, W_NONE, row, char_col(line, i), 0))
            return 0;
        return eat(&t->f, T_NL, W_NONE, row, 0, 0) ? 1 : 0;
    }
    if (column > t->indents[t->nindents - 1]) {
        t->indents[t->nindents++] = column;
        if (!eat(&t->f, T_INDENT, W_NONE, row, 0, i))
            return 0;
    }
    while (column < t->indents[t->nindents - 1]) {
        size_t k;
        bool known = false;
        for (k = 0; k < t->nindents; k++)
            known = known || t->indents[k] == column;
        if (!known)
            return 0; /* IndentationError: getblock stops here */
        t->nindents--;
        if (!eat(&t->f, T_DEDENT, W_NONE, row, 0, 0))
            return 0;
    }
    *pos = i;
    return 1;
}

/* Runs the lines through the tokenizer until the block ends. */
static void find_block(tokstate *t, size_t first)
{
    size_t i;

    for (i = first; i < t->s->nlines; i++) {
        size_t len, pos = 0, row = i - first + 1;
        const char *line = pk_pysource_line(t->s, i, &len);
        bool stop = false;

        len++; /* with its '\n' */
        if (t->in_str) {
            pos = continue_string(t, line, len, row, &stop);
            if (stop)
                return;
            if (pos == 0)
                continue;
        } else if (t->parenlev == 0 && !t->continued) {
            if (!new_statement(t, line, len, row, &pos))
                return;
        } else {
            t->continued = false;
        }
        if (!scan_tokens(t, line, len, pos, row))
            return;
    }
    /* End of input: tokenize raises TokenError inside a string or a
     * statement (line_profiler would fail); otherwise it closes the open
     * indents, each DEDENT going to the finder. */
    if (t->in_str || t->continued || t->parenlev != 0)
        return;
    while (t->nindents > 1) {
        t->nindents--;
        if (!eat(&t->f, T_DEDENT, W_NONE, 0, 0, 0))
            return;
    }
}

int pk_pysource_block(size_t *out, const pk_pysource *s, size_t first)
{
    tokstate t;

    *out = 0;
    if (first >= s->nlines)
        return PK_OK;
    memset(&t, 0, sizeof t);
    t.s = s;
    t.f.last = 1;
    t.f.body_col0 = -1;
    /* At most one indent level per line, plus the base level. */
    t.indents = pk_malloc((s->nlines - first + 1) * sizeof *t.indents);
    if (!t.indents)
        return PK_ENOMEM;
    t.indents[0] = 0;
    t.nindents = 1;
    find_block(&t, first);
    pk_free(t.indents);
    *out = t.f.last;
    return PK_OK;
}
