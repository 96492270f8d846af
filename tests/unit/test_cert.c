/*
 * Unit tests for mfa/cert.c: PEM bundles of CAs and CRLs, the certificate a
 * client presents (DER, URL-encoded PEM from nginx) and its verification
 * against a tenant's CAs and CRLs.  The test PKI is made at run time with the
 * openssl command line tool (`openssl req`, `openssl ca` for fixed validity
 * dates and CRLs) in a temporary directory, removed at the end; verification
 * runs at a fixed "now" so the fixed dates decide the outcomes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mfa/mfa.h"

#define NOW        INT64_C(1906502400) /* 2030-06-01T00:00:00Z */
#define T_20200101 INT64_C(1577836800)
#define T_20491231 INT64_C(2524521600)
#define T_20300101 INT64_C(1893456000)
#define T_20301231 INT64_C(1924905600)

/* The PKI: root (Test Root CA) issues good, expired, future, server, noeku, revoked (revoked in
 * root.crl), sub (Test Sub CA) which issues subleaf; other (Other CA) issues othercli; self is a
 * self-signed clientAuth certificate.  root.crl is current at NOW, stale.crl expired in 2021. */
static const char gen_sh[] =
    "set -e\n"
    "mkca() { # name subject\n"
    "  mkdir -p $1/new; : > $1/index.txt; echo 1000 > $1/serial\n"
    "  cat > $1/ca.cnf <<EOC\n"
    "[ca]\n"
    "default_ca = d\n"
    "[d]\n"
    "dir = $1\n"
    "database = \\$dir/index.txt\n"
    "new_certs_dir = \\$dir/new\n"
    "serial = \\$dir/serial\n"
    "certificate = \\$dir/ca.pem\n"
    "private_key = \\$dir/ca.key\n"
    "default_md = sha256\n"
    "policy = p\n"
    "unique_subject = no\n"
    "email_in_dn = no\n"
    "preserve = yes\n"
    "[p]\n"
    "commonName = supplied\n"
    "organizationName = optional\n"
    "[client]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = clientAuth\n"
    "[server]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = serverAuth\n"
    "[noeku]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "[subca]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "EOC\n"
    "}\n"
    "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1 2>/dev/null; "
    "}\n"
    "root() { # dir cn\n"
    "  mkca $1\n"
    "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1/ca.key -out "
    "$1/ca.pem \\\n"
    "    -days 36500 -subj \"/CN=$2\" -addext basicConstraints=critical,CA:TRUE -addext "
    "keyUsage=critical,keyCertSign,cRLSign 2>/dev/null\n"
    "}\n"
    "issue() { # cadir name cn ext start end\n"
    "  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $2.key -out "
    "$2.csr -utf8 -subj \"/CN=$3\" 2>/dev/null\n"
    "  openssl ca -batch -config $1/ca.cnf -notext -in $2.csr -out $2.pem -extensions $4 "
    "-startdate $5 -enddate $6 2>/dev/null\n"
    "}\n"
    "crl() { # cadir out last next\n"
    "  openssl ca -batch -config $1/ca.cnf -gencrl -out $2 -crl_lastupdate $3 -crl_nextupdate $4 "
    "2>/dev/null\n"
    "}\n"
    "V1=20200101000000Z; V2=20491231000000Z\n"
    "root root \"Test Root CA\"\n"
    "root other \"Other CA\"\n"
    "issue root good \"Good Client/O=関所, Inc.\" client $V1 $V2\n"
    "issue root expired \"Expired Client\" client 20100101000000Z 20110101000000Z\n"
    "issue root future \"Future Client\" client 20400101000000Z 20450101000000Z\n"
    "issue root server \"Server Only\" server $V1 $V2\n"
    "issue root noeku \"No EKU\" noeku $V1 $V2\n"
    "issue root revoked \"Revoked Client\" client $V1 $V2\n"
    "issue other othercli \"Other Client\" client $V1 $V2\n"
    "openssl ca -batch -config root/ca.cnf -revoke revoked.pem 2>/dev/null\n"
    "crl root root.crl 20300101000000Z 20301231000000Z\n"
    "crl root stale.crl 20200101000000Z 20210101000000Z\n"
    "issue root sub \"Test Sub CA\" subca $V1 $V2\n"
    "mkca subdir; cp sub.pem subdir/ca.pem; cp sub.key subdir/ca.key\n"
    "issue subdir subleaf \"Sub Client\" client $V1 $V2\n"
    "crl subdir sub.crl 20300101000000Z 20301231000000Z\n"
    "openssl ca -batch -config root/ca.cnf -revoke sub.pem 2>/dev/null\n"
    "crl root rootsub.crl 20300101000000Z 20301231000000Z\n"
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key -out "
    "self.pem \\\n"
    "    -days 36500 -subj \"/CN=Self Signed\" -addext extendedKeyUsage=clientAuth 2>/dev/null\n"
    "for f in root/ca other/ca good expired future server noeku revoked othercli sub subleaf self; "
    "do\n"
    "  openssl x509 -in $f.pem -outform der -out $f.der\n"
    "done\n"
    "for f in root stale sub rootsub; do openssl crl -in $f.crl -outform der -out $f.crl.der; "
    "done\n"
    "\n";

