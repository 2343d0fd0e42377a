/* cluster_up: `cluster create` and `cluster node start` — the namespaces,
 * the bridge, the cgroups, skiff-server in the control-plane namespace,
 * the loopback forwarder and the skiff-nodes joining through the join
 * flow, each step recorded (manifest first) so delete can undo a partial
 * run. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cahash.h"
#include "cluster.h"
#include "json_path.h"
#include "kclient.h"

#define CL_POLL_MS 100

static long long cl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cl_nap(void)
{
	struct timespec ts = {0, CL_POLL_MS * 1000000L};

	nanosleep(&ts, NULL);
}

/* The last lines of a log, as the reason a step failed. */
static void cl_log_tail(const char *log)
{
	char *text = cl_read_file(log), *p;
	int lines = 0;

	if (!text)
		return;
	for (p = text + strlen(text); p > text; p--)
		if (p[-1] == '\n' && p[0] && ++lines > 15)
			break;
	fprintf(stderr, "--- last lines of %s ---\n%s", log, p);
	free(text);
}

/* The cluster's kubeconfig as a client (NULL after printing why). */
static struct kclient *cl_client(const struct cl_cluster *c)
{
	char path[4200], err[512];
	struct kconfig kc;
	struct kclient *cli;

	snprintf(path, sizeof(path), "%s/kubeconfig", c->dir);
	if (kconfig_load(path, &kc, err, sizeof(err))) {
		fprintf(stderr, "error: %s\n", err);
		return NULL;
	}
	cli = kclient_new(&kc);
	kconfig_free(&kc);
	if (cli)
		kclient_set_timeout(cli, 2000);
	return cli;
}

/* GET path answers 200 (its body in *body when wanted). */
static bool cl_get_ok(struct kclient *cli, const char *path, char **body)
{
	struct kresp resp;
	bool ok;

	if (kclient_request(cli, "GET", path, NULL, NULL, 0, NULL, &resp))
		ok = false;
	else
		ok = resp.status == 200;
	if (ok && body) {
		*body = resp.body;
		resp.body = NULL;
	}
	kresp_free(&resp);
	return ok;
}

