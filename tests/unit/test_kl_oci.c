/* Unit tests for dataplane/kubelet/oci_spec.c (rt_spec + image config -> OCI config.json) and
 * images.c (resolving names in <root>/images/): namespaces, mounts, limits, capabilities, env
 * order, command/args against the image's Entrypoint/Cmd, and the failure reasons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "kubelet/runtime.h"

static const char *const host_dirs[] = {"/usr", "/etc", NULL};

static cJSON *gen(const struct rt_spec *s, const struct rt_image *img)
{
	char reason[64] = "", msg[512] = "";
	cJSON *j =
	    rt_oci_spec(s, img, "/b/rootfs", host_dirs, reason, sizeof(reason), msg, sizeof(msg));

	assert_non_null(j);
	return j;
}

static cJSON *at(cJSON *j, const char *a, const char *b)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(j, a);

	return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

/* The array of strings as one "a|b|c" string. */
static void joined(cJSON *arr, char *out, size_t len)
{
	cJSON *e;
	size_t o = 0;

	out[0] = 0;
	cJSON_ArrayForEach(e, arr)
	{
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "|" : "", e->valuestring);
	}
}

static bool has_str(cJSON *arr, const char *s)
{
	cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return true;
	}
	return false;
}

static cJSON *mount_at(cJSON *j, const char *dst)
{
	cJSON *m;

	cJSON_ArrayForEach(m, at(j, "mounts", NULL))
	{
		if (strcmp(at(m, "destination", NULL)->valuestring, dst) == 0)
			return m;
	}
	return NULL;
}

static char *const sh[] = {"sh", "-c", "true", NULL};

static void test_namespaces(void **state)
{
	struct rt_spec s = {
	    .id = "u1_c", .command = sh, .netns_path = "/run/netns/p1", .hostname = "web-0"};
	struct rt_image img = {.host = true};
	cJSON *j = gen(&s, &img), *n;
	char got[256] = "";
	size_t o = 0;

	cJSON_ArrayForEach(n, at(j, "linux", "namespaces"))
	{
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", o ? "|" : "",
				      at(n, "type", NULL)->valuestring);
		if (strcmp(at(n, "type", NULL)->valuestring, "network") == 0)
			assert_string_equal(at(n, "path", NULL)->valuestring, "/run/netns/p1");
		else
			assert_null(at(n, "path", NULL));
	}
	assert_string_equal(got, "pid|ipc|uts|mount|network");
	assert_string_equal(at(j, "hostname", NULL)->valuestring, "web-0");
	assert_false(cJSON_IsTrue(at(j, "process", "terminal")));
	assert_false(cJSON_IsTrue(at(j, "process", "noNewPrivileges")));
	cJSON_Delete(j);

	/* No sandbox given: a network namespace of its own (no path). */
	s.netns_path = NULL;
	j = gen(&s, &img);
	cJSON_ArrayForEach(n, at(j, "linux", "namespaces")) assert_null(at(n, "path", NULL));
	cJSON_Delete(j);
}

