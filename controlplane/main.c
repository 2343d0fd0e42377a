/* skiff-server: the Kubernetes-compatible API server, store and cluster DNS. */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "apiserver/api.h"
#include "bootstrap.h"
#include "controllers/controllers.h"
#include "http/http.h"
#include "jointoken.h"
#include "log.h"
#include "server.h"
#include "tls.h"

static const char usage[] =
    "Usage: skiff-server [flags]\n"
    "\n"
    "Kubernetes-compatible API server with an embedded durable store and cluster DNS.\n"
    "\n"
    "Flags (kube-apiserver names where one exists):\n"
    "  --bind-address IP                 address to serve HTTPS on (default 0.0.0.0)\n"
    "  --secure-port PORT                HTTPS port (default 6443)\n"
    "  --advertise-address IP            address clients and the `kubernetes` Service use\n"
    "                                    (default: --bind-address, or 127.0.0.1 for 0.0.0.0)\n"
    "  --service-cluster-ip-range CIDR   ClusterIP range (default 10.96.0.0/16)\n"
    "  --service-node-port-range A-B     NodePort range (default 30000-32767)\n"
    "  --cluster-cidr CIDR               pod address range (default 10.244.0.0/16)\n"
    "  --loadbalancer-ip-range FIRST-LAST|CIDR\n"
    "                                    addresses the service-lb-controller gives\n"
    "                                    LoadBalancer Services (FIRST-LAST inclusive; a CIDR\n"
    "                                    without its network and broadcast addresses);\n"
    "                                    without it they stay <pending>\n"
    "  --data-dir DIR                    store, certificates, tokens (default /var/lib/skiff)\n"
    "  --cluster-domain DOMAIN           cluster DNS zone (default cluster.local)\n"
    "  --cluster-dns IP                  kube-dns ClusterIP (default: 10th address of the range)\n"
    "  --dns-bind-address ADDR:PORT[,..] cluster DNS listeners, UDP+TCP (default 0.0.0.0:53;\n"
    "                                    \"off\" disables DNS)\n"
    "  --dns-upstream ADDR[:PORT][,..]   upstream resolvers (default: /etc/resolv.conf)\n"
    "  --token-auth-file FILE            extra bearer tokens (token,user,uid[,\"g1,g2\"] lines)\n"
    "  --audit-log-path FILE             one audit.k8s.io/v1 Event (level Metadata) per request\n"
    "                                    as a JSON line; \"-\" for stdout (default: none)\n"
    "  --controllers LIST                controllers that run: \"*\" (all, the default),\n"
    "                                    \"foo\" or \"-foo\" (kube-controller-manager's\n"
    "                                    names, comma-separated; the scheduler is \"scheduler\")\n"
    "  --node-monitor-grace-period DURATION\n"
    "                                    a node not heard from (Lease, Ready heartbeat) this\n"
    "                                    long becomes Ready=Unknown and is tainted\n"
    "                                    node.kubernetes.io/unreachable (default 40s)\n"
    "  --node-eviction-rate RATE         nodes per second given a NoExecute taint, at most\n"
    "                                    (default 0.1; 0 = none)\n"
    "  --default-not-ready-toleration-seconds N\n"
    "  --default-unreachable-toleration-seconds N\n"
    "                                    tolerationSeconds of the not-ready / unreachable\n"
    "                                    NoExecute tolerations every new pod is given\n"
    "                                    unless it has its own (default 300)\n"
    "  --join-token-ttl DURATION         lifetime of the join token made in\n"
    "                                    <data-dir>/join-token (default 24h; 0 = no expiry)\n"
    "  --max-request-bytes N             largest request body accepted (default 3145728)\n"
    "  --watch-buffer-bytes N            backlog after which a slow watcher is closed\n"
    "                                    (default 16777216)\n"
    "  --watch-buffer-total-bytes N      backlog all watchers together may hold; past it\n"
    "                                    the ones above their share are closed (default\n"
    "                                    268435456)\n"
    "  --history-revisions N             watch history kept, at least (default 10000)\n"
    "  --history-seconds N               watch history kept, at least (default 300)\n"
    "  --reset-store                     start a new, empty cluster although the data dir\n"
    "                                    held one whose store is now empty or unreadable\n"
    "                                    (an unreadable store.db is kept as\n"
    "                                    store.db.broken-<time>), or adopt a store.db of\n"
    "                                    another cluster; without it such a start is refused\n"
    "  --max-connections N               open HTTPS connections, all clients (default 4096,\n"
    "                                    lowered to fit the open-file limit)\n"
    "  --max-connections-per-ip N        connections from one client address (default 256)\n"
    "  --max-unauthenticated-connections N\n"
    "                                    connections that have not sent a valid token; past\n"
    "                                    it the oldest is closed (default 1024)\n"
    "  --first-request-timeout SECONDS   from accept to a complete request header, TLS\n"
    "                                    handshake included; also the idle timeout before\n"
    "                                    authentication (default 10)\n"
    "  --request-timeout SECONDS         one request's body and response; watches exempt\n"
    "                                    (default 60)\n"
    "  --idle-timeout SECONDS            keep-alive idle timeout once authenticated\n"
    "                                    (default 300)\n"
    "  -v, --v LEVEL                     log level 0-3 (default 2)\n"
    "  -h, --help                        this text\n"
    "\n"
    "The admin kubeconfig is written to <data-dir>/admin.kubeconfig. One server owns a\n"
    "data dir (<data-dir>/lock); <data-dir>/cluster-id names the cluster it holds.\n";