/* `skiff-node --help` lists flag (the kubelet's flags arrive with it). */
static bool cl_help_has(const char *bin, const char *flag)
{
	int p[2], st;
	char buf[8192];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return false;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execl(bin, bin, "--help", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && got < sizeof(buf) - 1 &&
	       (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	buf[got] = '\0';
	for (char *s = buf; (s = strstr(s, flag)); s++)
		if (s[strlen(flag)] == ' ' || s[strlen(flag)] == '=')
			return true;
	return false;
}

/* Start node i's skiff-node: in its netns and cgroup, joining with the
 * server's join token and the pin of its CA, or, on a restart, with the
 * kubeconfig its join left in the state dir. The token is passed only for
 * the join: a command line is readable by every local user. */
static int cl_node_spawn(const struct cl_cluster *c, int i)
{
	char bin[4096], srv[64], url[96], tokpath[4200], capath[4200], hash[CAHASH_LEN];
	char name[96], ns[96], state[4200], pins[4200], root[4200], cg[4200], log[4200], pidf[4200];
	char kcfg[4200], renew[32], *token = NULL, *ca, *nl, *argv[32];
	pid_t pid;
	int r, n = 0;

	if (cl_bin_path("skiff-node", bin, sizeof(bin))) {
		fprintf(stderr, "error: skiff-node not found next to skiffctl or in $PATH\n");
		return -ENOENT;
	}
	cl_node_name(c, i, name, sizeof(name));
	cl_netns_name(c, i, false, ns, sizeof(ns));
	cl_node_dir(c, i, NULL, state, sizeof(state));
	cl_node_dir(c, i, "bpf", pins, sizeof(pins));
	cl_node_dir(c, i, "root", root, sizeof(root));
	cl_node_dir(c, i, "skiff-node.log", log, sizeof(log));
	cl_node_dir(c, i, "skiff-node.pid", pidf, sizeof(pidf));
	cl_node_dir(c, i, "kubeconfig", kcfg, sizeof(kcfg));
	cl_cgroup_child(c, name, cg, sizeof(cg));
	argv[n++] = bin;
	if (access(kcfg, F_OK)) {
		snprintf(tokpath, sizeof(tokpath), "%s/server/join-token", c->dir);
		snprintf(capath, sizeof(capath), "%s/server/ca.crt", c->dir);
		token = cl_read_file(tokpath);
		ca = cl_read_file(capath);
		r = !token || !ca ? -ENOENT : cahash_pem(ca, hash, sizeof(hash));
		free(ca);
		if (r) {
			fprintf(stderr, "error: cannot read %s or %s: %s\n", tokpath, capath,
				strerror(-r));
			free(token);
			return r;
		}
		if ((nl = strpbrk(token, "\r\n")))
			*nl = '\0';
		cl_addr(c, CL_HOST_CP, srv, sizeof(srv));
		snprintf(url, sizeof(url), "https://%s:%d", srv, CL_API_PORT);
		argv[n++] = "--server";
		argv[n++] = url;
		argv[n++] = "--token";
		argv[n++] = token;
		argv[n++] = "--discovery-token-ca-cert-hash";
		argv[n++] = hash;
	}
	argv[n++] = "--hostname-override";
	argv[n++] = name;
	argv[n++] = "--state-dir";
	argv[n++] = state;
	argv[n++] = "--cgroup";
	argv[n++] = cg;
	argv[n++] = "--bpf-pin-dir";
	argv[n++] = pins;
	/* four renewals per grace period, as upstream's 10 s of 40 s, so one
	 * late renewal does not make the node Unknown */
	snprintf(renew, sizeof(renew), "%g", c->grace_secs / 4.0);
	argv[n++] = "--node-lease-renew-interval";
	argv[n++] = renew;
	if (c->random_lb) {
		argv[n++] = "--lb-algorithm";
		argv[n++] = "random";
	}
	/* NodePort, externalIPs and LoadBalancer traffic: the node's link to
	 * the cluster network is its outside */
	if (c->ipt_mode) {
		/* kube-proxy's rules in the node's namespace; the pod network
		 * is skiff-server's default --cluster-cidr */
		argv[n++] = "--proxy-mode";
		argv[n++] = "iptables";
		argv[n++] = "--cluster-cidr";
		argv[n++] = "10.244.0.0/16";
	} else if (cl_help_has(bin, "--external-interface")) {
		argv[n++] = "--external-interface";
		argv[n++] = "eth0";
	}
	/* The kubelet's root dir, once this skiff-node has a kubelet. */
	if (cl_help_has(bin, "--root-dir")) {
		argv[n++] = "--root-dir";
		argv[n++] = root;
	}
	argv[n] = NULL;
	r = cl_mkdir_p(state);
	pid = r ? r : cl_spawn(argv, ns, cg, log, -1);
	free(token);
	if (pid < 0)
		return (int)pid;
	return cl_pid_write(pidf, pid);
}

/* Node i is up: joined (its kubeconfig exists), /healthz 200 inside its
 * namespace, and, when skiff-node runs the kubelet, its Node Ready. */
static bool cl_node_up(const struct cl_cluster *c, int i, struct kclient *cli, bool kubelet)
{
	char path[4200], ns[96], name[96], *body = NULL;
	cJSON *node, *conds;
	bool ready = false;

	cl_node_dir(c, i, "kubeconfig", path, sizeof(path));
	cl_netns_name(c, i, false, ns, sizeof(ns));
	if (access(path, F_OK) || cl_http_healthz(ns, "127.0.0.1", CL_NODE_HEALTHZ_PORT))
		return false;
	if (!kubelet)
		return true;
	cl_node_name(c, i, name, sizeof(name));
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", name);
	if (!cli || !cl_get_ok(cli, path, &body))
		return false;
	node = cJSON_Parse(body);
	free(body);
	conds = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(node, "status"),
						 "conditions");
	for (cJSON *k = conds ? conds->child : NULL; k; k = k->next) {
		const char *t = json_str(k, "type"), *s = json_str(k, "status");

		if (t && s && !strcmp(t, "Ready"))
			ready = !strcmp(s, "True");
	}
	/* the control plane answers pods directly (cluster DNS, the API):
	 * route each node's podCIDR to it */
	if (ready && json_str(node, "spec.podCIDR")) {
		char cp[96], via[64];

		cl_netns_name(c, 0, true, cp, sizeof(cp));
		cl_addr(c, CL_HOST_NODE(i), via, sizeof(via));
		if (cl_net_route(cp, json_str(node, "spec.podCIDR"), via))
			ready = false;
	}
	cJSON_Delete(node);
	return ready;
}

/* Wait for nodes [from, to] to be up; a node whose skiff-node died fails
 * at once with its log. */
static int cl_wait_nodes(const struct cl_cluster *c, int from, int to, int wait_secs)
{
	char bin[4096], log[4200], pidf[4200];
	long long deadline = cl_now_ms() + wait_secs * 1000LL;
	struct kclient *cli = cl_client(c);
	bool kubelet =
	    !cl_bin_path("skiff-node", bin, sizeof(bin)) && cl_help_has(bin, "--root-dir");
	int r = 0;

	for (int i = from; i <= to && !r; i++) {
		cl_node_dir(c, i, "skiff-node.log", log, sizeof(log));
		cl_node_dir(c, i, "skiff-node.pid", pidf, sizeof(pidf));
		while (!cl_node_up(c, i, cli, kubelet)) {
			pid_t pid = cl_pid_read(pidf);

			if ((pid > 0 && cl_child_exited(pid)) || cl_now_ms() > deadline) {
				fprintf(stderr, "error: node %s-node-%d did not come up%s\n",
					c->name, i,
					cl_now_ms() > deadline ? " in time" : " (it exited)");
				cl_log_tail(log);
				r = -ETIMEDOUT;
				break;
			}
			cl_nap();
		}
	}
	kclient_free(cli);
	return r;
}

/* Start skiff-server in the control-plane namespace and wait for the
 * files a new cluster's server writes (CA, admin kubeconfig, join token). */
static int cl_start_server(const struct cl_cluster *c, int wait_secs)
{
	char bin[4096], addr[64], data[4200], log[4200], pidf[4200], ns[96], cg[4200];
	char f[4300];
	static const char *const files[] = {"ca.crt", "admin.kubeconfig", "join-token"};
	long long deadline = cl_now_ms() + wait_secs * 1000LL;
	pid_t pid;

	if (cl_bin_path("skiff-server", bin, sizeof(bin))) {
		fprintf(stderr, "error: skiff-server not found next to skiffctl or in $PATH\n");
		return -ENOENT;
	}
	cl_addr(c, CL_HOST_CP, addr, sizeof(addr));
	snprintf(data, sizeof(data), "%s/server", c->dir);
	snprintf(log, sizeof(log), "%s/server.log", c->dir);
	snprintf(pidf, sizeof(pidf), "%s/server.pid", c->dir);
	cl_netns_name(c, 0, true, ns, sizeof(ns));
	cl_cgroup_child(c, "server", cg, sizeof(cg));
	{
		char port[16], grace[16], tnr[16], tur[16], lbr[64], lo[20], hi[20];
		char *argv[] = {bin,   "--bind-address",
				addr,  "--advertise-address",
				addr,  "--secure-port",
				port,  "--data-dir",
				data,  "--node-monitor-grace-period",
				grace, "--default-not-ready-toleration-seconds",
				tnr,   "--default-unreachable-toleration-seconds",
				tur,   NULL,
				NULL,  NULL};

		/* LoadBalancer addresses on the cluster's own network, where the
		 * nodes answer ARP for them */
		if (cl_help_has(bin, "--loadbalancer-ip-range")) {
			cl_addr(c, CL_HOST_LB_FIRST, lo, sizeof(lo));
			cl_addr(c, CL_HOST_LB_LAST, hi, sizeof(hi));
			snprintf(lbr, sizeof(lbr), "%s-%s", lo, hi);
			argv[sizeof(argv) / sizeof(argv[0]) - 3] = "--loadbalancer-ip-range";
			argv[sizeof(argv) / sizeof(argv[0]) - 2] = lbr;
		}
		snprintf(port, sizeof(port), "%d", CL_API_PORT);
		snprintf(grace, sizeof(grace), "%ds", c->grace_secs);
		snprintf(tnr, sizeof(tnr), "%d", c->tol_not_ready);
		snprintf(tur, sizeof(tur), "%d", c->tol_unreachable);
		pid = cl_spawn(argv, ns, cg, log, -1);
	}
	if (pid < 0)
		return (int)pid;
	cl_pid_write(pidf, pid);
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(f, sizeof(f), "%s/%s", data, files[k]);
		while (access(f, F_OK)) {
			if (cl_child_exited(pid) || cl_now_ms() > deadline) {
				fprintf(stderr, "error: skiff-server did not start\n");
				cl_log_tail(log);
				return -ETIMEDOUT;
			}
			cl_nap();
		}
	}
	return 0;
}