static void test_mounts(void **state)
{
	struct rt_mount m[] = {
	    {.src = "/var/lib/x/vol", .dst = "/data", .type = "bind"},
	    {.src = "/var/lib/x/cm", .dst = "/etc/config", .type = "bind", .ro = true},
	    {.dst = "/scratch", .type = "tmpfs"},
	};
	struct rt_spec s = {.id = "u1_c", .command = sh, .mounts = m, .nmounts = 3};
	struct rt_image img = {.rootfs = "/img/rootfs"};
	cJSON *j = gen(&s, &img), *x;
	char o[256];

	for (const char *const *d =
		 (const char *const[]){"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
				       "/sys", "/sys/fs/cgroup", NULL};
	     *d; d++)
		assert_non_null(mount_at(j, *d));
	assert_true(has_str(at(mount_at(j, "/sys"), "options", NULL), "ro"));
	assert_null(mount_at(j, "/usr")); /* host dirs only for the host image */
	assert_false(cJSON_IsTrue(at(j, "root", "readonly")));
	assert_string_equal(at(j, "root", "path")->valuestring, "/b/rootfs");

	x = mount_at(j, "/data");
	assert_string_equal(at(x, "type", NULL)->valuestring, "bind");
	assert_string_equal(at(x, "source", NULL)->valuestring, "/var/lib/x/vol");
	joined(at(x, "options", NULL), o, sizeof(o));
	assert_string_equal(o, "rbind|rprivate");
	joined(at(mount_at(j, "/etc/config"), "options", NULL), o, sizeof(o));
	assert_string_equal(o, "rbind|rprivate|nosuid|nodev|ro");
	x = mount_at(j, "/scratch");
	assert_string_equal(at(x, "type", NULL)->valuestring, "tmpfs");
	assert_false(has_str(at(x, "options", NULL), "ro"));
	/* User mounts come after the defaults, so /sys etc. are not mounted over them. */
	assert_string_equal(at(cJSON_GetArrayItem(at(j, "mounts", NULL),
						  cJSON_GetArraySize(at(j, "mounts", NULL)) - 1),
			       "destination", NULL)
				->valuestring,
			    "/scratch");
	cJSON_Delete(j);

	/* Read-only rootfs: no cgroup mount (runc cannot make its mountpoints). */
	s.readonly_rootfs = true;
	j = gen(&s, &img);
	assert_true(cJSON_IsTrue(at(j, "root", "readonly")));
	assert_null(mount_at(j, "/sys/fs/cgroup"));
	cJSON_Delete(j);

	/* The host image: read-only, its directories bound read-only. */
	struct rt_image host = {.host = true};

	s.readonly_rootfs = false;
	j = gen(&s, &host);
	assert_true(cJSON_IsTrue(at(j, "root", "readonly")));
	assert_null(mount_at(j, "/sys/fs/cgroup"));
	x = mount_at(j, "/usr");
	assert_non_null(x);
	assert_string_equal(at(x, "source", NULL)->valuestring, "/usr");
	assert_true(has_str(at(x, "options", NULL), "ro"));
	assert_non_null(mount_at(j, "/etc"));
	cJSON_Delete(j);
}

static void test_limits(void **state)
{
	struct rt_spec s = {.id = "c1",
			    .command = sh,
			    .memory_limit = 16 << 20,
			    .cpu_quota_us = 50000,
			    .cpu_shares = 512,
			    .pids_limit = 100,
			    .cgroup_parent = "skiff/k1/n1/podu1"};
	struct rt_image img = {.host = true};
	cJSON *j = gen(&s, &img), *r = at(j, "linux", "resources");

	assert_string_equal(at(j, "linux", "cgroupsPath")->valuestring, "/skiff/k1/n1/podu1/c1");
	assert_int_equal(at(at(r, "memory", NULL), "limit", NULL)->valuedouble, 16 << 20);
	assert_int_equal(at(at(r, "cpu", NULL), "quota", NULL)->valuedouble, 50000);
	assert_int_equal(at(at(r, "cpu", NULL), "period", NULL)->valuedouble,
			 100000); /* the default */
	assert_int_equal(at(at(r, "cpu", NULL), "shares", NULL)->valuedouble, 512);
	assert_int_equal(at(at(r, "pids", NULL), "limit", NULL)->valuedouble, 100);
	cJSON_Delete(j);

	/* Nothing asked, nothing set. */
	struct rt_spec z = {.id = "c1", .command = sh, .cgroup_parent = "/p/"};

	j = gen(&z, &img);
	r = at(j, "linux", "resources");
	assert_null(at(r, "memory", NULL));
	assert_null(at(r, "cpu", NULL));
	assert_null(at(r, "pids", NULL));
	assert_string_equal(at(j, "linux", "cgroupsPath")->valuestring, "/p/c1");
	cJSON_Delete(j);

	z.cpu_quota_us = 20000;
	z.cpu_period_us = 50000;
	j = gen(&z, &img);
	r = at(at(j, "linux", "resources"), "cpu", NULL);
	assert_int_equal(at(r, "period", NULL)->valuedouble, 50000);
	assert_null(at(r, "shares", NULL));
	cJSON_Delete(j);
}

