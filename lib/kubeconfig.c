/* kubeconfig: load the current context of a kubeconfig file (server, CA,
 * token, namespace) — the subset kubectl's clientcmd reads for bearer-token
 * clusters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "kclient.h"
#include "yamljson.h"

/* A kubeconfig, CA file or token file larger than this is not one. */
#define KCONF_MAX_FILE (4 << 20)

/* Read a whole file, NUL-terminated. Returns 0 or -errno. */
static int kconf_read_file(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out_close;
	}
	if (st.st_size > KCONF_MAX_FILE) {
		rc = -EFBIG;
		goto out_close;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	*out = buf;
	if (outlen)
		*outlen = got;
out_close:
	close(fd);
	return rc;
}

static int kconf_b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

/* Decode standard (or URL-safe) base64, skipping whitespace. Returns a
 * malloc'd NUL-terminated buffer or NULL if s is not base64. */
static char *kconf_b64decode(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;
	bool pad = false;

	if (!out)
		return NULL;
	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (*s == '=') {
			pad = true;
			continue;
		}
		v = kconf_b64val((unsigned char)*s);
		if (v < 0 || pad) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

static const char *kconf_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Find {name: NAME, <field>: {...}} in the list obj[list]. */
static const cJSON *kconf_named(const cJSON *root, const char *list, const char *name,
				const char *field)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, list), *e;

	cJSON_ArrayForEach(e, arr)
	{
		const char *n = kconf_str(e, "name");

		if (n && !strcmp(n, name)) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, field);

			return cJSON_IsObject(f) ? f : NULL;
		}
	}
	return NULL;
}

/* A relative certificate-authority/tokenFile path is relative to the
 * kubeconfig's own directory, as in clientcmd. */
static char *kconf_resolve_path(const char *kcpath, const char *p)
{
	const char *slash = strrchr(kcpath, '/');
	char *out;

	if (p[0] == '/' || !slash)
		return strdup(p);
	if (asprintf(&out, "%.*s/%s", (int)(slash - kcpath), kcpath, p) < 0)
		return NULL;
	return out;
}

static char *kconf_default_path(void)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	char *out;

	if (env && env[0]) {
		/* Only the first entry: we do not merge kubeconfig lists. */
		size_t n = strcspn(env, ":");

		return strndup(env, n);
	}
	if (asprintf(&out, "%s/.kube/config", home ? home : "") < 0)
		return NULL;
	return out;
}