/* The host's kubeconfig (API at the forwarder, the admin token, the CA),
 * the forwarder itself, and the wait for /healthz through it with TLS
 * verified against the cluster CA. */
static int cl_start_forwarder(const struct cl_cluster *c, int lfd, int wait_secs)
{
	char admin[4200], path[4200], url[64], err[512], self[4096], nsp[256], up[96], addr[64];
	char log[4200], pidf[4200], cg[4200], ns[96], user[64];
	long long deadline = cl_now_ms() + wait_secs * 1000LL;
	struct kclient *cli;
	struct kconfig kc;
	pid_t pid;
	int r;

	snprintf(admin, sizeof(admin), "%s/server/admin.kubeconfig", c->dir);
	snprintf(path, sizeof(path), "%s/kubeconfig", c->dir);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", c->api_port);
	snprintf(user, sizeof(user), "%s-admin", c->name);
	r = kconfig_load(admin, &kc, err, sizeof(err));
	if (!r)
		r = kconfig_write(path, url, kc.ca_pem, user, kc.token, err, sizeof(err));
	kconfig_free(&kc);
	if (r) {
		fprintf(stderr, "error: %s\n", err);
		return r;
	}
	/* This very skiffctl runs the forwarder (its hidden forward mode). */
	{
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n <= 0)
			return -errno;
		self[n] = '\0';
	}
	cl_netns_name(c, 0, true, ns, sizeof(ns));
	snprintf(nsp, sizeof(nsp), CL_NETNS_DIR "/%s", ns);
	cl_addr(c, CL_HOST_CP, addr, sizeof(addr));
	snprintf(up, sizeof(up), "%s:%d", addr, CL_API_PORT);
	snprintf(log, sizeof(log), "%s/forward.log", c->dir);
	snprintf(pidf, sizeof(pidf), "%s/forward.pid", c->dir);
	cl_cgroup_child(c, "forward", cg, sizeof(cg));
	{
		char *argv[] = {self, "cluster",    "forward", "--listen-fd", "3", "--netns",
				nsp,  "--upstream", up,	       NULL};

		pid = cl_spawn(argv, NULL, cg, log, lfd);
	}
	if (pid < 0)
		return (int)pid;
	cl_pid_write(pidf, pid);
	cli = cl_client(c);
	if (!cli)
		return -EINVAL;
	while (!cl_get_ok(cli, "/healthz", NULL)) {
		if (cl_child_exited(pid) || cl_now_ms() > deadline) {
			fprintf(stderr, "error: the API server is not reachable through %s\n", url);
			cl_log_tail(log);
			snprintf(log, sizeof(log), "%s/server.log", c->dir);
			cl_log_tail(log);
			r = -ETIMEDOUT;
			break;
		}
		cl_nap();
	}
	kclient_free(cli);
	return r;
}

