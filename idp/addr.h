/*
 * IP addresses, CIDR ranges and the client address behind trusted proxies
 * (idp/addr.c).  No I/O, no globals; unit-tested in tests/unit/test_util.c.
 */
#ifndef IDP_ADDR_H
#define IDP_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/err.h"

/* An IPv4 or IPv6 address.  IPv4 is stored as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) so one comparison routine serves both families. */
struct idp_addr {
	unsigned char b[16];
};

/* A CIDR range; prefix counts bits of the 128-bit (mapped) form. */
struct idp_cidr {
	struct idp_addr addr; /* already masked to prefix */
	unsigned prefix;      /* 0..128 */
};

/* Parse "192.0.2.1" or "2001:db8::1" (no brackets, no port, no zone).
 * IDP_ERR_INVALID otherwise. */
enum idp_err idp_addr_parse(const char *s, struct idp_addr *out);

/* Text form of a, IPv4-mapped addresses as dotted quads; out holds 46 bytes. */
void idp_addr_format(const struct idp_addr *a, char out[46]);

/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (host route).
 * Rejects host bits set beyond the prefix ("10.0.0.1/8") and prefixes out of
 * range for the family.  IDP_ERR_INVALID otherwise. */
enum idp_err idp_cidr_parse(const char *s, struct idp_cidr *out);

/* Canonical text of c ("10.0.0.0/8", "2001:db8::/32"); out holds 50 bytes. */
void idp_cidr_format(const struct idp_cidr *c, char out[50]);

/* True when a lies inside c. Cannot fail. */
bool idp_cidr_contains(const struct idp_cidr *c, const struct idp_addr *a);

/* True when a lies inside any of the n ranges. */
bool idp_cidr_list_contains(const struct idp_cidr *list, size_t n, const struct idp_addr *a);

/* Parse a list of CIDRs separated by commas and/or white space into a new
 * array (*out, caller frees; NULL when *n == 0).  On a bad element returns
 * IDP_ERR_INVALID and, if bad is not NULL, copies the offending element
 * (truncated) into bad[0..badsz). */
enum idp_err idp_cidr_list_parse(const char *s, struct idp_cidr **out, size_t *n, char *bad,
                                 size_t badsz);

/* Decide which address a request comes from.  peer is the socket address.
 * When peer is in trusted (n ranges) and xff (X-Forwarded-For, may be NULL)
 * is present, walk xff right to left and return the first address that is not
 * itself a trusted proxy (or the leftmost one if all are trusted).  A
 * malformed or empty element, or a chain of more than 64 trusted hops, gives
 * the unspecified address "::" (nobody known; never a trusted proxy's own
 * address, which allow lists may name).  Otherwise the peer.  Cannot fail. */
struct idp_addr idp_client_addr(const struct idp_addr *peer, const char *xff,
                                const struct idp_cidr *trusted, size_t n);

#endif