static void test_caps(void **state)
{
	char *add[] = {"NET_ADMIN", "cap_sys_time", NULL}, *drop[] = {"CAP_CHOWN", "net_raw", NULL};
	struct rt_spec s = {.id = "c1", .command = sh};
	struct rt_image img = {.host = true};
	cJSON *j = gen(&s, &img), *b = at(at(j, "process", "capabilities"), "bounding", NULL);

	assert_int_equal(cJSON_GetArraySize(b), 14); /* Docker's default set */
	assert_true(has_str(b, "CAP_CHOWN"));
	assert_true(has_str(b, "CAP_NET_BIND_SERVICE"));
	assert_false(has_str(b, "CAP_NET_ADMIN"));
	assert_false(has_str(b, "CAP_SYS_ADMIN"));
	cJSON_Delete(j);

	s.cap_add = add;
	s.cap_drop = drop;
	j = gen(&s, &img);
	cJSON *caps = at(j, "process", "capabilities");

	for (const char *const *k =
		 (const char *const[]){"bounding", "effective", "permitted", NULL};
	     *k; k++) {
		b = at(caps, *k, NULL);
		assert_true(has_str(b, "CAP_NET_ADMIN"));
		assert_true(has_str(b, "CAP_SYS_TIME"));
		assert_false(has_str(b, "CAP_CHOWN"));
		assert_false(has_str(b, "CAP_NET_RAW"));
		assert_int_equal(cJSON_GetArraySize(b), 14);
	}
	assert_null(at(caps, "ambient", NULL));
	cJSON_Delete(j);

	/* drop wins over add, "ALL" included. */
	char *all[] = {"ALL", NULL}, *one[] = {"NET_BIND_SERVICE", NULL};

	s.cap_add = one;
	s.cap_drop = all;
	j = gen(&s, &img);
	assert_int_equal(cJSON_GetArraySize(at(at(j, "process", "capabilities"), "bounding", NULL)),
			 0);
	cJSON_Delete(j);
	s.cap_add = all;
	s.cap_drop = NULL;
	j = gen(&s, &img);
	assert_true(
	    has_str(at(at(j, "process", "capabilities"), "bounding", NULL), "CAP_SYS_ADMIN"));
	cJSON_Delete(j);
}