/* Directories, cgroups, namespaces and links of c. */
static int cl_make_skeleton(const struct cl_cluster *c)
{
	char path[4200], ns[96], br[96], ifn[IFNAMSIZ + 8], name[96];
	int r;

	snprintf(path, sizeof(path), "%s/nodes", c->dir);
	if ((r = cl_mkdir_p(path)) || (r = cl_mkdir_p(c->cgroup)))
		return r;
	cl_cgroup_child(c, "server", path, sizeof(path));
	if ((r = cl_mkdir_p(path)))
		return r;
	cl_cgroup_child(c, "forward", path, sizeof(path));
	if ((r = cl_mkdir_p(path)))
		return r;
	cl_netns_name(c, 0, false, br, sizeof(br));
	if ((r = cl_netns_create(br)) || (r = cl_net_bridge(br, c)))
		return r;
	cl_netns_name(c, 0, true, ns, sizeof(ns));
	if ((r = cl_netns_create(ns)) || (r = cl_net_attach(br, ns, "v-cp", c, CL_HOST_CP)))
		return r;
	for (int i = 1; i <= c->nodes; i++) {
		cl_node_name(c, i, name, sizeof(name));
		cl_cgroup_child(c, name, path, sizeof(path));
		if ((r = cl_mkdir_p(path)))
			return r;
		cl_netns_name(c, i, false, ns, sizeof(ns));
		cl_node_ifname(i, ifn, sizeof(ifn));
		if ((r = cl_netns_create(ns)) ||
		    (r = cl_net_attach(br, ns, ifn, c, CL_HOST_NODE(i))))
			return r;
	}
	return 0;
}

