/* Unit tests for dataplane/kubelet/ipam.c: lowest-free allocation that never hands out the
 * network, gateway (.1) or broadcast address, the same IP again for the same UID, reuse after
 * release, exhaustion, persistence across a restart (a new sb_ipam on the same directory), and
 * the podCIDR and UID checks. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "kubelet/sandbox.h"

struct fx {
	char dir[64];
	char ipam[128];
	struct sb_ipam ip;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[128];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/skiff-ipam-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->ipam, sizeof(f->ipam), "%s/ipam", f->dir);
	/* A /29: .0 network, .1 gateway, .7 broadcast, so five pod addresses .2-.6. */
	if (sb_ipam_init(&f->ip, f->ipam, "10.244.1.0/29", err, sizeof(err)) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void alloc_ok(const struct sb_ipam *ip, const char *uid, const char *want)
{
	char got[16];
	int rc = sb_ipam_alloc(ip, uid, got);

	if (rc < 0)
		fail_msg("alloc %s: %s", uid, strerror(-rc));
	assert_string_equal(got, want);
}

static void test_alloc(void **state)
{
	struct fx *f = *state;
	char got[16], path[200], uid[64] = "";
	FILE *fp;

	alloc_ok(&f->ip, "pod-a", "10.244.1.2");
	alloc_ok(&f->ip, "pod-b", "10.244.1.3");
	/* The same UID again: its address, not a new one. */
	alloc_ok(&f->ip, "pod-a", "10.244.1.2");
	assert_int_equal(sb_ipam_lookup(&f->ip, "pod-b", got), 0);
	assert_string_equal(got, "10.244.1.3");
	assert_int_equal(sb_ipam_lookup(&f->ip, "pod-z", got), -ENOENT);
	/* One file per IP, holding the UID. */
	snprintf(path, sizeof(path), "%s/10.244.1.3", f->ipam);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(uid, sizeof(uid), fp));
	fclose(fp);
	assert_string_equal(uid, "pod-b");
}

static void test_reuse(void **state)
{
	struct fx *f = *state;
	char got[16];

	alloc_ok(&f->ip, "pod-a", "10.244.1.2");
	alloc_ok(&f->ip, "pod-b", "10.244.1.3");
	alloc_ok(&f->ip, "pod-c", "10.244.1.4");
	assert_int_equal(sb_ipam_release(&f->ip, "pod-b"), 0);
	assert_int_equal(sb_ipam_lookup(&f->ip, "pod-b", got), -ENOENT);
	/* Releasing twice (or a UID without an IP) is fine. */
	assert_int_equal(sb_ipam_release(&f->ip, "pod-b"), 0);
	assert_int_equal(sb_ipam_release(&f->ip, "never"), 0);
	/* The lowest free address comes back first. */
	alloc_ok(&f->ip, "pod-d", "10.244.1.3");
	alloc_ok(&f->ip, "pod-e", "10.244.1.5");
}

static void test_exhaustion(void **state)
{
	struct fx *f = *state;
	char got[16], uid[16];

	for (int i = 0; i < 5; i++) {
		char want[16];

		snprintf(uid, sizeof(uid), "pod-%d", i);
		snprintf(want, sizeof(want), "10.244.1.%d", i + 2);
		alloc_ok(&f->ip, uid, want);
	}
	/* .7 is the broadcast address, .1 the bridge's: never handed out. */
	assert_int_equal(sb_ipam_alloc(&f->ip, "pod-5", got), -ENOSPC);
	/* A UID that has an address still gets it when the range is full. */
	alloc_ok(&f->ip, "pod-4", "10.244.1.6");
	assert_int_equal(sb_ipam_release(&f->ip, "pod-2"), 0);
	alloc_ok(&f->ip, "pod-5", "10.244.1.4");
}

static void count_one(void *ud, const char *uid, const char *ipa)
{
	(*(int *)ud)++;
}

static void test_persistence(void **state)
{
	struct fx *f = *state;
	struct sb_ipam again;
	char got[16], err[128];
	int n = 0;

	alloc_ok(&f->ip, "pod-a", "10.244.1.2");
	alloc_ok(&f->ip, "pod-b", "10.244.1.3");
	/* A restart: a new allocator on the same directory knows both. */
	assert_int_equal(sb_ipam_init(&again, f->ipam, "10.244.1.0/29", err, sizeof(err)), 0);
	assert_int_equal(sb_ipam_lookup(&again, "pod-b", got), 0);
	assert_string_equal(got, "10.244.1.3");
	alloc_ok(&again, "pod-b", "10.244.1.3");
	alloc_ok(&again, "pod-c", "10.244.1.4");
	assert_int_equal(sb_ipam_each(&again, count_one, &n), 0);
	assert_int_equal(n, 3);
}

static void test_checks(void **state)
{
	struct fx *f = *state;
	struct sb_ipam ip;
	char err[128], got[16];
	static const char *const bad[] = {
	    "10.244.1.0",    "10.244.1.1/24", "10.244.1.0/31", "10.244.1.0/33",
	    "10.244.1.0/x",  "10.0.0.0/7",    "300.1.1.0/24",  "",
	    "10.244.1.0/24x"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sb_ipam_init(&ip, f->ipam, bad[i], err, sizeof(err)) != -EINVAL)
			fail_msg("accepted podCIDR \"%s\"", bad[i]);
		assert_non_null(strstr(err, "podCIDR"));
	}
	assert_int_equal(sb_ipam_init(&ip, f->ipam, "10.244.0.0/16", err, sizeof(err)), 0);
	assert_int_equal(ip.gw, 0x0af40001);
	assert_int_equal(ip.bcast, 0x0af4ffff);
	assert_int_equal(sb_ipam_alloc(&ip, "../etc", got), -EINVAL);
	assert_int_equal(sb_ipam_alloc(&ip, "", got), -EINVAL);
	assert_int_equal(sb_ipam_alloc(&ip, "a/b", got), -EINVAL);
	assert_false(sb_uid_valid(".hidden"));
	assert_true(sb_uid_valid("3f2a9c1e-aaaa-4bbb-8ccc-0123456789ab"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_alloc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