static char dir[] = "/tmp/sekisho-test-cert-XXXXXX";
static bool pki_ok;

/* dir/name into a new buffer (NUL-terminated, *n without the NUL); NULL if missing. */
static unsigned char *slurp(const char *name, size_t *n)
{
	char path[256];
	unsigned char *buf = NULL;
	long len;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			buf[len] = '\0';
			*n = (size_t)len;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static bool make_pki(void)
{
	char cmd[512];
	FILE *f;

	if (!mkdtemp(dir))
		return false;
	snprintf(cmd, sizeof(cmd), "%s/gen.sh", dir);
	f = fopen(cmd, "w");
	if (!f)
		return false;
	fputs(gen_sh, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && sh gen.sh >gen.log 2>&1", dir);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/gen.log'", dir);
		(void)system(cmd);
		return false;
	}
	return true;
}

/* Verify the DER file leaf against DER files cas and crls (NULL-terminated lists). */
static enum idp_err verify(const char *leaf, const char *const *ca_names,
                           const char *const *crl_names, bool require_crl, int64_t now,
                           const char **why)
{
	unsigned char *l, *cas[8] = {0}, *crls[8] = {0};
	size_t ln, ca_lens[8] = {0}, crl_lens[8] = {0}, nca = 0, ncrl = 0;
	enum idp_err err;

	l = slurp(leaf, &ln);
	for (; ca_names && ca_names[nca]; nca++)
		cas[nca] = slurp(ca_names[nca], &ca_lens[nca]);
	for (; crl_names && crl_names[ncrl]; ncrl++)
		crls[ncrl] = slurp(crl_names[ncrl], &crl_lens[ncrl]);
	*why = "(not called)";
	err = mfa_cert_verify(l, ln, (const unsigned char *const *)cas, ca_lens, nca,
	                      (const unsigned char *const *)crls, crl_lens, ncrl, require_crl, now,
	                      why);
	free(l);
	for (size_t i = 0; i < nca; i++)
		free(cas[i]);
	for (size_t i = 0; i < ncrl; i++)
		free(crls[i]);
	return err;
}

static const char *const root_only[] = {"root/ca.der", NULL};
static const char *const root_crl[] = {"root.crl.der", NULL};

/* Whether why is the expected reason (NULL: success); prints a mismatch. */
static bool why_is(const char *why, const char *expect)
{
	if (!expect)
		return why == NULL;
	if (why && strcmp(why, expect) == 0)
		return true;
	printf("  why: %s (expected %s)\n", why ? why : "(null)", expect);
	return false;
}

/* Verification outcome, with *why checked: NULL on success, the OpenSSL text on failure. */
#define CHECK_VERIFY(leaf, cas, crls, req, now, expect_why)                                        \
	do {                                                                                       \
		const char *why_, *expect_ = (expect_why);                                         \
		enum idp_err e_ = verify(leaf, cas, crls, req, now, &why_);                        \
		CHECK(e_ == (expect_ ? IDP_ERR_AUTH : IDP_OK));                                    \
		CHECK(why_is(why_, expect_));                                                      \
	} while (0)

TEST(pki_generated_with_openssl)
{
	CHECK(pki_ok);
}

