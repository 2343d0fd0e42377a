/* output: errors (text or JSON), kubectl-style tables, JSON/YAML/name
 * printing and the Age column. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "yamljson.h"

/* kubectl's tabwriter: a column is as wide as its widest cell plus this. */
#define CTL_TAB_PADDING 3

static void ctl_print_error_text(const struct ctl_opts *o, const char *msg, bool prefix)
{
	if (o && o->out == CTL_OUT_JSON) {
		cJSON *j = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(j, "error", msg);
		s = ctl_json_pretty(j);
		if (s)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
		fflush(stdout);
		return;
	}
	fprintf(stderr, "%s%s\n", prefix ? "error: " : "", msg);
}

int ctl_err(const struct ctl_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_print_error_text(o, msg, true);
	return 1;
}

static const char *ctl_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* kubectl's message for 422 Invalid with causes: "The Service "x" is
 * invalid: field: msg" (several causes in [a, b]). */
static bool ctl_invalid_msg(const cJSON *st, char *buf, size_t len)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(st, "details");
	const cJSON *causes = cJSON_GetObjectItemCaseSensitive(d, "causes"), *c;
	const char *kind = ctl_jstr(d, "kind"), *name = ctl_jstr(d, "name");
	int n = cJSON_GetArraySize(causes), i = 0;
	size_t off;

	if (!cJSON_IsArray(causes) || n == 0)
		return false;
	if (kind || name)
		off = snprintf(buf, len, "The %s \"%s\" is invalid: %s", kind ? kind : "",
			       name ? name : "", n > 1 ? "[" : "");
	else
		off = snprintf(buf, len, "The request is invalid: %s", n > 1 ? "[" : "");
	cJSON_ArrayForEach(c, causes)
	{
		const char *f = ctl_jstr(c, "field"), *m = ctl_jstr(c, "message");

		if (off >= len)
			break;
		off += snprintf(buf + off, len - off, "%s%s%s%s", i++ ? ", " : "", f ? f : "",
				f ? ": " : "", m ? m : "");
	}
	if (n > 1 && off < len)
		snprintf(buf + off, len - off, "]");
	return true;
}

int ctl_err_status(const struct ctl_opts *o, long status, const char *body, const char *context)
{
	cJSON *st = body ? cJSON_Parse(body) : NULL;
	const char *kind = ctl_jstr(st, "kind"), *reason, *message;
	char msg[2048];

	if (kind && !strcmp(kind, "Status")) {
		reason = ctl_jstr(st, "reason");
		message = ctl_jstr(st, "message");
		if (!(reason && !strcmp(reason, "Invalid") &&
		      ctl_invalid_msg(st, msg, sizeof(msg))))
			snprintf(msg, sizeof(msg), "Error from server%s%s%s: %s%s",
				 reason && reason[0] ? " (" : "", reason ? reason : "",
				 reason && reason[0] ? ")" : "", context ? context : "",
				 message ? message : "unknown error");
	} else {
		/* Not a Status: show the start of what came back. */
		snprintf(msg, sizeof(msg),
			 "Error from server: %sthe server responded with status %ld: %.200s",
			 context ? context : "", status, body ? body : "");
		msg[strcspn(msg, "\n")] = '\0';
	}
	cJSON_Delete(st);
	ctl_print_error_text(o, msg, false);
	return 1;
}

/* --- JSON printing like kubectl: sorted keys, 4 spaces --- */

struct ctl_sb {
	char *d;
	size_t len, cap;
};

static void ctl_sb_add(struct ctl_sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->d, cap);
		if (!d)
			return;
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
}

static void ctl_sb_str(struct ctl_sb *b, const char *s)
{
	ctl_sb_add(b, s, strlen(s));
}

static void ctl_sb_indent(struct ctl_sb *b, int depth)
{
	for (int i = 0; i < depth; i++)
		ctl_sb_add(b, "    ", 4);
}

/* A scalar exactly as cJSON writes it (escapes and number format). */
static void ctl_sb_scalar(struct ctl_sb *b, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	if (s)
		ctl_sb_str(b, s);
	free(s);
}

