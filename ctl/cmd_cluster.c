/* cmd_cluster: `skiffctl cluster create|delete|list|kubeconfig|node` — a
 * local multi-node cluster made of network namespaces and cgroups (as kind
 * makes one of containers). The work is in cluster_*.c (cluster.h); this
 * file parses the command lines and prints. */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "ctl.h"
#include "jointoken.h"

#define CL_DEFAULT_WAIT 120

/* Flags every cluster verb takes. */
struct cl_args {
	const char *state_dir;
	const char *name;
	const char *pos[3]; /* positional arguments */
	int npos;
	int nodes;
	int wait_secs;
	bool retain;
	int grace_secs, tol_not_ready, tol_unreachable; /* create's node lifecycle */
	bool random_lb;					/* create's --lb-algorithm random */
	bool ipt_mode;					/* create's --proxy-mode iptables */
	/* hidden forward mode */
	int listen_fd;
	const char *netns, *upstream;
};

static int cl_int_flag(struct ctl_opts *o, const char *flag, const char *v, int lo, int hi,
		       int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < lo || n > hi)
		return ctl_err(o, "invalid argument \"%s\" for \"%s\" flag: want %d..%d", v, flag,
			       lo, hi);
	*out = (int)n;
	return 0;
}

static int cl_parse(int argc, char **argv, struct ctl_opts *o, struct cl_args *a)
{
	*a = (struct cl_args){.nodes = 1,
			      .wait_secs = CL_DEFAULT_WAIT,
			      .listen_fd = -1,
			      .grace_secs = CL_DEFAULT_GRACE,
			      .tol_not_ready = CL_DEFAULT_TOL,
			      .tol_unreachable = CL_DEFAULT_TOL};
	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &i, "--state-dir")))
			a->state_dir = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--name")))
			a->name = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--nodes"))) {
			if (cl_int_flag(o, "--nodes", v, 1, CL_MAX_NODES, &a->nodes))
				return 1;
		} else if ((v = ctl_flag_value(argc, argv, &i, "--wait"))) {
			if (cl_int_flag(o, "--wait", v, 1, 3600, &a->wait_secs))
				return 1;
		} else if ((v = ctl_flag_value(argc, argv, &i, "--node-monitor-grace-period"))) {
			long long secs;

			if (jointoken_parse_ttl(v, &secs) || secs < 1 || secs > 86400)
				return ctl_err(o,
					       "invalid argument \"%s\" for "
					       "\"--node-monitor-grace-period\" flag: want a "
					       "duration between 1s and 24h, such as 10s",
					       v);
			a->grace_secs = (int)secs;
		} else if ((v = ctl_flag_value(argc, argv, &i,
					       "--default-not-ready-toleration-seconds"))) {
			if (cl_int_flag(o, "--default-not-ready-toleration-seconds", v, 0, INT_MAX,
					&a->tol_not_ready))
				return 1;
		} else if ((v = ctl_flag_value(argc, argv, &i,
					       "--default-unreachable-toleration-seconds"))) {
			if (cl_int_flag(o, "--default-unreachable-toleration-seconds", v, 0,
					INT_MAX, &a->tol_unreachable))
				return 1;
		} else if ((v = ctl_flag_value(argc, argv, &i, "--lb-algorithm"))) {
			if (strcmp(v, "least-connections") && strcmp(v, "random"))
				return ctl_err(
				    o,
				    "invalid argument \"%s\" for \"--lb-algorithm\" flag: "
				    "want least-connections or random",
				    v);
			a->random_lb = !strcmp(v, "random");
		} else if ((v = ctl_flag_value(argc, argv, &i, "--proxy-mode"))) {
			if (strcmp(v, "bpf") && strcmp(v, "iptables"))
				return ctl_err(o,
					       "invalid argument \"%s\" for \"--proxy-mode\" flag: "
					       "want bpf or iptables",
					       v);
			a->ipt_mode = !strcmp(v, "iptables");
		} else if (!strcmp(argv[i], "--retain"))
			a->retain = true;
		else if ((v = ctl_flag_value(argc, argv, &i, "--listen-fd"))) {
			if (cl_int_flag(o, "--listen-fd", v, 0, 1 << 20, &a->listen_fd))
				return 1;
		} else if ((v = ctl_flag_value(argc, argv, &i, "--netns")))
			a->netns = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--upstream")))
			a->upstream = v;
		else if (argv[i][0] == '-')
			return ctl_err(o, "unknown flag for cluster %s: %s", argv[0], argv[i]);
		else if (a->npos < 3)
			a->pos[a->npos++] = argv[i];
		else
			return ctl_err(o, "unexpected argument for cluster %s: %s", argv[0],
				       argv[i]);
	}
	return 0;
}

