/* cmd_proxy: `skiffctl proxy status` — the node proxy's sync state, last
 * error and counts (from skiff-node's /healthz on this node) and the socket
 * load balancer's event and failure counters (from the pinned maps). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl.h"
#include "lbmap.h"

#define PROXY_DEFAULT_HEALTHZ "127.0.0.1:10256"
#define PROXY_DEFAULT_PIN_DIR "/sys/fs/bpf/skiff"

struct body {
	char *s;
	size_t len;
};

static size_t body_write(char *p, size_t sz, size_t n, void *ud)
{
	struct body *b = ud;
	char *s = realloc(b->s, b->len + sz * n + 1);

	if (!s)
		return 0;
	memcpy(s + b->len, p, sz * n);
	b->len += sz * n;
	s[b->len] = 0;
	b->s = s;
	return sz * n;
}

/* GET http://addr/healthz. Returns the parsed JSON or NULL with err set. */
static cJSON *fetch_healthz(const char *addr, long *status, char *err, size_t errlen)
{
	char url[256], ebuf[CURL_ERROR_SIZE] = "";
	struct body b = {0};
	CURL *c = curl_easy_init();
	cJSON *j = NULL;
	CURLcode rc;

	if (!c) {
		snprintf(err, errlen, "curl init failed");
		return NULL;
	}
	snprintf(url, sizeof(url), "http://%s/healthz", addr);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		j = b.s ? cJSON_Parse(b.s) : NULL;
		if (!j)
			snprintf(err, errlen, "%s: not a skiff-node healthz answer", url);
	}
	free(b.s);
	curl_easy_cleanup(c);
	return j;
}

static const char *jstr(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : dflt;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int proxy_status(int argc, char **argv, struct ctl_opts *o)
{
	const char *addr = PROXY_DEFAULT_HEALTHZ, *pin_dir = PROXY_DEFAULT_PIN_DIR;
	char herr[512] = "", merr[512] = "";
	uint64_t ev[LB_STAT_MAX];
	struct lbmap_fds fds;
	bool have_ev = false;
	long status = 0;
	cJSON *h;
	int i;

	for (i = 1; i < argc; i++) {
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &i, "--healthz-address")))
			addr = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--bpf-pin-dir")))
			pin_dir = v;
		else
			return ctl_err(o, "unknown argument for proxy status: %s", argv[i]);
	}
	h = fetch_healthz(addr, &status, herr, sizeof(herr));
	if (lbmap_open_pinned(pin_dir, &fds, merr, sizeof(merr)) == 0) {
		have_ev = lbmap_stats_read(&fds, ev) == 0;
		lbmap_close(&fds);
	}
	if (!h && !have_ev)
		return ctl_err(o, "skiff-node not reachable (%s) and no pinned maps (%s)", herr,
			       merr);

	if (o->out == CTL_OUT_JSON) {
		cJSON *out = h ? cJSON_Duplicate(h, true) : cJSON_CreateObject();
		char *s;

		if (!h)
			cJSON_AddStringToObject(out, "healthzError", herr);
		if (have_ev) {
			cJSON *je = cJSON_AddObjectToObject(out, "events");

			for (i = 0; i < LB_STAT_MAX; i++)
				cJSON_AddNumberToObject(je, lb_stat_names[i], (double)ev[i]);
		}
		s = ctl_json_pretty(out);
		if (s)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(out);
	} else {
		if (h) {
			const cJSON *synced = cJSON_GetObjectItemCaseSensitive(h, "synced");

			printf("Node:            %s\n", jstr(h, "nodeName", "-"));
			printf("Mode:            %s\n", jstr(h, "mode", "-"));
			printf("Synced:          %s (healthz %ld)\n",
			       cJSON_IsTrue(synced) ? "yes" : "no", status);
			printf("Last update:     %s\n", jstr(h, "lastUpdated", "-"));
			printf("Last error:      %s\n", jstr(h, "lastError", "none"));
			printf("Service ports:   %.0f\n", jnum(h, "services"));
			printf("Endpoints:       %.0f\n", jnum(h, "endpoints"));
			printf("Backends:        %.0f (%.0f draining)\n", jnum(h, "backends"),
			       jnum(h, "draining"));
			printf("Watch restarts:  %.0f\n", jnum(h, "watchRestarts"));
			printf("Sync errors:     %.0f\n", jnum(h, "syncErrors"));
			printf("Map writes:      %.0f\n", jnum(h, "mapWrites"));
		} else {
			printf("Node:            not reachable (%s)\n", herr);
		}
		if (have_ev) {
			printf("Load balancer events (%s):\n", pin_dir);
			for (i = 0; i < LB_STAT_MAX; i++)
				printf("  %-24s %llu\n", lb_stat_names[i],
				       (unsigned long long)ev[i]);
		}
	}
	cJSON_Delete(h);
	/* Not synced (or not reachable) is a failure for scripts. */
	return h && status == 200 ? 0 : 1;
}

int cmd_proxy(int argc, char **argv, struct ctl_opts *o)
{
	static const struct ctl_cmd verbs[] = {
	    {"status", proxy_status, "status    sync state, last error, counts"},
	    {NULL, NULL, NULL},
	};

	if (o->help || argc < 2) {
		printf("usage: skiffctl proxy status [--healthz-address IP:PORT] "
		       "[--bpf-pin-dir DIR] [-o json]\n");
		return o->help ? 0 : 1;
	}
	return ctl_dispatch(verbs, argc - 1, argv + 1, o);
}