static int ctl_child_cmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static void ctl_sb_json(struct ctl_sb *b, const cJSON *v, int depth)
{
	const cJSON **kids;
	int n = 0, i;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
		ctl_sb_scalar(b, v);
		return;
	}
	for (const cJSON *c = v->child; c; c = c->next)
		n++;
	if (!n) {
		ctl_sb_str(b, cJSON_IsObject(v) ? "{}" : "[]");
		return;
	}
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return;
	i = 0;
	for (const cJSON *c = v->child; c; c = c->next)
		kids[i++] = c;
	if (cJSON_IsObject(v))
		qsort(kids, n, sizeof(*kids), ctl_child_cmp);
	ctl_sb_str(b, cJSON_IsObject(v) ? "{\n" : "[\n");
	for (i = 0; i < n; i++) {
		ctl_sb_indent(b, depth + 1);
		if (cJSON_IsObject(v)) {
			cJSON *k = cJSON_CreateString(kids[i]->string);

			ctl_sb_scalar(b, k);
			cJSON_Delete(k);
			ctl_sb_str(b, ": ");
		}
		ctl_sb_json(b, kids[i], depth + 1);
		ctl_sb_str(b, i + 1 < n ? ",\n" : "\n");
	}
	ctl_sb_indent(b, depth);
	ctl_sb_str(b, cJSON_IsObject(v) ? "}" : "]");
	free(kids);
}

char *ctl_json_pretty(const cJSON *v)
{
	struct ctl_sb b = {0};

	ctl_sb_json(&b, v, 0);
	return b.d;
}

int ctl_print_object(const struct ctl_opts *o, const cJSON *obj)
{
	char err[128] = "out of memory";
	char *s = o->out == CTL_OUT_YAML ? yamljson_emit_err(obj, err, sizeof(err))
					 : ctl_json_pretty(obj);

	if (!s)
		return ctl_err(o, "cannot print the object: %s", err);
	fputs(s, stdout);
	if (o->out != CTL_OUT_YAML)
		fputc('\n', stdout);
	free(s);
	return 0;
}

void ctl_print_name(const cJSON *obj)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *kind = ctl_jstr(obj, "kind"), *av = ctl_jstr(obj, "apiVersion");
	const char *name = ctl_jstr(md, "name");
	const struct ctl_resource *r = ctl_resource_by_kind(av, kind);
	char tn[128];

	if (r) {
		ctl_resource_typename(r, tn, sizeof(tn));
	} else {
		const char *slash = av ? strchr(av, '/') : NULL;
		size_t i;

		snprintf(tn, sizeof(tn), "%s", kind ? kind : "unknown");
		for (i = 0; tn[i]; i++)
			tn[i] = (char)(tn[i] >= 'A' && tn[i] <= 'Z' ? tn[i] + 32 : tn[i]);
		if (slash)
			snprintf(tn + i, sizeof(tn) - i, ".%.*s", (int)(slash - av), av);
	}
	printf("%s/%s\n", tn, name ? name : "");
}

void ctl_print_table(char ***cells, int rows, int cols)
{
	int *w = calloc(cols ? cols : 1, sizeof(int));

	if (!w)
		return;
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			int n = (int)strlen(cells[r][c]);

			if (n > w[c])
				w[c] = n;
		}
	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < cols; c++) {
			if (c + 1 < cols)
				printf("%-*s", w[c] + CTL_TAB_PADDING, cells[r][c]);
			else
				printf("%s", cells[r][c]);
		}
		putchar('\n');
	}
	free(w);
}

/* kubectl's duration.HumanDuration (apimachinery), see k8s-api.md §5.2. */
static void ctl_human_duration(long long s, char *buf, size_t len)
{
	long long m = s / 60, h = s / 3600, d = s / 86400, y = d / 365;

	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (m < 10)
		s % 60 ? snprintf(buf, len, "%lldm%llds", m, s % 60)
		       : snprintf(buf, len, "%lldm", m);
	else if (h < 3)
		snprintf(buf, len, "%lldm", m);
	else if (h < 8)
		m % 60 ? snprintf(buf, len, "%lldh%lldm", h, m % 60)
		       : snprintf(buf, len, "%lldh", h);
	else if (h < 48)
		snprintf(buf, len, "%lldh", h);
	else if (h < 24 * 8)
		h % 24 ? snprintf(buf, len, "%lldd%lldh", d, h % 24)
		       : snprintf(buf, len, "%lldd", d);
	else if (y < 2)
		snprintf(buf, len, "%lldd", d);
	else if (y < 8)
		d % 365 ? snprintf(buf, len, "%lldy%lldd", y, d % 365)
			: snprintf(buf, len, "%lldy", y);
	else
		snprintf(buf, len, "%lldy", y);
}

void ctl_age(const char *ts, char *buf, size_t len)
{
	struct tm tm = {0};
	const char *end = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!end) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	ctl_human_duration((long long)(time(NULL) - timegm(&tm)), buf, len);
}
