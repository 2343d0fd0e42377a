/* tls: first-start credentials in the data dir — a self-signed CA, a serving
 * certificate signed by it, the admin bearer token and admin.kubeconfig. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kclient.h"
#include "log.h"
#include "tls.h"

/* Write a file atomically (tmp + fsync + rename) with the given mode. */
int tls_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			err = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

char *tls_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = 0;
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Write only when the file is missing or differs: a restart with the same
 * flags writes nothing, so it works on a full disk. */
int tls_write_changed(const char *path, const char *data, size_t len, mode_t mode)
{
	size_t cur_len = 0;
	char *cur = tls_read_file(path, &cur_len);
	bool same = cur && cur_len == len && !memcmp(cur, data, len);

	free(cur);
	return same ? 0 : tls_write_file(path, data, len, mode);
}

static int tls_gen_key(gnutls_x509_privkey_t *key)
{
	if (gnutls_x509_privkey_init(key))
		return -ENOMEM;
	if (gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) {
		gnutls_x509_privkey_deinit(*key);
		return -EIO;
	}
	return 0;
}

static int tls_base_crt(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn)
{
	unsigned char serial[16];
	time_t now = time(NULL);

	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f; /* positive */
	if (gnutls_x509_crt_set_version(crt, 3) ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 10L * 365 * 86400) ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
					  (unsigned)strlen(cn)) ||
	    gnutls_x509_crt_set_key(crt, key))
		return -EIO;
	return 0;
}

static char *tls_export_crt(gnutls_x509_crt_t crt)
{
	gnutls_datum_t d;
	char *s;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d))
		return NULL;
	s = strndup((const char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static char *tls_export_key(gnutls_x509_privkey_t key)
{
	gnutls_datum_t d;
	char *s;

	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d))
		return NULL;
	s = strndup((const char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

int tls_make_certs(const struct tls_opts *o, char **ca_pem, char **crt_pem, char **key_pem)
{
	gnutls_x509_privkey_t cakey = NULL, key = NULL;
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	unsigned char kid[64];
	size_t kidlen = sizeof(kid);
	int err = -EIO;

	if (tls_gen_key(&cakey) || tls_gen_key(&key))
		goto out;
	if (gnutls_x509_crt_init(&ca) || gnutls_x509_crt_init(&crt))
		goto out;
	/* CA */
	if (tls_base_crt(ca, cakey, "skiff-ca") ||
	    gnutls_x509_crt_set_basic_constraints(ca, 1, -1) ||
	    gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
						  GNUTLS_KEY_DIGITAL_SIGNATURE) ||
	    gnutls_x509_crt_get_key_id(ca, 0, kid, &kidlen) ||
	    gnutls_x509_crt_set_subject_key_id(ca, kid, kidlen) ||
	    gnutls_x509_crt_sign2(ca, ca, cakey, GNUTLS_DIG_SHA256, 0))
		goto out;
	/* serving certificate: every name a client may use for the server */
	if (tls_base_crt(crt, key, o->cn ? o->cn : "kube-apiserver") ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
						   GNUTLS_KEY_KEY_ENCIPHERMENT) ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) ||
	    gnutls_x509_crt_set_authority_key_id(crt, kid, kidlen))
		goto out;
	for (const char *const *n = o->dns_names; n && *n; n++)
		if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, *n,
							 (unsigned)strlen(*n), GNUTLS_FSAN_APPEND))
			goto out;
	for (const char *const *ip = o->ips; ip && *ip; ip++) {
		unsigned char raw[16];
		int fam = strchr(*ip, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(fam, *ip, raw) != 1)
			continue;
		if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, raw,
							 fam == AF_INET ? 4 : 16,
							 GNUTLS_FSAN_APPEND))
			goto out;
	}
	if (gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0))
		goto out;
	*ca_pem = tls_export_crt(ca);
	*crt_pem = tls_export_crt(crt);
	*key_pem = tls_export_key(key);
	err = *ca_pem && *crt_pem && *key_pem ? 0 : -ENOMEM;
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (cakey)
		gnutls_x509_privkey_deinit(cakey);
	return err;
}

