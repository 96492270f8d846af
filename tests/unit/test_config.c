/*
 * Unit tests for idp/config.c: defaults, "key = value" parsing, every
 * validated key's accepted and refused values, file errors naming file:line
 * and key, SEKISHO_<KEY> overrides winning over the file, unknown variables
 * refused, and the cross-key checks made after loading.  No daemon, no
 * database; idp_config_load reads small temporary files.
 */
#include "idp/config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check.h"

extern char **environ;

/* ---- helpers ---- */

/* Remove every SEKISHO_* variable so the caller's environment cannot leak in. */
static void env_clear(void)
{
	for (;;) {
		char name[256];
		char **e;
		for (e = environ; *e; e++)
			if (strncmp(*e, "SEKISHO_", 8) == 0)
				break;
		if (!*e)
			return;
		size_t n = strcspn(*e, "=");
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, *e, n);
		name[n] = 0;
		unsetenv(name);
	}
}

/* Parse text over defaults; returns the error, msg gets the message. */
static enum idp_err parse(struct idp_config *c, const char *text, char *msg, size_t msgsz)
{
	idp_config_default(c);
	msg[0] = 0;
	return idp_config_parse_text(c, text, "test.conf", msg, msgsz);
}

/* Set one key over defaults; true when accepted. */
static bool accepts(const char *key, const char *value)
{
	struct idp_config c;
	char why[200];
	enum idp_err err;

	idp_config_default(&c);
	err = idp_config_set(&c, key, value, why, sizeof why);
	idp_config_free(&c);
	return err == IDP_OK;
}

