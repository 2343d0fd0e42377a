/* dataplane/ipt for real, in a throwaway network namespace: the only test
 * that applies rules. A forked child unshares its network namespace
 * (which disappears with it: nothing to clean up, the root namespace is
 * never touched), puts a veth pair up, syncs, and checks iptables-save,
 * traffic through the DNAT rules, conntrack counts, the stale UDP entries'
 * removal and a restart's first sync. Skipped unless root.
 *
 * Addresses: the client side is 10.0.0.1 (v0), the endpoints listen on
 * 10.0.0.2 (v1); service IPs 10.96/12 are routed out of v0. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_ipt_fixture.h"

#define SKIP_CODE 77
#define NUDP	  20 /* UDP flows to the DNS-like service */
#define NTCP	  6  /* TCP connections to the web service */

/* In the child: no cmocka (its jumps belong to the parent's copy). */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);                 \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static void sh(const char *cmd)
{
	CHECK(system(cmd) == 0, "%s", cmd);
}

/* iptables-save of this namespace (static). */
static const char *saved(void)
{
	static char out[1 << 18];
	FILE *p = popen("iptables-save 2>/dev/null", "r");
	size_t n;

	CHECK(p != NULL, "popen");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

static int sock_at(int type, const char *ip, uint16_t port, bool bind_it)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, type, 0);

	CHECK(fd >= 0, "socket");
	a.sin_addr.s_addr = fx_ip(ip);
	if (bind_it) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind %s:%u", ip, port);
		if (type == SOCK_STREAM)
			CHECK(listen(fd, 64) == 0, "listen");
		fcntl(fd, F_SETFL, O_NONBLOCK);
	} else if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int drain_udp(int fd)
{
	char b[64];
	int n = 0;

	while (recv(fd, b, sizeof(b), 0) > 0)
		n++;
	return n;
}

static void services(struct ipt *t, bool dns_both)
{
	struct fx f;

	fx_init(&f, "test", "dns", "dns", IPPROTO_UDP, "10.96.0.10", 53);
	f.sp.node_port = 30053;
	fx_ep(&f, "10.0.0.2", 5353, "R");
	if (dns_both)
		fx_ep(&f, "10.0.0.2", 5354, "R");
	CHECK(ipt_set(t, f.key, &f.sp) == 0, "set dns");
	fx_init(&f, "test", "web", "http", IPPROTO_TCP, "10.96.0.20", 80);
	fx_ep(&f, "10.0.0.2", 8080, "R");
	fx_ep(&f, "10.0.0.2", 8081, "R");
	CHECK(ipt_set(t, f.key, &f.sp) == 0, "set web");
	fx_init(&f, "test", "empty", "p", IPPROTO_TCP, "10.96.0.30", 80);
	CHECK(ipt_set(t, f.key, &f.sp) == 0, "set empty");
}

static struct ipt *new_ipt(void)
{
	struct ipt_opts o;
	struct ipt *t;

	ipt_opts_default(&o);
	o.min_sync_period = 0;
	o.cluster_cidr = "10.244.0.0/16";
	t = ipt_new(&o);
	CHECK(t != NULL, "ipt_new");
	return t;
}

static struct ipt_ct_ep cts[] = {
    {0, 0, IPPROTO_UDP, 0}, {0, 0, IPPROTO_UDP, 0}, {0, 0, IPPROTO_TCP, 0}, {0, 0, IPPROTO_TCP, 0}};

static void count(void)
{
	static const uint16_t ports[] = {5353, 5354, 8080, 8081};

	for (int i = 0; i < 4; i++) {
		cts[i].addr = fx_ip("10.0.0.2");
		cts[i].port = htons(ports[i]);
	}
	CHECK(ipt_ct_count(cts, 4) == 0, "ipt_ct_count");
}