/* File descriptors kept for everything but HTTPS connections: the store,
 * DNS listeners and its TCP connections (DNS_TCP_MAX_CONNS), upstream
 * sockets, epoll, logs. */
#define MAIN_FD_RESERVE 512

/* Raise the open-file limit to the hard limit and fit --max-connections
 * under it, so the connection cap, not EMFILE, is what a flood meets. */
static void main_fit_fd_limit(struct server_config *c)
{
	struct rlimit rl;
	unsigned want = c->max_conns ? c->max_conns : HTTP_DEFAULT_MAX_CONNS, fit;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	fit = rl.rlim_cur > MAIN_FD_RESERVE + 16 ? (unsigned)(rl.rlim_cur - MAIN_FD_RESERVE) : 16;
	if (rl.rlim_cur != RLIM_INFINITY && want > fit) {
		pr_warn("open-file limit %llu: --max-connections lowered from %u to %u",
			(unsigned long long)rl.rlim_cur, want, fit);
		want = fit;
	}
	c->max_conns = want;
	if (c->max_unauth_conns >= want ||
	    (!c->max_unauth_conns && HTTP_DEFAULT_MAX_UNAUTH_CONNS >= want)) {
		/* keep room for authenticated clients */
		c->max_unauth_conns = want / 2 ? want / 2 : 1;
	}
}

static void die_flag(const char *flag, const char *val, const char *why)
{
	fprintf(stderr, "skiff-server: invalid value \"%s\" for flag --%s: %s\n", val, flag, why);
	exit(2);
}

static long parse_num(const char *flag, const char *val, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *end || end == val || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "must be an integer between %ld and %ld", lo, hi);
		die_flag(flag, val, why);
	}
	return v;
}

