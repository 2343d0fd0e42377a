/* Unit tests for lib/kubeconfig.c: kubeconfig fixtures written to a temp
 * directory (CA as data or file, token inline or from a file, missing and
 * broken fields). */
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
#include <sys/stat.h>
#include <cmocka.h>
#include "kclient.h"

#define PEM "-----BEGIN CERTIFICATE-----\nMIIBfakeCA\n-----END CERTIFICATE-----\n"
/* base64 of PEM above (printf '%s' "$PEM" | base64 -w0) */
#define PEM_B64                                                                                    \
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlQ0EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/skiff-kcfg-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

/* A kubeconfig with two contexts so that current-context must be followed. */
static const char *const full_cfg = "apiVersion: v1\n"
				    "kind: Config\n"
				    "clusters:\n"
				    "- name: other\n"
				    "  cluster: {server: https://10.0.0.1:1}\n"
				    "- name: local\n"
				    "  cluster:\n"
				    "    server: https://127.0.0.1:6443/\n"
				    "    certificate-authority-data: " PEM_B64 "\n"
				    "users:\n"
				    "- name: admin\n"
				    "  user:\n"
				    "    token: s3cret\n"
				    "contexts:\n"
				    "- name: wrong\n"
				    "  context: {cluster: other, user: admin}\n"
				    "- name: local\n"
				    "  context: {cluster: local, user: admin, namespace: team-a}\n"
				    "current-context: local\n";

static void load_ok(const char *name, struct kconfig *kc)
{
	char path[256], err[512] = "";
	int rc;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	rc = kconfig_load(path, kc, err, sizeof(err));
	if (rc) {
		print_error("%s: %s\n", name, err);
		fail();
	}
}

static void test_data_ca_token(void **state)
{
	struct kconfig kc;

	(void)state;
	write_file("full.yaml", full_cfg);
	load_ok("full.yaml", &kc);
	assert_string_equal(kc.server, "https://127.0.0.1:6443/");
	assert_string_equal(kc.token, "s3cret");
	assert_string_equal(kc.ca_pem, PEM);
	assert_string_equal(kc.namespace, "team-a");
	assert_false(kc.insecure);
	kconfig_free(&kc);
}

static void test_file_ca_token_file(void **state)
{
	struct kconfig kc;

	(void)state;
	write_file("ca.crt", PEM);
	write_file("token", "tok-from-file\n");
	/* Relative paths are relative to the kubeconfig's directory. */
	write_file("files.yaml", "clusters:\n"
				 "- name: c\n"
				 "  cluster:\n"
				 "    server: https://127.0.0.1:1\n"
				 "    certificate-authority: ca.crt\n"
				 "users:\n"
				 "- name: u\n"
				 "  user: {tokenFile: token}\n"
				 "contexts:\n"
				 "- name: x\n"
				 "  context: {cluster: c, user: u}\n"
				 "current-context: x\n");
	load_ok("files.yaml", &kc);
	assert_string_equal(kc.ca_pem, PEM);
	assert_string_equal(kc.token, "tok-from-file");
	assert_string_equal(kc.namespace, "default");
	kconfig_free(&kc);
}

static void test_insecure_no_user(void **state)
{
	struct kconfig kc;

	(void)state;
	write_file("insecure.yaml", "clusters:\n"
				    "- name: c\n"
				    "  cluster: {server: 'http://127.0.0.1:8080', "
				    "insecure-skip-tls-verify: true}\n"
				    "contexts:\n"
				    "- name: x\n"
				    "  context: {cluster: c}\n"
				    "current-context: x\n");
	load_ok("insecure.yaml", &kc);
	assert_true(kc.insecure);
	assert_null(kc.token);
	assert_null(kc.ca_pem);
	kconfig_free(&kc);
}

static void test_env_first_entry(void **state)
{
	struct kconfig kc;
	char env[300], err[512];

	(void)state;
	write_file("env.yaml", full_cfg);
	snprintf(env, sizeof(env), "%s/env.yaml:/nonexistent/second", tmpdir);
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(kconfig_load(NULL, &kc, err, sizeof(err)), 0);
	assert_string_equal(kc.token, "s3cret");
	kconfig_free(&kc);
	unsetenv("KUBECONFIG");
}

/* Broken kubeconfigs and the words the error must contain (besides the
 * file name, which every error must name). */
struct bad_case {
	const char *name;
	const char *text;
	const char *want;
};