/* The cluster named by the first positional argument (or --name). */
static int cl_named(struct ctl_opts *o, struct cl_args *a, struct cl_cluster *c, int *rest)
{
	const char *name = a->name;
	int r;

	*rest = 0;
	if (!name && a->npos > 0) {
		name = a->pos[0];
		*rest = 1;
	}
	if (!name)
		name = CL_DEFAULT_NAME;
	r = cl_init(c, cl_state_root(a->state_dir), name);
	if (r == -EINVAL)
		return ctl_err(o, "invalid cluster name \"%s\"", name);
	if (r)
		return ctl_err(o,
			       "no cgroup v2 hierarchy (/sys/fs/cgroup/unified or /sys/fs/cgroup)");
	return 0;
}

static int cl_cmd_create(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	struct cl_create_opts co;

	if (cl_parse(argc, argv, o, &a))
		return 1;
	if (a.npos)
		return ctl_err(o, "unexpected argument for cluster create: %s (use --name)",
			       a.pos[0]);
	co = (struct cl_create_opts){.root = cl_state_root(a.state_dir),
				     .name = a.name ? a.name : CL_DEFAULT_NAME,
				     .nodes = a.nodes,
				     .wait_secs = a.wait_secs,
				     .retain = a.retain,
				     .grace_secs = a.grace_secs,
				     .tol_not_ready = a.tol_not_ready,
				     .tol_unreachable = a.tol_unreachable,
				     .random_lb = a.random_lb,
				     .ipt_mode = a.ipt_mode};
	return cl_create(&co, o->out == CTL_OUT_JSON) ? 1 : 0;
}

static int cl_cmd_delete(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	struct cl_cluster c;
	int rest;

	if (cl_parse(argc, argv, o, &a) || cl_named(o, &a, &c, &rest))
		return 1;
	if (geteuid() != 0)
		return ctl_err(o, "cluster delete needs root (network namespaces, cgroups)");
	fprintf(stderr, "Deleting cluster \"%s\" ...\n", c.name);
	return cl_delete(cl_state_root(a.state_dir), c.name, false) ? 1 : 0;
}

static int cl_cmd_kubeconfig(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	struct cl_cluster c;
	char path[4200], *text;
	int rest;

	if (cl_parse(argc, argv, o, &a) || cl_named(o, &a, &c, &rest))
		return 1;
	snprintf(path, sizeof(path), "%s/kubeconfig", c.dir);
	text = cl_read_file(path);
	if (!text)
		return ctl_err(o, "no kubeconfig for cluster \"%s\" (%s: %s)", c.name, path,
			       strerror(errno));
	fputs(text, stdout);
	free(text);
	return 0;
}

/* Running state of one cluster: its nodes with processes, and whether the
 * server and the forwarder run. */
static const char *cl_status(const struct cl_cluster *c, int *running)
{
	char cg[4200], name[96], pidf[4200];
	bool server, fwd;

	*running = 0;
	/* A node runs when its skiff-node does: pods outliving it (they are
	 * in the node's cgroup too) do not make a node. */
	for (int i = 1; i <= c->nodes; i++) {
		cl_node_name(c, i, name, sizeof(name));
		cl_cgroup_child(c, name, cg, sizeof(cg));
		cl_node_dir(c, i, "skiff-node.pid", pidf, sizeof(pidf));
		if (cl_pid_in_cgroup(cl_pid_read(pidf), cg))
			(*running)++;
	}
	cl_cgroup_child(c, "server", cg, sizeof(cg));
	server = cl_cgroup_count(cg) > 0;
	cl_cgroup_child(c, "forward", cg, sizeof(cg));
	fwd = cl_cgroup_count(cg) > 0;
	if (server && fwd && *running == c->nodes)
		return "Running";
	if (!server && !fwd && !*running)
		return "Stopped";
	return "Degraded";
}