/* Write text to a new temporary file; path receives its name. */
static bool write_temp(const char *text, char path[64])
{
	strcpy(path, "/tmp/sekisho-test-config-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok;
}

/* Load a file (NULL = none) with the current environment over defaults. */
static enum idp_err load(struct idp_config *c, const char *text, char *msg, size_t msgsz,
                         char path[64])
{
	enum idp_err err;

	idp_config_default(c);
	msg[0] = 0;
	path[0] = 0;
	if (text && !write_temp(text, path))
		return IDP_ERR_IO;
	err = idp_config_load(c, text ? path : NULL, msg, msgsz);
	if (text)
		unlink(path);
	return err;
}

/* ---- defaults and syntax ---- */

TEST(defaults_match_the_design)
{
	struct idp_config c;

	idp_config_default(&c);
	CHECK_STR(c.listen_host, "127.0.0.1");
	CHECK(c.listen_port == 8080);
	CHECK_STR(c.public_url, "http://127.0.0.1:8080");
	CHECK(!c.public_https);
	CHECK_STR(c.data_dir, "var");
	CHECK_STR(c.database_url, "");
	CHECK(c.n_trusted_proxies == 0);
	CHECK(c.argon2.memory_kib == 19456);
	CHECK(c.argon2.iterations == 2);
	CHECK(c.argon2.parallelism == 1);
	CHECK(c.invitation_ttl_hours == 72);
	CHECK_STR(c.tls_cert, "");
	idp_config_free(&c);
}

TEST(parse_reads_keys_comments_blank_lines_and_quotes)
{
	struct idp_config c;
	char msg[300];
	const char *text = "# a comment\n"
	                   "; another comment\n"
	                   "\n"
	                   "   listen   =   0.0.0.0:9090   \n"
	                   "public_url=https://idp.example.com/\r\n"
	                   "data_dir = \" /srv/sekisho \"\n"
	                   "\tthreads\t=\t8\n"
	                   "smtp_url = smtp://mail.example.com:25\n"
	                   "smtp_from = idp@example.com";

	CHECK(parse(&c, text, msg, sizeof msg) == IDP_OK);
	CHECK_STR(msg, "");
	CHECK_STR(c.listen_host, "0.0.0.0");
	CHECK(c.listen_port == 9090);
	CHECK_STR(c.public_url, "https://idp.example.com"); /* trailing slash dropped */
	CHECK(c.public_https);
	CHECK_STR(c.data_dir, " /srv/sekisho "); /* quotes keep edge spaces */
	CHECK(c.threads == 8);
	CHECK_STR(c.smtp_url, "smtp://mail.example.com:25");
	idp_config_free(&c);
}

TEST(parse_later_line_wins)
{
	struct idp_config c;
	char msg[300];

	CHECK(parse(&c, "threads = 2\nthreads = 3\n", msg, sizeof msg) == IDP_OK);
	CHECK(c.threads == 3);
	idp_config_free(&c);
}

TEST(parse_error_names_origin_line_and_key)
{
	struct idp_config c;
	char msg[300];

	CHECK(parse(&c, "threads = 2\n\n# x\nlisten_adress = 1.2.3.4:5\n", msg, sizeof msg) ==
	      IDP_ERR_CONFIG);
	CHECK(strstr(msg, "test.conf:4") != NULL);
	CHECK(strstr(msg, "listen_adress") != NULL);
	CHECK(strchr(msg, '\n') == NULL);
	idp_config_free(&c);

	CHECK(parse(&c, "argon2_memory_kib = 12\n", msg, sizeof msg) == IDP_ERR_CONFIG);
	CHECK(strstr(msg, "test.conf:1") != NULL);
	CHECK(strstr(msg, "argon2_memory_kib") != NULL);
	idp_config_free(&c);
}

TEST(parse_refuses_a_line_without_equals)
{
	struct idp_config c;
	char msg[300];

	CHECK(parse(&c, "threads 4\n", msg, sizeof msg) == IDP_ERR_CONFIG);
	CHECK(strstr(msg, "test.conf:1") != NULL);
	idp_config_free(&c);
}

TEST(parse_refuses_an_overlong_line)
{
	struct idp_config c;
	char msg[300];
	char *text = malloc(10000);

	CHECK(text != NULL);
	if (!text)
		return;
	strcpy(text, "data_dir = ");
	memset(text + 11, 'a', 9000);
	text[9011] = 0;
	CHECK(parse(&c, text, msg, sizeof msg) == IDP_ERR_CONFIG);
	CHECK(strstr(msg, "test.conf:1") != NULL);
	free(text);
	idp_config_free(&c);
}

TEST(parse_refuses_control_characters_in_values)
{
	CHECK(!accepts("data_dir", "/srv/a\tb"));
	CHECK(!accepts("smtp_from", "a\x01@b.example"));
	CHECK(!accepts("tls_cert", "/etc/x\x7f"));
}

/* ---- individual keys ---- */

TEST(listen_accepts_ip_and_port_only)
{
	struct idp_config c;
	char why[200];

	CHECK(accepts("listen", "127.0.0.1:1"));
	CHECK(accepts("listen", "0.0.0.0:65535"));
	CHECK(accepts("listen", "[::1]:8443"));
	CHECK(!accepts("listen", "127.0.0.1"));
	CHECK(!accepts("listen", ":8080"));
	CHECK(!accepts("listen", "127.0.0.1:0"));
	CHECK(!accepts("listen", "127.0.0.1:65536"));
	CHECK(!accepts("listen", "127.0.0.1:http"));
	CHECK(!accepts("listen", "127.0.0.1:-1"));
	CHECK(!accepts("listen", "localhost:8080"));
	CHECK(!accepts("listen", "[::1:8080"));
	CHECK(!accepts("listen", "999.0.0.1:8080"));
	CHECK(!accepts("listen", ""));

	idp_config_default(&c);
	CHECK(idp_config_set(&c, "listen", "[::1]:8443", why, sizeof why) == IDP_OK);
	CHECK_STR(c.listen_host, "::1");
	CHECK(c.listen_port == 8443);
	/* A refused value leaves the old one in place. */
	CHECK(idp_config_set(&c, "listen", "nonsense", why, sizeof why) != IDP_OK);
	CHECK(why[0] != 0);
	CHECK(c.listen_port == 8443);
	idp_config_free(&c);
}

TEST(public_url_needs_scheme_and_host_and_no_query)
{
	CHECK(accepts("public_url", "http://127.0.0.1:8080"));
	CHECK(accepts("public_url", "https://login.example.co.jp"));
	CHECK(accepts("public_url", "https://example.com/idp"));
	CHECK(accepts("public_url", "https://[2001:db8::1]:8443"));
	CHECK(!accepts("public_url", "ftp://example.com"));
	CHECK(!accepts("public_url", "example.com"));
	CHECK(!accepts("public_url", "http://"));
	CHECK(!accepts("public_url", "https:///path"));
	CHECK(!accepts("public_url", "https://example.com/?x=1"));
	CHECK(!accepts("public_url", "https://example.com/#frag"));
	CHECK(!accepts("public_url", "https://exa mple.com"));
	CHECK(!accepts("public_url", "https://example.com/\"><script>"));
	CHECK(!accepts("public_url", "javascript:alert(1)"));
	CHECK(!accepts("public_url", ""));
}

TEST(public_url_drops_trailing_slashes_and_sets_https)
{
	struct idp_config c;
	char why[200];

	idp_config_default(&c);
	CHECK(idp_config_set(&c, "public_url", "https://a.example/idp///", why, sizeof why) ==
	      IDP_OK);
	CHECK_STR(c.public_url, "https://a.example/idp");
	CHECK(c.public_https);
	CHECK(idp_config_set(&c, "public_url", "http://b.example", why, sizeof why) == IDP_OK);
	CHECK(!c.public_https);
	idp_config_free(&c);
}

TEST(trusted_proxies_parse_cidr_lists)
{
	struct idp_config c;
	char why[200];
	struct idp_addr a;

	idp_config_default(&c);
	CHECK(idp_config_set(&c, "trusted_proxies", "10.0.0.0/8, 192.168.1.1/32 ::1/128", why,
	                     sizeof why) == IDP_OK);
	CHECK(c.n_trusted_proxies == 3);
	CHECK(idp_addr_parse("10.200.3.4", &a) == IDP_OK);
	CHECK(idp_cidr_list_contains(c.trusted_proxies, c.n_trusted_proxies, &a));
	CHECK(idp_addr_parse("192.168.1.2", &a) == IDP_OK);
	CHECK(!idp_cidr_list_contains(c.trusted_proxies, c.n_trusted_proxies, &a));
	/* A bad element names itself and keeps the previous list. */
	CHECK(idp_config_set(&c, "trusted_proxies", "10.0.0.0/8, 300.1.1.1/8", why, sizeof why) !=
	      IDP_OK);
	CHECK(strstr(why, "300.1.1.1") != NULL);
	CHECK(c.n_trusted_proxies == 3);
	/* Empty means none. */
	CHECK(idp_config_set(&c, "trusted_proxies", "", why, sizeof why) == IDP_OK);
	CHECK(c.n_trusted_proxies == 0);
	idp_config_free(&c);
	CHECK(!accepts("trusted_proxies", "10.0.0.0/33"));
	CHECK(!accepts("trusted_proxies", "::1/129"));
	CHECK(!accepts("trusted_proxies", "proxy.example"));
}

TEST(argon2_parameters_have_ranges)
{
	CHECK(accepts("argon2_memory_kib", "8192"));
	CHECK(accepts("argon2_memory_kib", "19456"));
	CHECK(accepts("argon2_memory_kib", "4194304"));
	CHECK(!accepts("argon2_memory_kib", "8191"));
	CHECK(!accepts("argon2_memory_kib", "4194305"));
	CHECK(!accepts("argon2_memory_kib", "0"));
	CHECK(!accepts("argon2_memory_kib", "-1"));
	CHECK(!accepts("argon2_memory_kib", "99999999999999999999999"));
	CHECK(!accepts("argon2_memory_kib", "19 MiB"));
	CHECK(!accepts("argon2_memory_kib", ""));
	CHECK(!accepts("argon2_memory_kib", " 8192"));
	CHECK(accepts("argon2_iterations", "1"));
	CHECK(accepts("argon2_iterations", "100"));
	CHECK(!accepts("argon2_iterations", "0"));
	CHECK(!accepts("argon2_iterations", "101"));
	CHECK(accepts("argon2_parallelism", "1"));
	CHECK(accepts("argon2_parallelism", "64"));
	CHECK(!accepts("argon2_parallelism", "0"));
	CHECK(!accepts("argon2_parallelism", "65"));
}

TEST(argon2_values_are_stored)
{
	struct idp_config c;
	char msg[300];

	CHECK(parse(&c,
	            "argon2_memory_kib = 65536\nargon2_iterations = 3\nargon2_parallelism = 2\n",
	            msg, sizeof msg) == IDP_OK);
	CHECK(c.argon2.memory_kib == 65536);
	CHECK(c.argon2.iterations == 3);
	CHECK(c.argon2.parallelism == 2);
	idp_config_free(&c);
}

TEST(other_keys_validate_their_values)
{
	CHECK(accepts("threads", "1"));
	CHECK(!accepts("threads", "0"));
	CHECK(!accepts("threads", "100000"));
	CHECK(accepts("smtp_url", "smtps://mail.example.com"));
	CHECK(accepts("smtp_url", ""));
	CHECK(!accepts("smtp_url", "http://mail.example.com"));
	CHECK(accepts("smtp_from", "idp@example.com"));
	CHECK(!accepts("smtp_from", "not an address"));
	CHECK(!accepts("data_dir", ""));
	CHECK(accepts("log_level", "debug"));
	CHECK(!accepts("log_level", "verbose"));
	CHECK(!accepts("invitation_ttl_hours", "0"));
	CHECK(accepts("database_url", "postgresql://u@h/db"));
	CHECK(!accepts("no_such_key", "1"));
	CHECK(!accepts("LISTEN", "127.0.0.1:1")); /* keys are lower case in files */
}

TEST(operations_keys_validate_their_values)
{
	struct idp_config c;
	char why[200];

	idp_config_default(&c);
	CHECK(c.backup_minute == 180 && c.backup_keep == 14 && c.tenant_purge_days == 30);
	CHECK(!c.metrics_tenant_labels && c.metrics_listen_port == 0);
	CHECK(idp_config_set(&c, "backup_time", "23:59", why, sizeof why) == IDP_OK);
	CHECK(c.backup_minute == 23 * 60 + 59);
	CHECK(idp_config_set(&c, "backup_time", "00:00", why, sizeof why) == IDP_OK);
	CHECK(c.backup_minute == 0);
	const char *bad_times[] = {"24:00", "12:60", "1:00",   "12:5",
	                           "12-00", "",      "12:00Z", "ab:cd"};
	for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
		CHECK(idp_config_set(&c, "backup_time", bad_times[i], why, sizeof why) ==
		      IDP_ERR_INVALID);
		CHECK(strstr(why, "HH:MM"));
	}
	CHECK(c.backup_minute == 0); /* a refused value changes nothing */
	CHECK(accepts("backup_keep", "1"));
	CHECK(accepts("backup_keep", "366"));
	CHECK(!accepts("backup_keep", "0"));
	CHECK(!accepts("backup_keep", "367"));
	CHECK(!accepts("backup_keep", "-1"));
	CHECK(accepts("tenant_purge_days", "0"));
	CHECK(accepts("tenant_purge_days", "3650"));
	CHECK(!accepts("tenant_purge_days", "3651"));
	CHECK(!accepts("tenant_purge_days", "seven"));
	CHECK(accepts("backup_dir", "/var/backups/sekisho"));
	CHECK(!accepts("backup_dir", "a\tb"));
	CHECK(idp_config_set(&c, "metrics_tenant_labels", "true", why, sizeof why) == IDP_OK);
	CHECK(c.metrics_tenant_labels);
	CHECK(idp_config_set(&c, "metrics_tenant_labels", "off", why, sizeof why) == IDP_OK);
	CHECK(!c.metrics_tenant_labels);
	CHECK(!accepts("metrics_tenant_labels", "maybe"));
	CHECK(idp_config_set(&c, "metrics_listen", "127.0.0.1:9464", why, sizeof why) == IDP_OK);
	CHECK(c.metrics_listen_port == 9464 && strcmp(c.metrics_listen_host, "127.0.0.1") == 0);
	CHECK(idp_config_set(&c, "metrics_listen", "", why, sizeof why) == IDP_OK);
	CHECK(c.metrics_listen_port == 0 && !c.metrics_listen_host[0]);
	CHECK(!accepts("metrics_listen", "localhost:9464"));
	CHECK(!accepts("metrics_listen", "127.0.0.1:0"));
	idp_config_free(&c);
}

