/* api_page: the paging options of a list (limit, continue) and upstream's
 * continue token: base64url (unpadded) of the JSON
 * {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>\u0000"},
 * where the trailing NUL makes the start exclusive of the last key listed.
 * Every page of a paged list lists the store as it was at revision N. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

#define API_TOKEN_VERSION "meta.k8s.io/v1"

static const char api_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *api_b64url_encode(const char *in, size_t n)
{
	char *out = malloc(n / 3 * 4 + 5), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 |
			     (unsigned char)in[i + 2];

		for (int s = 18; s >= 0; s -= 6)
			*o++ = api_b64url[v >> s & 63];
	}
	if (i < n) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		*o++ = api_b64url[v >> 18 & 63];
		*o++ = api_b64url[v >> 12 & 63];
		if (i + 1 < n)
			*o++ = api_b64url[v >> 6 & 63];
	}
	*o = 0;
	return out;
}

/* Decode unpadded base64url as Go's RawURLEncoding does. Returns the
 * malloc'ed bytes (NUL-terminated) or NULL with *bad set to the offset of
 * the first illegal byte (-1: out of memory). */
static char *api_b64url_decode(const char *in, size_t *len, long *bad)
{
	size_t n = strlen(in), o = 0;
	char *out = malloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;

	*bad = -1;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *p = in[i] ? strchr(api_b64url, in[i]) : NULL;

		if (!p) {
			*bad = (long)i;
			goto err;
		}
		acc = acc << 6 | (unsigned)(p - api_b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	/* one lone character of a quantum carries no whole byte */
	if (n % 4 == 1) {
		*bad = (long)n - 1;
		goto err;
	}
	out[o] = 0;
	*len = o;
	return out;
err:
	free(out);
	return NULL;
}

char *api_continue_encode(const char *rel, bool after, int64_t rv)
{
	cJSON *s = cJSON_CreateString(rel);
	char *q = s ? cJSON_PrintUnformatted(s) : NULL, *json = NULL, *tok = NULL;
	size_t qn;

	cJSON_Delete(s);
	if (!q)
		return NULL;
	/* splice the NUL in as Go's encoder writes it: q is "\"rel\"" */
	qn = strlen(q);
	if (asprintf(&json, "{\"v\":\"" API_TOKEN_VERSION "\",\"rv\":%lld,\"start\":%.*s%s\"}",
		     (long long)rv, (int)(qn - 1), q, after ? "\\u0000" : "") >= 0) {
		tok = api_b64url_encode(json, strlen(json));
		free(json);
	}
	free(q);
	return tok;
}

/* Is "/"+start (or start, if it has the slash) what Go's path.Clean
 * makes of it? Upstream refuses a token whose start is not, so that it
 * cannot reach out of the list's prefix with "..". */
static bool api_path_clean(const char *start)
{
	const char *p = start[0] == '/' ? start + 1 : start;

	if (!*p)
		return start[0] == '/';
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!e)
			return true;
		p = e + 1;
	}
}

/* Decode a continue token into pg (rev, start key after prefix). Returns
 * 0, or -EINVAL with the reason in msg (after "continue key is not valid"). */