TEST(verify_accepts_valid_client_certificate)
{
	CHECK_VERIFY("good.der", root_only, NULL, false, NOW, NULL);
	/* now is what counts: the same certificate before its notBefore / after notAfter. */
	CHECK_VERIFY("good.der", root_only, NULL, false, T_20200101 - 1,
	             "certificate is not yet valid");
	CHECK_VERIFY("good.der", root_only, NULL, false, T_20491231 + 1, "certificate has expired");
}

TEST(verify_refuses_expired_and_not_yet_valid)
{
	CHECK_VERIFY("expired.der", root_only, NULL, false, NOW, "certificate has expired");
	CHECK_VERIFY("future.der", root_only, NULL, false, NOW, "certificate is not yet valid");
}

TEST(verify_refuses_certificate_of_another_ca)
{
	static const char *const other_only[] = {"other/ca.der", NULL};
	static const char *const both[] = {"other/ca.der", "root/ca.der", NULL};

	CHECK_VERIFY("othercli.der", root_only, NULL, false, NOW,
	             "unable to get local issuer certificate");
	CHECK_VERIFY("good.der", other_only, NULL, false, NOW,
	             "unable to get local issuer certificate");
	/* Both CAs trusted: each verifies (the store holds several anchors). */
	CHECK_VERIFY("othercli.der", both, NULL, false, NOW, NULL);
	CHECK_VERIFY("good.der", both, NULL, false, NOW, NULL);
}

TEST(verify_refuses_self_signed_leaf_not_among_cas)
{
	static const char *const self_too[] = {"root/ca.der", "self.der", NULL};

	CHECK_VERIFY("self.der", root_only, NULL, false, NOW, "self-signed certificate");
	/* Only an administrator's upload makes it trusted. */
	CHECK_VERIFY("self.der", self_too, NULL, false, NOW, NULL);
}

TEST(verify_checks_extended_key_usage)
{
	CHECK_VERIFY("server.der", root_only, NULL, false, NOW, "unsuitable certificate purpose");
	CHECK_VERIFY("noeku.der", root_only, NULL, false, NOW, NULL);
}

TEST(verify_refuses_revoked_certificate_by_crl)
{
	CHECK_VERIFY("revoked.der", root_only, root_crl, false, NOW, "certificate revoked");
	CHECK_VERIFY("revoked.der", root_only, root_crl, true, NOW, "certificate revoked");
	/* The refusal comes from the CRL: without it the certificate is otherwise fine. */
	CHECK_VERIFY("revoked.der", root_only, NULL, false, NOW, NULL);
	/* Not listed in the CRL: accepted, with or without require_crl. */
	CHECK_VERIFY("good.der", root_only, root_crl, false, NOW, NULL);
	CHECK_VERIFY("good.der", root_only, root_crl, true, NOW, NULL);
}

TEST(verify_fails_closed_on_crl_past_next_update)
{
	static const char *const stale[] = {"stale.crl.der", NULL};

	CHECK_VERIFY("good.der", root_only, stale, false, NOW, "CRL has expired");
	CHECK_VERIFY("good.der", root_only, stale, true, NOW, "CRL has expired");
	/* The current CRL at a time past its nextUpdate (2030-12-31) fails the same way. */
	CHECK_VERIFY("good.der", root_only, root_crl, false, T_20301231 + 1, "CRL has expired");
	CHECK_VERIFY("good.der", root_only, root_crl, false, T_20300101 - 1,
	             "CRL is not yet valid");
}

TEST(verify_require_crl_semantics)
{
	static const char *const sub_crl[] = {"sub.crl.der", NULL};

	/* require_crl without any CRL of the issuer: refused. */
	CHECK_VERIFY("good.der", root_only, NULL, true, NOW, "unable to get certificate CRL");
	CHECK_VERIFY("good.der", root_only, sub_crl, true, NOW, "unable to get certificate CRL");
	/* Not required and only another issuer's CRL present: no revocation check. */
	CHECK_VERIFY("good.der", root_only, sub_crl, false, NOW, NULL);
}

