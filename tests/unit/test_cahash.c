/* Unit tests for lib/cahash.c: the pin of certificates made for the run
 * (EC and RSA keys, with openssl) against the pin openssl itself computes
 * as kubeadm's documentation does it:
 *   openssl x509 -pubkey -noout -in ca.crt | openssl pkey -pubin -outform der | sha256sum
 * plus bundles (the first certificate counts), garbage, a short buffer and
 * the flag format check. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cahash.h"

static char tmpdir[64];
static char *pem_ec, *pem_rsa;
static char want_ec[CAHASH_LEN], want_rsa[CAHASH_LEN];

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Make a self-signed CA with key options opts, return its PEM and the
 * pin openssl computes. */
static char *make_cert(const char *name, const char *opts, char *want)
{
	char cmd[1024], hex[128] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey %s -nodes -keyout %s/%s.key -out %s/%s.crt "
		 "-days 1 -subj /CN=skiff-test-ca 2>/dev/null",
		 opts, tmpdir, name, tmpdir, name);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "openssl x509 -pubkey -noout -in %s/%s.crt | openssl pkey -pubin -outform der "
		 "| sha256sum",
		 tmpdir, name);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(hex, sizeof(hex), p));
	pclose(p);
	hex[strcspn(hex, " \n")] = '\0';
	assert_int_equal(strlen(hex), 64);
	snprintf(want, CAHASH_LEN, "sha256:%s", hex);
	snprintf(cmd, sizeof(cmd), "%s/%s.crt", tmpdir, name);
	return read_all(cmd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-cahash.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	pem_ec = make_cert("ec", "ec -pkeyopt ec_paramgen_curve:P-256", want_ec);
	pem_rsa = make_cert("rsa", "rsa:2048", want_rsa);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	free(pem_ec);
	free(pem_rsa);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_matches_openssl(void **state)
{
	char got[CAHASH_LEN];

	(void)state;
	assert_int_equal(cahash_pem(pem_ec, got, sizeof(got)), 0);
	assert_string_equal(got, want_ec);
	assert_int_equal(cahash_pem(pem_rsa, got, sizeof(got)), 0);
	assert_string_equal(got, want_rsa);
	assert_string_not_equal(want_ec, want_rsa);
	assert_true(cahash_valid(got));
}

static void test_bundle_first(void **state)
{
	char got[CAHASH_LEN], *bundle;

	(void)state;
	assert_true(asprintf(&bundle, "%s%s", pem_rsa, pem_ec) > 0);
	assert_int_equal(cahash_pem(bundle, got, sizeof(got)), 0);
	assert_string_equal(got, want_rsa);
	free(bundle);
	assert_true(asprintf(&bundle, "%s%s", pem_ec, pem_rsa) > 0);
	assert_int_equal(cahash_pem(bundle, got, sizeof(got)), 0);
	assert_string_equal(got, want_ec);
	free(bundle);
}

static void test_bad_input(void **state)
{
	char got[CAHASH_LEN];

	(void)state;
	assert_int_equal(cahash_pem("", got, sizeof(got)), -EINVAL);
	assert_int_equal(cahash_pem(NULL, got, sizeof(got)), -EINVAL);
	assert_int_equal(cahash_pem("-----BEGIN CERTIFICATE-----\nMIIBfake\n"
				    "-----END CERTIFICATE-----\n",
				    got, sizeof(got)),
			 -EINVAL);
	assert_int_equal(cahash_pem(pem_ec, got, CAHASH_LEN - 1), -ENOSPC);
}

static void test_valid_equal(void **state)
{
	char upper[CAHASH_LEN];

	(void)state;
	snprintf(upper, sizeof(upper), "sha256:");
	for (size_t i = 7; want_ec[i]; i++)
		upper[i] =
		    (char)(want_ec[i] >= 'a' && want_ec[i] <= 'f' ? want_ec[i] - 32 : want_ec[i]);
	upper[strlen(want_ec)] = '\0';
	assert_true(cahash_valid(upper));
	assert_true(cahash_equal(want_ec, upper));
	assert_false(cahash_equal(want_ec, want_rsa));
	assert_false(cahash_valid(want_ec + 7));				     /* no prefix */
	assert_false(cahash_valid("sha256:abc"));				     /* short */
	assert_false(cahash_valid("sha1:0123456789012345678901234567890123456789")); /* algo */
	upper[10] = 'g';
	assert_false(cahash_valid(upper)); /* not hex */
	assert_false(cahash_equal(upper, upper));
	assert_false(cahash_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_openssl),
	    cmocka_unit_test(test_bundle_first),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_valid_equal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