static int api_continue_decode(const char *tok, const char *prefix, struct api_page *pg, char *msg,
			       size_t msglen)
{
	const cJSON *v, *rv, *start;
	cJSON *doc = NULL;
	size_t len;
	long bad;
	char *raw = api_b64url_decode(tok, &len, &bad);
	int err = -EINVAL;

	if (!raw) {
		snprintf(msg, msglen,
			 "continue key is not valid: illegal base64 data at input byte %ld", bad);
		return -EINVAL;
	}
	if (strlen(raw) == len)
		doc = cJSON_ParseWithLength(raw, len);
	if (!cJSON_IsObject(doc)) {
		snprintf(msg, msglen, "continue key is not valid: the token is not a JSON object");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "v");
	rv = cJSON_GetObjectItemCaseSensitive(doc, "rv");
	start = cJSON_GetObjectItemCaseSensitive(doc, "start");
	if ((v && !cJSON_IsString(v)) || (rv && !cJSON_IsNumber(rv)) ||
	    (start && !cJSON_IsString(start))) {
		snprintf(msg, msglen, "continue key is not valid: a field has the wrong type");
		goto out;
	}
	if (!v || strcmp(v->valuestring, API_TOKEN_VERSION)) {
		snprintf(msg, msglen,
			 "continue key is not valid: server does not recognize this encoded "
			 "version \"%.64s\"",
			 v ? v->valuestring : "");
		goto out;
	}
	if (!rv || (int64_t)rv->valuedouble == 0) {
		snprintf(msg, msglen,
			 "continue key is not valid: incorrect encoded start resourceVersion "
			 "(version " API_TOKEN_VERSION ")");
		goto out;
	}
	/* cJSON ends the string at a \u0000: the NUL is what makes the
	 * start exclusive (no key holds a NUL, so "k\0..." sorts right after
	 * "k" and before every other key). */
	pg->after = api_json_has_nul(raw, len);
	if (!start || (!start->valuestring[0] && !pg->after)) {
		snprintf(
		    msg, msglen,
		    "continue key is not valid: encoded start key empty (version " API_TOKEN_VERSION
		    ")");
		goto out;
	}
	if (!api_path_clean(start->valuestring)) {
		snprintf(msg, msglen, "continue key is not valid: %.200s", start->valuestring);
		goto out;
	}
	pg->rel = strdup(start->valuestring + (start->valuestring[0] == '/'));
	if (!pg->rel || asprintf(&pg->start, "%s%s", prefix, pg->rel) < 0) {
		pg->start = NULL;
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	/* a negative revision (the token of a 410) continues at the latest */
	pg->rev = (int64_t)rv->valuedouble;
	err = 0;
out:
	cJSON_Delete(doc);
	free(raw);
	return err;
}

int api_page_parse(struct api *a, struct http_req *req, const char *prefix, struct api_page *pg)
{
	const char *lim = http_req_query(req, "limit");
	const char *cont = http_req_query(req, "continue");
	const char *rvs = http_req_query(req, "resourceVersion");
	char msg[400], why[300], *end;
	long long n;

	memset(pg, 0, sizeof(*pg));
	pg->rev = store_rev(a->store);
	if (lim && *lim) {
		errno = 0;
		n = strtoll(lim, &end, 10);
		if (errno || *end) {
			snprintf(msg, sizeof(msg),
				 "limit: Invalid value: \"%.200s\": must be an integer", lim);
			api_status(req, 400, "BadRequest", msg, NULL);
			return -EINVAL;
		}
		/* a limit of 0 or below lists everything, as upstream */
		pg->limit = n > 0 ? (size_t)n : 0;
	}
	/* resourceVersion=0 is served from the cache upstream, which ignores
	 * the limit: clients that send it expect the whole list */
	if (rvs && !strcmp(rvs, "0") && !(cont && *cont))
		pg->limit = 0;
	if (!cont || !*cont)
		return 0;
	if (api_continue_decode(cont, prefix, pg, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "invalid continue token: %s", why);
		api_status(req, 400, "BadRequest", msg, NULL);
		api_page_free(pg);
		return -EINVAL;
	}
	if (rvs && *rvs && strcmp(rvs, "0")) {
		api_status(req, 400, "BadRequest",
			   "specifying resource version is not allowed when using continue", NULL);
		api_page_free(pg);
		return -EINVAL;
	}
	if (pg->rev < 0)
		pg->rev = store_rev(a->store);
	if (pg->rev > store_rev(a->store)) {
		/* a token from another (or a wiped) store: as a list from ahead */
		api_status_rv_too_large(req, pg->rev, store_rev(a->store));
		api_page_free(pg);
		return -EINVAL;
	}
	pg->token = true;
	return 0;
}

void api_page_free(struct api_page *pg)
{
	free(pg->start);
	free(pg->rel);
	pg->start = pg->rel = NULL;
}

void api_status_continue_expired(struct http_req *req, const struct api_page *pg)
{
	cJSON *st = api_status_new(410, "Expired",
				   "The provided continue parameter is too old to display a "
				   "consistent list result. You can start a new list without the "
				   "continue parameter, or use the continue token in this response "
				   "to retrieve the remainder of the results. Continuing with the "
				   "provided token results in an inconsistent list - objects that "
				   "were created, modified, or deleted between the time the first "
				   "chunk was returned and now may show up in the list.",
				   NULL);
	/* rv -1: the same start, at whatever revision is current then */
	char *tok = api_continue_encode(pg->rel, pg->after, -1);

	if (tok)
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(st, "metadata"),
					"continue", tok);
	free(tok);
	api_reply_json(req, 410, st);
	cJSON_Delete(st);
}
