/* Unit test of the tc path's flow GC against the real programs and maps:
 * an expired flow is counted down and removed with its reply entry, and a
 * 5-tuple that a new flow took over since the GC read the table is left
 * alone (before, the GC's delete hit the new flow: its next packet missed
 * and the node reset the connection).
 *
 * Runs in a child with a network namespace of its own (a veth pair
 * whose end d0 carries the tc filters), a cgroup v2 directory and a bpffs made for the
 * run, all removed at the end. Skips without root or BPF.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>

#include "bpflb.h"
#include "lb_common.h"
#include "tclb.h"

#define SKIP_CODE 77

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct env {
	char pin[64], cgroup[96];
	struct bpflb lb;
	struct tclb tc;
};

static struct env E;

/* A closed TCP flow from 10.9.0.50:port to the node port 30080, SNATed to
 * the node (10.9.0.1) for a backend 10.244.1.5:8080, last seen secs ago. */
static void flow_put(uint16_t port, uint64_t created, uint64_t secs, struct lb4_ct_key *ok,
		     struct lb4_ct_key *rk)
{
	struct lb4_ct_val ov = {0}, rv = {0};

	*ok = (struct lb4_ct_key){.saddr = inet_addr("10.9.0.50"),
				  .daddr = inet_addr("10.9.0.1"),
				  .sport = htons(port),
				  .dport = htons(30080),
				  .proto = 6,
				  .dir = LB_CT_ORIG};
	ov.addr = inet_addr("10.244.1.5");
	ov.port = htons(8080);
	ov.nat_addr = inet_addr("10.9.0.1");
	ov.nat_port = htons(port);
	ov.flags = LB_CT_F_COUNTED | LB_CT_F_RELEASED | LB_CT_F_SNAT | LB_CT_F_FIN_ORIG |
		   LB_CT_F_FIN_REPLY | LB_CT_F_SEEN_REPLY;
	ov.created_ns = created;
	ov.last_ns = mono_ns() - secs * 1000000000ULL;
	*rk = (struct lb4_ct_key){.saddr = ov.addr,
				  .daddr = ov.nat_addr,
				  .sport = ov.port,
				  .dport = ov.nat_port,
				  .proto = 6,
				  .dir = LB_CT_REPLY};
	rv.addr = ok->saddr;
	rv.port = ok->sport;
	rv.nat_addr = ok->daddr;
	rv.nat_port = ok->dport;
	rv.created_ns = created;
	rv.last_ns = ov.last_ns;
	assert_int_equal(bpf_map_update_elem(E.tc.ct_fd, ok, &ov, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(E.tc.ct_fd, rk, &rv, BPF_ANY), 0);
}

static bool present(const struct lb4_ct_key *k)
{
	struct lb4_ct_val v;

	return bpf_map_lookup_elem(E.tc.ct_fd, k, &v) == 0;
}

/* Read entry k, let edit change it, write it back. */
static void entry_edit(const struct lb4_ct_key *k, void (*edit)(struct lb4_ct_val *v))
{
	struct lb4_ct_val v;

	assert_int_equal(bpf_map_lookup_elem(E.tc.ct_fd, k, &v), 0);
	edit(&v);
	assert_int_equal(bpf_map_update_elem(E.tc.ct_fd, k, &v, BPF_ANY), 0);
}

/* The program the GC calls, as it calls it (last 0: any last_ns). */
static struct lb4_ct_release_args expire_as(const struct lb4_ct_key *k, uint64_t created,
					    uint64_t last, uint32_t remove)
{
	struct lb4_ct_release_args a = {
	    .key = *k, .created_ns = created, .last_ns = last, .remove = remove};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, ro, .ctx_in = &a, .ctx_size_in = sizeof(a));

	assert_int_equal(bpf_prog_test_run_opts(E.tc.release_fd, &ro), 0);
	return a;
}

static struct lb4_ct_release_args expire(const struct lb4_ct_key *k, uint64_t created)
{
	return expire_as(k, created, 0, LB_CT_RM_ORIG | LB_CT_RM_REPLY);
}

