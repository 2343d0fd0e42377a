/* Unit tests for dataplane/ipt rendering: kube-proxy's layout, rule by
 * rule, against upstream's own expectations.
 *
 * The golden test is upstream proxier_test.go's TestOverallIPTablesRules
 * (same services, endpoints and chain hashes), less what skiff does not
 * do: no loadBalancerSourceRanges (so no KUBE-FW/KUBE-PROXY-FIREWALL), no
 * localhost node ports (so no nfacct rule, KUBE-FIREWALL, and "! -d
 * 127.0.0.0/8" on the node-port jump) and MASQUERADE --random-fully.
 * Like upstream's assertIPTablesRulesEqual, chains are compared in name
 * order, rules in their order within each chain. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_ipt_fixture.h"

/* --- normalising a restore input --- */

struct nline {
	char chain[64];
	size_t idx;
	const char *text;
	size_t len;
};

static int nline_cmp(const void *a, const void *b)
{
	const struct nline *x = a, *y = b;
	int d = strcmp(x->chain, y->chain);

	if (!d && (x->chain[0] == 1 || x->chain[0] == 127)) {
		/* ":" and "-X" lines: by text */
		size_t n = x->len < y->len ? x->len : y->len;

		d = memcmp(x->text, y->text, n);
		return d ? d : (x->len < y->len ? -1 : x->len > y->len);
	}
	return d ? d : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Per table: the ":" lines sorted, then each chain's rules in order
 * (chains by name), then the "-X" lines sorted. Malloc'd. */
static char *normalize(const char *t)
{
	size_t cap = strlen(t) + 64, o = 0, n = 0;
	char *out = malloc(cap);
	struct nline *v = calloc(fx_lines(t) + 1, sizeof(*v));

	assert_non_null(out);
	assert_non_null(v);
	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (l[0] == '*' || !strncmp(l, "COMMIT", 6)) {
			bool commit = l[0] == 'C';

			if (commit) {
				qsort(v, n, sizeof(*v), nline_cmp);
				for (size_t i = 0; i < n; i++) {
					memcpy(out + o, v[i].text, v[i].len);
					o += v[i].len;
					out[o++] = '\n';
				}
				n = 0;
			}
			memcpy(out + o, l, len);
			o += len;
			out[o++] = '\n';
		} else if (len) {
			/* ":" lines sort first, "-X" last, "-A/-I X" under X */
			struct nline *x = &v[n];

			if (l[0] == ':')
				snprintf(x->chain, sizeof(x->chain), "%s", "\001");
			else if (!strncmp(l, "-X", 2))
				snprintf(x->chain, sizeof(x->chain), "%s", "\177");
			else
				sscanf(l + 3, "%63s", x->chain);
			x->idx = n;
			x->text = l;
			x->len = len;
			n++;
		}
		if (!e)
			break;
		l = e + 1;
	}
	out[o] = 0;
	free(v);
	return out;
}

static bool be_liberal(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v != 0;
}

static struct ipt *new_ipt(const char *cidr)
{
	struct ipt *t = fx_ipt(cidr, IPT_WEIGHT_THRESHOLD);

	assert_non_null(t);
	return t;
}

static void set(struct ipt *t, struct fx *f)
{
	int r = ipt_set(t, f->key, &f->sp);

	if (r)
		fail_msg("ipt_set %s: %d", f->key, r);
}