static void tls_random_hex(char *out, size_t bytes)
{
	unsigned char b[64];

	gnutls_rnd(GNUTLS_RND_KEY, b, bytes);
	for (size_t i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* Tokens file (kube-apiserver --token-auth-file format): token,user,uid[,groups] */
static int tls_load_tokens(const char *path, struct tls_creds *c)
{
	char *data = tls_read_file(path, NULL), *save = NULL;
	int n = 0;

	if (!data)
		return -errno;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *comma = strchr(line, ',');
		size_t len = strlen(line);

		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		if (line[0] == '#' || !comma || comma == line)
			continue;
		/* the whole line: auth/ reads the user, uid and groups */
		if (c->ntokens < TLS_MAX_TOKENS - 1)
			c->tokens[c->ntokens++] = strdup(line);
		n++;
	}
	c->tokens[c->ntokens] = NULL;
	free(data);
	return n;
}

/* The bearer token skiff-server shows kubelets (pods/log): user
 * kube-apiserver-kubelet-client, which RBAC gives the nodes' proxy, log and
 * stats subresources (system:kubelet-api-admin) and nothing else. Kept
 * apart from tokens.csv so that data dirs made before it get one too. */
static int tls_kubelet_client(const struct tls_opts *o, struct tls_creds *c)
{
	char path[4096], tok[65], line[160];
	char *have;
	int err;

	snprintf(path, sizeof(path), "%s/kubelet-client.token", o->data_dir);
	have = tls_read_file(path, NULL);
	if (!have) {
		tls_random_hex(tok, 32);
		err = tls_write_file(path, tok, strlen(tok), 0600);
		if (err)
			return err;
	} else {
		snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(have, "\r\n"), have);
		free(have);
	}
	c->kubelet_token = strdup(tok);
	snprintf(line, sizeof(line),
		 "%s,kube-apiserver-kubelet-client,kube-apiserver-kubelet-client", tok);
	if (c->ntokens < TLS_MAX_TOKENS - 1)
		c->tokens[c->ntokens++] = strdup(line);
	c->tokens[c->ntokens] = NULL;
	return c->kubelet_token && c->tokens[c->ntokens - 1] ? 0 : -ENOMEM;
}

int tls_setup(const struct tls_opts *o, struct tls_creds *c)
{
	char ca_path[4096], crt_path[4096], key_path[4096], tok_path[4096], kc_path[4096];
	char *ca = NULL, *crt = NULL, *key = NULL;
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", o->data_dir);
	snprintf(crt_path, sizeof(crt_path), "%s/apiserver.crt", o->data_dir);
	snprintf(key_path, sizeof(key_path), "%s/apiserver.key", o->data_dir);
	snprintf(tok_path, sizeof(tok_path), "%s/tokens.csv", o->data_dir);
	snprintf(kc_path, sizeof(kc_path), "%s/admin.kubeconfig", o->data_dir);

	c->ca_pem = tls_read_file(ca_path, NULL);
	c->cert_pem = tls_read_file(crt_path, NULL);
	c->key_pem = tls_read_file(key_path, NULL);
	if (!c->ca_pem || !c->cert_pem || !c->key_pem) {
		pr_info("tls: generating CA and serving certificate in %s", o->data_dir);
		err = tls_make_certs(o, &ca, &crt, &key);
		if (err)
			goto err;
		if ((err = tls_write_file(ca_path, ca, strlen(ca), 0644)) ||
		    (err = tls_write_file(crt_path, crt, strlen(crt), 0644)) ||
		    (err = tls_write_file(key_path, key, strlen(key), 0600)))
			goto err;
		free(c->ca_pem);
		free(c->cert_pem);
		free(c->key_pem);
		c->ca_pem = ca;
		c->cert_pem = crt;
		c->key_pem = key;
		ca = crt = key = NULL;
	}
	if (access(tok_path, R_OK)) {
		char tok[65], line[128];

		tls_random_hex(tok, 32);
		snprintf(line, sizeof(line), "%s,admin,admin,system:masters\n", tok);
		err = tls_write_file(tok_path, line, strlen(line), 0600);
		if (err)
			goto err;
	}
	if (tls_load_tokens(tok_path, c) <= 0) {
		pr_err("tls: %s has no token", tok_path);
		err = -EINVAL;
		goto err;
	}
	c->admin_token = strndup(c->tokens[0], strcspn(c->tokens[0], ","));
	if (!c->admin_token) {
		err = -ENOMEM;
		goto err;
	}
	err = tls_kubelet_client(o, c);
	if (err)
		goto err;
	if (o->token_file && tls_load_tokens(o->token_file, c) < 0) {
		err = -errno;
		pr_err("--token-auth-file: cannot read %s: %s", o->token_file, strerror(errno));
		goto err;
	}
	err = tls_write_kubeconfig(kc_path, o->server_url, c->ca_pem, c->admin_token);
	if (err) {
		pr_err("tls: cannot write %s: %s", kc_path, strerror(-err));
		goto err;
	}
	return 0;
err:
	free(ca);
	free(crt);
	free(key);
	tls_creds_free(c);
	return err;
}

int tls_write_kubeconfig(const char *path, const char *server, const char *ca_pem,
			 const char *token)
{
	char *text = kconfig_text(server, ca_pem, "admin", token);
	int err;

	if (!text)
		return -ENOMEM;
	err = tls_write_changed(path, text, strlen(text), 0600);
	free(text);
	return err;
}

void tls_creds_free(struct tls_creds *c)
{
	free(c->ca_pem);
	free(c->cert_pem);
	free(c->key_pem);
	for (int i = 0; i < c->ntokens; i++)
		free(c->tokens[i]);
	free(c->admin_token);
	free(c->kubelet_token);
	memset(c, 0, sizeof(*c));
}