TEST(verify_accepts_chain_through_intermediate_among_cas)
{
	static const char *const chain[] = {"root/ca.der", "sub.der", NULL};
	static const char *const sub_only[] = {"sub.der", NULL};
	static const char *const both_crls[] = {"root.crl.der", "sub.crl.der", NULL};
	static const char *const sub_crl[] = {"sub.crl.der", NULL};

	CHECK_VERIFY("subleaf.der", chain, NULL, false, NOW, NULL);
	CHECK_VERIFY("subleaf.der", root_only, NULL, false, NOW,
	             "unable to get local issuer certificate");
	/* The root must be among the CAs: an intermediate alone is not an anchor. */
	CHECK_VERIFY("subleaf.der", sub_only, NULL, false, NOW, "unable to get issuer certificate");
	/* require_crl: the sub CA's CRL for the leaf and the root's CRL for the sub CA. */
	CHECK_VERIFY("subleaf.der", chain, both_crls, true, NOW, NULL);
	CHECK_VERIFY("subleaf.der", chain, sub_crl, true, NOW, "unable to get certificate CRL");
	CHECK_VERIFY("subleaf.der", chain, sub_crl, false, NOW, NULL);
	/* Without require_crl, the root's CRL still counts for the sub CA: an
	 * intermediate the root revoked fails (with or without its own CRL). */
	static const char *const root_revokes_sub[] = {"rootsub.crl.der", NULL};
	static const char *const root_revokes_sub_and_sub[] = {"rootsub.crl.der", "sub.crl.der",
	                                                       NULL};
	CHECK_VERIFY("subleaf.der", chain, root_revokes_sub, false, NOW, "certificate revoked");
	CHECK_VERIFY("subleaf.der", chain, root_revokes_sub_and_sub, false, NOW,
	             "certificate revoked");
}

TEST(verify_refuses_bad_input)
{
	unsigned char *good, *root, *junk;
	size_t gn, rn;
	const unsigned char *cas[1];
	size_t lens[1];
	const char *why;

	good = slurp("good.der", &gn);
	root = slurp("root/ca.der", &rn);
	CHECK(good && root);
	if (!good || !root)
		goto out;
	cas[0] = root;
	lens[0] = rn;
	CHECK(mfa_cert_verify(good, gn, cas, lens, 1, NULL, NULL, 0, false, NOW, &why) == IDP_OK);
	/* Truncated leaf, leaf with a trailing byte, garbage, NULLs, no CAs, bad CA, negative now.
	 */
	CHECK(mfa_cert_verify(good, gn - 1, cas, lens, 1, NULL, NULL, 0, false, NOW, &why) ==
	      IDP_ERR_AUTH);
	CHECK(why != NULL);
	junk = malloc(gn + 1);
	CHECK(junk != NULL);
	if (junk) {
		memcpy(junk, good, gn);
		junk[gn] = 0;
		CHECK(mfa_cert_verify(junk, gn + 1, cas, lens, 1, NULL, NULL, 0, false, NOW,
		                      &why) == IDP_ERR_AUTH);
		free(junk);
	}
	CHECK(mfa_cert_verify((const unsigned char *)"hello", 5, cas, lens, 1, NULL, NULL, 0, false,
	                      NOW, &why) == IDP_ERR_AUTH);
	CHECK(mfa_cert_verify(NULL, 0, cas, lens, 1, NULL, NULL, 0, false, NOW, &why) ==
	      IDP_ERR_AUTH);
	CHECK(mfa_cert_verify(good, gn, NULL, NULL, 0, NULL, NULL, 0, false, NOW, &why) ==
	      IDP_ERR_AUTH);
	CHECK(mfa_cert_verify(good, gn, NULL, lens, 1, NULL, NULL, 0, false, NOW, &why) ==
	      IDP_ERR_AUTH);
	lens[0] = rn - 1;
	CHECK(mfa_cert_verify(good, gn, cas, lens, 1, NULL, NULL, 0, false, NOW, &why) ==
	      IDP_ERR_AUTH);
	lens[0] = rn;
	{
		const unsigned char *bad_crl[1] = {(const unsigned char *)"xx"};
		size_t bad_len[1] = {2};

		CHECK(mfa_cert_verify(good, gn, cas, lens, 1, bad_crl, bad_len, 1, false, NOW,
		                      &why) == IDP_ERR_AUTH);
		CHECK(mfa_cert_verify(good, gn, cas, lens, 1, NULL, bad_len, 1, false, NOW, &why) ==
		      IDP_ERR_AUTH);
	}
	CHECK(mfa_cert_verify(good, gn, cas, lens, 1, NULL, NULL, 0, false, -1, &why) ==
	      IDP_ERR_AUTH);
	CHECK(mfa_cert_verify(good, gn, cas, lens, 1, NULL, NULL, 0, false, NOW, NULL) == IDP_OK);
out:
	free(good);
	free(root);
}

