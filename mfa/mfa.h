/*
 * Second factors: the pure parts of TOTP (RFC 6238 over liboath's HOTP), the
 * base32 and otpauth:// forms an authenticator app reads, the QR code of that
 * URI (libqrencode, as inline SVG), AES-256-GCM sealing of secrets at rest,
 * and recovery codes.  Nothing here touches the database or the network; the
 * replay guard (accept a step only if it is newer than the last one) and the
 * failure counters live with the caller.
 *
 * Every function is fail-safe on bad input (NULL, wrong sizes, out-of-range
 * values): it refuses, never crashes, never reads or writes past a buffer.
 * Secrets held in stack buffers are wiped before returning.
 */
#ifndef MFA_MFA_H
#define MFA_MFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"

#define MFA_TOTP_SECRET_LEN 20        /* 160-bit secret (RFC 4226 §4 R6 recommends 160) */
#define MFA_B32_MAX         64        /* base32 text incl. NUL, enough for the secret */
#define MFA_SEAL_OVERHEAD   (12 + 16) /* nonce + GCM tag */
#define MFA_RECOVERY_LEN    14        /* "xxxx-xxxx-xxxx" */
#define MFA_RECOVERY_COUNT  10

/* liboath's process-wide set-up: once in main() before threads start. */
enum idp_err mfa_global_init(void);
void mfa_global_done(void);

/* Fills secret with MFA_TOTP_SECRET_LEN random bytes (RAND_bytes); IDP_ERR_CRYPTO on failure
 * (secret is then zeroed). */
enum idp_err mfa_totp_secret_new(unsigned char secret[MFA_TOTP_SECRET_LEN]);

/* RFC 4648 base32, upper case, no padding, NUL-terminated.  out needs (n * 8 + 4) / 5 + 1 bytes;
 * when it is smaller (or in is NULL with n > 0) out becomes "" (if outsz > 0).  Cannot fail. */
void mfa_base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz);

/* Strict RFC 4648 base32 decode: upper case A-Z2-7 only (lower case, spaces, dashes are refused),
 * '=' padding optional but if present only at the end and complete (length a multiple of 8), and
 * unused trailing bits zero (canonical).  "" decodes to 0 bytes.  IDP_ERR_INVALID for anything
 * else, IDP_ERR_TOO_LARGE when out is too small; out is wiped on failure. */
enum idp_err mfa_base32_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen);

/* otpauth://totp/<issuer>:<account>?secret=<B32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded (only RFC 3986 unreserved bytes kept, so ':' '@' '+' and
 * UTF-8 are encoded).  NULL when issuer or account is NULL, empty or over 512 bytes, or the secret
 * is empty or over 39 bytes.  New string, caller frees. */
char *mfa_otpauth_uri(const char *issuer, const char *account, const unsigned char *secret,
                      size_t n);

/* A TOTP code as typed: exactly 6 ASCII digits 0-9 (no spaces, full-width digits or sign).
 * false for NULL. */
bool mfa_totp_code_syntax(const char *code);

/* RFC 6238 (HMAC-SHA-1, 6 digits, 30 s steps from T0 = 0) at Unix time now, window +/-1 step.
 * IDP_OK with *step (if step is not NULL) = the absolute time step floor(t/30) that matched;
 * IDP_ERR_AUTH when none did or the code's syntax is wrong; IDP_ERR_INVALID for a NULL or empty
 * secret or now < 0.  All three steps are computed and compared (CRYPTO_memcmp) whatever matches;
 * should two match (chance ~1e-6) the current step wins, then the earlier one.  *step is written
 * only on IDP_OK. */
enum idp_err mfa_totp_check(const unsigned char *secret, size_t n, int64_t now, const char *code,
                            int64_t *step);

/* The 6-digit code at Unix time now (NUL-terminated in out).  IDP_ERR_INVALID for a NULL or empty
 * secret or now < 0 (out is then ""), IDP_ERR_CRYPTO if liboath fails. */
enum idp_err mfa_totp_code(const unsigned char *secret, size_t n, int64_t now, char out[7]);

/* AES-256-GCM: out = 12-byte random nonce || ciphertext || 16-byte tag, with associated data
 * "sekisho totp v1" || tenant_id || user_id (each 8 bytes big-endian), so a ciphertext moved to
 * another row fails to open.  Needs outsz >= n + MFA_SEAL_OVERHEAD (else IDP_ERR_TOO_LARGE);
 * n at most 65536.  IDP_ERR_INVALID for NULL arguments, IDP_ERR_CRYPTO if OpenSSL fails. */
enum idp_err mfa_seal(const unsigned char key[32], int64_t tenant_id, int64_t user_id,
                      const unsigned char *in, size_t n, unsigned char *out, size_t outsz,
                      size_t *outlen);

/* The reverse of mfa_seal(): IDP_ERR_CRYPTO when the tag does not verify (wrong key, tenant, user
 * or tampering), IDP_ERR_INVALID when n < MFA_SEAL_OVERHEAD or an argument is NULL,
 * IDP_ERR_TOO_LARGE when outsz < n - MFA_SEAL_OVERHEAD.  On any failure out holds no plaintext. */
enum idp_err mfa_open(const unsigned char key[32], int64_t tenant_id, int64_t user_id,
                      const unsigned char *in, size_t n, unsigned char *out, size_t outsz,
                      size_t *outlen);

/* The QR code of text (error correction M, 8-bit mode) as one standalone <svg> element: xmlns,
 * role="img", aria-label (escaped here), width/height at 6 px per module, viewBox with a 4-module
 * quiet zone, a white <rect> and ONE <path fill="#000">; no style, no script, nothing external.
 * NULL when text is NULL, empty, over 2048 bytes or too long for a QR code, or aria_label is NULL.
 * New string, caller frees. */
char *mfa_qr_svg(const char *text, const char *aria_label);

/* A new recovery code "xxxx-xxxx-xxxx" (lower case) over Crockford's base32 alphabet
 * "0123456789abcdefghjkmnpqrstvwxyz" (no i, l, o, u), 12 symbols = 60 bits from RAND_bytes
 * (32 divides 256: no bias).  IDP_ERR_CRYPTO if RAND_bytes fails (out is then ""). */
enum idp_err mfa_recovery_new(char out[MFA_RECOVERY_LEN + 1]);

/* Normalises a typed recovery code to the canonical "xxxx-xxxx-xxxx": ASCII only, case-insensitive,
 * surrounding spaces/tabs trimmed, each of the two dashes optional (only between groups), and as in
 * Crockford's scheme 'o' is read as '0' and 'i'/'l' as '1'.  false (out = "") for anything else:
 * wrong length, 'u' or other symbols, inner spaces, non-ASCII, NULL. */
bool mfa_recovery_normalize(const char *in, char out[MFA_RECOVERY_LEN + 1]);

#endif
