/*
 * Signing key pairs for SAML (idp/x509gen.c): an RSA key and a self-signed
 * X.509 certificate for it, made with OpenSSL.  Pure: no database, no files.
 */
#ifndef IDP_X509GEN_H
#define IDP_X509GEN_H

#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"

#define IDP_X509_CN_MAX 64

/* A new RSA key of bits (2048 or 3072) and a self-signed certificate for it
 * (SHA-256 with RSA, subject and issuer CN=cn, serial 128 random bits, valid
 * from an hour ago for days days, basicConstraints CA:FALSE, keyUsage
 * digitalSignature).  *key_pem (PKCS#8, unencrypted: seal it) and *cert_pem
 * are new strings (caller frees; wipe the key); sha256 gets the DER
 * certificate's SHA-256.  IDP_ERR_INVALID for other sizes, an empty or
 * overlong cn or days outside 1..36500; IDP_ERR_CRYPTO when OpenSSL fails
 * (logged). */
enum idp_err idp_x509_keypair(int bits, const char *cn, int days, char **key_pem, char **cert_pem,
                              unsigned char sha256[32]);

/* The end of the validity (notAfter) of the PEM certificate cert_pem (the
 * first one) as Unix time in *out.  IDP_ERR_INVALID, *out 0, when there
 * is no certificate or its time cannot be read.  Pure. */
enum idp_err idp_x509_not_after(const char *cert_pem, int64_t *out);

#endif