/* The certificate's fingerprint as the openssl tool computes it (hex). */
static bool openssl_sha256(const char *pem_name, char hex[65])
{
	char cmd[512];
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s/%s' -outform der | sha256sum", dir,
	         pem_name);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fscanf(p, "%64s", hex) == 1 && strlen(hex) == 64;
	pclose(p);
	return ok;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* Concatenation of the named files (NUL-terminated). */
static char *cat(const char *const *names, size_t *n)
{
	char *all = NULL;
	size_t len = 0;

	for (size_t i = 0; names[i]; i++) {
		size_t k;
		unsigned char *b = slurp(names[i], &k);
		char *t;

		if (!b)
			goto fail;
		t = realloc(all, len + k + 1);
		if (!t) {
			free(b);
			goto fail;
		}
		all = t;
		memcpy(all + len, b, k + 1);
		len += k;
		free(b);
	}
	*n = len;
	return all;
fail:
	free(all);
	*n = 0;
	return NULL;
}

TEST(pem_parse_reads_bundle_of_certificates_and_crl)
{
	static const char *const names[] = {"root/ca.pem", "good.pem", "root.crl", NULL};
	struct mfa_pem_item *v = NULL;
	size_t n = 99, len, gdn;
	char *pem = cat(names, &len), hex[65], want[65];
	unsigned char *gd = slurp("good.der", &gdn);
	const char *why = "x";

	CHECK(pem != NULL && gd != NULL);
	if (!pem || !gd)
		goto out;
	CHECK(mfa_pem_parse(pem, len, &v, &n, &why) == IDP_OK);
	CHECK(why == NULL);
	CHECK(n == 3 && v != NULL);
	if (n != 3 || !v)
		goto out;
	CHECK(v[0].kind == MFA_PEM_CERT && v[1].kind == MFA_PEM_CERT && v[2].kind == MFA_PEM_CRL);
	CHECK_STR(v[0].subject, "CN=Test Root CA");
	CHECK_STR(v[0].issuer, "CN=Test Root CA");
	CHECK(v[0].is_ca);
	/* RFC 2253 order (most specific first), ',' escaped, UTF-8 kept as is. */
	CHECK_STR(v[1].subject, "O=関所\\, Inc.,CN=Good Client");
	CHECK_STR(v[1].issuer, "CN=Test Root CA");
	CHECK(!v[1].is_ca);
	CHECK(v[1].not_before == T_20200101);
	CHECK(v[1].not_after == T_20491231);
	CHECK(v[1].der_len == gdn && memcmp(v[1].der, gd, gdn) == 0);
	CHECK(openssl_sha256("good.pem", want));
	to_hex(v[1].sha256, 32, hex);
	CHECK_STR(hex, want);
	CHECK(openssl_sha256("root/ca.pem", want));
	to_hex(v[0].sha256, 32, hex);
	CHECK_STR(hex, want);
	CHECK_STR(v[2].subject, "");
	CHECK_STR(v[2].issuer, "CN=Test Root CA");
	CHECK(v[2].not_before == T_20300101);
	CHECK(v[2].not_after == T_20301231);
	CHECK(!v[2].is_ca);
	/* The parsed DER feeds mfa_cert_verify directly. */
	{
		const unsigned char *cas[1] = {v[0].der}, *crls[1] = {v[2].der};
		size_t ca_len[1] = {v[0].der_len}, crl_len[1] = {v[2].der_len};

		CHECK(mfa_cert_verify(v[1].der, v[1].der_len, cas, ca_len, 1, crls, crl_len, 1,
		                      true, NOW, &why) == IDP_OK);
	}
out:
	mfa_pem_items_free(v, n == 99 ? 0 : n);
	free(pem);
	free(gd);
}

/* mfa_pem_parse refuses text: IDP_ERR_INVALID, a reason, nothing allocated. */
static bool refused(const char *pem, size_t len)
{
	struct mfa_pem_item *v = (struct mfa_pem_item *)1;
	size_t n = 7;
	const char *why = NULL;
	enum idp_err e = mfa_pem_parse(pem, len, &v, &n, &why);

	if (e == IDP_OK)
		mfa_pem_items_free(v, n);
	return e == IDP_ERR_INVALID && v == NULL && n == 0 && why != NULL && why[0] != '\0';
}

