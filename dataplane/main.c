/* skiff-node: the per-node agent. This build runs the service proxy: the
 * eBPF socket-level load balancer (bpf/sock_lb.bpf.c) kept in sync with
 * Services and EndpointSlices by list+watch (DESIGN.md §2, §5).
 * Flags follow kube-proxy's names where one exists. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <ev.h>

#include "bpflb.h"
#include "join.h"
#include "kubelet/runtime.h"
#include "kclient.h"
#include "log.h"
#include "node_http.h"
#include "kubelet/kubelet.h"
#include "hcserver.h"
#include "ipt/ipt.h"
#include "proxy.h"
#include "nodeaddr.h"
#include "proxy_ipt.h"
#include "quantity.h"
#include "tclb.h"

struct node_opts {
	const char *kubeconfig;
	const char *node_name;
	struct join_opts join; /* --server, --token, ... (join.h) */
	const char *mode;
	bool mode_given;     /* --proxy-mode on the command line: no fallback */
	bool random_lb;	     /* --lb-algorithm random */
	double ipt_min_sync; /* --iptables-min-sync-period */
	const char *cluster_cidr;
	const char *metrics_addr;
	const char *healthz_addr;
	const char *pin_dir;
	const char *cgroup;
	uint32_t max_services, max_backends;
	const char *ext_if; /* --external-interface: the tc path's, NULL: none */
	uint32_t max_flows;
	double sync_period;
	int verbosity;
	bool cleanup;
	bool no_kubelet, no_proxy;
	struct kubelet_opts kl; /* --root-dir, --cluster-dns, ... (kubelet/kubelet.h) */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: skiff-node [flags]\n"
	    "  --kubeconfig FILE             API server and credentials (default $KUBECONFIG,\n"
	    "                                ~/.kube/config)\n"
	    "  --hostname-override NAME      node name (default: the host name)\n"
	    "  --state-dir DIR               the node's state; a join writes DIR/kubeconfig,\n"
	    "                                used from then on (default /var/lib/skiff-node)\n"
	    "  --server URL                  API server to join (https://<address>:6443)\n"
	    "  --token TOKEN                 join token <id>.<secret> (skiffctl token create)\n"
	    "  --discovery-token-ca-cert-hash sha256:HASH\n"
	    "                                pin of the cluster CA's public key\n"
	    "  --discovery-token-unsafe-skip-ca-verification\n"
	    "                                join without the pin (trusts any server)\n"
	    "  --proxy-mode MODE             bpf (eBPF at the socket and tc) or iptables\n"
	    "                                (kube-proxy's rules, weighted by conntrack); without\n"
	    "                                it, bpf, or iptables where bpf cannot run\n"
	    "  --iptables-min-sync-period S  iptables mode: restores at most this often (1)\n"
	    "  --cluster-cidr CIDR           the pod network (iptables mode: masquerade\n"
	    "                                off-cluster traffic to cluster IPs, as kube-proxy)\n"
	    "  --lb-algorithm ALGO           least-connections (default: the least busy\n"
	    "                                backend) or random (as kube-proxy)\n"
	    "  --metrics-bind-address IP:PORT  /metrics (default 127.0.0.1:10249; \"\" off)\n"
	    "  --healthz-bind-address IP:PORT  /healthz (default 127.0.0.1:10256; \"\" off)\n"
	    "  --bpf-pin-dir DIR             bpffs directory for maps and links\n"
	    "                                (default /sys/fs/bpf/skiff)\n"
	    "  --cgroup DIR                  cgroup v2 directory to attach to (default the\n"
	    "                                cgroup v2 root)\n"
	    "  --max-services N              service ports the maps hold (default %u)\n"
	    "  --max-backends N              backends the maps hold (default %u)\n"
	    "  --external-interface IF       the node's interface to the outside: NodePort,\n"
	    "                                externalIPs and LoadBalancer traffic arriving\n"
	    "                                there is balanced by the tc path (default: none)\n"
	    "  --max-flows N                 external flows tracked (default %u)\n"
	    "  --sync-period SECONDS         full reconcile of the maps (default 60; 0 off)\n"
	    "  --cleanup                     detach the programs, remove the pins, exit\n"
	    "  --no-kubelet                  run only the service proxy\n"
	    "  --no-proxy                    run only the kubelet (no BPF)\n"
	    "  --root-dir DIR                the kubelet's pods, images and state\n"
	    "                                (default /var/lib/skiff-node)\n"
	    "  --node-ip IP                  the node's address (default: the first IPv4 of\n"
	    "                                this network namespace)\n"
	    "  --cluster-dns IP              pods' nameserver (default 10.96.0.10)\n"
	    "  --cluster-domain DOMAIN       pods' DNS zone (default cluster.local)\n"
	    "  --runc PATH                   the OCI runtime (default runc)\n"
	    "  --max-pods N                  pods this node takes (default 110)\n"
	    "  --node-lease-renew-interval SECONDS\n"
	    "                                heartbeat of the node's Lease (default 10)\n"
	    "  --container-log-max-size SIZE rotate a container's log past it (default 10Mi)\n"
	    "  --kubelet-port PORT           the kubelet's HTTPS port, containerLogs (default\n"
	    "                                10250, 0: off)\n"
	    "  --v N                         log verbosity: 0-1 warnings, 2 info, 4+ debug\n"
	    "  -h, --help\n",
	    (unsigned)LB_DEF_MAX_SERVICES, (unsigned)LB_DEF_MAX_BACKENDS,
	    (unsigned)LB_DEF_MAX_FLOWS / 2);
}

