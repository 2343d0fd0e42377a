/* token create|list|delete: kubeadm's bootstrap (join) tokens, kept by the
 * server as Secrets kube-system/bootstrap-token-<id> of type
 * bootstrap.kubernetes.io/token (jointoken.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gnutls/gnutls.h>

#include "cahash.h"
#include "ctl.h"
#include "json_path.h"
#include "jointoken.h"

#define TOKEN_NS      "kube-system"
#define TOKEN_SECRETS "/api/v1/namespaces/" TOKEN_NS "/secrets"
/* kubeadm's default lifetime of a token. */
#define TOKEN_DEFAULT_TTL "24h"
/* The Secret keys that name a usage: usage-bootstrap-<usage> = "true". */
#define TOKEN_USAGE_PREFIX "usage-bootstrap-"

int ctl_token_ttl(const char *s, long long *secs, char *err, size_t errlen)
{
	int rc = jointoken_parse_ttl(s, secs);

	/* cobra's wording for a flag value time.ParseDuration refuses. */
	if (rc)
		snprintf(err, errlen,
			 "invalid argument \"%s\" for \"--ttl\" flag: time: invalid duration "
			 "\"%s\" (want e.g. 1h, 30m, 1h30m, or 0 for never)",
			 s, s);
	return rc;
}

/* kubeadm's join command for a token, from the kubeconfig's server and CA. */
static void token_join_command(struct ctl_opts *o, const char *tok, char *hash, char *buf,
			       size_t len)
{
	if (o->kc.ca_pem && !cahash_pem(o->kc.ca_pem, hash, CAHASH_LEN)) {
		snprintf(buf, len,
			 "skiff-node --server %s --token %s --discovery-token-ca-cert-hash %s",
			 o->kc.server, tok, hash);
		return;
	}
	hash[0] = '\0';
	/* No CA in the kubeconfig (insecure-skip-tls-verify): there is no
	 * pin to give, and the command must say it trusts blindly. */
	fprintf(stderr, "warning: the kubeconfig has no certificate authority; the join "
			"command cannot pin the server's CA\n");
	snprintf(buf, len,
		 "skiff-node --server %s --token %s --discovery-token-unsafe-skip-ca-verification",
		 o->kc.server, tok);
}

static cJSON *token_secret(const char *tok, long long ttl, const char *desc)
{
	cJSON *s = cJSON_CreateObject(), *md, *sd;
	char id[JOINTOKEN_ID_LEN + 1], name[64], exp[32];

	snprintf(id, sizeof(id), "%.*s", JOINTOKEN_ID_LEN, tok);
	snprintf(name, sizeof(name), JOINTOKEN_SECRET_PREFIX "%s", id);
	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddStringToObject(s, "kind", "Secret");
	md = cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", TOKEN_NS);
	cJSON_AddStringToObject(s, "type", JOINTOKEN_SECRET_TYPE);
	sd = cJSON_AddObjectToObject(s, "stringData");
	cJSON_AddStringToObject(sd, "token-id", id);
	cJSON_AddStringToObject(sd, "token-secret", tok + JOINTOKEN_ID_LEN + 1);
	if (ttl > 0) {
		time_t t = time(NULL) + (time_t)ttl;
		struct tm tm;

		strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		cJSON_AddStringToObject(sd, "expiration", exp);
	}
	cJSON_AddStringToObject(sd, TOKEN_USAGE_PREFIX "authentication", "true");
	cJSON_AddStringToObject(sd, TOKEN_USAGE_PREFIX "signing", "true");
	if (desc)
		cJSON_AddStringToObject(sd, "description", desc);
	return s;
}

