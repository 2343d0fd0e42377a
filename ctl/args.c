/* args: skiffctl's global flags and table-driven verb selection with
 * unique prefixes (as bpftool's cmd_select). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Value of a flag given as "--name=V", "-xV" (short) or "--name V". */
const char *ctl_flag_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0') {
		if (*i + 1 >= argc)
			return NULL;
		return argv[++*i];
	}
	/* Short flags take their value glued on: -nkube-system, -ojson. */
	if (name[0] == '-' && name[1] != '-' && n == 2)
		return a + n;
	return NULL;
}

static const struct {
	const char *name;
	enum ctl_output out;
} ctl_outputs[] = {
    {"wide", CTL_OUT_WIDE},
    {"json", CTL_OUT_JSON},
    {"yaml", CTL_OUT_YAML},
    {"name", CTL_OUT_NAME},
};

/* Flags that take a value: short and long spelling, and where it goes. */
enum ctl_gflag { G_KUBECONFIG, G_NAMESPACE, G_OUTPUT, G_SELECTOR, G_FILE };
static const struct {
	const char *shortf, *longf;
	enum ctl_gflag which;
} ctl_valflags[] = {
    {NULL, "--kubeconfig", G_KUBECONFIG}, {"-n", "--namespace", G_NAMESPACE},
    {"-o", "--output", G_OUTPUT},	  {"-l", "--selector", G_SELECTOR},
    {"-f", "--filename", G_FILE},
};

static int ctl_set_output(struct ctl_opts *o, const char *v)
{
	for (size_t k = 0; k < sizeof(ctl_outputs) / sizeof(ctl_outputs[0]); k++) {
		if (!strcmp(v, ctl_outputs[k].name)) {
			o->out = ctl_outputs[k].out;
			return 0;
		}
	}
	fprintf(stderr,
		"error: unable to match a printer suitable for the output format \"%s\", "
		"allowed formats are: json,name,wide,yaml\n",
		v);
	return -EINVAL;
}

/* Try the value flags at argv[*i]. 1: consumed, 0: not a global flag,
 * -EINVAL: a global flag without its value. */
static int ctl_take_valflag(int argc, char **argv, int *i, struct ctl_opts *o)
{
	for (size_t k = 0; k < sizeof(ctl_valflags) / sizeof(ctl_valflags[0]); k++) {
		const char *names[2] = {ctl_valflags[k].shortf, ctl_valflags[k].longf};

		for (int j = 0; j < 2; j++) {
			const char *nm = names[j], *v;
			size_t n;

			if (!nm)
				continue;
			n = strlen(nm);
			if (strncmp(argv[*i], nm, n))
				continue;
			/* "--namespacefoo" is not "--namespace". */
			if (j == 1 && argv[*i][n] != '\0' && argv[*i][n] != '=')
				continue;
			v = ctl_flag_value(argc, argv, i, nm);
			if (!v || !v[0]) {
				ctl_err(o, "flag needs an argument: %s", nm);
				return -EINVAL;
			}
			switch (ctl_valflags[k].which) {
			case G_KUBECONFIG:
				o->kubeconfig = v;
				break;
			case G_NAMESPACE:
				o->ns = v;
				break;
			case G_OUTPUT:
				if (ctl_set_output(o, v))
					return -EINVAL;
				break;
			case G_SELECTOR:
				o->selector = v;
				break;
			case G_FILE:
				o->file = v;
				break;
			}
			return 1;
		}
	}
	return 0;
}

int ctl_parse_global(int *argc, char **argv, struct ctl_opts *o)
{
	int out = 0, i;

	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];
		int rc;

		if (!strcmp(a, "--")) {
			for (i++; i < *argc; i++)
				argv[out++] = argv[i];
			break;
		}
		if (!strcmp(a, "-A") || !strcmp(a, "--all-namespaces")) {
			o->all_ns = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			continue;
		}
		rc = ctl_take_valflag(*argc, argv, &i, o);
		if (rc < 0)
			return rc;
		if (rc == 0)
			argv[out++] = argv[i]; /* the verb's own argument or flag */
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

const struct ctl_cmd *ctl_cmd_select(const struct ctl_cmd *tbl, const char *verb, bool *ambiguous)
{
	const struct ctl_cmd *hit = NULL;
	size_t n = strlen(verb);

	*ambiguous = false;
	if (!n)
		return NULL;
	for (const struct ctl_cmd *c = tbl; c->name; c++) {
		if (!strcmp(c->name, verb))
			return c; /* an exact name wins over longer prefixes */
		if (!strncmp(c->name, verb, n)) {
			if (hit)
				*ambiguous = true;
			hit = c;
		}
	}
	return *ambiguous ? NULL : hit;
}

void ctl_usage(const struct ctl_cmd *tbl, FILE *f)
{
	fprintf(f, "Usage: skiffctl [global flags] <command> [args]\n\nCommands:\n");
	for (const struct ctl_cmd *c = tbl; c->name; c++)
		fprintf(f, "  %s\n", c->help); /* each help starts with its usage */
	fprintf(f,
		"\nGlobal flags:\n"
		"  --kubeconfig FILE      kubeconfig to use (default $KUBECONFIG, ~/.kube/config)\n"
		"  -n, --namespace NS     namespace (default: the context's)\n"
		"  -A, --all-namespaces   list across all namespaces\n"
		"  -o, --output FORMAT    wide|json|yaml|name\n"
		"  -l, --selector SEL     label selector (k=v,k2!=v,k3 in (a,b))\n"
		"  -f, --filename FILE    manifest file, '-' for stdin\n"
		"  -h, --help             this help (or a command's help)\n"
		"Commands may be abbreviated to any unique prefix.\n");
}

int ctl_dispatch(const struct ctl_cmd *tbl, int argc, char **argv, struct ctl_opts *o)
{
	const struct ctl_cmd *c;
	bool ambiguous;

	if (argc < 1) {
		if (o->help) {
			ctl_usage(tbl, stdout);
			return 0;
		}
		ctl_usage(tbl, stderr);
		return ctl_err(o, "no command given");
	}
	c = ctl_cmd_select(tbl, argv[0], &ambiguous);
	if (!c) {
		if (ambiguous)
			return ctl_err(o, "command \"%s\" is ambiguous; see 'skiffctl --help'",
				       argv[0]);
		return ctl_err(o, "unknown command \"%s\"; see 'skiffctl --help'", argv[0]);
	}
	if (o->help) {
		printf("skiffctl %s: %s\n", c->name, c->help);
		return 0;
	}
	return c->fn(argc, argv, o);
}

void ctl_opts_free(struct ctl_opts *o)
{
	kclient_free(o->client);
	o->client = NULL;
	if (o->kc_loaded)
		kconfig_free(&o->kc);
	o->kc_loaded = false;
}