static void test_env_user_cwd(void **state)
{
	char *ienv[] = {"A=img", "PATH=/opt/bin", "B=img", NULL};
	char *senv[] = {"B=pod", "C=pod", "A=pod2", NULL};
	struct rt_spec s = {.id = "c1", .command = sh, .env = senv, .hostname = "h1"};
	struct rt_image img = {
	    .env = ienv, .working_dir = "/srv", .has_user = true, .uid = 7, .gid = 8};
	cJSON *j = gen(&s, &img);
	char got[512];

	joined(at(j, "process", "env"), got, sizeof(got));
	/* image order kept, pod values in place, new pod vars after, HOSTNAME last */
	assert_string_equal(got, "A=pod2|PATH=/opt/bin|B=pod|C=pod|HOSTNAME=h1");
	assert_string_equal(at(j, "process", "cwd")->valuestring, "/srv");
	assert_int_equal(at(at(j, "process", "user"), "uid", NULL)->valuedouble, 7);
	assert_int_equal(at(at(j, "process", "user"), "gid", NULL)->valuedouble, 8);
	cJSON_Delete(j);

	struct rt_image none = {.host = true};

	s.env = NULL;
	s.has_user = true;
	s.uid = 1000;
	s.gid = 3000;
	s.working_dir = "/tmp";
	j = gen(&s, &none);
	joined(at(j, "process", "env"), got, sizeof(got));
	assert_string_equal(
	    got, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|HOSTNAME=h1");
	assert_string_equal(at(j, "process", "cwd")->valuestring, "/tmp");
	assert_int_equal(at(at(j, "process", "user"), "uid", NULL)->valuedouble, 1000);
	cJSON_Delete(j);
	s.working_dir = NULL;
	j = gen(&s, &none);
	assert_string_equal(at(j, "process", "cwd")->valuestring, "/");
	cJSON_Delete(j);
}

static void test_command_args(void **state)
{
	char *ep[] = {"/ep", "-x", NULL}, *cmd[] = {"dflt", NULL};
	char *c[] = {"/bin/c", NULL}, *a[] = {"a1", "a2", NULL};
	static const struct {
		bool command, args, ep, cmd;
		const char *want; /* NULL: refused */
	} cases[] = {
	    {false, false, true, true, "/ep|-x|dflt"}, /* the image's */
	    {false, true, true, true, "/ep|-x|a1|a2"}, /* args replace Cmd */
	    {true, false, true, true, "/bin/c"}, /* command replaces Entrypoint, and Cmd is dropped
						  */
	    {true, true, true, true, "/bin/c|a1|a2"},  {false, false, false, true, "dflt"},
	    {false, true, false, false, "a1|a2"},      {false, false, false, false, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_spec s = {.id = "c1",
				    .command = cases[i].command ? c : NULL,
				    .args = cases[i].args ? a : NULL};
		struct rt_image img = {.entrypoint = cases[i].ep ? ep : NULL,
				       .cmd = cases[i].cmd ? cmd : NULL};
		char reason[64] = "", msg[512] = "", got[256];
		cJSON *j =
		    rt_oci_spec(&s, &img, "/r", NULL, reason, sizeof(reason), msg, sizeof(msg));

		if (!cases[i].want) {
			assert_null(j);
			assert_string_equal(reason, "CreateContainerConfigError");
			assert_string_equal(msg, "no command specified");
			continue;
		}
		assert_non_null(j);
		joined(at(j, "process", "args"), got, sizeof(got));
		assert_string_equal(got, cases[i].want);
		cJSON_Delete(j);
	}

	/* The host image has no entrypoint: the container must set command. */
	struct rt_spec s = {.id = "c1"};
	struct rt_image host = {.host = true};
	char reason[64] = "", msg[512] = "";

	assert_null(rt_oci_spec(&s, &host, "/r", NULL, reason, sizeof(reason), msg, sizeof(msg)));
	assert_string_equal(reason, "CreateContainerConfigError");
	assert_string_equal(msg,
			    "image \"host\" has no entrypoint: the container must set command");
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_images(void **state)
{
	char root[] = "/tmp/skiff-kl-oci.XXXXXX", p[512], msg[512];
	struct rt_image img;

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/images", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/busybox", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/busybox/rootfs", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/busybox/config.json", root);
	put(p,
	    "{\"config\":{\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"echo\"],\"Env\":[\"X=1\"],"
	    "\"WorkingDir\":\"/w\",\"User\":\"65534:65533\"}}");

	assert_int_equal(rt_image_resolve(root, "busybox:1.36", &img, msg, sizeof(msg)), 0);
	snprintf(p, sizeof(p), "%s/images/busybox/rootfs", root);
	assert_string_equal(img.rootfs, p);
	assert_string_equal(img.entrypoint[0], "/bin/sh");
	assert_string_equal(img.cmd[1], "echo");
	assert_string_equal(img.env[0], "X=1");
	assert_string_equal(img.working_dir, "/w");
	assert_true(img.has_user);
	assert_int_equal(img.uid, 65534);
	assert_int_equal(img.gid, 65533);
	rt_image_release(&img);

	assert_int_equal(rt_image_resolve(root, "host", &img, msg, sizeof(msg)), 0);
	assert_true(img.host);

	assert_int_equal(rt_image_resolve(root, "nginx", &img, msg, sizeof(msg)), -ENOENT);
	char want[600];

	snprintf(want, sizeof(want),
		 "image \"nginx\" is not in the node's image store: import it as "
		 "%s/images/nginx/rootfs (an unpacked root filesystem) or as an OCI image layout "
		 "in %s/images/nginx",
		 root, root);
	assert_string_equal(msg, want);
	assert_int_equal(rt_image_resolve(root, "../etc", &img, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(rt_image_resolve(root, "a/./b", &img, msg, sizeof(msg)), -EINVAL);

	/* A broken config.json is an error, not an image without config. */
	snprintf(p, sizeof(p), "%s/images/busybox/config.json", root);
	put(p, "{not json");
	assert_int_equal(rt_image_resolve(root, "busybox", &img, msg, sizeof(msg)), -EINVAL);

	char cmdline[600];

	snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", root);
	assert_int_equal(system(cmdline), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_namespaces),	 cmocka_unit_test(test_mounts),
	    cmocka_unit_test(test_limits),	 cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_env_user_cwd), cmocka_unit_test(test_command_args),
	    cmocka_unit_test(test_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