static bool accepted(const char *pem, size_t len, size_t want)
{
	struct mfa_pem_item *v = NULL;
	size_t n = 0;
	const char *why = NULL;
	enum idp_err e = mfa_pem_parse(pem, len, &v, &n, &why);

	mfa_pem_items_free(v, n);
	return e == IDP_OK && n == want;
}

TEST(pem_parse_refuses_anything_but_certificates_and_crls)
{
	static const char *const key_names[] = {"good.pem", "good.key", NULL};
	size_t gl, kl, cl;
	char *good = (char *)slurp("good.pem", &gl), *withkey = cat(key_names, &kl), *buf = NULL;
	unsigned char *crl = slurp("root.crl", &cl);

	CHECK(good && withkey && crl);
	if (!good || !withkey || !crl)
		goto out;
	buf = malloc(MFA_PEM_MAX + 2 * gl + 16);
	CHECK(buf != NULL);
	if (!buf)
		goto out;
	CHECK(accepted(good, gl, 1));
	CHECK(strstr(withkey, "-----BEGIN PRIVATE KEY-----") != NULL);
	CHECK(refused(withkey, kl));
	CHECK(refused(withkey + gl, kl - gl));
	CHECK(refused("hello", 5));
	CHECK(refused("", 0));
	CHECK(refused(" \n\r\n", 4));
	CHECK(refused(NULL, 0));
	/* Trailing junk, and junk before. */
	snprintf(buf, MFA_PEM_MAX, "%sjunk\n", good);
	CHECK(refused(buf, strlen(buf)));
	snprintf(buf, MFA_PEM_MAX, "junk\n%s", good);
	CHECK(refused(buf, strlen(buf)));
	/* Text glued to the END line. */
	memcpy(buf, good, gl);
	buf[gl - 1] = 'x';
	CHECK(refused(buf, gl));
	/* Whitespace around and between blocks is fine, CRLF line ends too. */
	snprintf(buf, MFA_PEM_MAX, "\n  %s\n\n%s\t\n", good, good);
	CHECK(accepted(buf, strlen(buf), 2));
	{
		size_t o = 0;

		for (size_t i = 0; i < gl; i++) {
			if (good[i] == '\n')
				buf[o++] = '\r';
			buf[o++] = good[i];
		}
		CHECK(accepted(buf, o, 1));
	}
	/* Truncated block: cut in the middle; cut before the END line; a length that cuts it. */
	CHECK(refused(good, gl / 2));
	CHECK(refused(good, gl - 10));
	/* A truncated block followed by a whole one does not borrow its END line. */
	memcpy(buf, good, gl / 2);
	buf[gl / 2] = '\n';
	memcpy(buf + gl / 2 + 1, good, gl);
	CHECK(refused(buf, gl / 2 + 1 + gl));
	/* Corrupted base64; a byte of the DER changed so it no longer parses. */
	memcpy(buf, good, gl + 1);
	buf[40] = '!';
	CHECK(refused(buf, gl));
	memcpy(buf, good, gl + 1);
	memcpy(buf + 28, "AAAA", 4); /* the outer SEQUENCE header */
	CHECK(refused(buf, gl));
	/* A CERTIFICATE block holding a CRL, and mismatched END label. */
	snprintf(buf, MFA_PEM_MAX, "%s", (char *)crl);
	memcpy(strstr(buf, "BEGIN X509 CRL") + 6, "CERTIFICATE", 11);
	CHECK(refused(buf, strlen(buf)));
	snprintf(buf, MFA_PEM_MAX, "%s", good);
	memcpy(strstr(buf, "END CERTIFICATE"), "END CERTIFICATF", 15);
	CHECK(refused(buf, strlen(buf)));
	/* RFC 1421 headers inside a block. */
	snprintf(buf, MFA_PEM_MAX, "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n%s",
	         strchr(good, '\n') + 1);
	CHECK(refused(buf, strlen(buf)));
	/* Other labels. */
	snprintf(buf, MFA_PEM_MAX, "%s", good);
	memcpy(strstr(buf, "BEGIN CERTIFICATE"), "BEGIN CERTIFICATX", 17);
	CHECK(refused(buf, strlen(buf)));
	/* A NUL byte after a valid block. */
	memcpy(buf, good, gl + 1);
	CHECK(refused(buf, gl + 1));
	/* 64 items are fine, 65 are not. */
	for (int i = 0; i < 65; i++)
		memcpy(buf + (size_t)i * gl, good, gl);
	CHECK(accepted(buf, 64 * gl, 64));
	CHECK(refused(buf, 65 * gl));
	/* Over MFA_PEM_MAX, even if it is only whitespace after a block. */
	memcpy(buf, good, gl);
	memset(buf + gl, '\n', MFA_PEM_MAX + 1 - gl);
	CHECK(accepted(buf, MFA_PEM_MAX, 1));
	CHECK(refused(buf, MFA_PEM_MAX + 1));
	/* NULL out-parameters. */
	{
		size_t n;
		struct mfa_pem_item *v;

		CHECK(mfa_pem_parse(good, gl, NULL, &n, NULL) == IDP_ERR_INVALID);
		CHECK(mfa_pem_parse(good, gl, &v, NULL, NULL) == IDP_ERR_INVALID);
		CHECK(mfa_pem_parse(good, gl, &v, &n, NULL) == IDP_OK && n == 1);
		if (n == 1)
			mfa_pem_items_free(v, n);
	}
	mfa_pem_items_free(NULL, 3);
out:
	free(buf);
	free(good);
	free(withkey);
	free(crl);
}