static char *render(struct ipt *t, bool full)
{
	char *text;
	size_t len;

	assert_int_equal(ipt_render(t, full, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_same_rules(const char *got, const char *want)
{
	char *g = normalize(got), *w = normalize(want);

	if (strcmp(g, w)) {
		fprintf(stderr, "--- got\n%s--- want\n%s", g, w);
		fail_msg("rendered rules differ from upstream's");
	}
	free(g);
	free(w);
}

/* upstream's services, ns1..ns6 */
static void upstream_services(struct ipt *t)
{
	struct fx f;

	fx_init(&f, "ns1", "svc1", "p80", IPPROTO_TCP, "172.30.0.41", 80);
	fx_ep(&f, "10.180.0.1", 80, "R");
	set(t, &f);

	/* LoadBalancer, externalTrafficPolicy Local, its endpoint elsewhere */
	fx_init(&f, "ns2", "svc2", "p80", IPPROTO_TCP, "172.30.0.42", 80);
	f.sp.node_port = 3001;
	f.sp.health_node_port = 30000;
	f.sp.ext_local = true;
	fx_ext(&f, "192.168.99.22", false);
	fx_ext(&f, "1.2.3.4", true);
	fx_ep(&f, "10.180.0.2", 80, "R");
	set(t, &f);

	fx_init(&f, "ns3", "svc3", "p80", IPPROTO_TCP, "172.30.0.43", 80);
	f.sp.node_port = 3003;
	fx_ep(&f, "10.180.0.3", 80, "R");
	set(t, &f);

	fx_init(&f, "ns4", "svc4", "p80", IPPROTO_TCP, "172.30.0.44", 80);
	fx_ext(&f, "192.168.99.33", false);
	fx_ep(&f, "10.180.0.5", 80, "RL"); /* given out of order: rules sort them */
	fx_ep(&f, "10.180.0.4", 80, "R");
	set(t, &f);

	/* LoadBalancer, Cluster, ClientIP affinity, a source range */
	fx_init(&f, "ns5", "svc5", "p80", IPPROTO_TCP, "172.30.0.45", 80);
	f.sp.node_port = 3002;
	f.sp.affinity = true;
	fx_ext(&f, "5.6.7.8", true);
	fx_range(&f, "203.0.113.0", 25);
	fx_ep(&f, "10.180.0.3", 80, "R");
	set(t, &f);

	fx_init(&f, "ns6", "svc6", "p80", IPPROTO_TCP, "172.30.0.46", 80);
	set(t, &f);
}

static const char upstream_filter[] =
    "*filter\n"
    ":KUBE-NODEPORTS - [0:0]\n"
    ":KUBE-SERVICES - [0:0]\n"
    ":KUBE-EXTERNAL-SERVICES - [0:0]\n"
    ":KUBE-FORWARD - [0:0]\n"
    ":KUBE-PROXY-FIREWALL - [0:0]\n"
    "-A KUBE-NODEPORTS -m comment --comment \"ns2/svc2:p80 health check node port\" -m tcp -p tcp "
    "--dport 30000 -j ACCEPT\n"
    "-A KUBE-SERVICES -m comment --comment \"ns6/svc6:p80 has no endpoints\" -m tcp -p tcp -d "
    "172.30.0.46 --dport 80 -j REJECT\n"
    "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m tcp "
    "-p tcp -d 192.168.99.22 --dport 80 -j DROP\n"
    "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m tcp "
    "-p tcp -d 1.2.3.4 --dport 80 -j DROP\n"
    "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m "
    "addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP\n"
    "-A KUBE-PROXY-FIREWALL -m comment --comment \"ns5/svc5:p80 traffic not accepted by "
    "KUBE-FW-NUKIZ6OKUXPJNT4C\" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP\n"
    "%s"
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
    "0x4000/0x4000 -j ACCEPT\n"
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack "
    "--ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "COMMIT\n";

static const char upstream_nat[] =
    "*nat\n"
    ":KUBE-NODEPORTS - [0:0]\n"
    ":KUBE-SERVICES - [0:0]\n"
    ":KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]\n"
    ":KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]\n"
    ":KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]\n"
    ":KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]\n"
    ":KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]\n"
    ":KUBE-MARK-MASQ - [0:0]\n"
    ":KUBE-POSTROUTING - [0:0]\n"
    ":KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]\n"
    ":KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]\n"
    ":KUBE-SEP-OYPFS5VJICHGATKP - [0:0]\n"
    ":KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]\n"
    ":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
    ":KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]\n"
    ":KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]\n"
    ":KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]\n"
    ":KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]\n"
    ":KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]\n"
    ":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
    "-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j "
    "KUBE-EXT-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j "
    "KUBE-EXT-X27LE4BHSL4DOUIK\n"
    "-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j "
    "KUBE-EXT-NUKIZ6OKUXPJNT4C\n"
    "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d "
    "172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n"
    "-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp -p tcp -d "
    "172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p80 external IP\" -m tcp -p tcp -d "
    "192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p80 loadbalancer IP\" -m tcp -p tcp -d "
    "1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-SERVICES -m comment --comment \"ns3/svc3:p80 cluster IP\" -m tcp -p tcp -d "
    "172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK\n"
    "-A KUBE-SERVICES -m comment --comment \"ns4/svc4:p80 cluster IP\" -m tcp -p tcp -d "
    "172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK\n"
    "-A KUBE-SERVICES -m comment --comment \"ns4/svc4:p80 external IP\" -m tcp -p tcp -d "
    "192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK\n"
    "-A KUBE-SERVICES -m comment --comment \"ns5/svc5:p80 cluster IP\" -m tcp -p tcp -d "
    "172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C\n"
    "-A KUBE-SERVICES -m comment --comment \"ns5/svc5:p80 loadbalancer IP\" -m tcp -p tcp -d "
    "5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C\n"
    "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the "
    "last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS\n"
    "-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment \"masquerade traffic for ns4/svc4:p80 "
    "external destinations\" -j KUBE-MARK-MASQ\n"
    "-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK\n"
    "-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"pod traffic for ns2/svc2:p80 external "
    "destinations\" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"masquerade LOCAL traffic for "
    "ns2/svc2:p80 external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n"
    "-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"route LOCAL traffic for ns2/svc2:p80 "
    "external destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n"
    "-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment \"masquerade traffic for ns5/svc5:p80 "
    "external destinations\" -j KUBE-MARK-MASQ\n"
    "-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C\n"
    "-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment \"ns5/svc5:p80 loadbalancer IP\" -s "
    "203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C\n"
    "-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment \"other traffic to ns5/svc5:p80 will be "
    "dropped by KUBE-PROXY-FIREWALL\"\n"
    "-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment \"masquerade traffic for ns3/svc3:p80 "
    "external destinations\" -j KUBE-MARK-MASQ\n"
    "-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK\n"
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
    "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j "
    "MASQUERADE --random-fully\n"
    "-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT "
    "--to-destination 10.180.0.5:80\n"
    "-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name "
    "KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80\n"
    "-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT "
    "--to-destination 10.180.0.3:80\n"
    "-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT "
    "--to-destination 10.180.0.2:80\n"
    "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT "
    "--to-destination 10.180.0.1:80\n"
    "-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT "
    "--to-destination 10.180.0.4:80\n"
    "-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment \"ns4/svc4:p80 cluster IP\" -m tcp -p tcp "
    "-d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment \"ns4/svc4:p80 -> 10.180.0.4:80\" -m "
    "statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC\n"
    "-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment \"ns4/svc4:p80 -> 10.180.0.5:80\" -j "
    "KUBE-SEP-C6EBXVWJJZMIWKLZ\n"
    "-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp -p tcp "
    "-d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 -> 10.180.0.2:80\" -j "
    "KUBE-SEP-RS4RBKLTHTF2IUXJ\n"
    "-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment \"ns5/svc5:p80 cluster IP\" -m tcp -p tcp "
    "-d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment \"ns5/svc5:p80 -> 10.180.0.3:80\" -m "
    "recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j "
    "KUBE-SEP-I77PXRDZVX7PMWMN\n"
    "-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment \"ns5/svc5:p80 -> 10.180.0.3:80\" -j "
    "KUBE-SEP-I77PXRDZVX7PMWMN\n"
    "-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment \"ns3/svc3:p80 cluster IP\" -m tcp -p tcp "
    "-d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment \"ns3/svc3:p80 -> 10.180.0.3:80\" -j "
    "KUBE-SEP-OYPFS5VJICHGATKP\n"
    "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp "
    "-d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> 10.180.0.1:80\" -j "
    "KUBE-SEP-SXIVWICOYRO3J4NJ\n"
    "COMMIT\n";

static void test_upstream_overall(void **state)
{
	struct ipt *t = new_ipt("10.0.0.0/8");
	char want[sizeof(upstream_filter) + sizeof(upstream_nat) + 128];
	char *got;

	(void)state;
	upstream_services(t);
	snprintf(want, sizeof(want), upstream_filter,
		 be_liberal() ? "" : "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n");
	strncat(want, upstream_nat, sizeof(want) - strlen(want) - 1);
	got = render(t, true);
	assert_same_rules(got, want);
	/* the order upstream writes them in: filter, then nat */
	assert_true(strstr(got, "*filter") < strstr(got, "*nat"));
	/* nothing synced yet: a partial render is everything too */
	free(got);
	got = render(t, false);
	assert_same_rules(got, want);
	free(got);
	ipt_free(t);
}

/* The node-port jump is KUBE-SERVICES' last rule; every jump target is
 * declared in the same table. */
static void test_order_and_targets(void **state)
{
	struct ipt *t = new_ipt("10.0.0.0/8");
	const char *nat;
	const char *last;
	char *got;

	(void)state;
	upstream_services(t);
	got = render(t, true);
	nat = strstr(got, "*nat");
	assert_non_null(nat);
	last = strstr(fx_chain(nat, "KUBE-SERVICES"), "kubernetes service nodeports");
	assert_non_null(last);
	assert_string_equal(strchr(last, '\n'), "\n"); /* nothing after it */
	for (const char *l = nat; (l = strstr(l, " -j KUBE-")); l++) {
		char target[64], decl[80];

		sscanf(l + 4, "%63s", target);
		snprintf(decl, sizeof(decl), ":%s - [0:0]", target);
		if (!fx_has_line(nat, decl))
			fail_msg("jump to undeclared %s", target);
	}
	free(got);
	ipt_free(t);
}

/* internalTrafficPolicy Local: the cluster IP goes to KUBE-SVL with only
 * this node's endpoints; none there is a DROP in filter. */
static void test_internal_local(void **state)
{
	struct ipt *t = new_ipt(NULL);
	char svl[IPT_CHAIN_MAX], svc[IPT_CHAIN_MAX], sep_local[IPT_CHAIN_MAX];
	char sep_remote[IPT_CHAIN_MAX];
	struct fx f;
	char *got;

	(void)state;
	ipt_chain_name(svl, "KUBE-SVL-", "default/web:http", "tcp", "");
	ipt_chain_name(svc, "KUBE-SVC-", "default/web:http", "tcp", "");
	ipt_chain_name(sep_local, "KUBE-SEP-", "default/web:http", "tcp", "10.1.0.2:8080");
	ipt_chain_name(sep_remote, "KUBE-SEP-", "default/web:http", "tcp", "10.2.0.2:8080");
	fx_init(&f, "default", "web", "http", IPPROTO_TCP, "10.96.0.50", 80);
	f.sp.int_local = true;
	fx_ep(&f, "10.1.0.2", 8080, "RL");
	fx_ep(&f, "10.2.0.2", 8080, "R");
	set(t, &f);
	got = render(t, true);
	assert_true(strstr(fx_chain(got, "KUBE-SERVICES"), svl) != NULL);
	assert_null(strstr(got, svc)); /* no Cluster policy anywhere */
	assert_int_equal(fx_count_prefix(fx_chain(got, svl), "-A"), 1);
	assert_non_null(strstr(got, sep_local));
	assert_null(strstr(got, sep_remote)); /* unreachable from here */
	/* no cluster CIDR: no masquerade rule for off-cluster clients */
	assert_null(strstr(got, "! -s"));
	free(got);

	f.sp.neps = 0;
	fx_ep(&f, "10.2.0.2", 8080, "R");
	set(t, &f);
	got = render(t, true);
	assert_true(fx_has_line(got, "-A KUBE-SERVICES -m comment --comment \"default/web:http has "
				     "no local endpoints\" -m tcp -p tcp -d 10.96.0.50 --dport 80 "
				     "-j DROP"));
	assert_null(strstr(got, svl));
	free(got);
	ipt_free(t);
}

/* Serving+terminating endpoints are used only when none is ready, for the
 * Cluster and the Local set independently; others never. */
static void test_terminating_fallback(void **state)
{
	struct ipt *t = new_ipt(NULL);
	char svc[IPT_CHAIN_MAX];
	struct fx f;
	char *got;

	(void)state;
	ipt_chain_name(svc, "KUBE-SVC-", "default/web", "tcp", "");
	fx_init(&f, "default", "web", "", IPPROTO_TCP, "10.96.0.51", 80);
	fx_ep(&f, "10.1.0.1", 80, "R");
	fx_ep(&f, "10.1.0.2", 80, "ST");
	fx_ep(&f, "10.1.0.3", 80, "T"); /* not serving */
	set(t, &f);
	got = render(t, true);
	assert_int_equal(fx_count_prefix(fx_chain(got, svc), "-A"), 1);
	assert_non_null(strstr(fx_chain(got, svc), "10.1.0.1:80"));
	/* unnamed port: "ns/name" in comments */
	assert_non_null(strstr(got, "--comment \"default/web cluster IP\""));
	free(got);

	f.eps[0].ready = false; /* not ready, not serving */
	f.eps[0].serving = false;
	set(t, &f);
	got = render(t, true);
	assert_int_equal(fx_count_prefix(fx_chain(got, svc), "-A"), 1);
	assert_non_null(strstr(fx_chain(got, svc), "10.1.0.2:80"));
	free(got);

	f.eps[1].serving = false; /* nothing usable */
	set(t, &f);
	got = render(t, true);
	assert_null(strstr(got, svc));
	assert_true(fx_has_line(got, "-A KUBE-SERVICES -m comment --comment \"default/web has no "
				     "endpoints\" -m tcp -p tcp -d 10.96.0.51 --dport 80 -j "
				     "REJECT"));
	free(got);
	ipt_free(t);
}

/* No endpoints: REJECT for the cluster IP, externalIPs, LoadBalancer IPs
 * and the node port, and no nat rules at all (upstream TestNoEndpointsReject). */
static void test_no_endpoints_reject(void **state)
{
	struct ipt *t = new_ipt(NULL);
	struct fx f;
	char *got;

	(void)state;
	fx_init(&f, "ns1", "svc1", "p80", IPPROTO_UDP, "172.30.0.41", 80);
	f.sp.node_port = 3001;
	fx_ext(&f, "192.168.99.11", false);
	fx_ext(&f, "1.2.3.4", true);
	set(t, &f);
	got = render(t, true);
	assert_true(fx_has_line(got, "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 has no "
				     "endpoints\" -m udp -p udp -d 172.30.0.41 --dport 80 -j "
				     "REJECT"));
	assert_true(fx_has_line(got,
				"-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 "
				"has no endpoints\" -m udp -p udp -d 192.168.99.11 --dport "
				"80 -j REJECT"));
	assert_true(fx_has_line(got,
				"-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 "
				"has no endpoints\" -m udp -p udp -d 1.2.3.4 --dport 80 -j "
				"REJECT"));
	assert_true(fx_has_line(got,
				"-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 "
				"has no endpoints\" -m addrtype --dst-type LOCAL -m udp -p udp "
				"--dport 3001 -j REJECT"));
	assert_null(strstr(strstr(got, "*nat"), "ns1/svc1"));
	free(got);
	ipt_free(t);
}

/* Local with a local endpoint: NodePort -> KUBE-EXT -> KUBE-SVL (client
 * address kept: no masquerade), short-circuits to KUBE-SVC first. */
static void test_nodeport_local(void **state)
{
	struct ipt *t = new_ipt("10.244.0.0/16");
	char ext[IPT_CHAIN_MAX], svl[IPT_CHAIN_MAX], svc[IPT_CHAIN_MAX];
	struct fx f;
	const char *e;
	char *got;

	(void)state;
	ipt_chain_name(ext, "KUBE-EXT-", "default/web:http", "tcp", "");
	ipt_chain_name(svl, "KUBE-SVL-", "default/web:http", "tcp", "");
	ipt_chain_name(svc, "KUBE-SVC-", "default/web:http", "tcp", "");
	fx_init(&f, "default", "web", "http", IPPROTO_TCP, "10.96.0.52", 80);
	f.sp.node_port = 30080;
	f.sp.ext_local = true;
	fx_ep(&f, "10.244.1.5", 8080, "RL");
	fx_ep(&f, "10.244.2.5", 8080, "R");
	set(t, &f);
	got = render(t, true);
	e = fx_chain(got, "KUBE-NODEPORTS");
	assert_non_null(strstr(e, "--dport 30080 -j KUBE-EXT-"));
	e = fx_chain(got, ext);
	assert_int_equal(fx_count_prefix(e, "-A"), 4);
	assert_null(strstr(e, "masquerade traffic for"));
	assert_non_null(strstr(e, "-s 10.244.0.0/16 -j KUBE-SVC-"));
	assert_true(strstr(e, svl) > strstr(e, "route LOCAL")); /* the policy jump last */
	assert_int_equal(fx_count_prefix(fx_chain(got, svl), "-A"), 1);
	assert_int_equal(fx_count_prefix(fx_chain(got, svc), "-A"), 3); /* masq + 2 */
	free(got);

	/* Cluster policy: masquerade (the endpoint may be on another node) */
	f.sp.ext_local = false;
	set(t, &f);
	got = render(t, true);
	e = fx_chain(got, ext);
	assert_int_equal(fx_count_prefix(e, "-A"), 2);
	assert_non_null(strstr(e, "-j KUBE-MARK-MASQ"));
	assert_non_null(strstr(e, svc));
	assert_null(strstr(got, svl));
	free(got);
	ipt_free(t);
}

/* Probabilities: upstream's 1/(n-i) with 10 decimals, per endpoint in
 * address order. */
static void test_statistic(void **state)
{
	static const char *const want[] = {"0.2000000000", "0.2500000000", "0.3333333333",
					   "0.5000000000"};
	struct ipt *t = new_ipt(NULL);
	char svc[IPT_CHAIN_MAX];
	const char *c;
	struct fx f;
	char *got;

	(void)state;
	ipt_chain_name(svc, "KUBE-SVC-", "default/five:p", "udp", "");
	fx_init(&f, "default", "five", "p", IPPROTO_UDP, "10.96.0.53", 53);
	for (int i = 5; i >= 1; i--) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.1.0.%d", i);
		fx_ep(&f, ip, 53, "R");
	}
	set(t, &f);
	got = render(t, true);
	c = fx_chain(got, svc);
	assert_int_equal(fx_count_prefix(c, "-A"), 5);
	for (int i = 0; i < 4; i++) {
		char line[256], sep[IPT_CHAIN_MAX], ep[24];

		snprintf(ep, sizeof(ep), "10.1.0.%d:53", i + 1);
		ipt_chain_name(sep, "KUBE-SEP-", "default/five:p", "udp", ep);
		snprintf(line, sizeof(line),
			 "-A %s -m comment --comment \"default/five:p -> %s\" -m statistic --mode "
			 "random --probability %s -j %s",
			 svc, ep, want[i], sep);
		if (!fx_has_line(c, line))
			fail_msg("missing %s", line);
	}
	assert_int_equal(fx_count_prefix(c, "-A"), 5);
	assert_int_equal((int)(strstr(c, "10.1.0.5:53\" -j KUBE-SEP-") != NULL), 1);
	free(got);
	ipt_free(t);
}

/* Names iptables-restore input cannot carry, bad protocols, no cluster IP. */
static void test_set_rejects(void **state)
{
	struct ipt *t = new_ipt(NULL);
	struct fx f;

	(void)state;
	fx_init(&f, "default", "we b", "p", IPPROTO_TCP, "10.96.0.1", 80);
	assert_int_equal(ipt_set(t, "k", &f.sp), -EINVAL);
	fx_init(&f, "default", "web", "p\"", IPPROTO_TCP, "10.96.0.1", 80);
	assert_int_equal(ipt_set(t, "k", &f.sp), -EINVAL);
	fx_init(&f, "default", "web", "p", IPPROTO_ICMP, "10.96.0.1", 80);
	assert_int_equal(ipt_set(t, "k", &f.sp), -EINVAL);
	fx_init(&f, "default", "web", "p", IPPROTO_TCP, "0.0.0.0", 80);
	assert_int_equal(ipt_set(t, "k", &f.sp), -EINVAL);
	assert_int_equal(ipt_del(t, "k"), -ENOENT);
	assert_int_equal(ipt_stats(t)->services, 0);
	ipt_free(t);
}

static bool have_restore(void)
{
	return system("command -v iptables-restore >/dev/null 2>&1") == 0;
}

/* iptables-restore --test on text: parsed and checked, nothing applied,
 * in a network namespace of its own (even a test restore talks to the
 * namespace's netfilter; the root one is never touched). */
static int restore_test(const char *text)
{
	char path[] = "/tmp/ipt-fw-XXXXXX", cmd[128];
	int fd = mkstemp(path), st = 0;
	pid_t pid;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "iptables-restore --test --noflush < %s", path);
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? 99 : WEXITSTATUS(system(cmd)));
	waitpid(pid, &st, 0);
	unlink(path);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 99) {
		fprintf(stderr, "no network namespace: iptables-restore --test skipped\n");
		return 0;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* loadBalancerSourceRanges: the LoadBalancer address goes to KUBE-FW,
 * which lets the ranges on to KUBE-EXT; what falls off is dropped by
 * KUBE-PROXY-FIREWALL. The node's own address in a range also accepts the
 * LoadBalancer address as a source; nothing of it without a LoadBalancer
 * address or without endpoints. */
static void test_source_ranges(void **state)
{
	char fw[IPT_CHAIN_MAX], ext[IPT_CHAIN_MAX], line[1024];
	struct ipt_opts o;
	struct ipt *t;
	struct fx f;
	char *got;

	(void)state;
	ipt_opts_default(&o);
	o.restore_bin = o.save_bin = "/nonexistent/iptables";
	o.no_conntrack = true;
	o.node_ip = "192.168.1.7";
	t = ipt_new(&o);
	assert_non_null(t);
	ipt_chain_name(fw, "KUBE-FW-", "default/web:http", "tcp", "");
	ipt_chain_name(ext, "KUBE-EXT-", "default/web:http", "tcp", "");
	fx_init(&f, "default", "web", "http", IPPROTO_TCP, "10.96.0.70", 80);
	f.sp.node_port = 30070;
	fx_ext(&f, "172.18.0.9", false); /* an externalIP: not filtered */
	fx_ext(&f, "172.18.0.211", true);
	fx_range(&f, "203.0.113.0", 24);
	fx_range(&f, "192.168.0.0", 16); /* holds the node */
	fx_ep(&f, "10.244.1.5", 8080, "R");
	set(t, &f);
	got = render(t, true);
	snprintf(
	    line, sizeof(line),
	    "-A KUBE-SERVICES -m comment --comment \"default/web:http loadbalancer IP\" -m tcp "
	    "-p tcp -d 172.18.0.211 --dport 80 -j %s",
	    fw);
	assert_true(fx_has_line(got, line));
	snprintf(line, sizeof(line),
		 "-A KUBE-SERVICES -m comment --comment \"default/web:http external IP\" -m tcp -p "
		 "tcp -d 172.18.0.9 --dport 80 -j %s",
		 ext);
	assert_true(fx_has_line(got, line));
	snprintf(
	    line, sizeof(line),
	    "-A %s -m comment --comment \"default/web:http loadbalancer IP\" -s "
	    "203.0.113.0/24 -j %s\n"
	    "-A %s -m comment --comment \"default/web:http loadbalancer IP\" -s "
	    "192.168.0.0/16 -j %s\n"
	    "-A %s -m comment --comment \"default/web:http loadbalancer IP\" -s "
	    "172.18.0.211/32 -j %s\n"
	    "-A %s -m comment --comment \"other traffic to default/web:http will be dropped by "
	    "KUBE-PROXY-FIREWALL\"\n",
	    fw, ext, fw, ext, fw, ext, fw);
	assert_string_equal(fx_chain(got, fw), line);
	snprintf(line, sizeof(line),
		 "-A KUBE-PROXY-FIREWALL -m comment --comment \"default/web:http traffic not "
		 "accepted by %s\" -m tcp -p tcp -d 172.18.0.211 --dport 80 -j DROP\n",
		 fw);
	assert_string_equal(fx_chain(got, "KUBE-PROXY-FIREWALL"), line);
	/* the node port is not subject to the ranges (upstream: "for better
	 * or for worse") */
	snprintf(line, sizeof(line),
		 "-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport "
		 "30070 -j %s",
		 ext);
	assert_true(fx_has_line(got, line));
	if (have_restore())
		assert_int_equal(restore_test(got), 0);
	free(got);

	/* the node outside every range: no rule for the address as source */
	f.sp.nranges = 1;
	set(t, &f);
	got = render(t, true);
	assert_null(strstr(fx_chain(got, fw), "-s 172.18.0.211/32"));
	assert_int_equal(fx_lines(fx_chain(got, fw)), 2);
	free(got);

	/* no LoadBalancer address (an externalIP only): no firewall */
	f.sp.nlb = 0;
	f.sp.next = 1;
	set(t, &f);
	got = render(t, true);
	assert_null(strstr(got, "KUBE-FW-"));
	assert_string_equal(fx_chain(got, "KUBE-PROXY-FIREWALL"), "");
	free(got);

	/* no endpoints: REJECT as any service, no firewall chain */
	f.sp.nlb = 1;
	f.sp.next = 2;
	f.sp.neps = 0;
	set(t, &f);
	got = render(t, true);
	assert_null(strstr(got, "KUBE-FW-"));
	free(got);

	/* a malformed range: host bits set, or longer than 32 */
	f.sp.nranges = 0;
	fx_range(&f, "203.0.113.1", 24);
	assert_int_equal(ipt_set(t, f.key, &f.sp), -EINVAL);
	f.sp.nranges = 0;
	fx_range(&f, "203.0.113.1", 33);
	assert_int_equal(ipt_set(t, f.key, &f.sp), -EINVAL);
	f.sp.nranges = 0;
	fx_range(&f, "0.0.0.0", 0); /* everyone: valid */
	assert_int_equal(ipt_set(t, f.key, &f.sp), 0);
	ipt_free(t);
	/* a malformed node address is refused */
	o.node_ip = "192.168.1";
	assert_null(ipt_new(&o));
}

/* --- 1,000 services --- */

#define BIG 1000

static void big_service(struct fx *f, int i, int variant)
{
	char name[32], vip[32];

	snprintf(name, sizeof(name), "svc%04d", i);
	snprintf(vip, sizeof(vip), "10.96.%d.%d", i / 250, i % 250 + 1);
	fx_init(f, "bench", name, "http", IPPROTO_TCP, vip, 80);
	if (i % 2)
		f->sp.node_port = (uint16_t)(30000 + i);
	for (int k = 0; k < 3; k++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.%d.%d.%d", 100 + k + (k == 2 ? variant : 0), i / 250,
			 i % 250 + 1);
		fx_ep(f, ip, 8080, "R");
	}
}