static int kconf_fill(const char *file, const cJSON *root, struct kconfig *kc, char *err,
		      size_t errlen)
{
	const char *cur, *cluster_name, *user_name, *s;
	const cJSON *ctx, *cluster, *user = NULL, *v;
	int rc;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s: not a kubeconfig (expected a mapping)", file);
		return -EINVAL;
	}
	cur = kconf_str(root, "current-context");
	if (!cur) {
		snprintf(err, errlen, "%s: current-context is not set", file);
		return -EINVAL;
	}
	ctx = kconf_named(root, "contexts", cur, "context");
	if (!ctx) {
		snprintf(err, errlen, "%s: context \"%s\" not found in contexts", file, cur);
		return -EINVAL;
	}
	cluster_name = kconf_str(ctx, "cluster");
	if (!cluster_name) {
		snprintf(err, errlen, "%s: context \"%s\" has no cluster", file, cur);
		return -EINVAL;
	}
	cluster = kconf_named(root, "clusters", cluster_name, "cluster");
	if (!cluster) {
		snprintf(err, errlen, "%s: cluster \"%s\" not found in clusters", file,
			 cluster_name);
		return -EINVAL;
	}
	s = kconf_str(cluster, "server");
	if (!s) {
		snprintf(err, errlen, "%s: cluster \"%s\" has no server", file, cluster_name);
		return -EINVAL;
	}
	kc->server = strdup(s);
	v = cJSON_GetObjectItemCaseSensitive(cluster, "insecure-skip-tls-verify");
	kc->insecure = cJSON_IsTrue(v);

	if ((s = kconf_str(cluster, "certificate-authority-data"))) {
		kc->ca_pem = kconf_b64decode(s);
		if (!kc->ca_pem) {
			snprintf(err, errlen,
				 "%s: cluster \"%s\": certificate-authority-data is not base64",
				 file, cluster_name);
			return -EINVAL;
		}
	} else if ((s = kconf_str(cluster, "certificate-authority"))) {
		char *p = kconf_resolve_path(file, s);

		rc = p ? kconf_read_file(p, &kc->ca_pem, NULL) : -ENOMEM;
		if (rc) {
			snprintf(err, errlen, "%s: cluster \"%s\": certificate-authority %s: %s",
				 file, cluster_name, p ? p : s, strerror(-rc));
			free(p);
			return rc;
		}
		free(p);
	}
	if (kc->ca_pem && !strstr(kc->ca_pem, "-----BEGIN CERTIFICATE-----")) {
		snprintf(err, errlen,
			 "%s: cluster \"%s\": certificate authority is not a PEM certificate", file,
			 cluster_name);
		return -EINVAL;
	}

	user_name = kconf_str(ctx, "user");
	if (user_name) {
		user = kconf_named(root, "users", user_name, "user");
		if (!user) {
			snprintf(err, errlen, "%s: user \"%s\" not found in users", file,
				 user_name);
			return -EINVAL;
		}
	}
	if (user && (s = kconf_str(user, "token"))) {
		kc->token = strdup(s);
	} else if (user && (s = kconf_str(user, "tokenFile"))) {
		char *p = kconf_resolve_path(file, s);

		rc = p ? kconf_read_file(p, &kc->token, NULL) : -ENOMEM;
		if (rc) {
			snprintf(err, errlen, "%s: user \"%s\": tokenFile %s: %s", file, user_name,
				 p ? p : s, strerror(-rc));
			free(p);
			return rc;
		}
		free(p);
		kc->token[strcspn(kc->token, "\r\n")] = '\0'; /* files end in '\n' */
	}

	s = kconf_str(ctx, "namespace");
	kc->namespace = strdup(s ? s : "default");
	if (!kc->server || !kc->namespace) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int kconfig_load(const char *path, struct kconfig *out, char *err, size_t errlen)
{
	char *file = path ? strdup(path) : kconf_default_path();
	char *text = NULL, perr[256];
	size_t len = 0;
	cJSON *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!file) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = kconf_read_file(file, &text, &len);
	if (rc) {
		snprintf(err, errlen, "%s: %s", file, strerror(-rc));
		goto out;
	}
	root = yamljson_parse_one(text, len, perr, sizeof(perr));
	if (!root) {
		snprintf(err, errlen, "%s: %s", file, perr);
		rc = -EINVAL;
		goto out;
	}
	rc = kconf_fill(file, root, out, err, errlen);
	if (rc)
		kconfig_free(out);
out:
	cJSON_Delete(root);
	free(text);
	free(file);
	return rc;
}

void kconfig_free(struct kconfig *kc)
{
	if (!kc)
		return;
	free(kc->server);
	free(kc->token);
	free(kc->ca_pem);
	free(kc->namespace);
	memset(kc, 0, sizeof(*kc));
}

/* Write all of data to fd. 0 or -errno. */
static int kconf_write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

char *kconfig_text(const char *server, const char *ca_pem, const char *user, const char *token)
{
	gnutls_datum_t in = {(unsigned char *)ca_pem, (unsigned)strlen(ca_pem)}, b64 = {NULL, 0};
	char *text = NULL;
	int n;

	if (gnutls_base64_encode2(&in, &b64) < 0)
		return NULL;
	n = asprintf(&text,
		     "apiVersion: v1\n"
		     "kind: Config\n"
		     "clusters:\n"
		     "- name: skiff\n"
		     "  cluster:\n"
		     "    server: %s\n"
		     "    certificate-authority-data: %.*s\n"
		     "users:\n"
		     "- name: %s\n"
		     "  user:\n"
		     "    token: %s\n"
		     "contexts:\n"
		     "- name: skiff\n"
		     "  context:\n"
		     "    cluster: skiff\n"
		     "    user: %s\n"
		     "    namespace: default\n"
		     "current-context: skiff\n",
		     server, (int)b64.size, (const char *)b64.data, user, token, user);
	gnutls_free(b64.data);
	return n < 0 ? NULL : text;
}

int kconfig_write(const char *path, const char *server, const char *ca_pem, const char *user,
		  const char *token, char *err, size_t errlen)
{
	char *text = kconfig_text(server, ca_pem, user, token), *tmp = NULL;
	int n = text ? (int)strlen(text) : -1, fd = -1, rc;

	if (n < 0 || asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* mkstemp creates the file 0600: the token is never readable by others,
	 * not even before the rename. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	rc = kconf_write_all(fd, text, (size_t)n);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		unlink(tmp);
	}
out:
	free(tmp);
	free(text);
	return rc;
}