TEST(cert_from_der_and_pem_read_one_certificate)
{
	size_t dn, pn, rn, cn;
	unsigned char *der = slurp("good.der", &dn), *bad = NULL;
	char *pem = (char *)slurp("good.pem", &pn), *two = NULL;
	unsigned char *crl = slurp("root.crl", &cn), *root = slurp("root/ca.pem", &rn);
	struct mfa_pem_item a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	CHECK(der && pem && crl && root);
	if (!der || !pem || !crl || !root)
		goto out;
	CHECK(mfa_cert_from_der(der, dn, &a) == IDP_OK);
	CHECK(mfa_cert_from_pem(pem, pn, &b) == IDP_OK);
	CHECK(a.kind == MFA_PEM_CERT && b.kind == MFA_PEM_CERT);
	CHECK(a.der_len == dn && b.der_len == dn && memcmp(a.der, der, dn) == 0 &&
	      memcmp(b.der, der, dn) == 0);
	CHECK(a.der != der);
	CHECK(memcmp(a.sha256, b.sha256, 32) == 0);
	CHECK_STR(a.subject, "O=関所\\, Inc.,CN=Good Client");
	CHECK_STR(b.issuer, "CN=Test Root CA");
	CHECK(a.not_after == T_20491231 && b.not_before == T_20200101);
	mfa_pem_item_clear(&a);
	mfa_pem_item_clear(&b);
	CHECK(a.der == NULL && a.subject[0] == '\0');
	mfa_pem_item_clear(&a); /* twice is fine */
	mfa_pem_item_clear(NULL);
	/* Truncated, trailing byte, empty, oversized, garbage. */
	CHECK(mfa_cert_from_der(der, dn - 1, &a) == IDP_ERR_INVALID && a.der == NULL);
	bad = calloc(1, MFA_CERT_MAX + 2);
	CHECK(bad != NULL);
	if (bad) {
		memcpy(bad, der, dn);
		CHECK(mfa_cert_from_der(bad, dn + 1, &a) == IDP_ERR_INVALID);
		CHECK(mfa_cert_from_der(bad, MFA_CERT_MAX + 1, &a) == IDP_ERR_INVALID);
	}
	CHECK(mfa_cert_from_der(der, 0, &a) == IDP_ERR_INVALID);
	CHECK(mfa_cert_from_der(NULL, 10, &a) == IDP_ERR_INVALID);
	CHECK(mfa_cert_from_der(der, dn, NULL) == IDP_ERR_INVALID);
	CHECK(mfa_cert_from_der((const unsigned char *)"0\x03\x02\x01", 4, &a) == IDP_ERR_INVALID);
	/* PEM: a CRL, two certificates, garbage are not "one certificate". */
	CHECK(mfa_cert_from_pem((char *)crl, cn, &a) == IDP_ERR_INVALID && a.der == NULL);
	two = malloc(pn + rn + 1);
	CHECK(two != NULL);
	if (two) {
		memcpy(two, pem, pn);
		memcpy(two + pn, root, rn + 1);
		CHECK(mfa_cert_from_pem(two, pn + rn, &a) == IDP_ERR_INVALID && a.der == NULL);
	}
	CHECK(mfa_cert_from_pem("garbage", 7, &a) == IDP_ERR_INVALID);
	CHECK(mfa_cert_from_pem(pem, pn, NULL) == IDP_ERR_INVALID);
out:
	free(der);
	free(pem);
	free(crl);
	free(root);
	free(bad);
	free(two);
}