static void parse_flags(int argc, char **argv, struct server_config *c)
{
	enum {
		O_BIND = 256,
		O_PORT,
		O_ADV,
		O_SVC,
		O_NP,
		O_CCIDR,
		O_DATA,
		O_DOMAIN,
		O_CDNS,
		O_DNSBIND,
		O_DNSUP,
		O_TOKENS,
		O_AUDIT,
		O_JOINTTL,
		O_CONTROLLERS,
		O_MAXREQ,
		O_WBUF,
		O_WBUFTOT,
		O_HREV,
		O_HSEC,
		O_RESET_STORE,
		O_MAXCONN,
		O_MAXCONNIP,
		O_MAXUNAUTH,
		O_FIRSTREQ,
		O_REQTO,
		O_IDLETO,
		O_NODEGRACE,
		O_EVICTRATE,
		O_TOLNR,
		O_TOLUR,
		O_LBRANGE,
	};
	static const struct option opts[] = {
	    {"bind-address", required_argument, NULL, O_BIND},
	    {"secure-port", required_argument, NULL, O_PORT},
	    {"advertise-address", required_argument, NULL, O_ADV},
	    {"service-cluster-ip-range", required_argument, NULL, O_SVC},
	    {"service-node-port-range", required_argument, NULL, O_NP},
	    {"cluster-cidr", required_argument, NULL, O_CCIDR},
	    {"data-dir", required_argument, NULL, O_DATA},
	    {"cluster-domain", required_argument, NULL, O_DOMAIN},
	    {"cluster-dns", required_argument, NULL, O_CDNS},
	    {"dns-bind-address", required_argument, NULL, O_DNSBIND},
	    {"dns-upstream", required_argument, NULL, O_DNSUP},
	    {"token-auth-file", required_argument, NULL, O_TOKENS},
	    {"audit-log-path", required_argument, NULL, O_AUDIT},
	    {"join-token-ttl", required_argument, NULL, O_JOINTTL},
	    {"controllers", required_argument, NULL, O_CONTROLLERS},
	    {"max-request-bytes", required_argument, NULL, O_MAXREQ},
	    {"watch-buffer-bytes", required_argument, NULL, O_WBUF},
	    {"watch-buffer-total-bytes", required_argument, NULL, O_WBUFTOT},
	    {"history-revisions", required_argument, NULL, O_HREV},
	    {"history-seconds", required_argument, NULL, O_HSEC},
	    {"reset-store", no_argument, NULL, O_RESET_STORE},
	    {"max-connections", required_argument, NULL, O_MAXCONN},
	    {"max-connections-per-ip", required_argument, NULL, O_MAXCONNIP},
	    {"max-unauthenticated-connections", required_argument, NULL, O_MAXUNAUTH},
	    {"first-request-timeout", required_argument, NULL, O_FIRSTREQ},
	    {"request-timeout", required_argument, NULL, O_REQTO},
	    {"idle-timeout", required_argument, NULL, O_IDLETO},
	    {"node-monitor-grace-period", required_argument, NULL, O_NODEGRACE},
	    {"node-eviction-rate", required_argument, NULL, O_EVICTRATE},
	    {"default-not-ready-toleration-seconds", required_argument, NULL, O_TOLNR},
	    {"default-unreachable-toleration-seconds", required_argument, NULL, O_TOLUR},
	    {"loadbalancer-ip-range", required_argument, NULL, O_LBRANGE},
	    {"v", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":v:h", opts, NULL)) != -1) {
		switch (o) {
		case O_BIND:
			c->bind_address = optarg;
			break;
		case O_PORT:
			c->port = (int)parse_num("secure-port", optarg, 1, 65535);
			break;
		case O_ADV:
			c->advertise = optarg;
			break;
		case O_SVC:
			c->service_cidr = optarg;
			break;
		case O_NP:
			c->node_port_range = optarg;
			break;
		case O_CCIDR:
			c->cluster_cidr = optarg;
			break;
		case O_DATA:
			c->data_dir = optarg;
			break;
		case O_DOMAIN:
			c->cluster_domain = optarg;
			break;
		case O_CDNS:
			c->cluster_dns = optarg;
			break;
		case O_DNSBIND:
			c->dns_bind = optarg;
			break;
		case O_DNSUP:
			c->dns_upstream = optarg;
			break;
		case O_TOKENS:
			c->token_file = optarg;
			break;
		case O_AUDIT:
			c->audit_log = optarg;
			break;
		case O_JOINTTL:
			if (jointoken_parse_ttl(optarg, &c->join_token_ttl))
				die_flag("join-token-ttl", optarg,
					 "must be a duration such as 24h, 30m or 0");
			break;
		case O_CONTROLLERS: {
			char err[128];

			if (ctrl_set_enabled(optarg, err, sizeof(err)))
				die_flag("controllers", optarg, err);
			break;
		}
		case O_MAXREQ:
			c->max_body =
			    (size_t)parse_num("max-request-bytes", optarg, 1024, 1L << 30);
			break;
		case O_WBUF:
			c->watch_buffer =
			    (int)parse_num("watch-buffer-bytes", optarg, 4096, INT_MAX);
			break;
		case O_WBUFTOT:
			c->watch_buffer_total =
			    (size_t)parse_num("watch-buffer-total-bytes", optarg, 65536, 1L << 40);
			break;
		case O_HREV:
			c->history_revs =
			    (size_t)parse_num("history-revisions", optarg, 1, 10000000);
			break;
		case O_HSEC:
			c->history_secs = (int)parse_num("history-seconds", optarg, 1, 86400);
			break;
		case O_RESET_STORE:
			c->reset_store = true;
			break;
		case O_MAXCONN:
			c->max_conns = (unsigned)parse_num("max-connections", optarg, 16, 1000000);
			break;
		case O_MAXCONNIP:
			c->max_conns_per_ip =
			    (unsigned)parse_num("max-connections-per-ip", optarg, 1, 1000000);
			break;
		case O_MAXUNAUTH:
			c->max_unauth_conns = (unsigned)parse_num("max-unauthenticated-connections",
								  optarg, 1, 1000000);
			break;
		case O_FIRSTREQ:
			c->first_request_secs =
			    (unsigned)parse_num("first-request-timeout", optarg, 1, 3600);
			break;
		case O_REQTO:
			c->request_secs = (unsigned)parse_num("request-timeout", optarg, 1, 86400);
			break;
		case O_IDLETO:
			c->idle_secs = (unsigned)parse_num("idle-timeout", optarg, 1, 86400);
			break;
		case O_NODEGRACE: {
			long long secs;

			if (jointoken_parse_ttl(optarg, &secs) || secs < 1 || secs > 86400)
				die_flag("node-monitor-grace-period", optarg,
					 "must be a duration between 1s and 24h, such as 40s");
			c->node_monitor_grace = (double)secs;
			break;
		}
		case O_EVICTRATE: {
			char *end;

			errno = 0;
			c->node_eviction_rate = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(c->node_eviction_rate >= 0) ||
			    c->node_eviction_rate > 1e6)
				die_flag("node-eviction-rate", optarg,
					 "must be a number of nodes per second, 0 or more");
			break;
		}
		case O_TOLNR:
			res_pod_set_toleration_seconds(
			    parse_num("default-not-ready-toleration-seconds", optarg, 0, INT_MAX),
			    -1);
			break;
		case O_TOLUR:
			res_pod_set_toleration_seconds(
			    -1, parse_num("default-unreachable-toleration-seconds", optarg, 0,
					  INT_MAX));
			break;
		case O_LBRANGE: {
			uint32_t first, last;
			char why[128];

			if (ctrl_servicelb_parse_range(optarg, &first, &last, why, sizeof(why)))
				die_flag("loadbalancer-ip-range", optarg, why);
			c->lb_ip_range = optarg;
			break;
		}
		case 'v':
			c->verbosity = (int)parse_num("v", optarg, 0, 3);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case ':':
			fprintf(stderr, "skiff-server: flag %s needs a value\n", argv[optind - 1]);
			exit(2);
		default:
			fprintf(stderr, "skiff-server: unknown flag %s (see --help)\n",
				argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skiff-server: unexpected argument \"%s\" (see --help)\n",
			argv[optind]);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct server_config c = {
	    .bind_address = "0.0.0.0",
	    .port = 6443,
	    .service_cidr = "10.96.0.0/16",
	    .node_port_range = "30000-32767",
	    .cluster_cidr = "10.244.0.0/16",
	    .data_dir = "/var/lib/skiff",
	    .cluster_domain = "cluster.local",
	    .dns_bind = "0.0.0.0:53",
	    .max_body = 3 * 1024 * 1024,
	    .watch_buffer = 16 * 1024 * 1024,
	    .watch_buffer_total = 256 * 1024 * 1024,
	    .history_revs = 10000,
	    .history_secs = 300,
	    .join_token_ttl = 86400,
	    .node_monitor_grace = 40,
	    .node_eviction_rate = 0.1,
	    .verbosity = 2,
	};
	struct server *s;
	int err;

	log_set_prefix("skiff-server");
	parse_flags(argc, argv, &c);
	log_set_level((enum log_level)c.verbosity);
	main_fit_fd_limit(&c);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);

	err = server_start(&c, &s);
	if (err)
		return 1;
	err = server_run(s);
	server_stop(s);
	return err ? 1 : 0;
}