static int token_create(int argc, char **argv, struct ctl_opts *o)
{
	const char *ttl_s = TOKEN_DEFAULT_TTL, *desc = NULL, *given = NULL;
	char tok[JOINTOKEN_LEN + 1], hash[CAHASH_LEN], cmd[1024], err[256];
	struct kresp resp;
	long long ttl;
	cJSON *secret;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &i, "--ttl")))
			ttl_s = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--description")))
			desc = v;
		else if (argv[i][0] == '-')
			return ctl_err(o, "unknown flag for token create: %s", argv[i]);
		else if (!given)
			given = argv[i];
		else
			return ctl_err(o, "unexpected argument for token create: %s", argv[i]);
	}
	if (ctl_token_ttl(ttl_s, &ttl, err, sizeof(err)))
		return ctl_err(o, "%s", err);
	/* kubeadm: `token create [token]` stores a token the caller chose. */
	if (given && !jointoken_valid(given))
		return ctl_err(o, "token \"%s\" was not of form [a-z0-9]{6}.[a-z0-9]{16}", given);
	if (given)
		snprintf(tok, sizeof(tok), "%s", given);
	else if ((rc = jointoken_generate(tok)))
		return ctl_err(o, "cannot generate a token: %s", strerror(-rc));
	secret = token_secret(tok, ttl, desc);
	rc = ctl_call(o, "POST", TOKEN_SECRETS, NULL, secret, NULL, &resp);
	cJSON_Delete(secret);
	if (rc)
		return rc;
	if (resp.status != 201 && resp.status != 200) {
		rc = ctl_err_status(o, resp.status, resp.body, NULL);
		kresp_free(&resp);
		return rc;
	}
	kresp_free(&resp);
	token_join_command(o, tok, hash, cmd, sizeof(cmd));
	if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "token", tok);
		if (hash[0])
			cJSON_AddStringToObject(j, "caCertHash", hash);
		cJSON_AddStringToObject(j, "joinCommand", cmd);
		rc = ctl_print_object(o, j);
		cJSON_Delete(j);
		return rc;
	}
	printf("%s\n", tok);
	if (o->out != CTL_OUT_NAME)
		printf("%s\n", cmd);
	return 0;
}

/* A data value of a Secret (base64), malloc'd, or NULL. */
static char *token_data(const cJSON *secret, const char *key)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(secret, "data");
	const char *v = json_str(data, key);
	gnutls_datum_t in, out;
	char *s;

	if (!v)
		return NULL;
	in.data = (unsigned char *)v;
	in.size = (unsigned)strlen(v);
	if (gnutls_base64_decode2(&in, &out) < 0)
		return NULL;
	s = strndup((const char *)out.data, out.size);
	gnutls_free(out.data);
	return s;
}

/* apimachinery's duration.ShortHumanDuration, what kubeadm's TTL shows. */
static void token_short_duration(long long s, char *buf, size_t len)
{
	if (s < -1)
		snprintf(buf, len, "<invalid>");
	else if (s < 0)
		snprintf(buf, len, "0s");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh", s / 3600);
	else if (s < 86400LL * 365)
		snprintf(buf, len, "%lldd", s / 86400);
	else
		snprintf(buf, len, "%lldy", s / (86400LL * 365));
}

/* Whole seconds until t, truncated toward zero as Go's int(d.Seconds())
 * of time.Until: a 1h token shows 59m a moment after it was made. */
static long long token_until(time_t t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (long long)((double)t - ((double)now.tv_sec + now.tv_nsec / 1e9));
}

/* The usages a token Secret enables, "authentication,signing", malloc'd. */
static char *token_usages(const cJSON *secret)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(secret, "data"), *kv;
	size_t plen = strlen(TOKEN_USAGE_PREFIX), n = 0;
	char *out = calloc(1, 1);

	cJSON_ArrayForEach(kv, data)
	{
		char *v, *grown;

		if (!out || strncmp(kv->string, TOKEN_USAGE_PREFIX, plen))
			continue;
		v = token_data(secret, kv->string);
		if (v && !strcmp(v, "true")) {
			size_t add = strlen(kv->string + plen) + 1;

			grown = realloc(out, n + add + 1);
			if (grown) {
				out = grown;
				n += snprintf(out + n, add + 1, "%s%s", n ? "," : "",
					      kv->string + plen);
			}
		}
		free(v);
	}
	return out;
}