/* Percent-encodes everything but RFC 3986 unreserved bytes, upper case hex, as nginx does. */
static char *url_escape(const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(in) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

TEST(url_unescape_round_trips_nginx_escaped_pem)
{
	size_t pn;
	char *pem = (char *)slurp("good.pem", &pn), *esc = NULL, *out = NULL;
	struct mfa_pem_item item;
	char small[16];

	memset(&item, 0, sizeof(item));
	CHECK(pem != NULL);
	if (!pem)
		goto out;
	esc = url_escape(pem);
	out = malloc(pn + 1);
	CHECK(esc && out);
	if (!esc || !out)
		goto out;
	CHECK(strstr(esc, "-----BEGIN%20CERTIFICATE-----%0A") == esc);
	CHECK(mfa_url_unescape(esc, out, pn + 1) == IDP_OK);
	CHECK(strcmp(out, pem) == 0);
	CHECK(mfa_cert_from_pem(out, strlen(out), &item) == IDP_OK);
	CHECK_STR(item.issuer, "CN=Test Root CA");
	mfa_pem_item_clear(&item);
	/* One byte too small for the result. */
	CHECK(mfa_url_unescape(esc, out, pn) == IDP_ERR_INVALID && out[0] == '\0');
	/* Lower-case hex; '+' is kept (base64), not turned into a space. */
	CHECK(mfa_url_unescape("a%2bb+c%2Fd%0a", small, sizeof(small)) == IDP_OK);
	CHECK_STR(small, "a+b+c/d\n");
	CHECK(mfa_url_unescape("", small, sizeof(small)) == IDP_OK && small[0] == '\0');
	CHECK(mfa_url_unescape("1234567", small, 8) == IDP_OK);
	CHECK(mfa_url_unescape("12345678", small, 8) == IDP_ERR_INVALID && small[0] == '\0');
	CHECK(mfa_url_unescape("%41%4", small, sizeof(small)) == IDP_ERR_INVALID &&
	      small[0] == '\0');
	CHECK(mfa_url_unescape("%", small, sizeof(small)) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape("%zz", small, sizeof(small)) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape("%4g", small, sizeof(small)) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape("a%00b", small, sizeof(small)) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape(NULL, small, sizeof(small)) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape("a", small, 0) == IDP_ERR_INVALID);
	CHECK(mfa_url_unescape("a", NULL, 4) == IDP_ERR_INVALID);
out:
	free(pem);
	free(esc);
	free(out);
}

int main(void)
{
	char cmd[512];

	pki_ok = make_pki();
	RUN(pki_generated_with_openssl);
	if (pki_ok) {
		RUN(verify_accepts_valid_client_certificate);
		RUN(verify_refuses_expired_and_not_yet_valid);
		RUN(verify_refuses_certificate_of_another_ca);
		RUN(verify_refuses_self_signed_leaf_not_among_cas);
		RUN(verify_checks_extended_key_usage);
		RUN(verify_refuses_revoked_certificate_by_crl);
		RUN(verify_fails_closed_on_crl_past_next_update);
		RUN(verify_require_crl_semantics);
		RUN(verify_accepts_chain_through_intermediate_among_cas);
		RUN(verify_refuses_bad_input);
		RUN(pem_parse_reads_bundle_of_certificates_and_crl);
		RUN(pem_parse_refuses_anything_but_certificates_and_crls);
		RUN(cert_from_der_and_pem_read_one_certificate);
		RUN(url_unescape_round_trips_nginx_escaped_pem);
	}
	if (strncmp(dir, "/tmp/sekisho-test-cert-", 23) == 0 && !strstr(dir, "XXXXXX")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("warning: could not remove %s\n", dir);
	}
	return check_summary();
}
