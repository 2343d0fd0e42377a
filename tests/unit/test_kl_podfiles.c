/* Unit tests for dataplane/kubelet/podfiles.c: the resolv.conf, hosts and hostname files of a pod
 * for dnsPolicy ClusterFirst (also falling back to Default without a cluster DNS address or on
 * the host network), Default, None with dnsConfig, dnsConfig merged into ClusterFirst, a
 * subdomain, hostAliases, the 63-character hostname and an unknown policy. The node's
 * resolv.conf is a fixture file. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json_fixture.h"
#include "kubelet/sandbox.h"

#define HOSTS_HEAD                                                                                 \
	"# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"                                 \
	"::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"                       \
	"fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"

static char dir[64], host_resolv[128];

static int setup(void **state)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/skiff-podfiles-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(host_resolv, sizeof(host_resolv), "%s/host-resolv.conf", dir);
	f = fopen(host_resolv, "w");
	if (!f)
		return -1;
	/* Comments, a search line replaced by a later one, a root "." dropped, trailing dots. */
	fputs("# node resolver\nnameserver 192.0.2.53\nsearch old.example\n"
	      "search example.com corp. .\nnameserver 192.0.2.54 ; second\noptions timeout:2 "
	      "rotate\n",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		fail_msg("open %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* Make the files of pod (fixture JSON) with cluster DNS 10.96.0.10 (or dns) and zone
 * cluster.local, and compare resolv.conf and, when given, hosts and the hostname file. */
static void check(const char *pod_json, const char *dns, const char *resolv, const char *hosts,
		  const char *hostname)
{
	cJSON *pod = J(pod_json);
	struct sb_files f;
	char err[256] = "";
	int rc = sb_pod_files_host(dir, "uid-1", pod, "10.244.1.5", dns, "cluster.local",
				   host_resolv, &f, err, sizeof(err));

	cJSON_Delete(pod);
	if (rc < 0)
		fail_msg("sb_pod_files: %s", err);
	assert_string_equal(slurp(f.resolv), resolv);
	if (hosts)
		assert_string_equal(slurp(f.hosts), hosts);
	if (hostname) {
		char want[80];

		assert_string_equal(f.hostname, hostname);
		snprintf(want, sizeof(want), "%s\n", hostname);
		assert_string_equal(slurp(f.hostname_file), want);
	}
}

static void test_cluster_first(void **state)
{
	static const char *cf = "search shop.svc.cluster.local svc.cluster.local cluster.local "
				"example.com corp\nnameserver 10.96.0.10\noptions ndots:5\n";

	check("{'metadata':{'name':'web-0','namespace':'shop'},'spec':{}}", "10.96.0.10", cf,
	      HOSTS_HEAD "10.244.1.5\tweb-0\n", "web-0");
	check(
	    "{'metadata':{'name':'web-0','namespace':'shop'},'spec':{'dnsPolicy':'ClusterFirst'}}",
	    "10.96.0.10", cf, NULL, NULL);
	/* The host network makes ClusterFirst the node's resolver, unless WithHostNet. */
	check("{'metadata':{'name':'w','namespace':'shop'},'spec':{'hostNetwork':true}}",
	      "10.96.0.10",
	      "search example.com corp\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"
	      "options timeout:2 rotate\n",
	      NULL, NULL);
	check("{'metadata':{'name':'w','namespace':'shop'},'spec':{'hostNetwork':true,"
	      "'dnsPolicy':'ClusterFirstWithHostNet'}}",
	      "10.96.0.10", cf, NULL, NULL);
}

static void test_default(void **state)
{
	static const char *node = "search example.com corp\nnameserver 192.0.2.53\n"
				  "nameserver 192.0.2.54\noptions timeout:2 rotate\n";

	check("{'metadata':{'name':'a','namespace':'shop'},'spec':{'dnsPolicy':'Default'}}",
	      "10.96.0.10", node, NULL, NULL);
	/* No cluster DNS address: ClusterFirst falls back to Default, as upstream. */
	check("{'metadata':{'name':'a','namespace':'shop'},'spec':{}}", "", node, NULL, NULL);
}

static void test_none_and_config(void **state)
{
	check("{'metadata':{'name':'a','namespace':'shop'},'spec':{'dnsPolicy':'None',"
	      "'dnsConfig':{'nameservers':['1.2.3.4'],'searches':['a.example','a.example'],"
	      "'options':[{'name':'ndots','value':'2'},{'name':'edns0'}]}}}",
	      "10.96.0.10", "search a.example\nnameserver 1.2.3.4\noptions ndots:2 edns0\n", NULL,
	      NULL);
	/* None without dnsConfig: an empty file. */
	check("{'metadata':{'name':'a','namespace':'shop'},'spec':{'dnsPolicy':'None'}}",
	      "10.96.0.10", "", NULL, NULL);
	/* Merged into ClusterFirst: servers and searches appended without duplicates (at most 3
	 * servers), an option of the same name replaced. */
	check("{'metadata':{'name':'a','namespace':'shop'},'spec':{'dnsConfig':{"
	      "'nameservers':['10.96.0.10','1.1.1.1','8.8.8.8','9.9.9.9'],"
	      "'searches':['cluster.local','extra.example'],"
	      "'options':[{'name':'ndots','value':'1'},{'name':'single-request'}]}}}",
	      "10.96.0.10",
	      "search shop.svc.cluster.local svc.cluster.local cluster.local example.com corp "
	      "extra.example\nnameserver 10.96.0.10\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n"
	      "options ndots:1 single-request\n",
	      NULL, NULL);
}

static void test_hosts(void **state)
{
	static const char *cf = "search db.svc.cluster.local svc.cluster.local cluster.local "
				"example.com corp\nnameserver 10.96.0.10\noptions ndots:5\n";

	/* A StatefulSet pod: hostname + subdomain give its FQDN. */
	check("{'metadata':{'name':'db-0','namespace':'db'},'spec':{'hostname':'db-0',"
	      "'subdomain':'pg'}}",
	      "10.96.0.10", cf, HOSTS_HEAD "10.244.1.5\tdb-0.pg.db.svc.cluster.local\tdb-0\n",
	      "db-0");
	check("{'metadata':{'name':'db-0','namespace':'db'},'spec':{'hostname':'other',"
	      "'hostAliases':[{'ip':'10.1.2.3','hostnames':['foo.local','bar.local']},"
	      "{'ip':'10.1.2.4','hostnames':['baz']}]}}",
	      "10.96.0.10", cf,
	      HOSTS_HEAD "10.244.1.5\tother\n\n# Entries added by HostAliases.\n"
			 "10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz\n",
	      "other");
	/* A pod name past 63 characters is cut there, then its trailing '-' and '.' go. */
	check(
	    "{'metadata':{'name':'aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff--.-"
	    "xyz','namespace':'db'},'spec':{}}",
	    "10.96.0.10", cf, NULL, "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff");
}

static void test_bad_policy(void **state)
{
	cJSON *pod = J("{'metadata':{'name':'a'},'spec':{'dnsPolicy':'Bogus'}}");
	struct sb_files f;
	char err[256] = "";

	assert_int_equal(sb_pod_files_host(dir, "uid-1", pod, "10.244.1.5", "10.96.0.10",
					   "cluster.local", host_resolv, &f, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "spec.dnsPolicy: Unsupported value: \"Bogus\"");
	assert_int_equal(sb_pod_files_host(dir, "../x", pod, "10.244.1.5", "10.96.0.10",
					   "cluster.local", host_resolv, &f, err, sizeof(err)),
			 -EINVAL);
	cJSON_Delete(pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_first),   cmocka_unit_test(test_default),
	    cmocka_unit_test(test_none_and_config), cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_bad_policy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