/* One row of `token list` (6 cells) and its -o json object, from a
 * Secret; NULL cells when the Secret holds no valid token. */
static int token_row(const cJSON *secret, char **cells, cJSON *items)
{
	char *id = token_data(secret, "token-id"), *sec = token_data(secret, "token-secret");
	char *exp = token_data(secret, "expiration"), *desc = token_data(secret, "description");
	char *groups = token_data(secret, "auth-extra-groups"), *usages = token_usages(secret);
	char tok[128], ttl[32];
	cJSON *j;
	int rc = -EINVAL;

	snprintf(tok, sizeof(tok), "%s.%s", id ? id : "", sec ? sec : "");
	if (!jointoken_valid(tok))
		goto out;
	strcpy(ttl, "<forever>");
	if (exp) {
		struct tm tm = {0};
		const char *end = strptime(exp, "%Y-%m-%dT%H:%M:%S", &tm);

		if (end)
			token_short_duration(token_until(timegm(&tm)), ttl, sizeof(ttl));
		else
			strcpy(ttl, "<invalid>");
	}
	cells[0] = strdup(tok);
	cells[1] = strdup(ttl);
	cells[2] = strdup(exp ? exp : "<never>");
	cells[3] = strdup(usages && usages[0] ? usages : "<none>");
	cells[4] = strdup(desc && desc[0] ? desc : "<none>");
	cells[5] = strdup(groups && groups[0] ? groups : "<none>");
	/* kubeadm's -o json object (output.kubeadm.k8s.io BootstrapToken). */
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "apiVersion", "output.kubeadm.k8s.io/v1alpha3");
	cJSON_AddStringToObject(j, "kind", "BootstrapToken");
	cJSON_AddStringToObject(j, "token", tok);
	if (desc && desc[0])
		cJSON_AddStringToObject(j, "description", desc);
	if (exp)
		cJSON_AddStringToObject(j, "expires", exp);
	cJSON_AddStringToObject(j, "ttl", ttl);
	cJSON_AddItemToObject(j, "usages", cJSON_CreateArray());
	if (usages && usages[0]) {
		char *save, *u;

		for (u = strtok_r(usages, ",", &save); u; u = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(cJSON_GetObjectItem(j, "usages"),
					     cJSON_CreateString(u));
	}
	if (groups && groups[0])
		cJSON_AddStringToObject(j, "groups", groups);
	cJSON_AddItemToArray(items, j);
	rc = 0;
out:
	free(id);
	free(sec);
	free(exp);
	free(desc);
	free(groups);
	free(usages);
	return rc;
}

