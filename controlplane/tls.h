/* tls: credentials kept in the data dir (CA, serving cert, tokens, kubeconfig). */
#ifndef SKIFF_TLS_H
#define SKIFF_TLS_H

#include <stddef.h>
#include <sys/types.h>

#define TLS_MAX_TOKENS 64

struct tls_opts {
	const char *data_dir;
	const char *server_url;	      /* written into admin.kubeconfig */
	const char *const *dns_names; /* SANs, NULL-terminated */
	const char *const *ips;	      /* SAN IPs, NULL-terminated */
	const char *token_file;	      /* extra tokens (--token-auth-file), may be NULL */
	const char *cn;		      /* the serving certificate's CN (NULL: kube-apiserver) */
};

struct tls_creds {
	char *ca_pem, *cert_pem, *key_pem;
	/* token file lines "token,user,uid[,groups]", NULL-terminated: the
	 * generated admin line first, then --token-auth-file's */
	char *tokens[TLS_MAX_TOKENS];
	int ntokens;
	char *admin_token;   /* the first line's token */
	char *kubelet_token; /* what skiff-server shows kubelets (kubelet-client.token) */
};

/* Load or create everything; the certificates and the token file are
 * written only when missing, <data-dir>/admin.kubeconfig only when missing
 * or different (the server URL changed). */
int tls_setup(const struct tls_opts *o, struct tls_creds *c);
void tls_creds_free(struct tls_creds *c);
/* A self-signed CA and a serving certificate it signed for o->dns_names
 * and o->ips (PEMs, malloc'd): the server's, and a kubelet's. 0 or -errno. */
int tls_make_certs(const struct tls_opts *o, char **ca_pem, char **crt_pem, char **key_pem);
/* Written only when missing or different. */
int tls_write_kubeconfig(const char *path, const char *server, const char *ca_pem,
			 const char *token);
/* Atomically (tmp + fsync + rename). */
int tls_write_file(const char *path, const char *data, size_t len, mode_t mode);
/* tls_write_file unless the file already holds exactly `data`. */
int tls_write_changed(const char *path, const char *data, size_t len, mode_t mode);
char *tls_read_file(const char *path, size_t *len);

#endif
