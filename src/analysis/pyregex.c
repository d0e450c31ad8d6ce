/*
 * Python `re` patterns on top of POSIX regcomp. pstats filters with
 * re.search(), and users bring Python syntax, so the common differences
 * are translated: \d \w \s (and negations) outside and inside brackets,
 * \A \Z, (?:...), a leading (?i), non-greedy quantifiers (the same
 * match/no-match answer as greedy ones), {,n}, and a '{' that does not
 * start a repetition (a literal in Python). Lookarounds, backreferences
 * and named groups other than (?P<name>...) are refused.
 * Matching is on bytes: '.' matches one byte of a multibyte character.
 * \w counts every byte of a multibyte character as a word character, as
 * Python's \w takes the non-ASCII letters and digits names are made of.
 */
#include <profkit/analysis.h>

#include <ctype.h>
#include <regex.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

struct pk_regex {
    regex_t re;
};

typedef struct translator {
    const char *pat;
    size_t pos, len;
    pk_buf out;
    bool icase;
    const char *error; /* static message, or NULL */
} translator;

static void emit(translator *t, const char *s)
{
    pk_buf_append(&t->out, s, strlen(s));
}

static void emit_char(translator *t, char c)
{
    pk_buf_byte(&t->out, (uint8_t)c);
}

/* The bytes of non-ASCII characters, as a bracket range (the tools run in
 * the C locale, where a byte is a character and ranges go by byte). */
#define NON_ASCII "\x80-\xff"

/* A literal character outside brackets, escaped if ERE gives it meaning. */
static void emit_literal(translator *t, char c)
{
    if (strchr(".[]()*+?{}|^$\\", c))
        emit_char(t, '\\');
    emit_char(t, c);
}

/* \x outside brackets. */
static void escape_outside(translator *t, char c)
{
    switch (c) {
    case 'd': emit(t, "[0-9]"); return;
    case 'D': emit(t, "[^0-9]"); return;
    case 'w': emit(t, "[[:alnum:]_" NON_ASCII "]"); return;
    case 'W': emit(t, "[^[:alnum:]_" NON_ASCII "]"); return;
    case 's': emit(t, "[[:space:]]"); return;
    case 'S': emit(t, "[^[:space:]]"); return;
    case 'b': emit(t, "\\b"); return;
    case 'B': emit(t, "\\B"); return;
    case 'A': emit(t, "^"); return;
    case 'Z': emit(t, "$"); return;
    case 'n': emit_char(t, '\n'); return;
    case 't': emit_char(t, '\t'); return;
    case 'r': emit_char(t, '\r'); return;
    case 'f': emit_char(t, '\f'); return;
    case 'v': emit_char(t, '\v'); return;
    default: break;
    }
    if (isalnum((unsigned char)c))
        t->error = "unsupported escape in regular expression";
    else
        emit_literal(t, c);
}

/* Members of one bracket expression, rebuilt in an order POSIX accepts:
 * ']' first, '-' last, '^' not first, and '[' after the other members,
 * where no ':', '.' or '=' follows it: in Python "[[:alpha:]]" is a set of
 * '[', ':', 'a', 'l', 'p', 'h' then a ']', not a POSIX class. */
typedef struct bracket {
    pk_buf items;
    bool close, dash, caret, open;
} bracket;

static void bracket_char(bracket *b, char c)
{
    if (c == ']')
        b->close = true;
    else if (c == '-')
        b->dash = true;
    else if (c == '^')
        b->caret = true;
    else if (c == '[')
        b->open = true;
    else
        pk_buf_byte(&b->items, (uint8_t)c);
}

static void bracket_escape(translator *t, bracket *b, char c)
{
    const char *cls = NULL;
    switch (c) {
    case 'd': cls = "0-9"; break;
    case 'w': cls = "[:alnum:]_" NON_ASCII; break;
    case 's': cls = "[:space:]"; break;
    case 'n': bracket_char(b, '\n'); return;
    case 't': bracket_char(b, '\t'); return;
    case 'D': case 'W': case 'S':
        t->error = "negated class inside brackets is not supported";
        return;
    default:
        if (isalnum((unsigned char)c))
            t->error = "unsupported escape in regular expression";
        else
            bracket_char(b, c);
        return;
    }
    pk_buf_append(&b->items, cls, strlen(cls));
}

