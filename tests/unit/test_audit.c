/* Unit tests for controlplane/auth/audit.c: each event is one parseable
 * JSON line shaped as kube-apiserver's audit.k8s.io/v1 Event at level
 * Metadata (members, their order, omitted empties), the file is private,
 * lines never merge, and a failing log only counts what it loses. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cJSON.h>
#include <cmocka.h>

#include "auth/audit.h"

struct fix {
	char dir[64];
	char path[96];
	struct audit *au;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_audit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	assert_int_equal(audit_open(f->path, &f->au), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	audit_close(f->au);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The whole log as text. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(s);
	n = fread(s, 1, (1 << 20) - 1, fp);
	s[n] = 0;
	fclose(fp);
	return s;
}

/* The log's only line, parsed; the raw text in *raw if asked. */
static cJSON *only_line(struct fix *f, char **raw)
{
	char *s = slurp(f->path), *nl = strchr(s, '\n');
	cJSON *j;

	assert_non_null(nl);
	assert_int_equal(nl[1], 0); /* exactly one line */
	j = cJSON_Parse(s);
	assert_non_null(j);
	if (raw)
		*raw = s;
	else
		free(s);
	return j;
}

static const char *str_at(const cJSON *j, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, a);

	if (b)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

static void assert_matches(const char *s, const char *re)
{
	regex_t r;

	assert_non_null(s);
	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&r, s, 0, NULL, 0))
		fail_msg("\"%s\" does not match %s", s, re);
	regfree(&r);
}

/* The members of o, in order, joined by spaces. */
static void assert_keys(const cJSON *o, const char *want)
{
	char got[512] = "";

	assert_non_null(o);
	for (const cJSON *c = o->child; c; c = c->next)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? " " : "",
			 c->string);
	assert_string_equal(got, want);
}

static const char *const groups[] = {"dev", "system:authenticated"};
static const struct audit_user bob = {"bob", "42", groups, 2};
static const struct audit_user alice = {"alice", NULL, NULL, 0};

static void test_full_event(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {
	    .verb = "delete",
	    .request_uri = "/apis/apps/v1/namespaces/ns1/deployments/web/scale?dryRun=All",
	    .source_ip = "127.0.0.1",
	    .user_agent = "kubectl/v1.32.0 (linux/amd64) kubernetes/abc",
	    .user = &bob,
	    .resource = "deployments",
	    .subresource = "scale",
	    .ns = "ns1",
	    .name = "web",
	    .api_group = "apps",
	    .api_version = "v1",
	    .decision = "allow",
	    .reason = "RBAC: allowed by RoleBinding \"edit/ns1\"",
	};
	struct audit_event *ev = audit_begin(f->au, &in);
	const cJSON *g, *rs;
	char id[40], *raw;
	cJSON *j;

	assert_non_null(ev);
	snprintf(id, sizeof(id), "%s", audit_event_id(ev));
	usleep(1500);
	audit_end(ev, 200);
	j = only_line(f, &raw);
	/* upstream's member order (the Go struct's) */
	assert_keys(j, "kind apiVersion level auditID stage requestURI verb user sourceIPs "
		       "userAgent objectRef responseStatus requestReceivedTimestamp "
		       "stageTimestamp annotations");
	assert_string_equal(str_at(j, "kind", NULL), "Event");
	assert_string_equal(str_at(j, "apiVersion", NULL), "audit.k8s.io/v1");
	assert_string_equal(str_at(j, "level", NULL), "Metadata");
	assert_string_equal(str_at(j, "stage", NULL), "ResponseComplete");
	assert_string_equal(str_at(j, "auditID", NULL), id);
	assert_matches(id, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
	assert_string_equal(str_at(j, "requestURI", NULL), in.request_uri);
	assert_string_equal(str_at(j, "verb", NULL), "delete");
	assert_keys(cJSON_GetObjectItem(j, "user"), "username uid groups");
	assert_string_equal(str_at(j, "user", "username"), "bob");
	assert_string_equal(str_at(j, "user", "uid"), "42");
	g = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "user"), "groups");
	assert_int_equal(cJSON_GetArraySize(g), 2);
	assert_string_equal(cJSON_GetArrayItem(g, 1)->valuestring, "system:authenticated");
	assert_null(cJSON_GetObjectItem(j, "impersonatedUser"));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sourceIPs"), 0)->valuestring,
			    "127.0.0.1");
	assert_string_equal(str_at(j, "userAgent", NULL), in.user_agent);
	assert_keys(cJSON_GetObjectItem(j, "objectRef"),
		    "resource namespace name apiGroup apiVersion subresource");
	assert_string_equal(str_at(j, "objectRef", "subresource"), "scale");
	assert_string_equal(str_at(j, "objectRef", "namespace"), "ns1");
	rs = cJSON_GetObjectItem(j, "responseStatus");
	assert_keys(rs, "metadata code");
	assert_int_equal(cJSON_GetObjectItem(rs, "code")->valueint, 200);
	assert_non_null(strstr(raw, "\"responseStatus\":{\"metadata\":{},\"code\":200}"));
	assert_matches(
	    str_at(j, "requestReceivedTimestamp", NULL),
	    "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{6}Z$");
	assert_matches(str_at(j, "stageTimestamp", NULL), "^20[0-9]{2}-.*T.*\\.[0-9]{6}Z$");
	assert_true(strcmp(str_at(j, "stageTimestamp", NULL),
			   str_at(j, "requestReceivedTimestamp", NULL)) > 0);
	assert_keys(cJSON_GetObjectItem(j, "annotations"),
		    "authorization.k8s.io/decision authorization.k8s.io/reason skiff.io/latency");
	assert_string_equal(str_at(j, "annotations", "authorization.k8s.io/decision"), "allow");
	assert_string_equal(str_at(j, "annotations", "authorization.k8s.io/reason"), in.reason);
	/* slept 1.5 ms between begin and end */
	assert_matches(str_at(j, "annotations", "skiff.io/latency"), "^[1-9][0-9.]*ms$");
	cJSON_Delete(j);
	free(raw);
}