static const struct bad_case bad_cases[] = {
    {"no-current.yaml", "clusters: []\ncontexts: []\n", "current-context is not set"},
    {"no-context.yaml", "current-context: nope\ncontexts:\n- name: x\n  context: {cluster: c}\n",
     "context \"nope\" not found"},
    {"no-cluster.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: gone}\nclusters: []\n",
     "cluster \"gone\" not found"},
    {"no-server.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
     "clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: true}\n",
     "cluster \"c\" has no server"},
    {"no-user.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: bob}\n"
     "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n",
     "user \"bob\" not found"},
    {"bad-b64.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
     "clusters:\n- name: c\n  cluster: {server: 'https://h:1', certificate-authority-data: "
     "'@@@'}\n",
     "certificate-authority-data is not base64"},
    {"not-pem.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
     "clusters:\n- name: c\n  cluster: {server: 'https://h:1', certificate-authority-data: "
     "aGVsbG8=}\n",
     "not a PEM certificate"},
    {"missing-ca.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
     "clusters:\n- name: c\n  cluster: {server: 'https://h:1', certificate-authority: nope.crt}\n",
     "nope.crt: No such file or directory"},
    {"missing-token.yaml",
     "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
     "clusters:\n- name: c\n  cluster: {server: 'https://h:1'}\n"
     "users:\n- name: u\n  user: {tokenFile: /nonexistent/tok}\n",
     "tokenFile /nonexistent/tok"},
    {"bad-yaml.yaml", "current-context: x\n  bad: [\n", "line 2"},
    {"list.yaml", "- a\n- b\n", "expected a mapping"},
};

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct kconfig kc;
		char path[256], err[512] = "";
		int rc;

		write_file(bad_cases[i].name, bad_cases[i].text);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, bad_cases[i].name);
		rc = kconfig_load(path, &kc, err, sizeof(err));
		if (rc >= 0 || !strstr(err, bad_cases[i].want) || !strstr(err, path)) {
			print_error("%s: rc %d, err \"%s\", want \"%s\"\n", bad_cases[i].name, rc,
				    err, bad_cases[i].want);
			fail();
		}
		/* A failed load leaves nothing to free. */
		assert_null(kc.server);
	}
}

static void test_missing_file(void **state)
{
	struct kconfig kc;
	char err[512];

	(void)state;
	assert_int_equal(kconfig_load("/nonexistent/kubeconfig", &kc, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/kubeconfig"));
}

/* kconfig_write: what it writes loads back (server, CA, token, the
 * user), mode 0600, a second write replaces the first, no temporary file
 * is left, and an unwritable directory is an error naming the path. */
static void test_write_roundtrip(void **state)
{
	struct kconfig kc;
	struct stat st;
	char path[256], err[512] = "";
	char cmd[320];
	FILE *p;
	int left;

	(void)state;
	snprintf(path, sizeof(path), "%s/written.kubeconfig", tmpdir);
	assert_int_equal(
	    kconfig_write(path, "https://h:6443", PEM, "system:node:n1", "old", err, sizeof(err)),
	    0);
	assert_int_equal(
	    kconfig_write(path, "https://h:6443", PEM, "system:node:n1", "t0k", err, sizeof(err)),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(kconfig_load(path, &kc, err, sizeof(err)), 0);
	assert_string_equal(kc.server, "https://h:6443");
	assert_string_equal(kc.ca_pem, PEM);
	assert_string_equal(kc.token, "t0k");
	assert_false(kc.insecure);
	kconfig_free(&kc);
	snprintf(cmd, sizeof(cmd), "grep -c 'name: system:node:n1\\|user: system:node:n1' %s",
		 path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &left), 1);
	pclose(p);
	assert_int_equal(left, 2);
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c tmp", tmpdir);
	p = popen(cmd, "r");
	assert_int_equal(fscanf(p, "%d", &left), 1);
	pclose(p);
	assert_int_equal(left, 0);
	assert_int_equal(
	    kconfig_write("/nonexistent/dir/kc", "https://h:1", PEM, "u", "t", err, sizeof(err)),
	    -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/dir/kc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_ca_token),    cmocka_unit_test(test_file_ca_token_file),
	    cmocka_unit_test(test_insecure_no_user), cmocka_unit_test(test_env_first_entry),
	    cmocka_unit_test(test_bad_configs),	     cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_write_roundtrip),
	};

	return cmocka_run_group_tests_name("kubeconfig", tests, setup, teardown);
}