static void fill_big(struct ipt *t)
{
	struct fx f;

	for (int i = 0; i < BIG; i++) {
		big_service(&f, i, 0);
		set(t, &f);
	}
}

/* The real iptables-restore parses and checks the full ruleset: --test
 * commits nothing. */
static void test_big_restore_test(void **state)
{
	struct ipt *t = new_ipt("10.244.0.0/16");
	char *got;
	int rc;

	(void)state;
	if (!have_restore()) {
		fprintf(stderr, "iptables-restore not installed: skipped\n");
		ipt_free(t);
		skip();
	}
	fill_big(t);
	assert_int_equal(ipt_stats(t)->services, BIG);
	assert_int_equal(ipt_stats(t)->endpoints, 3 * BIG);
	got = render(t, true);
	assert_int_equal(fx_count_prefix(got, ":KUBE-SVC-"), BIG);
	assert_int_equal(fx_count_prefix(got, ":KUBE-SEP-"), 3 * BIG);
	assert_int_equal(fx_count_prefix(got, ":KUBE-EXT-"), BIG / 2);
	assert_int_equal(fx_count_prefix(got, "-A KUBE-NODEPORTS "), BIG / 2);
	/* large-cluster mode (> 1000 endpoints): no per-endpoint comments,
	 * the service ones stay */
	assert_int_equal(fx_count_prefix(got, "-A KUBE-SEP-"), 6 * BIG);
	assert_null(strstr(got, " -> 10."));
	for (const char *l = got; (l = strstr(l, "\n-A KUBE-SEP-")); l++) {
		const char *c = strstr(l, "--comment");

		assert_true(!c || c > strchr(l + 1, '\n'));
	}
	assert_non_null(strstr(got, "--comment \"bench/svc0000:http cluster IP\""));
	rc = restore_test(got);
	free(got);
	ipt_free(t);
	assert_int_equal(rc, 0);
}