TEST(overlong_values_are_refused)
{
	char big[3000];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CHECK(!accepts("data_dir", big));
	CHECK(!accepts("tls_cert", big));
	CHECK(!accepts("database_url", big));
	CHECK(!accepts("public_url", big));
}

/* ---- loading: file plus environment ---- */

TEST(load_without_file_or_environment_keeps_defaults_and_derives_master_key)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	CHECK(load(&c, NULL, msg, sizeof msg, path) == IDP_OK);
	CHECK_STR(c.data_dir, "var");
	CHECK_STR(c.master_key_file, "var/master.key");
	idp_config_free(&c);
}

TEST(load_file_errors_name_the_file_line_and_key)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	CHECK(load(&c, "threads = 2\nbogus_key = 1\n", msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(path[0] && strstr(msg, path) != NULL);
	CHECK(strstr(msg, ":2") != NULL);
	CHECK(strstr(msg, "bogus_key") != NULL);
	idp_config_free(&c);
}

TEST(load_missing_file_names_it)
{
	struct idp_config c;
	char msg[300];

	env_clear();
	idp_config_default(&c);
	CHECK(idp_config_load(&c, "/nonexistent/dir/sekisho.conf", msg, sizeof msg) ==
	      IDP_ERR_CONFIG);
	CHECK(strstr(msg, "/nonexistent/dir/sekisho.conf") != NULL);
	idp_config_free(&c);
}

TEST(load_environment_wins_over_file)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	setenv("SEKISHO_THREADS", "7", 1);
	setenv("SEKISHO_PUBLIC_URL", "https://env.example", 1);
	CHECK(load(&c, "threads = 3\npublic_url = https://file.example\ndata_dir = /srv/x\n", msg,
	           sizeof msg, path) == IDP_OK);
	CHECK(c.threads == 7);
	CHECK_STR(c.public_url, "https://env.example");
	CHECK_STR(c.data_dir, "/srv/x"); /* not overridden */
	CHECK_STR(c.master_key_file, "/srv/x/master.key");
	idp_config_free(&c);
	env_clear();
}