/* The cgroup v2 root: /sys/fs/cgroup on unified hosts, else the hybrid
 * layout's /sys/fs/cgroup/unified. */
static const char *default_cgroup(void)
{
	struct statfs s;

	if (statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	return "/sys/fs/cgroup/unified";
}

static int parse_u32(const char *flag, const char *v, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || !*v || n < min || n > UINT32_MAX / 2) {
		fprintf(stderr, "skiff-node: invalid value %s for --%s (want a number >= %u)\n", v,
			flag, min);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

/* The join flags go together, and a kubeconfig given by hand is never
 * replaced by a join. */
static int check_join_args(struct node_opts *o)
{
	const struct join_opts *j = &o->join;
	char err[256];

	if (!j->token) {
		if (j->server || j->ca_hash || j->skip_ca) {
			fprintf(stderr,
				"skiff-node: --server and --discovery-token-* are join flags: they "
				"need --token\n");
			return -EINVAL;
		}
		return 0;
	}
	if (o->kubeconfig) {
		fprintf(stderr, "skiff-node: --token and --kubeconfig exclude each other (a join "
				"writes its own kubeconfig under --state-dir)\n");
		return -EINVAL;
	}
	if (join_check_opts(j, err, sizeof(err))) {
		fprintf(stderr, "skiff-node: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int check_mode(const struct node_opts *o)
{
	if (strcmp(o->mode, "bpf") && strcmp(o->mode, "iptables")) {
		fprintf(stderr, "skiff-node: invalid --proxy-mode %s (bpf or iptables)\n", o->mode);
		return -EINVAL;
	}
	if (!strcmp(o->mode, "iptables") && o->ext_if) {
		fprintf(stderr, "skiff-node: --external-interface is the bpf mode's (iptables "
				"mode handles external traffic with its rules)\n");
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct node_opts *o)
{
	enum {
		O_KUBECONFIG = 256,
		O_HOST,
		O_MODE,
		O_METRICS,
		O_HEALTHZ,
		O_PIN,
		O_CGROUP,
		O_MAXSVC,
		O_MAXBE,
		O_SYNC,
		O_CLEANUP,
		O_V,
		O_STATE,
		O_SERVER,
		O_TOKEN,
		O_CAHASH,
		O_SKIPCA,
		O_NOKL,
		O_NOPROXY,
		O_ROOT,
		O_NODEIP,
		O_CDNS,
		O_CDOMAIN,
		O_RUNC,
		O_MAXPODS,
		O_LEASE,
		O_LOGMAX,
		O_KLPORT,
		O_LBALGO,
		O_EXTIF,
		O_MAXFLOWS,
		O_IPTSYNC,
		O_CCIDR
	};
	static const struct option lo[] = {
	    {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
	    {"hostname-override", required_argument, NULL, O_HOST},
	    {"proxy-mode", required_argument, NULL, O_MODE},
	    {"metrics-bind-address", required_argument, NULL, O_METRICS},
	    {"healthz-bind-address", required_argument, NULL, O_HEALTHZ},
	    {"bpf-pin-dir", required_argument, NULL, O_PIN},
	    {"cgroup", required_argument, NULL, O_CGROUP},
	    {"max-services", required_argument, NULL, O_MAXSVC},
	    {"max-backends", required_argument, NULL, O_MAXBE},
	    {"sync-period", required_argument, NULL, O_SYNC},
	    {"cleanup", no_argument, NULL, O_CLEANUP},
	    {"state-dir", required_argument, NULL, O_STATE},
	    {"server", required_argument, NULL, O_SERVER},
	    {"token", required_argument, NULL, O_TOKEN},
	    {"discovery-token-ca-cert-hash", required_argument, NULL, O_CAHASH},
	    {"discovery-token-unsafe-skip-ca-verification", no_argument, NULL, O_SKIPCA},
	    {"no-kubelet", no_argument, NULL, O_NOKL},
	    {"no-proxy", no_argument, NULL, O_NOPROXY},
	    {"root-dir", required_argument, NULL, O_ROOT},
	    {"node-ip", required_argument, NULL, O_NODEIP},
	    {"cluster-dns", required_argument, NULL, O_CDNS},
	    {"cluster-domain", required_argument, NULL, O_CDOMAIN},
	    {"runc", required_argument, NULL, O_RUNC},
	    {"max-pods", required_argument, NULL, O_MAXPODS},
	    {"node-lease-renew-interval", required_argument, NULL, O_LEASE},
	    {"container-log-max-size", required_argument, NULL, O_LOGMAX},
	    {"kubelet-port", required_argument, NULL, O_KLPORT},
	    {"lb-algorithm", required_argument, NULL, O_LBALGO},
	    {"external-interface", required_argument, NULL, O_EXTIF},
	    {"max-flows", required_argument, NULL, O_MAXFLOWS},
	    {"iptables-min-sync-period", required_argument, NULL, O_IPTSYNC},
	    {"cluster-cidr", required_argument, NULL, O_CCIDR},
	    {"v", required_argument, NULL, O_V},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hv:", lo, NULL)) != -1) {
		switch (c) {
		case O_KUBECONFIG:
			o->kubeconfig = optarg;
			break;
		case O_HOST:
			o->node_name = optarg;
			break;
		case O_MODE:
			o->mode = optarg;
			o->mode_given = true;
			break;
		case O_IPTSYNC: {
			char *end;

			o->ipt_min_sync = strtod(optarg, &end);
			if (*end || end == optarg || o->ipt_min_sync < 0) {
				fprintf(
				    stderr,
				    "skiff-node: invalid --iptables-min-sync-period %s (seconds)\n",
				    optarg);
				return -EINVAL;
			}
			break;
		}
		case O_CCIDR:
			o->cluster_cidr = optarg;
			break;
		case O_LBALGO:
			if (strcmp(optarg, "least-connections") && strcmp(optarg, "random")) {
				fprintf(
				    stderr,
				    "skiff-node: invalid --lb-algorithm %s (least-connections or "
				    "random)\n",
				    optarg);
				return -EINVAL;
			}
			o->random_lb = !strcmp(optarg, "random");
			break;
		case O_METRICS:
			o->metrics_addr = optarg;
			break;
		case O_EXTIF:
			if (!*optarg || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/')) {
				fprintf(stderr,
					"skiff-node: invalid --external-interface %s (an interface "
					"name)\n",
					optarg);
				return -EINVAL;
			}
			o->ext_if = optarg;
			break;
		case O_MAXFLOWS:
			if (parse_u32("max-flows", optarg, 16, &o->max_flows))
				return -EINVAL;
			break;
		case O_HEALTHZ:
			o->healthz_addr = optarg;
			break;
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_CGROUP:
			o->cgroup = optarg;
			break;
		case O_MAXSVC:
			if (parse_u32("max-services", optarg, 1, &o->max_services))
				return -EINVAL;
			break;
		case O_MAXBE:
			if (parse_u32("max-backends", optarg, 2, &o->max_backends))
				return -EINVAL;
			break;
		case O_SYNC: {
			char *end;

			o->sync_period = strtod(optarg, &end);
			if (*end || o->sync_period < 0) {
				fprintf(stderr, "skiff-node: invalid --sync-period %s\n", optarg);
				return -EINVAL;
			}
			break;
		}
		case O_CLEANUP:
			o->cleanup = true;
			break;
		case O_STATE:
			o->join.state_dir = optarg;
			break;
		case O_SERVER:
			o->join.server = optarg;
			break;
		case O_TOKEN:
			o->join.token = optarg;
			break;
		case O_CAHASH:
			o->join.ca_hash = optarg;
			break;
		case O_SKIPCA:
			o->join.skip_ca = true;
			break;
		case O_NOKL:
			o->no_kubelet = true;
			break;
		case O_NOPROXY:
			o->no_proxy = true;
			break;
		case O_ROOT:
			o->kl.root_dir = optarg;
			break;
		case O_NODEIP:
			o->kl.node_ip = optarg;
			break;
		case O_CDNS:
			o->kl.cluster_dns = optarg;
			break;
		case O_CDOMAIN:
			o->kl.cluster_domain = optarg;
			break;
		case O_RUNC:
			o->kl.runc = optarg;
			break;
		case O_MAXPODS:
			if (parse_u32("max-pods", optarg, 1, &o->kl.max_pods))
				return -EINVAL;
			break;
		case O_LEASE: {
			char *end;

			o->kl.lease_secs = strtod(optarg, &end);
			if (*end || o->kl.lease_secs < 0.1 || o->kl.lease_secs > 3600) {
				fprintf(stderr,
					"skiff-node: invalid --node-lease-renew-interval %s (want "
					"seconds, 0.1 to 3600)\n",
					optarg);
				return -EINVAL;
			}
			break;
		}
		case O_LOGMAX: {
			double d;

			if (quantity_parse(optarg, &d) || d < 4096) {
				fprintf(stderr,
					"skiff-node: invalid --container-log-max-size %s (want a "
					"size such as 10Mi, at least 4Ki)\n",
					optarg);
				return -EINVAL;
			}
			o->kl.log_max_size = (uint64_t)d;
			break;
		}
		case O_KLPORT: {
			uint32_t port;

			if (parse_u32("kubelet-port", optarg, 0, &port))
				return -EINVAL;
			if (port > 65535) {
				fprintf(stderr, "skiff-node: invalid --kubelet-port %s\n", optarg);
				return -EINVAL;
			}
			o->kl.kubelet_port = port ? (int)port : -1;
			break;
		}
		case 'v':
		case O_V:
			o->verbosity = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skiff-node: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	if (check_mode(o))
		return -EINVAL;
	if (o->no_kubelet && o->no_proxy) {
		fprintf(stderr, "skiff-node: --no-kubelet and --no-proxy leave nothing to run\n");
		return -EINVAL;
	}
	return check_join_args(o);
}

/* Which kubeconfig this start uses: --kubeconfig; else the one a former
 * join left in the state dir; else a join now (--token); else the
 * default ($KUBECONFIG, ~/.kube/config). o->kubeconfig ends up pointing at
 * path (len bytes, the caller's) or stays NULL for the default. Returns 0,
 * or -errno after logging why. */
static int node_credentials(struct node_opts *o, char *path, size_t len)
{
	char err[512];
	int r;

	if (o->kubeconfig)
		return 0;
	snprintf(path, len, "%s/kubeconfig", o->join.state_dir);
	if (access(path, F_OK) == 0) {
		/* A restart with the same command line must not join again:
		 * the token may be long expired by then. */
		if (o->join.token)
			pr_info("already joined: using %s (--token not used)", path);
		o->kubeconfig = path;
		return 0;
	}
	if (!o->join.token)
		return 0;
	o->join.node_name = o->node_name;
	r = join_node(&o->join, path, len, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	o->kubeconfig = path;
	return 0;
}

/* glibc keeps the heap a burst of work freed (fifty pods starting: their
 * request bodies, runtime specs, JSON) as its own, in the middle of the
 * heap where it cannot trim it; malloc_trim gives those pages back. It
 * halved the RSS of a node with 100 pods (50 MB -> 27 MB) and costs a few
 * milliseconds every TRIM_SECS. */
#define TRIM_SECS 30.0
static void on_trim(struct ev_loop *loop, ev_timer *w, int revents)
{
	malloc_trim(0);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	pr_info("signal %d: exiting; programs and maps stay pinned", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	static struct proxy_status st = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct node_opts o = {
	    .mode = "bpf",
	    .metrics_addr = "127.0.0.1:10249",
	    .healthz_addr = "127.0.0.1:10256",
	    .pin_dir = "/sys/fs/bpf/skiff",
	    .max_services = LB_DEF_MAX_SERVICES,
	    .max_backends = LB_DEF_MAX_BACKENDS,
	    .max_flows = LB_DEF_MAX_FLOWS / 2,
	    .ipt_min_sync = IPT_MIN_SYNC_PERIOD,
	    .sync_period = 60,
	    .verbosity = 2,
	    .join = {.state_dir = "/var/lib/skiff-node"},
	};
	struct bpflb_opts bo;
	struct bpflb lb;
	struct tclb tc = {.ct_fd = -1, .l2_fd = -1, .release_fd = -1, .range_fd = -1};
	bool tc_on = false;
	struct hcsrv *hc = NULL;
	struct pipt *ipt = NULL;
	bool ipt_mode;
	struct kconfig kc = {0};
	struct kclient *client = NULL;
	struct proxy *proxy = NULL;
	struct kubelet *kubelet = NULL;
	struct node_http *http[2] = {NULL, NULL};
	struct ev_loop *loop = NULL;
	ev_signal sig_int, sig_term;
	ev_timer trim;
	char hostname[HOST_NAME_MAX + 1];
	char kc_path[PATH_MAX];
	char err[512];
	int ret = 1, r;

	log_set_prefix("skiff-node");
	if (parse_args(argc, argv, &o))
		return 2;
	log_set_level(o.verbosity >= 4 ? LOG_DEBUG : o.verbosity >= 2 ? LOG_INFO : LOG_WARN);
	bpflb_setup_logging();
	if (!o.cgroup)
		o.cgroup = default_cgroup();
	if (!o.node_name) {
		if (gethostname(hostname, sizeof(hostname)))
			snprintf(hostname, sizeof(hostname), "localhost");
		o.node_name = hostname;
	}
	signal(SIGPIPE, SIG_IGN);

	if (o.cleanup) {
		if (tclb_unpin_all(o.pin_dir, o.ext_if, err, sizeof(err)) ||
		    bpflb_unpin_all(o.pin_dir, err, sizeof(err))) {
			pr_err("cleanup: %s", err);
			return 1;
		}
		pr_info("cleanup: programs detached and pins removed from %s", o.pin_dir);
		return 0;
	}

	/* Before the BPF programs: a node that cannot join attaches nothing. */
	if (node_credentials(&o, kc_path, sizeof(kc_path)))
		return 1;

	memset(&lb, 0, sizeof(lb));
	lbmap_fds_init(&lb.fds);
	if (!o.no_proxy && !strcmp(o.mode, "bpf") && !o.mode_given) {
		/* kube-proxy's fallback: a host that cannot run the BPF programs
		 * gets the iptables mode, said once */
		bo.cgroup = o.cgroup;
		bo.pin_dir = o.pin_dir;
		if (bpflb_check(&bo, err, sizeof(err))) {
			pr_warn("bpf mode unavailable (%s): using --proxy-mode iptables", err);
			o.mode = "iptables";
			o.ext_if = NULL;
		}
	}
	ipt_mode = !strcmp(o.mode, "iptables");
	if (!o.no_proxy && !ipt_mode) {
		bo.pin_dir = o.pin_dir;
		bo.cgroup = o.cgroup;
		bo.max_services = o.max_services;
		bo.max_backends = o.max_backends;
		r = bpflb_open(&lb, &bo, err, sizeof(err));
		if (r) {
			pr_err("BPF load balancer unavailable: %s", err);
			return 1;
		}
		pr_info("node %s: socket LB %s at cgroup %s, pins in %s (%d links adopted, %d "
			"attached)",
			o.node_name, lb.adopted ? "adopted" : "loaded", o.cgroup, o.pin_dir,
			lb.links_adopted, lb.links_created);
		if (o.ext_if) {
			struct tclb_opts to = {.pin_dir = o.pin_dir,
					       .ifname = o.ext_if,
					       .max_flows = 2 * o.max_flows,
					       .max_services = o.max_services,
					       .max_backends = o.max_backends};
			char a[INET_ADDRSTRLEN];

			r = tclb_open(&tc, &to, err, sizeof(err));
			if (r) {
				pr_err("external traffic (tc path): %s", err);
				goto close_lb;
			}
			tc_on = true;
			inet_ntop(AF_INET, &tc.node_addr, a, sizeof(a));
			pr_info("node %s: tc path on %s (%s): NodePort, externalIPs, LoadBalancer",
				o.node_name, o.ext_if, a);
		}
	}

	r = kconfig_load(o.kubeconfig, &kc, err, sizeof(err));
	if (r) {
		pr_err("kubeconfig: %s", err);
		goto close_lb;
	}
	client = kclient_new(&kc);
	if (!client) {
		pr_err("cannot create the API client for %s", kc.server);
		goto free_kc;
	}
	/* A list must not hold the loop for a minute when the server hangs. */
	kclient_set_timeout(client, 15000);
	/* Not libev's default loop: that one reaps any child that reports
	 * SIGCHLD with waitpid(-1), and a runc exec child (cloned with exit
	 * signal 0, yet seen to report SIGCHLD after its exec) then loses its
	 * exit code to it: the exec probe or hook reads as failed (-ECHILD).
	 * Every child of this process is waited for by its pid. */
	loop = ev_loop_new(EVFLAG_AUTO);
	if (!loop) {
		pr_err("cannot create the event loop");
		goto free_client;
	}

	st.started = ev_time();
	if (!o.no_proxy) {
		struct proxy_opts po = {.max_services = o.max_services,
					.max_backends = o.max_backends,
					.sync_period = o.sync_period,
					.adopt = lb.adopted,
					.random_lb = o.random_lb,
					.node_name = o.node_name,
					.tc = tc_on ? &tc : NULL};

		/* kube-proxy serves healthCheckNodePorts on every address */
		hc = hcsrv_new(loop, NULL);
		po.hc = hc;
		if (ipt_mode) {
			struct ipt_opts io;
			char node_ip[64];

			ipt_opts_default(&io);
			io.min_sync_period = o.ipt_min_sync;
			io.cluster_cidr = o.cluster_cidr;
			/* as the kubelet reports it: source ranges holding it
			 * let the node reach its own LoadBalancer addresses */
			node_addr_pick(o.kl.node_ip, node_ip, sizeof(node_ip));
			io.node_ip = node_ip;
			if (node_addr_ipv4(node_ip, node_ip, sizeof(node_ip))) {
				pr_warn("iptables mode: no IPv4 address in --node-ip %s: "
					"loadBalancerSourceRanges will not admit this node's own "
					"LoadBalancer traffic",
					node_ip);
				io.node_ip = NULL;
			}
			/* conntrack counts reweight the endpoints twice a
			 * second; --lb-algorithm random keeps kube-proxy's
			 * equal odds */
			ipt = pipt_new(loop, &io, o.node_name, o.random_lb ? 0 : IPT_WEIGHT_PERIOD);
			if (!ipt) {
				pr_err("iptables mode: cannot start (--cluster-cidr %s?)",
				       o.cluster_cidr ? o.cluster_cidr : "-");
				goto free_proxy; /* proxy still NULL: frees hc */
			}
			po.ipt = ipt;
			pr_info("node %s: proxy in iptables mode (kube-proxy's layout, %s)",
				o.node_name,
				o.random_lb ? "random endpoints as kube-proxy"
					    : "endpoints weighted by their conntrack counts");
		}
		proxy = proxy_new(loop, client, &lb.fds, &po, &st);
		if (!proxy) {
			pr_err("out of memory");
			goto free_client;
		}
		if (o.metrics_addr[0]) {
			http[0] = node_http_start(o.metrics_addr, &st, &lb.fds, o.node_name, err,
						  sizeof(err));
			if (!http[0]) {
				pr_err("--metrics-bind-address: %s", err);
				goto free_proxy;
			}
		}
		if (o.healthz_addr[0] && strcmp(o.healthz_addr, o.metrics_addr)) {
			http[1] = node_http_start(o.healthz_addr, &st, &lb.fds, o.node_name, err,
						  sizeof(err));
			if (!http[1]) {
				pr_err("--healthz-bind-address: %s", err);
				goto stop_http;
			}
		}
		if (proxy_start(proxy))
			goto stop_http;
	}
	if (!o.no_kubelet) {
		/* pods live below the cgroup the proxy attaches to, so its
		 * programs see their sockets and stopping the node's cgroup
		 * stops them */
		static char cgp[PATH_MAX]; /* o.kl keeps the pointer */
		const char *rel = o.cgroup;

		if (!strncmp(rel, "/sys/fs/cgroup/unified", 22))
			rel += 22;
		else if (!strncmp(rel, "/sys/fs/cgroup", 14))
			rel += 14;
		while (*rel == '/')
			rel++;
		snprintf(cgp, sizeof(cgp), "%s%spods", rel, *rel ? "/" : "");
		o.kl.cgroup_parent = cgp;
		o.kl.node_name = o.node_name;
		kubelet = kubelet_new(loop, client, &o.kl);
		if (!kubelet || kubelet_start(kubelet)) {
			pr_err("kubelet: cannot start");
			goto stop_kubelet;
		}
	}

	ev_signal_init(&sig_int, on_signal, SIGINT);
	ev_signal_init(&sig_term, on_signal, SIGTERM);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_term);
	ev_timer_init(&trim, on_trim, TRIM_SECS, TRIM_SECS);
	ev_timer_start(loop, &trim);
	ev_run(loop, 0);
	ret = 0;

stop_kubelet:
	kubelet_free(kubelet);
stop_http:
	node_http_stop(http[1]);
	node_http_stop(http[0]);
free_proxy:
	proxy_free(proxy);
	pipt_free(ipt);
	hcsrv_free(hc);
free_client:
	kclient_free(client);
	if (loop)
		ev_loop_destroy(loop);
free_kc:
	kconfig_free(&kc);
close_lb:
	if (tc_on)
		tclb_close(&tc);
	if (!o.no_proxy && !ipt_mode)
		bpflb_close(&lb);
	return ret;
}