static int token_list(int argc, char **argv, struct ctl_opts *o)
{
	static const char *const head[] = {"TOKEN",  "TTL",	    "EXPIRES",
					   "USAGES", "DESCRIPTION", "EXTRA GROUPS"};
	enum { NCOLS = 6 };
	struct kresp resp;
	cJSON *list = NULL, *items, *out = NULL;
	const cJSON *s;
	char ***rows = NULL;
	int n = 0, rc;

	if (argc > 1)
		return ctl_err(o, "unexpected argument for token list: %s", argv[1]);
	rc = ctl_call(o, "GET",
		      TOKEN_SECRETS "?fieldSelector=type%3D"
				    "bootstrap.kubernetes.io%2Ftoken",
		      NULL, NULL, NULL, &resp);
	/* A server without a "type" field selector for Secrets says 400: list
	 * all and filter here (done below in any case). */
	if (!rc && resp.status == 400) {
		kresp_free(&resp);
		rc = ctl_call(o, "GET", TOKEN_SECRETS, NULL, NULL, NULL, &resp);
	}
	if (rc)
		return rc;
	if (resp.status != 200) {
		rc = ctl_err_status(o, resp.status, resp.body, NULL);
		goto out;
	}
	list = cJSON_Parse(resp.body);
	items = cJSON_GetObjectItemCaseSensitive(list, "items");
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "apiVersion", "v1");
	cJSON_AddStringToObject(out, "kind", "List");
	rows = calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(*rows));
	if (!list || !out || !rows) {
		rc = ctl_err(o, "cannot read the list of Secrets in %s", TOKEN_NS);
		goto out;
	}
	rows[n++] = (char **)head;
	cJSON_AddItemToObject(out, "items", cJSON_CreateArray());
	cJSON_ArrayForEach(s, items)
	{
		const char *type = json_str(s, "type");

		if (!type || strcmp(type, JOINTOKEN_SECRET_TYPE))
			continue;
		rows[n] = calloc(NCOLS, sizeof(char *));
		if (rows[n] && !token_row(s, rows[n], cJSON_GetObjectItem(out, "items")))
			n++;
		else
			free(rows[n]);
	}
	if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML)
		rc = ctl_print_object(o, out);
	else if (n > 1)
		ctl_print_table(rows, n, NCOLS);
	else
		fprintf(stderr, "No bootstrap tokens found.\n");
out:
	for (int r = 1; r < n; r++) {
		for (int c = 0; c < NCOLS; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
	cJSON_Delete(out);
	cJSON_Delete(list);
	kresp_free(&resp);
	return rc;
}

static int token_delete(int argc, char **argv, struct ctl_opts *o)
{
	int rc = 0;

	if (argc < 2)
		return ctl_err(o, "missing subcommand; \"token delete\" is missing token(s) "
				  "(token delete <id|token>...)");
	for (int i = 1; i < argc; i++) {
		char path[128], id[JOINTOKEN_ID_LEN + 1];
		struct kresp resp;

		/* kubeadm accepts the id or the whole token. */
		if (!jointoken_id_valid(argv[i]) && !jointoken_valid(argv[i])) {
			rc |= ctl_err(o,
				      "given token \"%s\" didn't match pattern "
				      "\"^([a-z0-9]{6})$\" or \"^([a-z0-9]{6})\\.([a-z0-9]{16})$\"",
				      argv[i]);
			continue;
		}
		snprintf(id, sizeof(id), "%.*s", JOINTOKEN_ID_LEN, argv[i]);
		snprintf(path, sizeof(path), TOKEN_SECRETS "/" JOINTOKEN_SECRET_PREFIX "%s", id);
		if (ctl_call(o, "DELETE", path, NULL, NULL, NULL, &resp)) {
			rc = 1;
			continue;
		}
		if (resp.status != 200 && resp.status != 202) {
			rc |= ctl_err_status(o, resp.status, resp.body, NULL);
		} else if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
			cJSON *j = cJSON_CreateObject();

			cJSON_AddStringToObject(j, "deleted", id);
			ctl_print_object(o, j);
			cJSON_Delete(j);
		} else {
			printf("bootstrap token \"%s\" deleted\n", id);
		}
		kresp_free(&resp);
	}
	return rc;
}

int cmd_token(int argc, char **argv, struct ctl_opts *o)
{
	static const struct ctl_cmd verbs[] = {
	    {"create", token_create,
	     "create [token] [--ttl 24h] [--description TEXT]  a join token and its command"},
	    {"list", token_list, "list      the join tokens (TOKEN TTL EXPIRES ...)"},
	    {"delete", token_delete, "delete <id|token>...  revoke join tokens"},
	    {NULL, NULL, NULL},
	};

	if (o->help || argc < 2) {
		printf(
		    "usage: skiffctl token create [token] [--ttl DURATION] [--description TEXT]\n"
		    "       skiffctl token list\n"
		    "       skiffctl token delete <id|token>...\n");
		return o->help ? 0 : 1;
	}
	return ctl_dispatch(verbs, argc - 1, argv + 1, o);
}