static struct lb4_ct_val entry(const struct lb4_ct_key *k)
{
	struct lb4_ct_val v = {0};

	assert_int_equal(bpf_map_lookup_elem(E.tc.ct_fd, k, &v), 0);
	return v;
}

static void test_reused_tuple_kept(void **state)
{
	struct lb4_ct_key ok, rk;
	struct lb4_ct_release_args a;

	(void)state;
	/* the GC read created_ns 1000; a SYN since made the flow 2000 */
	flow_put(40001, 2000, 10, &ok, &rk);
	a = expire(&ok, 1000);
	assert_int_equal(a.reused, 1);
	assert_int_equal(a.removed, 0);
	assert_true(present(&ok) && present(&rk));
	/* the flow the GC read: removed, both entries */
	a = expire(&ok, 2000);
	assert_int_equal(a.reused, 0);
	assert_int_equal(a.removed, 2);
	assert_false(present(&ok) || present(&rk));
	/* gone already: nothing, no error */
	a = expire(&ok, 2000);
	assert_int_equal(a.removed + a.reused + a.released, 0);
}

/* answers a flow to another node port now */
static void other_frontend(struct lb4_ct_val *v)
{
	v->nat_port = htons(30443);
}

/* The same client took the reply tuple over for another frontend: the
 * expired flow goes, the reply entry (now the other flow's) stays. */
static void test_reply_of_another_flow_kept(void **state)
{
	struct lb4_ct_key ok, rk;
	struct lb4_ct_release_args a;

	(void)state;
	flow_put(40004, 5000, 10, &ok, &rk);
	entry_edit(&rk, other_frontend);
	a = expire(&ok, 5000);
	assert_int_equal(a.removed, 1);
	assert_false(present(&ok));
	assert_true(present(&rk));
	assert_int_equal(bpf_map_delete_elem(E.tc.ct_fd, &rk), 0);
}

/* A flow the GC read as idle got a packet since: left for the next pass. */
static void test_woken_flow_kept(void **state)
{
	struct lb4_ct_key ok, rk;
	struct lb4_ct_release_args a;
	uint64_t seen;

	(void)state;
	flow_put(40006, 7000, 10, &ok, &rk);
	seen = entry(&ok).last_ns - 1; /* what the GC read: an older packet */
	a = expire_as(&ok, 7000, seen, LB_CT_RM_ORIG | LB_CT_RM_REPLY);
	assert_int_equal(a.reused, 1);
	assert_true(present(&ok) && present(&rk));
	a = expire_as(&ok, 7000, entry(&ok).last_ns, LB_CT_RM_ORIG | LB_CT_RM_REPLY);
	assert_int_equal(a.removed, 2);
}

/* A random SNAT port's reply entry stays (the backend holds the tuple in
 * TIME_WAIT), and its 60 s start at the flow's end, not its creation. */
static void random_port(struct lb4_ct_val *v)
{
	v->nat_port = htons(61005);
}

static void test_random_port_reply_lingers_from_end(void **state)
{
	struct lb4_ct_key ok, rk, rk2;
	struct lb4_ct_release_args a;
	struct lb4_ct_val rv;
	uint64_t t0;

	(void)state;
	flow_put(40007, 8000, 10, &ok, &rk);
	entry_edit(&ok, random_port);
	rv = entry(&rk);
	rk2 = rk;
	rk2.dport = htons(61005);
	assert_int_equal(bpf_map_update_elem(E.tc.ct_fd, &rk2, &rv, BPF_ANY), 0);
	assert_int_equal(bpf_map_delete_elem(E.tc.ct_fd, &rk), 0);
	t0 = mono_ns();
	a = expire_as(&ok, 8000, 0, LB_CT_RM_ORIG);
	assert_int_equal(a.removed, 1);
	assert_false(present(&ok));
	assert_true(present(&rk2));
	assert_true(entry(&rk2).created_ns >= t0); /* was 8000 */
	assert_int_equal(bpf_map_delete_elem(E.tc.ct_fd, &rk2), 0);
}

