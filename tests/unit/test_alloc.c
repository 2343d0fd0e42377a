/* Unit tests of the ClusterIP / NodePort allocators. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "registry/alloc.h"

static void test_cidr_parse(void **state)
{
	static const struct {
		const char *cidr;
		int ok;
		uint32_t size;
	} cases[] = {
	    {"10.96.0.0/16", 1, 65534}, {"10.96.0.0/30", 1, 2}, {"10.0.0.0/8", 1, 16777214},
	    {"10.96.0.1/16", 0, 0},	{"10.96.0.0", 0, 0},	{"10.96.0.0/31", 0, 0},
	    {"10.96.0.0/x", 0, 0},	{"300.1.1.0/24", 0, 0}, {"", 0, 0},
	    {"10.96.0.0/16x", 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct alloc_range r;
		int err = alloc_ip_init(&r, cases[i].cidr);

		if (cases[i].ok) {
			assert_int_equal(err, 0);
			assert_int_equal(r.size, cases[i].size);
			alloc_free(&r);
		} else {
			assert_int_equal(err, -EINVAL);
		}
	}
}

static void test_explicit_and_release(void **state)
{
	struct alloc_range r;
	uint32_t ip, v;
	char buf[32];

	assert_int_equal(alloc_ip_init(&r, "10.96.0.0/24"), 0);
	assert_int_equal(alloc_parse_ip("10.96.0.1", &ip), 0);
	assert_int_equal(alloc_reserve(&r, ip), 0);
	assert_int_equal(alloc_reserve(&r, ip), -EEXIST);
	assert_int_equal(alloc_parse_ip("10.96.0.0", &ip), 0);
	assert_int_equal(alloc_reserve(&r, ip), -ERANGE); /* network address */
	assert_int_equal(alloc_parse_ip("10.96.0.255", &ip), 0);
	assert_int_equal(alloc_reserve(&r, ip), -ERANGE); /* broadcast */
	assert_int_equal(alloc_parse_ip("10.97.0.5", &ip), 0);
	assert_int_equal(alloc_reserve(&r, ip), -ERANGE);
	assert_int_equal(alloc_next(&r, &v), 0);
	alloc_format_ip(v, buf, sizeof(buf));
	assert_string_equal(buf, "10.96.0.2"); /* .1 was taken */
	alloc_release(&r, v);
	assert_false(alloc_is_set(&r, v));
	/* a released address is not handed out again at once */
	assert_int_equal(alloc_next(&r, &v), 0);
	alloc_format_ip(v, buf, sizeof(buf));
	assert_string_equal(buf, "10.96.0.3");
	alloc_free(&r);
}

static void test_exhaustion_no_duplicates(void **state)
{
	struct alloc_range r;
	uint8_t seen[256] = {0};
	uint32_t v;

	assert_int_equal(alloc_ip_init(&r, "10.1.2.0/24"), 0);
	for (int i = 0; i < 254; i++) {
		assert_int_equal(alloc_next(&r, &v), 0);
		assert_int_equal(seen[v & 0xff], 0);
		seen[v & 0xff] = 1;
	}
	assert_int_equal(alloc_next(&r, &v), -ENOSPC);
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[255], 0);
	alloc_release(&r, (10u << 24) | (1u << 16) | (2u << 8) | 77);
	assert_int_equal(alloc_next(&r, &v), 0);
	assert_int_equal(v & 0xff, 77);
	alloc_free(&r);
}

static void test_ports(void **state)
{
	struct alloc_range r;
	uint32_t v;

	assert_int_equal(alloc_port_init(&r, "30000-30002"), 0);
	assert_string_equal(r.desc, "30000-30002");
	assert_int_equal(alloc_reserve(&r, 30001), 0);
	assert_int_equal(alloc_reserve(&r, 29999), -ERANGE);
	assert_int_equal(alloc_next(&r, &v), 0);
	assert_int_equal(v, 30000);
	assert_int_equal(alloc_next(&r, &v), 0);
	assert_int_equal(v, 30002);
	assert_int_equal(alloc_next(&r, &v), -ENOSPC);
	alloc_free(&r);
	assert_int_equal(alloc_port_init(&r, "5-2"), -EINVAL);
	assert_int_equal(alloc_port_init(&r, "1-70000"), -EINVAL);
	assert_int_equal(alloc_port_init(&r, "30000"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr_parse),
	    cmocka_unit_test(test_explicit_and_release),
	    cmocka_unit_test(test_exhaustion_no_duplicates),
	    cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
