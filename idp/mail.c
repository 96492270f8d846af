/*
 * Outgoing mail.  With smtp_url set, libcurl's SMTP client delivers it
 * (STARTTLS is required for smtp://; smtps:// is TLS from the start).
 * Without it the message is written to <data_dir>/outbox/ as an .eml file and
 * the file name is logged: development and small sites need no mail server.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "idp/base64.h"
#include "idp/idp.h"
#include "idp/log.h"

#define MAIL_MAX 65536

struct upload {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

/* True when url is smtp:// to exactly localhost, an address in 127.0.0.0/8
 * or [::1] (optionally with a port): a relay on this host. */
static bool smtp_loopback(const char *url)
{
	char host[64];
	const char *h, *end;
	struct idp_addr a;
	struct idp_cidr lo4, lo6;

	if (strncmp(url, "smtp://", 7) != 0)
		return false;
	h = url + 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return false;
		h++;
	} else {
		end = h + strcspn(h, ":/");
	}
	if ((size_t)(end - h) >= sizeof host)
		return false;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = 0;
	if (strcmp(host, "localhost") == 0)
		return true;
	if (idp_addr_parse(host, &a) != IDP_OK || idp_cidr_parse("127.0.0.0/8", &lo4) != IDP_OK ||
	    idp_cidr_parse("::1/128", &lo6) != IDP_OK)
		return false;
	return idp_cidr_contains(&lo4, &a) || idp_cidr_contains(&lo6, &a);
}

static bool header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

/* RFC 2047 encoded-word for a UTF-8 subject (its first 300 bytes). */
static void encode_subject(const char *s, char *out, size_t outsz)
{
	char b64[512];
	size_t n = strlen(s);

	idp_base64_encode(IDP_B64_STD_PAD, (const unsigned char *)s, n > 300 ? 300 : n, b64,
	                  sizeof b64);
	snprintf(out, outsz, "=?UTF-8?B?%s?=", b64);
}

static char *build(const char *from, const char *to, const char *subject, const char *body,
                   size_t *len)
{
	char date[64], subj[600], id[IDP_TOKEN_LEN + 1];
	time_t now = time(NULL);
	struct tm tm;
	char *msg = malloc(MAIL_MAX);
	int n;

	if (!msg)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	encode_subject(subject, subj, sizeof subj);
	if (idp_token_new(id)) {
		free(msg);
		return NULL;
	}
	const char *at = strchr(from, '@');
	n = snprintf(msg, MAIL_MAX,
	             "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s%s>\r\n"
	             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n",
	             from, to, subj, date, id, at ? at : "@sekisho.invalid");
	/* Body lines end in CRLF; a line that is just "." is dot-stuffed by curl. */
	for (const char *p = body; *p && n < MAIL_MAX - 4; p++) {
		if (*p == '\n')
			msg[n++] = '\r';
		msg[n++] = *p;
	}
	msg[n++] = '\r';
	msg[n++] = '\n';
	msg[n] = 0;
	*len = (size_t)n;
	return msg;
}

static enum idp_err to_outbox(const char *msg, size_t len)
{
	char dir[IDP_CONFIG_PATH_MAX + 16], path[IDP_CONFIG_PATH_MAX + 96], rnd[IDP_TOKEN_LEN + 1];
	int fd;

	snprintf(dir, sizeof dir, "%s/outbox", idp_rt.cfg->data_dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		idp_error("outbox %s: %s", dir, strerror(errno));
		return IDP_ERR_IO;
	}
	if (idp_token_new(rnd))
		return IDP_ERR_CRYPTO;
	snprintf(path, sizeof path, "%s/%lld-%.12s.eml", dir, (long long)time(NULL), rnd);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, msg, len) != (ssize_t)len) {
		idp_error("outbox %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return IDP_ERR_IO;
	}
	close(fd);
	idp_info("mail written to %s", path);
	return IDP_OK;
}

bool idp_mail_configured(void)
{
	return idp_rt.cfg && idp_rt.cfg->smtp_url[0];
}

enum idp_err idp_mail_send(const char *to, const char *subject, const char *body)
{
	const struct idp_config *cfg = idp_rt.cfg;
	const char *from = cfg->smtp_from[0] ? cfg->smtp_from : "sekisho@localhost";
	struct curl_slist *rcpt = NULL;
	struct upload up = {0};
	enum idp_err err = IDP_OK;
	CURL *curl = NULL;
	size_t len = 0;
	char *msg;

	if (!idp_email_valid(to) || !header_safe(subject))
		return IDP_ERR_INVALID;
	msg = build(from, to, subject, body, &len);
	if (!msg)
		return IDP_ERR_NOMEM;
	if (!cfg->smtp_url[0]) {
		err = to_outbox(msg, len);
		goto out;
	}
	curl = curl_easy_init();
	if (!curl) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	char addr[IDP_EMAIL_MAX + 3];
	snprintf(addr, sizeof addr, "<%s>", to);
	rcpt = curl_slist_append(NULL, addr);
	up.data = msg;
	up.len = len;
	char fromaddr[IDP_EMAIL_MAX + 3];
	snprintf(fromaddr, sizeof fromaddr, "<%s>", from);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, fromaddr);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	/* TLS is required on the network; a relay on this host (a local MTA)
	 * may speak plain SMTP. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
	                 (long)(smtp_loopback(cfg->smtp_url) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		idp_error("smtp delivery to %s failed: %s", to, curl_easy_strerror(rc));
		err = IDP_ERR_IO;
	} else {
		idp_info("mail delivered by smtp to %s", to);
	}
out:
	curl_slist_free_all(rcpt);
	if (curl)
		curl_easy_cleanup(curl);
	free(msg);
	return err;
}