static int scenario(void)
{
	char svc_dns[IPT_CHAIN_MAX], svc_web[IPT_CHAIN_MAX], line[256];
	int srv[4], cli_udp[NUDP], cli_tcp[NTCP], got = 0, r;
	uint32_t before5353, weights[2] = {0, 30};
	struct ipt *t;
	const char *s;

	if (unshare(CLONE_NEWNET))
		return SKIP_CODE;
	if (system("command -v ip iptables-restore iptables-save >/dev/null 2>&1"))
		return SKIP_CODE;
	sh("ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && "
	   "ip link set v1 up && ip addr add 10.0.0.1/24 dev v0 && ip addr add 10.0.0.2/24 dev v1 "
	   "&& ip route add 10.96.0.0/12 dev v0");
	ipt_chain_name(svc_dns, "KUBE-SVC-", "test/dns:dns", "udp", "");
	ipt_chain_name(svc_web, "KUBE-SVC-", "test/web:http", "tcp", "");

	/* the first sync: chains and jumps are there */
	t = new_ipt();
	services(t, true);
	r = ipt_sync(t);
	CHECK(r == 0, "sync: %d %s", r, ipt_stats(t)->last_error);
	s = saved();
	CHECK(strstr(s, "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j "
			"KUBE-SERVICES"),
	      "%s", s);
	CHECK(strstr(s, "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j "
			"KUBE-SERVICES"),
	      "%s", s);
	CHECK(strstr(s, "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j "
			"KUBE-POSTROUTING"),
	      "%s", s);
	snprintf(line, sizeof(line), ":%s - [0:0]", svc_dns);
	CHECK(strstr(s, line), "%s", s);
	CHECK(strstr(s, "-j DNAT --to-destination 10.0.0.2:5354"), "%s", s);
	CHECK(strstr(s, "--dport 30053 -j KUBE-EXT-"), "%s", s);
	/* (iptables-save's order of matches) */
	CHECK(strstr(s, "-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment "
			"\"test/empty:p has no endpoints\" -m tcp --dport 80 -j REJECT "
			"--reject-with icmp-port-unreachable"),
	      "%s", s);

	/* traffic through the rules */
	srv[0] = sock_at(SOCK_DGRAM, "10.0.0.2", 5353, true);
	srv[1] = sock_at(SOCK_DGRAM, "10.0.0.2", 5354, true);
	srv[2] = sock_at(SOCK_STREAM, "10.0.0.2", 8080, true);
	srv[3] = sock_at(SOCK_STREAM, "10.0.0.2", 8081, true);
	for (int i = 0; i < NUDP; i++) {
		cli_udp[i] = sock_at(SOCK_DGRAM, "10.96.0.10", 53, false);
		CHECK(cli_udp[i] >= 0, "udp connect: %s", strerror(-cli_udp[i]));
		CHECK(send(cli_udp[i], "q", 1, 0) == 1, "send");
	}
	for (int i = 0; i < NTCP; i++) {
		cli_tcp[i] = sock_at(SOCK_STREAM, "10.96.0.20", 80, false);
		CHECK(cli_tcp[i] >= 0, "tcp connect: %s", strerror(-cli_tcp[i]));
	}
	r = sock_at(SOCK_STREAM, "10.96.0.30", 80, false);
	CHECK(r == -ECONNREFUSED, "no endpoints: connect gave %d", r);
	usleep(100 * 1000);
	got = drain_udp(srv[0]) + drain_udp(srv[1]);
	CHECK(got == NUDP, "%d datagrams reached the endpoints", got);

	/* conntrack counts per endpoint */
	count();
	CHECK(cts[0].active + cts[1].active == NUDP, "udp %u+%u", cts[0].active, cts[1].active);
	CHECK(cts[0].active && cts[1].active, "udp %u/%u: both used", cts[0].active, cts[1].active);
	CHECK(cts[2].active + cts[3].active == NTCP, "tcp %u+%u", cts[2].active, cts[3].active);
	before5353 = cts[0].active;

	/* weights: one step moves new connections away from the busy endpoint,
	 * 1/(1 + (1/61)^0.4) to the idle one (a/p + 1 is 1 and 61, A + 1 is
	 * 31), in a restore of that chain alone */
	CHECK(ipt_set_weights(t, "test/web:http/TCP", weights, 2) == 1, "weights");
	CHECK(ipt_sync(t) == 0, "sync weights");
	snprintf(line, sizeof(line),
		 "-A %s -m comment --comment \"test/web:http -> 10.0.0.2:8080\" "
		 "-m statistic --mode random --probability ",
		 svc_web);
	{
		const char *at = strstr(saved(), line);
		double want = 1.0 / (1.0 + pow(1.0 / 61, 0.4));

		CHECK(at && fabs(atof(at + strlen(line)) - want) < 1e-6, "probability %s: %s",
		      at ? at + strlen(line) : "(none)", saved());
	}
	CHECK(ipt_stats(t)->weight_syncs == 1, "a weights-only restore");
	CHECK(ipt_stats(t)->chains_written == 1, "only KUBE-SVC rewritten: %u",
	      ipt_stats(t)->chains_written);

	/* an endpoint goes: its UDP flows go with it, the others stay */
	services(t, false);
	CHECK(ipt_sync(t) == 0, "sync without 5354");
	count();
	CHECK(cts[1].active == 0, "%u flows left to the removed endpoint", cts[1].active);
	CHECK(cts[0].active == before5353, "5353 had %u, has %u", before5353, cts[0].active);
	CHECK(cts[2].active + cts[3].active == NTCP, "tcp untouched");
	CHECK(ipt_stats(t)->ct_deleted == (uint64_t)(NUDP - before5353), "ct_deleted %llu",
	      (unsigned long long)ipt_stats(t)->ct_deleted);
	CHECK(!strstr(saved(), "10.0.0.2:5354"), "endpoint chain left");

	/* a restart with fewer services: stale chains go, jumps once */
	ipt_free(t);
	t = new_ipt();
	{
		struct fx f;

		fx_init(&f, "test", "web", "http", IPPROTO_TCP, "10.96.0.20", 80);
		fx_ep(&f, "10.0.0.2", 8080, "R");
		fx_ep(&f, "10.0.0.2", 8081, "R");
		CHECK(ipt_set(t, f.key, &f.sp) == 0, "set web");
	}
	CHECK(ipt_sync(t) == 0, "sync after restart: %s", ipt_stats(t)->last_error);
	s = saved();
	CHECK(!strstr(s, svc_dns), "stale %s left", svc_dns);
	CHECK(!strstr(s, "test/empty"), "stale REJECT left");
	CHECK(strstr(s, svc_web), "web gone");
	CHECK(fx_count_prefix(s, "-A PREROUTING -m comment --comment \"kubernetes service "
				 "portals\" -j KUBE-SERVICES") == 1,
	      "%s", s);
	CHECK(fx_count_prefix(s, "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" "
				 "-j KUBE-FORWARD") == 1,
	      "%s", s);
	/* the web connections lived through it */
	count();
	CHECK(cts[2].active + cts[3].active == NTCP, "tcp after restart");
	CHECK(send(cli_tcp[0], "x", 1, 0) == 1, "an old connection still sends");
	ipt_free(t);
	return 0;
}

static void test_netns(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "not root: the network namespace test is skipped\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(scenario());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == SKIP_CODE) {
		fprintf(stderr, "no network namespace or no ip/iptables: skipped\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