static int cl_cmd_list(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	const char *root;
	struct dirent *e;
	cJSON *items = cJSON_CreateArray();
	char ***rows = NULL;
	int nrows = 0, r = 0;
	DIR *d;

	if (cl_parse(argc, argv, o, &a))
		return 1;
	root = cl_state_root(a.state_dir);
	d = opendir(root);
	while (d && (e = readdir(d))) {
		struct cl_cluster c;
		char url[64], kcfg[4200], ready[32], cnt[16];
		const char *st;
		int running;
		cJSON *j;

		if (e->d_name[0] == '.' || cl_init(&c, root, e->d_name))
			continue;
		/* A create that crashed before its manifest, or a state dir
		 * damaged since: shown so that it gets deleted. */
		if (cl_manifest_read(&c)) {
			running = 0;
			st = "Incomplete";
		} else
			st = cl_status(&c, &running);
		snprintf(url, sizeof(url), "https://127.0.0.1:%d", c.api_port);
		snprintf(kcfg, sizeof(kcfg), "%s/kubeconfig", c.dir);
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", c.name);
		cJSON_AddNumberToObject(j, "nodes", c.nodes);
		cJSON_AddNumberToObject(j, "nodesRunning", running);
		cJSON_AddStringToObject(j, "status", st);
		cJSON_AddStringToObject(j, "server", url);
		cJSON_AddStringToObject(j, "kubeconfig", kcfg);
		cJSON_AddItemToArray(items, j);
		snprintf(ready, sizeof(ready), "%d/%d", running, c.nodes);
		snprintf(cnt, sizeof(cnt), "%d", c.nodes);
		{
			char ***grown = realloc(rows, (size_t)(nrows + 1) * sizeof(*rows));

			if (!grown)
				break; /* out of memory: list what fits */
			rows = grown;
		}
		rows[nrows] = calloc(5, sizeof(char *));
		if (!rows[nrows])
			break;
		rows[nrows][0] = strdup(c.name);
		rows[nrows][1] = strdup(cnt);
		rows[nrows][2] = strdup(ready);
		rows[nrows][3] = strdup(st);
		rows[nrows][4] = strdup(url);
		nrows++;
	}
	if (d)
		closedir(d);
	if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		cJSON *list = cJSON_CreateObject();

		cJSON_AddItemToObject(list, "items", items);
		items = NULL;
		r = ctl_print_object(o, list);
		cJSON_Delete(list);
	} else if (!nrows) {
		fprintf(stderr, "No clusters found.\n");
	} else {
		char *hdr[] = {"NAME", "NODES", "RUNNING", "STATUS", "SERVER"};
		char ***all = calloc((size_t)nrows + 1, sizeof(*all));

		all[0] = hdr;
		memcpy(all + 1, rows, (size_t)nrows * sizeof(*rows));
		ctl_print_table(all, nrows + 1, 5);
		free(all);
	}
	cJSON_Delete(items);
	for (int k = 0; k < nrows; k++) {
		for (int c = 0; c < 5; c++)
			free(rows[k][c]);
		free(rows[k]);
	}
	free(rows);
	return r;
}

static int cl_cmd_node(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	struct cl_cluster c;
	int rest, i, r;
	const char *verb;

	if (cl_parse(argc, argv, o, &a))
		return 1;
	/* node stop|start CLUSTER NODE */
	if (a.npos < 1)
		return ctl_err(o, "usage: skiffctl cluster node stop|start|restart CLUSTER NODE");
	verb = a.pos[0];
	memmove(a.pos, a.pos + 1, sizeof(a.pos[0]) * 2);
	a.npos--;
	if (cl_named(o, &a, &c, &rest))
		return 1;
	if (a.npos - rest != 1)
		return ctl_err(o, "usage: skiffctl cluster node stop|start|restart CLUSTER NODE");
	if (cl_manifest_read(&c))
		return ctl_err(o, "no cluster \"%s\" (%s/manifest.json)", c.name, c.dir);
	i = cl_node_index(&c, a.pos[rest]);
	if (!i || i > c.nodes)
		return ctl_err(o, "cluster \"%s\" has no node \"%s\" (nodes: %s-node-1..%d)",
			       c.name, a.pos[rest], c.name, c.nodes);
	if (geteuid() != 0)
		return ctl_err(o, "cluster node %s needs root", verb);
	if (!strcmp(verb, "stop"))
		r = cl_node_stop(&c, i);
	else if (!strcmp(verb, "start"))
		r = cl_node_start(&c, i, a.wait_secs);
	else if (!strcmp(verb, "restart"))
		r = cl_node_restart(&c, i, a.wait_secs);
	else
		return ctl_err(o, "unknown cluster node command \"%s\" (stop, start, restart)",
			       verb);
	return r ? 1 : 0;
}

