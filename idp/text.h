/*
 * Text from outside and text we write out: strict validators (UTF-8,
 * e-mail, display name, tenant slug) and CSV escaping (idp/text.c).  No I/O,
 * no globals; unit-tested in tests/unit/test_util.c.
 */
#ifndef IDP_TEXT_H
#define IDP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points over U+10FFFF) and contains no NUL and no C0 control
 * characters except TAB, LF and CR. */
bool idp_utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 string s. */
size_t idp_utf8_chars(const char *s);

/* True for a plausible address: 3..254 bytes, exactly one '@', a local part
 * of 1..64 bytes and a domain of 1..253 bytes with at least one dot, printable
 * ASCII only, no spaces or any of  "(),:;<>[\]/?#%  (the last four would break
 * /users/{email}/ URLs).  Cannot fail. */
bool idp_email_valid(const char *s);

/* Lower-case the ASCII letters of s in place (e-mails compare case-blind). */
void idp_ascii_lower(char *s);

/* True for a display name: valid UTF-8, 1..100 code points, not all blank, no
 * control characters, line separators or bidirectional overrides/isolates. */
bool idp_name_valid(const char *s);

/* True for a tenant slug: 1..63 chars of [a-z0-9-], not starting or ending in '-'. */
bool idp_slug_valid(const char *s);

/* Append the CSV form of field s to out (at most outsz bytes, NUL-terminated):
 * quoted when it contains  , " CR or LF  (quotes doubled), and prefixed with
 * a single quote when it starts with = + - @ TAB or CR so spreadsheets do not
 * read it as a formula (OWASP CSV injection).  Returns the bytes the full
 * field needs (without NUL), like snprintf. */
size_t idp_csv_field(const char *s, char *out, size_t outsz);

/* Bounded copy of src (NULL = ""), always NUL-ended (dstsz > 0); a copy
 * that does not fit is cut before the UTF-8 sequence that would be split,
 * so valid UTF-8 stays valid.  Cannot fail. */
void idp_copy(char *dst, size_t dstsz, const char *src);

#endif