static void test_non_resource_url(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {
	    .verb = "get", .request_uri = "/healthz", .source_ip = "::1", .user = &alice};
	cJSON *j;

	audit_end(audit_begin(f->au, &in), 200);
	j = only_line(f, NULL);
	assert_null(cJSON_GetObjectItem(j, "objectRef"));
	assert_null(cJSON_GetObjectItem(j, "userAgent"));
	assert_string_equal(str_at(j, "verb", NULL), "get");
	/* no uid, no groups: omitted as upstream's omitempty */
	assert_keys(cJSON_GetObjectItem(j, "user"), "username");
	/* no authorizer annotations given: only the latency */
	assert_keys(cJSON_GetObjectItem(j, "annotations"), "skiff.io/latency");
	cJSON_Delete(j);
}

static void test_unauthenticated(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {.verb = "list",
				    .request_uri = "/api/v1/secrets",
				    .source_ip = "127.0.0.1",
				    .resource = "secrets",
				    .api_version = "v1"};
	char *raw;
	cJSON *j;

	audit_end(audit_begin(f->au, &in), 401);
	j = only_line(f, &raw);
	assert_non_null(strstr(raw, "\"user\":{},"));
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "responseStatus"), "code")->valueint, 401);
	/* the core group is "" upstream: omitted */
	assert_keys(cJSON_GetObjectItem(j, "objectRef"), "resource apiVersion");
	cJSON_Delete(j);
	free(raw);
}

static void test_impersonated(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {.verb = "get",
				    .request_uri = "/api/v1/namespaces/default/pods/p",
				    .user = &alice,
				    .impersonated = &bob,
				    .resource = "pods",
				    .ns = "default",
				    .name = "p"};
	cJSON *j;

	audit_end(audit_begin(f->au, &in), 403);
	j = only_line(f, NULL);
	assert_string_equal(str_at(j, "user", "username"), "alice");
	assert_string_equal(str_at(j, "impersonatedUser", "username"), "bob");
	assert_keys(j, "kind apiVersion level auditID stage requestURI verb user impersonatedUser "
		       "objectRef responseStatus requestReceivedTimestamp stageTimestamp "
		       "annotations");
	cJSON_Delete(j);
}

static void test_no_response(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {.verb = "watch", .request_uri = "/api/v1/pods?watch=1"};
	cJSON *j;

	audit_end(audit_begin(f->au, &in), 0);
	j = only_line(f, NULL);
	/* Status.code is omitempty: no response, no code */
	assert_keys(cJSON_GetObjectItem(j, "responseStatus"), "metadata");
	cJSON_Delete(j);
}

/* Go's encoding/json: <, >, & escaped, invalid UTF-8 as U+FFFD; a hostile
 * URI still makes one valid line. */
static void test_escaping(void **state)
{
	struct fix *f = *state;
	struct audit_req_info in = {.verb = "get",
				    .request_uri = "/api/v1/pods?a=1&b=<x>\"\\\n\xff\xc3\xa9",
				    .user_agent = "\x01"};
	char *raw;
	cJSON *j;

	audit_end(audit_begin(f->au, &in), 404);
	j = only_line(f, &raw);
	assert_non_null(
	    strstr(raw, "\"requestURI\":\"/api/v1/"
			"pods?a=1\\u0026b=\\u003cx\\u003e\\\"\\\\\\n\\ufffd\xc3\xa9\""));
	assert_non_null(strstr(raw, "\"userAgent\":\"\\u0001\""));
	assert_string_equal(str_at(j, "requestURI", NULL),
			    "/api/v1/pods?a=1&b=<x>\"\\\n\xef\xbf\xbd\xc3\xa9");
	cJSON_Delete(j);
	free(raw);
}