static void cl_print_ready(const struct cl_cluster *c, bool json)
{
	char kcfg[4200], addr[64], name[96];

	snprintf(kcfg, sizeof(kcfg), "%s/kubeconfig", c->dir);
	cl_addr(c, CL_HOST_CP, addr, sizeof(addr));
	if (json) {
		cJSON *j = cJSON_CreateObject(), *nodes;
		char url[64], *text;

		snprintf(url, sizeof(url), "https://127.0.0.1:%d", c->api_port);
		cJSON_AddStringToObject(j, "name", c->name);
		cJSON_AddStringToObject(j, "kubeconfig", kcfg);
		cJSON_AddStringToObject(j, "server", url);
		cJSON_AddStringToObject(j, "controlPlaneAddress", addr);
		nodes = cJSON_AddArrayToObject(j, "nodes");
		for (int i = 1; i <= c->nodes; i++) {
			cl_node_name(c, i, name, sizeof(name));
			cJSON_AddItemToArray(nodes, cJSON_CreateString(name));
		}
		text = cJSON_Print(j);
		printf("%s\n", text ? text : "{}");
		free(text);
		cJSON_Delete(j);
		return;
	}
	printf("Cluster \"%s\" is ready: control plane %s:%d, %d node%s (%s-node-1", c->name, addr,
	       CL_API_PORT, c->nodes, c->nodes == 1 ? "" : "s", c->name);
	if (c->nodes > 1)
		printf("..%s-node-%d", c->name, c->nodes);
	printf(").\nKubeconfig: %s\n\nUse it with:\n\n    export KUBECONFIG=%s\n    kubectl get "
	       "nodes\n\nor: kubectl --kubeconfig %s get ns\n\nDelete it with: skiffctl cluster "
	       "delete %s\n",
	       kcfg, kcfg, kcfg, c->name);
}

int cl_create(const struct cl_create_opts *co, bool json)
{
	struct cl_cluster c;
	char path[4200], **ns;
	int r, lfd, nns;

	r = cl_init(&c, co->root, co->name);
	if (r) {
		fprintf(stderr, "error: %s\n",
			r == -EINVAL ? "invalid cluster name (want [a-z0-9]([-a-z0-9]*[a-z0-9])?, "
				       "at most 32 characters)"
				     : "no cgroup v2 hierarchy (/sys/fs/cgroup/unified or "
				       "/sys/fs/cgroup)");
		return r;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "error: cluster create needs root (network namespaces, cgroups)\n");
		return -EPERM;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", c.dir);
	cl_netns_list(&c, &ns, &nns);
	for (int k = 0; k < nns; k++)
		free(ns[k]);
	free(ns);
	if (!access(path, F_OK) || nns || !access(c.cgroup, F_OK)) {
		fprintf(stderr,
			"error: cluster \"%s\" already exists (or left something behind): "
			"`skiffctl cluster delete %s` removes it\n",
			c.name, c.name);
		return -EEXIST;
	}
	c.nodes = co->nodes;
	c.grace_secs = co->grace_secs;
	c.tol_not_ready = co->tol_not_ready;
	c.tol_unreachable = co->tol_unreachable;
	c.random_lb = co->random_lb;
	c.ipt_mode = co->ipt_mode;
	if ((r = cl_mkdir_p(c.dir)) || (r = cl_pick_subnet(co->root, &c.subnet))) {
		fprintf(stderr, "error: %s: %s\n", r == -ENOSPC ? "no free subnet" : c.dir,
			strerror(-r));
		return r;
	}
	lfd = cl_forward_listen(&c.api_port);
	if (lfd < 0) {
		fprintf(stderr, "error: cannot listen on 127.0.0.1: %s\n", strerror(-lfd));
		return lfd;
	}
	fprintf(stderr, "Creating cluster \"%s\" (%d nodes, 172.30.%u.0/24) in %s ...\n", c.name,
		c.nodes, (c.subnet >> 8) & 0xff, c.dir);
	r = cl_manifest_write(&c);
	if (r)
		fprintf(stderr, "error: %s/manifest.json: %s\n", c.dir, strerror(-r));
	if (!r && (r = cl_make_skeleton(&c)))
		fprintf(stderr, "error: setting up namespaces and cgroups: %s\n", strerror(-r));
	if (!r) {
		fprintf(stderr, " - starting skiff-server in %s-cp\n", c.name);
		fprintf(stderr,
			"   node lifecycle: a node not heard from for %ds is unreachable; its pods "
			"go after %ds (not ready: %ds)\n   (--node-monitor-grace-period, "
			"--default-unreachable-toleration-seconds, "
			"--default-not-ready-toleration-seconds change them)\n",
			c.grace_secs, c.tol_unreachable, c.tol_not_ready);
		r = cl_start_server(&c, co->wait_secs);
	}
	if (!r) {
		fprintf(stderr, " - starting the API forwarder on 127.0.0.1:%d\n", c.api_port);
		r = cl_start_forwarder(&c, lfd, co->wait_secs);
	}
	close(lfd);
	for (int i = 1; !r && i <= c.nodes; i++) {
		fprintf(stderr, " - starting %s-node-%d\n", c.name, i);
		r = cl_node_spawn(&c, i);
	}
	if (!r)
		r = cl_wait_nodes(&c, 1, c.nodes, co->wait_secs);
	if (r) {
		if (co->retain) {
			fprintf(stderr,
				"the cluster's parts are kept (--retain); `skiffctl cluster "
				"delete %s` removes them\n",
				c.name);
		} else {
			fprintf(stderr, "removing what was created ...\n");
			cl_delete(co->root, c.name, true);
		}
		return r;
	}
	cl_print_ready(&c, json);
	return 0;
}