/* After a good sync, one changed endpoint renders that service's KUBE-SVC,
 * the new KUBE-SEP and the old one's deletion, plus the shared chains. */
static void test_big_partial(void **state)
{
	struct ipt_opts o;
	struct fx_bins b;
	struct ipt *t;
	struct fx f;
	char *got, svc[IPT_CHAIN_MAX], ext[IPT_CHAIN_MAX], oldsep[IPT_CHAIN_MAX];
	char newsep[IPT_CHAIN_MAX], ep[24], path[96];
	size_t shared;

	(void)state;
	fx_bins_make(&b);
	ipt_opts_default(&o);
	o.restore_bin = b.restore;
	o.save_bin = b.save;
	o.min_sync_period = 0;
	o.cluster_cidr = "10.244.0.0/16";
	o.no_conntrack = true;
	t = ipt_new(&o);
	assert_non_null(t);
	fill_big(t);
	assert_int_equal(ipt_sync(t), 0);
	assert_int_equal(ipt_stats(t)->chains_written, BIG + 3 * BIG + BIG / 2);

	/* nothing changed: nothing to write, no restore run */
	snprintf(path, sizeof(path), "%s/in", b.dir);
	unlink(path);
	assert_int_equal(ipt_sync(t), 0);
	assert_string_equal(fx_read(b.dir, "in"), "");

	/* the same service again: no change either */
	big_service(&f, 7, 0);
	set(t, &f);
	got = render(t, false);
	assert_int_equal(fx_count_prefix(got, ":KUBE-SVC-") + fx_count_prefix(got, ":KUBE-SEP-"),
			 0);
	/* shared: filter 1+5 decls+2 or 3 forward rules+COMMIT, nat 1+4 decls+4
	 * postrouting/masq+BIG cluster IPs+1 node-port jump+BIG/2 node
	 * ports+COMMIT */
	shared = fx_lines(got);
	assert_int_equal(shared,
			 1 + 5 + (be_liberal() ? 2 : 3) + 1 + 1 + 4 + 4 + BIG + 1 + BIG / 2 + 1);
	free(got);

	big_service(&f, 7, 50); /* its third endpoint moves */
	set(t, &f);
	got = render(t, false);
	ipt_chain_name(svc, "KUBE-SVC-", "bench/svc0007:http", "tcp", "");
	ipt_chain_name(ext, "KUBE-EXT-", "bench/svc0007:http", "tcp", "");
	snprintf(ep, sizeof(ep), "10.102.0.8:8080");
	ipt_chain_name(oldsep, "KUBE-SEP-", "bench/svc0007:http", "tcp", ep);
	snprintf(ep, sizeof(ep), "10.152.0.8:8080");
	ipt_chain_name(newsep, "KUBE-SEP-", "bench/svc0007:http", "tcp", ep);
	assert_int_equal(fx_count_prefix(got, ":KUBE-SVC-"), 1);
	assert_int_equal(fx_count_prefix(got, ":KUBE-SEP-"), 2);
	assert_int_equal(fx_count_prefix(got, ":KUBE-EXT-"), 0); /* unchanged */
	assert_non_null(strstr(got, svc));
	assert_non_null(strstr(got, ext)); /* jumped to from KUBE-NODEPORTS, not written */
	assert_non_null(strstr(got, newsep));
	{
		char x[64];

		snprintf(x, sizeof(x), "-X %s", oldsep);
		assert_true(fx_has_line(got, x));
	}
	/* + SVC (decl, masq, 3 endpoints) + new SEP (decl, 2) + old SEP
	 * (decl, -X) */
	assert_int_equal(fx_lines(got), shared + 5 + 3 + 2);
	free(got);

	/* the sync writes exactly that, and then nothing is pending */
	assert_int_equal(ipt_sync(t), 0);
	assert_int_equal(ipt_stats(t)->chains_written, 2);
	assert_int_equal(ipt_stats(t)->chains_deleted, 1);
	assert_int_equal(fx_lines(fx_read(b.dir, "in")), shared + 10);
	got = render(t, false);
	assert_int_equal(fx_lines(got), shared);
	free(got);
	ipt_free(t);
	fx_bins_remove(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_upstream_overall),	cmocka_unit_test(test_order_and_targets),
	    cmocka_unit_test(test_internal_local),	cmocka_unit_test(test_terminating_fallback),
	    cmocka_unit_test(test_no_endpoints_reject), cmocka_unit_test(test_nodeport_local),
	    cmocka_unit_test(test_statistic),		cmocka_unit_test(test_set_rejects),
	    cmocka_unit_test(test_big_restore_test),	cmocka_unit_test(test_big_partial),
	    cmocka_unit_test(test_source_ranges),
	};

	if (getenv("FLT"))
		cmocka_set_test_filter(getenv("FLT"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
