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

/*
 * X.509 client certificates (mfa/cert.c, OpenSSL 3): the PEM bundles an administrator uploads
 * (tenant CAs and CRLs), the certificate a client presents (DER from direct TLS, URL-encoded PEM
 * from a trusted TLS-terminating proxy) and its verification against the tenant's CAs and CRLs.
 * Pure functions: no database, no network; OpenSSL's error queue is left empty.
 */
#define MFA_CERT_MAX (16 * 1024)  /* one DER certificate or CRL */
#define MFA_PEM_MAX  (256 * 1024) /* an uploaded PEM bundle */
#define MFA_DN_MAX   512

enum mfa_pem_kind { MFA_PEM_CERT, MFA_PEM_CRL };

struct mfa_pem_item {
	enum mfa_pem_kind kind;
	unsigned char *der; /* owned: mfa_pem_items_free() / mfa_pem_item_clear() */
	size_t der_len;
	/* RFC 2253 one line (XN_FLAG_RFC2253 without ESC_MSB, so non-ASCII stays UTF-8; control
	 * characters and , + " \ < > ; are escaped), cut at a UTF-8 character boundary if longer
	 * than MFA_DN_MAX - 1 bytes.  A CRL has subject "" and its issuer in issuer. */
	char subject[MFA_DN_MAX], issuer[MFA_DN_MAX];
	int64_t not_before,
	    not_after;            /* cert: validity; CRL: lastUpdate, nextUpdate (0 when absent) */
	unsigned char sha256[32]; /* of the DER: the certificate's fingerprint */
	bool is_ca;               /* cert: basicConstraints CA:TRUE */
};

/* Parses a PEM text of len bytes (need not be NUL-terminated) holding one or more CERTIFICATE
 * and/or X509 CRL blocks, with nothing but whitespace before, between and after them.  Each block:
 * "-----BEGIN <label>-----" line, base64 lines only (no RFC 1421 headers), the matching END line,
 * DER that parses completely (no trailing bytes) and is at most MFA_CERT_MAX bytes; a certificate
 * whose extensions do not parse is refused too.  Any other block type (PRIVATE KEY, TRUSTED
 * CERTIFICATE, ...), garbage, trailing junk, a NUL byte, a truncated or undecodable block, no block
 * at all, more than 64 items, or len > MFA_PEM_MAX -> IDP_ERR_INVALID with *why set to a short
 * static English reason for the operator's log (why may be NULL); IDP_ERR_NOMEM / IDP_ERR_CRYPTO
 * for resource failures.  On IDP_OK *items is a new array of *n items in input order (free with
 * mfa_pem_items_free); on failure *items = NULL, *n = 0.  *why is NULL on IDP_OK. */
enum idp_err mfa_pem_parse(const char *pem, size_t len, struct mfa_pem_item **items, size_t *n,
                           const char **why);

/* Frees the array of n items and their DER.  NULL is fine. */
void mfa_pem_items_free(struct mfa_pem_item *items, size_t n);

/* Frees one item's DER and zeroes the item (for the out of mfa_cert_from_der/_from_pem, which the
 * caller holds, e.g. on the stack).  NULL is fine; safe on a zeroed item and twice. */
void mfa_pem_item_clear(struct mfa_pem_item *item);

/* One certificate from DER (the TLS peer's leaf: exactly len bytes, at most MFA_CERT_MAX) or from
 * PEM text (exactly one CERTIFICATE block, same rules as mfa_pem_parse): its info as above, kind
 * MFA_PEM_CERT, out->der a new copy (release with mfa_pem_item_clear).  IDP_ERR_INVALID when it
 * does not parse (out is then zeroed, nothing to free); IDP_ERR_NOMEM. */
enum idp_err mfa_cert_from_der(const unsigned char *der, size_t len, struct mfa_pem_item *out);
enum idp_err mfa_cert_from_pem(const char *pem, size_t len, struct mfa_pem_item *out);

/* nginx's $ssl_client_escaped_cert (URL-encoded PEM, as in X-SSL-Client-Cert) -> PEM text in out,
 * NUL-terminated.  %XX (either case) is decoded; '+' stays '+' (base64, not a space: nginx writes
 * a space as %20).  IDP_ERR_INVALID for NULL, a '%' not followed by two hex digits, %00, or a
 * result of more than outsz - 1 bytes; out is then "" (when outsz > 0). */
enum idp_err mfa_url_unescape(const char *in, char *out, size_t outsz);

/* Verifies the client certificate leaf (DER) at Unix time now against trust anchors cas (n_cas DER
 * CA certificates) and crls (n_crls DER CRLs):
 * - the chain must reach a self-signed root among cas; intermediates may be among cas too (the
 *   peer's own intermediates are not used).  A self-signed leaf that is not among cas fails.
 * - validity periods of every certificate in the chain at now;
 * - purpose SSL client (X509_PURPOSE_SSL_CLIENT): extendedKeyUsage must allow clientAuth when
 *   present (no EKU is accepted), keyUsage must allow digitalSignature or keyAgreement when
 * present;
 * - revocation: require_crl true -> every certificate of the chain needs a current CRL from its
 *   issuer in crls (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL; the root is checked against
 *   its own CRL).  require_crl false -> if at least one CRL in crls names the leaf's issuer, the
 *   leaf is checked against it (X509_V_FLAG_CRL_CHECK, leaf only); without such a CRL no revocation
 *   check is made, so a tenant that uploaded no CRL still works.  A CRL that is used and is past
 *   its nextUpdate (or not yet valid, or badly signed) fails: fail closed.
 * IDP_OK when valid; IDP_ERR_AUTH otherwise (including any CA or CRL that does not parse, n_cas ==
 * 0, more than 1024 CAs or CRLs, now < 0), with *why (why may be NULL) a static English string:
 * X509_verify_cert_error_string() of the failure, e.g. "certificate has expired", "certificate
 * revoked", "unsuitable certificate purpose", "self-signed certificate", "CRL has expired",
 * "unable to get local issuer certificate", or our own reason for bad arguments.  *why is NULL on
 * IDP_OK.  Nothing is kept; thread-safe. */
enum idp_err mfa_cert_verify(const unsigned char *leaf, size_t leaf_len,
                             const unsigned char *const *cas, const size_t *ca_lens, size_t n_cas,
                             const unsigned char *const *crls, const size_t *crl_lens,
                             size_t n_crls, bool require_crl, int64_t now, const char **why);

#endif
