/* skiffctl: a small kubectl for Skiff — `skiffctl <verb> [args]`, verbs
 * chosen from the table below by name or unique prefix. */
#include <signal.h>
#include <stdio.h>

#include "ctl.h"
#include "log.h"

static const struct ctl_cmd ctl_cmds[] = {
    {"get", cmd_get,
     "get <resource> [name...]   list or show objects (-o wide|json|yaml|name, -l, -A)"},
    {"create", cmd_create, "create -f FILE             create the objects of a manifest"},
    {"apply", cmd_apply, "apply -f FILE              create or update objects (client-side apply)"},
    {"delete", cmd_delete, "delete <resource> <name>   delete objects (or delete -f FILE)"},
    {"describe", cmd_describe, "describe <resource> <name> show an object in detail"},
    {"scale", cmd_scale, "scale deployment <name> --replicas=N"},
    {"logs", cmd_logs, "logs <pod> [-c C] [-f] [-p] [--tail N]  a container's log"},
    /* The dataplane helper adds these (ctl/cmd_backends.c, ctl/cmd_proxy.c): */
    {"backends", cmd_backends, "backends [service]        show the dataplane's backends"},
    {"proxy", cmd_proxy, "proxy ...                  inspect the node proxy"},
    /* The DNS helper adds this (ctl/cmd_lookup.c): */
    {"lookup", cmd_lookup, "lookup <name>              resolve a name with the cluster DNS"},
    {"token", cmd_token, "token create|list|delete    join tokens for new nodes"},
    {"cluster", cmd_cluster,
     "cluster create|delete|list|kubeconfig|node   local multi-node clusters"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	struct ctl_opts o = {0};
	int rc;

	log_set_prefix("skiffctl");
	signal(SIGPIPE, SIG_IGN);
	argc--;
	argv++;
	if (ctl_parse_global(&argc, argv, &o))
		return 1;
	rc = ctl_dispatch(ctl_cmds, argc, argv, &o);
	ctl_opts_free(&o);
	fflush(stdout);
	return rc ? 1 : 0;
}