/* Start node i's skiff-node and wait until the node is up. */
static int cl_node_spawn_wait(struct cl_cluster *c, int i, int wait_secs, const char *done)
{
	char name[96];
	int r;

	cl_node_name(c, i, name, sizeof(name));
	r = cl_node_spawn(c, i);
	if (!r)
		r = cl_wait_nodes(c, i, i, wait_secs);
	if (!r)
		printf("node %s %s\n", name, done);
	return r;
}

/* Restart only skiff-node (an upgrade, a crash): SIGTERM to it, SIGKILL
 * after 10 s, then start it again; its pods keep running (their shims
 * outlive it). A skiff-node already dead is just started. */
int cl_node_restart(struct cl_cluster *c, int i, int wait_secs)
{
	char cg[4200], name[96], pidf[4200];
	pid_t pid;

	cl_node_name(c, i, name, sizeof(name));
	cl_cgroup_child(c, name, cg, sizeof(cg));
	cl_node_dir(c, i, "skiff-node.pid", pidf, sizeof(pidf));
	pid = cl_pid_read(pidf);
	/* the pid file may be stale: only a process in the node's own cgroup
	 * is this skiff-node (a zombie is in none) */
	if (cl_pid_in_cgroup(pid, cg)) {
		kill(pid, SIGTERM);
		for (int t = 0; t < 1000 && cl_pid_in_cgroup(pid, cg); t++)
			usleep(10000);
		if (cl_pid_in_cgroup(pid, cg)) {
			fprintf(stderr,
				"node %s: skiff-node %d ignored SIGTERM for 10 s, killing it\n",
				name, (int)pid);
			kill(pid, SIGKILL);
			for (int t = 0; t < 500 && cl_pid_in_cgroup(pid, cg); t++)
				usleep(10000);
		}
	}
	return cl_node_spawn_wait(c, i, wait_secs, "restarted (skiff-node only)");
}

int cl_node_start(struct cl_cluster *c, int i, int wait_secs)
{
	char cg[4200], name[96];
	int r;

	cl_node_name(c, i, name, sizeof(name));
	r = cl_node_procs(c, i, cg, sizeof(cg));
	if (r < 0)
		return r;
	if (r > 0) {
		fprintf(stderr, "error: node %s is running (%d processes in %s)\n", name, r, cg);
		return -EBUSY;
	}
	/* power back: the node is on the cluster's network again */
	r = cl_node_link(c, i, true);
	if (r) {
		fprintf(stderr, "error: node %s: its link up: %s\n", name, strerror(-r));
		return r;
	}
	return cl_node_spawn_wait(c, i, wait_secs, "started");
}