TEST(load_environment_value_errors_name_the_variable)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	setenv("SEKISHO_ARGON2_ITERATIONS", "0", 1);
	CHECK(load(&c, NULL, msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(strcasestr(msg, "SEKISHO_ARGON2_ITERATIONS") != NULL);
	idp_config_free(&c);
	env_clear();
	/* A bad value in the environment is refused even when the file is fine. */
	setenv("SEKISHO_LISTEN", "nowhere", 1);
	CHECK(load(&c, "listen = 127.0.0.1:9000\n", msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(strcasestr(msg, "SEKISHO_LISTEN") != NULL);
	idp_config_free(&c);
	env_clear();
}

TEST(load_refuses_unknown_sekisho_variables)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	setenv("SEKISHO_LISTEN_ADRESS", "127.0.0.1:1", 1);
	CHECK(load(&c, NULL, msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(strcasestr(msg, "SEKISHO_LISTEN_ADRESS") != NULL);
	idp_config_free(&c);
	env_clear();
	setenv("SEKISHO_", "x", 1);
	CHECK(load(&c, NULL, msg, sizeof msg, path) == IDP_ERR_CONFIG);
	idp_config_free(&c);
	env_clear();
	/* Other prefixes are none of our business. */
	setenv("SEKISHOX", "1", 1);
	setenv("NOT_SEKISHO_THREADS", "1", 1);
	CHECK(load(&c, NULL, msg, sizeof msg, path) == IDP_OK);
	idp_config_free(&c);
	unsetenv("SEKISHOX");
	unsetenv("NOT_SEKISHO_THREADS");
}

TEST(load_refuses_tls_cert_without_tls_key_and_the_reverse)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	CHECK(load(&c, "tls_cert = /etc/ssl/c.pem\n", msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(strstr(msg, "tls_key") != NULL);
	idp_config_free(&c);
	CHECK(load(&c, "tls_key = /etc/ssl/k.pem\n", msg, sizeof msg, path) == IDP_ERR_CONFIG);
	CHECK(strstr(msg, "tls_cert") != NULL);
	idp_config_free(&c);
	CHECK(load(&c, "tls_cert = /etc/ssl/c.pem\ntls_key = /etc/ssl/k.pem\n", msg, sizeof msg,
	           path) == IDP_OK);
	idp_config_free(&c);
	CHECK(load(&c, "tls_client_ca = /etc/ssl/ca.pem\n", msg, sizeof msg, path) ==
	      IDP_ERR_CONFIG);
	CHECK(strstr(msg, "tls_client_ca") != NULL);
	idp_config_free(&c);
}

TEST(load_refuses_smtp_url_without_smtp_from)
{
	struct idp_config c;
	char msg[300], path[64];

	env_clear();
	CHECK(load(&c, "smtp_url = smtp://mail.example.com\n", msg, sizeof msg, path) ==
	      IDP_ERR_CONFIG);
	CHECK(strstr(msg, "smtp_from") != NULL);
	idp_config_free(&c);
}

TEST(load_refuses_a_file_with_a_nul_byte)
{
	struct idp_config c;
	char msg[300], path[64];
	FILE *f;

	env_clear();
	CHECK(write_temp("threads = 2\n", path));
	f = fopen(path, "ab");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite("x\0y = 1\n", 1, 8, f);
	fclose(f);
	idp_config_default(&c);
	CHECK(idp_config_load(&c, path, msg, sizeof msg) == IDP_ERR_CONFIG);
	unlink(path);
	idp_config_free(&c);
}

TEST(config_free_accepts_null_and_twice)
{
	struct idp_config c;
	char why[200];

	idp_config_free(NULL);
	idp_config_default(&c);
	CHECK(idp_config_set(&c, "trusted_proxies", "10.0.0.0/8", why, sizeof why) == IDP_OK);
	idp_config_free(&c);
	idp_config_free(&c);
	CHECK(c.trusted_proxies == NULL);
}

int main(void)
{
	RUN(defaults_match_the_design);
	RUN(parse_reads_keys_comments_blank_lines_and_quotes);
	RUN(parse_later_line_wins);
	RUN(parse_error_names_origin_line_and_key);
	RUN(parse_refuses_a_line_without_equals);
	RUN(parse_refuses_an_overlong_line);
	RUN(parse_refuses_control_characters_in_values);
	RUN(listen_accepts_ip_and_port_only);
	RUN(public_url_needs_scheme_and_host_and_no_query);
	RUN(public_url_drops_trailing_slashes_and_sets_https);
	RUN(trusted_proxies_parse_cidr_lists);
	RUN(argon2_parameters_have_ranges);
	RUN(argon2_values_are_stored);
	RUN(other_keys_validate_their_values);
	RUN(operations_keys_validate_their_values);
	RUN(overlong_values_are_refused);
	RUN(load_without_file_or_environment_keeps_defaults_and_derives_master_key);
	RUN(load_file_errors_name_the_file_line_and_key);
	RUN(load_missing_file_names_it);
	RUN(load_environment_wins_over_file);
	RUN(load_environment_value_errors_name_the_variable);
	RUN(load_refuses_unknown_sekisho_variables);
	RUN(load_refuses_tls_cert_without_tls_key_and_the_reverse);
	RUN(load_refuses_smtp_url_without_smtp_from);
	RUN(load_refuses_a_file_with_a_nul_byte);
	RUN(config_free_accepts_null_and_twice);
	return check_summary();
}