/* external [CLUSTER] N: an outside machine on the cluster's network. */
static int cl_cmd_external(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	struct cl_cluster c;
	char ns[96], addr[20], *end;
	long n;
	int rest, r;

	if (cl_parse(argc, argv, o, &a))
		return 1;
	if (cl_named(o, &a, &c, &rest))
		return 1;
	if (a.npos - rest != 1)
		return ctl_err(o, "usage: skiffctl cluster external [CLUSTER] N");
	n = strtol(a.pos[rest], &end, 10);
	if (*end || end == a.pos[rest] || n < 1 || n > CL_MAX_EXTERNAL)
		return ctl_err(o, "invalid N \"%s\": a number from 1 to %d", a.pos[rest],
			       CL_MAX_EXTERNAL);
	if (cl_manifest_read(&c))
		return ctl_err(o, "no cluster \"%s\" (%s/manifest.json)", c.name, c.dir);
	if (geteuid() != 0)
		return ctl_err(o, "cluster external needs root");
	r = cl_external(&c, (int)n, ns, sizeof(ns));
	if (r)
		return ctl_err(o, "cluster external %ld: %s", n, strerror(-r));
	cl_addr(&c, CL_HOST_EXT(n), addr, sizeof(addr));
	if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "netns", ns);
		cJSON_AddStringToObject(j, "address", addr);
		r = ctl_print_object(o, j);
		cJSON_Delete(j);
		return r;
	}
	printf("%s\n", ns);
	return 0;
}

/* Hidden: the loopback forwarder that create starts (cluster_forward.c). */
static int cl_cmd_forward(int argc, char **argv, struct ctl_opts *o)
{
	struct cl_args a;
	int r;

	if (cl_parse(argc, argv, o, &a))
		return 1;
	if (a.listen_fd < 0 || !a.netns || !a.upstream)
		return ctl_err(o, "cluster forward needs --listen-fd, --netns and --upstream");
	r = cl_forward_run(a.listen_fd, a.netns, a.upstream);
	return ctl_err(o, "forward: %s", strerror(-r));
}

static const struct ctl_cmd cl_cmds[] = {
    {"create", cl_cmd_create,
     "create [--name N] [--nodes K] [--wait SECS] [--retain]   make a local cluster\n"
     "         [--node-monitor-grace-period D]   (default 10s)\n"
     "         [--default-not-ready-toleration-seconds N]   (default 10)\n"
     "         [--default-unreachable-toleration-seconds N]   (default 10)\n"
     "         [--lb-algorithm least-connections|random]   the nodes' choice of backend\n"
     "         [--proxy-mode bpf|iptables]   the nodes' proxy (iptables: kube-proxy's rules)"},
    {"delete", cl_cmd_delete, "delete [N]          stop and remove a cluster and its leftovers"},
    {"list", cl_cmd_list, "list                the clusters, their nodes and status (-o json)"},
    {"kubeconfig", cl_cmd_kubeconfig, "kubeconfig [N]      print the cluster's kubeconfig"},
    {"node", cl_cmd_node,
     "node stop|start|restart N NODE   kill a node abruptly / start it / restart skiff-node only"},
    {"external", cl_cmd_external,
     "external [N] K      an outside machine K (1-10) on the cluster's network: prints\n"
     "                    its netns (-o json: and address); NodePorts and LoadBalancer\n"
     "                    addresses are reached from there as from the LAN"},
    {"forward", cl_cmd_forward, NULL},
    {NULL, NULL, NULL},
};

static void cl_usage(FILE *f)
{
	fprintf(f, "Usage: skiffctl cluster <command> [--state-dir DIR]\n\nCommands:\n");
	for (const struct ctl_cmd *c = cl_cmds; c->name; c++)
		if (c->help)
			fprintf(f, "  %s\n", c->help);
	fprintf(f, "\nState is kept in --state-dir, else $SKIFF_CLUSTER_DIR, else " CL_DEFAULT_ROOT
		   "\n(one directory per cluster). The default cluster name is \"" CL_DEFAULT_NAME
		   "\".\n");
}

int cmd_cluster(int argc, char **argv, struct ctl_opts *o)
{
	const struct ctl_cmd *c;
	bool ambiguous;

	if (argc < 2 || o->help) {
		cl_usage(o->help ? stdout : stderr);
		return o->help ? 0 : ctl_err(o, "no cluster command given");
	}
	c = ctl_cmd_select(cl_cmds, argv[1], &ambiguous);
	/* The hidden mode is only reached by its full name. */
	if (!c || (!c->help && strcmp(argv[1], c->name)))
		return ctl_err(o, "unknown cluster command \"%s\"; see 'skiffctl cluster --help'",
			       argv[1]);
	return c->fn(argc - 1, argv + 1, o);
}