/* silent: no FIN or RST was seen */
static void unreleased(struct lb4_ct_val *v)
{
	v->flags &= ~LB_CT_F_RELEASED;
}

/* A flow still counted: the GC's expiry counts it down, once. */
static void test_counted_once(void **state)
{
	struct lb4_ct_key ok, rk;
	struct lb4_ct_release_args a;

	(void)state;
	flow_put(40005, 6000, 10, &ok, &rk);
	entry_edit(&ok, unreleased);
	a = expire(&ok, 6000);
	assert_int_equal(a.released, 1);
	assert_int_equal(a.removed, 2);
}

static void test_gc_pass(void **state)
{
	struct lb4_ct_key old_o, old_r, live_o, live_r;
	uint64_t removed = E.tc.gc.removed;

	(void)state;
	flow_put(40002, 3000, 10, &old_o, &old_r);  /* closed 10 s ago: past the linger */
	flow_put(40003, 4000, 0, &live_o, &live_r); /* closed just now: lingers */
	assert_int_equal(tclb_gc(&E.tc), 0);
	assert_false(present(&old_o) || present(&old_r));
	assert_true(present(&live_o) && present(&live_r));
	assert_int_equal(E.tc.gc.removed - removed, 2);
}

static int child_main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reused_tuple_kept),
	    cmocka_unit_test(test_reply_of_another_flow_kept),
	    cmocka_unit_test(test_counted_once),
	    cmocka_unit_test(test_woken_flow_kept),
	    cmocka_unit_test(test_random_port_reply_lingers_from_end),
	    cmocka_unit_test(test_gc_pass),
	};
	struct bpflb_opts lo = {
	    .pin_dir = E.pin, .cgroup = E.cgroup, .max_services = 64, .max_backends = 64};
	struct tclb_opts to = {.pin_dir = E.pin,
			       .ifname = "d0",
			       .max_flows = 1024,
			       .max_services = 64,
			       .max_backends = 64};
	char err[256];
	int r;

	if (unshare(CLONE_NEWNET) ||
	    system("ip link set lo up && ip link add d0 type veth peer name d1 && "
		   "ip addr add 10.9.0.1/24 dev d0 && ip link set d0 up && ip link set d1 up"))
		return SKIP_CODE;
	if (bpflb_open(&E.lb, &lo, err, sizeof(err))) {
		fprintf(stderr, "socket LB cannot load (%s): skipped\n", err);
		return SKIP_CODE;
	}
	/* BPF works here (the socket LB loaded): the tc path not loading is
	 * ours to fix (a verifier refusal), not a reason to skip */
	r = tclb_open(&E.tc, &to, err, sizeof(err));
	if (r) {
		fprintf(stderr, "not ok - the tc path does not load: %s\n", err);
		bpflb_close(&E.lb);
		bpflb_unpin_all(E.pin, err, sizeof(err));
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	tclb_close(&E.tc);
	bpflb_close(&E.lb);
	tclb_unpin_all(E.pin, "d0", err, sizeof(err));
	bpflb_unpin_all(E.pin, err, sizeof(err));
	return r;
}

int main(void)
{
	int status = 0, r;
	pid_t pid;

	if (geteuid() != 0 || access("/sys/fs/cgroup/unified", F_OK)) {
		printf("1..0 # SKIP needs root and a cgroup v2 hierarchy\n");
		return 0;
	}
	snprintf(E.pin, sizeof(E.pin), "/tmp/skiff-tclb-gc-%d", (int)getpid());
	snprintf(E.cgroup, sizeof(E.cgroup), "/sys/fs/cgroup/unified/skiff-tclb-gc-%d",
		 (int)getpid());
	if (mkdir(E.pin, 0700) || mkdir(E.cgroup, 0755))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(child_main());
	waitpid(pid, &status, 0);
	umount2(E.pin, MNT_DETACH);
	rmdir(E.pin);
	rmdir(E.cgroup);
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	if (r == SKIP_CODE) {
		printf("1..0 # SKIP BPF or namespaces unavailable\n");
		return 0;
	}
	return r;
}