static void test_file_mode(void **state)
{
	struct fix *f = *state;
	struct stat st;
	mode_t old = umask(0);
	struct audit *au;
	char p2[128];

	/* created with 0600 whatever the umask */
	snprintf(p2, sizeof(p2), "%s/second.log", f->dir);
	assert_int_equal(audit_open(p2, &au), 0);
	umask(old);
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	audit_close(au);
	unlink(p2);
	/* O_CLOEXEC: the log is not inherited by what the server runs */
	assert_int_equal(audit_open(p2, &au), 0);
	for (int fd = 3; fd < 64; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl >= 0 && fcntl(fd, F_GETFL) >= 0) {
			char link[64], target[256];
			ssize_t n;

			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(target) - 1);
			if (n > 0 && (target[n] = 0, !strcmp(target, p2)))
				assert_true(fl & FD_CLOEXEC);
		}
	}
	audit_close(au);
	unlink(p2);
	assert_int_equal(audit_open("/nonexistent-dir/x/audit.log", &au), -ENOENT);
}

/* Many events, ended in another order than begun: that many whole lines,
 * each with its own ID. */
static void test_many_events(void **state)
{
	enum { N = 500 };
	struct fix *f = *state;
	struct audit_event *ev[N];
	char *s, *line, *save;
	int lines = 0;

	for (int i = 0; i < N; i++) {
		char uri[64];
		struct audit_req_info in = {.verb = "get", .request_uri = uri, .user = &bob};

		snprintf(uri, sizeof(uri), "/api/v1/namespaces/n/services/s%d", i);
		ev[i] = audit_begin(f->au, &in);
		assert_non_null(ev[i]);
	}
	for (int i = 0; i < N; i++)
		audit_end_cb(ev[(i * 7) % N], 200);
	s = slurp(f->path);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line);

		assert_non_null(j);
		cJSON_Delete(j);
		lines++;
	}
	assert_int_equal(lines, N);
	assert_int_equal(audit_dropped(f->au), 0);
	free(s);
}

/* A log that cannot be written: the line is counted, nothing else. */
static void test_write_failure_counted(void **state)
{
	struct audit_req_info in = {.verb = "get", .request_uri = "/version"};
	struct audit *au;

	assert_int_equal(audit_open("/dev/full", &au), 0);
	audit_end(audit_begin(au, &in), 200);
	audit_end(audit_begin(au, &in), 200);
	assert_int_equal(audit_dropped(au), 2);
	audit_close(au);
	/* no log: nothing to do, nothing to crash */
	assert_null(audit_begin(NULL, &in));
	audit_end(NULL, 200);
	assert_int_equal(audit_dropped(NULL), 0);
}

/* "-" is stdout, here a pipe, reopened so the server never blocks on it. */
static void test_stdout(void **state)
{
	struct audit_req_info in = {.verb = "get", .request_uri = "/livez"};
	int p[2], saved = dup(STDOUT_FILENO), err;
	struct audit *au;
	char line[2048];
	ssize_t n;

	fflush(stdout);
	assert_int_equal(pipe(p), 0);
	dup2(p[1], STDOUT_FILENO);
	err = audit_open("-", &au);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(p[1]);
	assert_int_equal(err, 0);
	assert_true(fcntl(p[0], F_GETFL) >= 0);
	audit_end(audit_begin(au, &in), 200);
	audit_close(au);
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	assert_true(n > 0);
	line[n] = 0;
	assert_non_null(strstr(line, "\"requestURI\":\"/livez\""));
	assert_int_equal(line[n - 1], '\n');
}

static void test_go_duration(void **state)
{
	static const struct {
		uint64_t ns;
		const char *s;
	} t[] = {
	    {0, "0s"},
	    {1, "1ns"},
	    {999, "999ns"},
	    {1000, "1\xc2\xb5s"},
	    {1500, "1.5\xc2\xb5s"},
	    {1000000, "1ms"},
	    {1234000, "1.234ms"},
	    {1234567, "1.234567ms"},
	    {999999999, "999.999999ms"},
	    {1000000000, "1s"},
	    {1500000000, "1.5s"},
	    {61000000000ull, "1m1s"},
	    {3600000000000ull, "1h0m0s"},
	    {3723500000000ull, "1h2m3.5s"},
	};
	char out[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		audit_go_duration(out, t[i].ns);
		assert_string_equal(out, t[i].s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_full_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_non_resource_url, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unauthenticated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_impersonated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_events, setup, teardown),
	    cmocka_unit_test(test_write_failure_counted),
	    cmocka_unit_test(test_stdout),
	    cmocka_unit_test(test_go_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