static void translate_bracket(translator *t)
{
    bracket b = {PK_BUF_INIT, false, false, false, false};
    bool negate = false, first = true, closed = false;

    t->pos++; /* '[' */
    if (t->pos < t->len && t->pat[t->pos] == '^') {
        negate = true;
        t->pos++;
    }
    while (t->pos < t->len && !t->error) {
        char c = t->pat[t->pos++];
        if (c == ']' && !first) {
            closed = true;
            break;
        }
        first = false;
        if (c == '\\' && t->pos < t->len)
            bracket_escape(t, &b, t->pat[t->pos++]);
        else if (c == '-' && b.items.len > 0 && t->pos < t->len && t->pat[t->pos] != ']')
            pk_buf_byte(&b.items, '-'); /* a range between two members */
        else
            bracket_char(&b, c);
    }
    if (!closed && !t->error)
        t->error = "unterminated character set";
    emit_char(t, '[');
    if (negate)
        emit_char(t, '^');
    if (b.close)
        emit_char(t, ']');
    pk_buf_append(&t->out, b.items.data, b.items.len);
    if (b.open)
        emit_char(t, '[');
    if (b.caret)
        emit_char(t, '^');
    if (b.dash)
        emit_char(t, '-');
    emit_char(t, ']');
    if (b.items.failed)
        t->out.failed = true;
    pk_buf_dispose(&b.items);
}

/* "{m}", "{m,}", "{m,n}" or "{,n}" at pos: copied (with {,n} as {0,n}).
 * Anything else is a literal '{', as in Python. */
static void translate_brace(translator *t)
{
    size_t i = t->pos + 1, digits1 = 0, digits2 = 0;
    bool comma = false;

    while (i < t->len && isdigit((unsigned char)t->pat[i]))
        i++, digits1++;
    if (i < t->len && t->pat[i] == ',') {
        comma = true;
        i++;
        while (i < t->len && isdigit((unsigned char)t->pat[i]))
            i++, digits2++;
    }
    if (i >= t->len || t->pat[i] != '}' || (digits1 == 0 && digits2 == 0)) {
        emit(t, "\\{");
        t->pos++;
        return;
    }
    emit_char(t, '{');
    if (digits1 == 0)
        emit_char(t, '0');
    pk_buf_append(&t->out, t->pat + t->pos + 1, i - t->pos - 1);
    emit_char(t, '}');
    (void)comma;
    t->pos = i + 1;
}

static bool at(const translator *t, const char *s)
{
    size_t n = strlen(s);
    return t->len - t->pos >= n && memcmp(t->pat + t->pos, s, n) == 0;
}

/* "(?...": the group forms ERE can express. */
static void translate_group(translator *t)
{
    if (at(t, "(?:")) {
        emit_char(t, '(');
        t->pos += 3;
    } else if (at(t, "(?P<")) {
        const char *end = memchr(t->pat + t->pos, '>', t->len - t->pos);
        if (!end) {
            t->error = "unterminated group name";
            return;
        }
        emit_char(t, '(');
        t->pos = (size_t)(end - t->pat) + 1;
    } else if (t->pos == 0 && at(t, "(?i)")) {
        t->icase = true;
        t->pos += 4;
    } else {
        t->error = "unsupported group construct (lookaround or flag)";
    }
}

static void translate_one(translator *t)
{
    char c = t->pat[t->pos];

    if (c == '\\') {
        if (t->pos + 1 >= t->len) {
            t->error = "bad escape (end of pattern)";
            return;
        }
        escape_outside(t, t->pat[t->pos + 1]);
        t->pos += 2;
    } else if (c == '[') {
        translate_bracket(t);
    } else if (c == '{') {
        translate_brace(t);
    } else if (c == '(' && t->pos + 1 < t->len && t->pat[t->pos + 1] == '?') {
        translate_group(t);
    } else if (c == '?' && t->pos > 0 && strchr("*+?}", t->pat[t->pos - 1]) &&
               t->out.len > 0) {
        t->pos++; /* non-greedy: same yes/no answer as greedy */
    } else {
        emit_char(t, c);
        t->pos++;
    }
}

int pk_regex_compile(pk_regex **out, const char *pattern, pk_error *err)
{
    translator t = {pattern, 0, strlen(pattern), PK_BUF_INIT, false, NULL};
    pk_regex *re;
    int flags = REG_EXTENDED | REG_NOSUB;
    int rc;

    *out = NULL;
    while (t.pos < t.len && !t.error)
        translate_one(&t);
    pk_buf_byte(&t.out, '\0');
    if (t.out.failed) {
        pk_buf_dispose(&t.out);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    }
    if (t.error) {
        pk_buf_dispose(&t.out);
        return pk_error_set(err, PK_EINVAL, NULL, -1, "%s: '%s'", t.error, pattern);
    }
    re = pk_malloc(sizeof *re);
    if (!re) {
        pk_buf_dispose(&t.out);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    }
    rc = regcomp(&re->re, (const char *)t.out.data, flags | (t.icase ? REG_ICASE : 0));
    pk_buf_dispose(&t.out);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &re->re, msg, sizeof msg);
        pk_free(re);
        return pk_error_set(err, rc == REG_ESPACE ? PK_ENOMEM : PK_EINVAL, NULL, -1,
                            "invalid regular expression '%s': %s", pattern, msg);
    }
    *out = re;
    return PK_OK;
}

bool pk_regex_search(const pk_regex *re, const char *text)
{
    return regexec(&re->re, text, 0, NULL, 0) == 0;
}

void pk_regex_free(pk_regex *re)
{
    if (!re)
        return;
    regfree(&re->re);
    pk_free(re);
}
