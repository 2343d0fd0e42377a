/* manifest: -f FILE → objects, each with its resource and namespace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "yamljson.h"

/* Manifests larger than this are refused (kubectl has no limit, but a
 * 64 MiB manifest is a mistake, not a use case). */
#define CTL_MAX_MANIFEST (64L << 20)

static int ctl_read_all(FILE *f, char **out, size_t *outlen)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			char *b;

			if (cap >= (size_t)CTL_MAX_MANIFEST) {
				free(buf);
				return -EFBIG;
			}
			b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

struct ctl_mload {
	struct ctl_opts *o;
	const char *file;
	struct ctl_manifest *m;
	int n, cap;
	int rc;
};

static const char *ctl_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Check one object and append it (takes ownership of obj). */
static int ctl_mload_add(struct ctl_mload *l, cJSON *obj, int index, int line)
{
	const char *kind = ctl_jstr(obj, "kind"), *av = ctl_jstr(obj, "apiVersion");
	const struct ctl_resource *r;
	struct ctl_manifest *m;
	cJSON *md;
	const char *ons;

	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return ctl_err(l->o,
			       "error validating \"%s\": document %d (line %d) is not a mapping",
			       l->file, index + 1, line);
	}
	if (!kind || !av) {
		cJSON_Delete(obj);
		return ctl_err(l->o, "error validating \"%s\": document %d (line %d): %s not set",
			       l->file, index + 1, line,
			       !kind && !av ? "apiVersion and kind"
			       : !kind	    ? "kind"
					    : "apiVersion");
	}
	r = ctl_resource_by_kind(av, kind);
	if (!r) {
		/* kind and av point into obj: report before freeing it. */
		ctl_err(l->o,
			"unable to recognize \"%s\": no matches for kind \"%s\" in version \"%s\"",
			l->file, kind, av);
		cJSON_Delete(obj);
		return 1;
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (!md) {
		md = cJSON_AddObjectToObject(obj, "metadata");
	} else if (!cJSON_IsObject(md)) {
		cJSON_Delete(obj);
		return ctl_err(
		    l->o,
		    "error validating \"%s\": document %d (line %d): metadata is not a mapping",
		    l->file, index + 1, line);
	}
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 8;
		struct ctl_manifest *nm = realloc(l->m, cap * sizeof(*nm));

		if (!nm) {
			cJSON_Delete(obj);
			return ctl_err(l->o, "out of memory");
		}
		l->m = nm;
		l->cap = cap;
	}
	m = &l->m[l->n];
	memset(m, 0, sizeof(*m));
	m->obj = obj;
	m->res = r;
	l->n++;
	ons = ctl_jstr(md, "namespace");
	if (r->namespaced) {
		if (ons && l->o->ns && strcmp(ons, l->o->ns))
			return ctl_err(
			    l->o,
			    "the namespace from the provided object \"%s\" does not match the "
			    "namespace \"%s\". You must pass '--namespace=%s' to perform this "
			    "operation.",
			    ons, l->o->ns, ons);
		if (!ons) {
			/* kubectl sends the manifest with the namespace filled in. */
			cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
			cJSON_AddStringToObject(md, "namespace", ctl_namespace(l->o));
		}
		m->ns = ctl_jstr(md, "namespace");
	}
	m->name = ctl_jstr(md, "name");
	return 0;
}

static int ctl_mload_doc(void *ud, cJSON *doc, int index, int line)
{
	struct ctl_mload *l = ud;
	const char *kind = ctl_jstr(doc, "kind");
	cJSON *items;

	/* `kind: List` (and FooList) documents carry their objects in items. */
	if (kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List") &&
	    cJSON_IsArray(items = cJSON_GetObjectItemCaseSensitive(doc, "items"))) {
		cJSON *it;
		int rc = 0;

		while (!rc && (it = cJSON_DetachItemFromArray(items, 0)))
			rc = ctl_mload_add(l, it, index, line);
		cJSON_Delete(doc);
		return rc;
	}
	return ctl_mload_add(l, doc, index, line);
}

int ctl_manifests_load(struct ctl_opts *o, const char *file, struct ctl_manifest **out, int *n)
{
	struct ctl_mload l = {.o = o, .file = file};
	char *text = NULL, err[512];
	size_t len = 0;
	FILE *f;
	int rc;

	*out = NULL;
	*n = 0;
	if (!file)
		return ctl_err(o, "must specify -f FILE");
	if (!strcmp(file, "-")) {
		l.file = "STDIN";
		rc = ctl_read_all(stdin, &text, &len);
	} else {
		f = fopen(file, "r");
		if (!f)
			return errno == ENOENT ? ctl_err(o, "the path \"%s\" does not exist", file)
					       : ctl_err(o, "%s: %s", file, strerror(errno));
		rc = ctl_read_all(f, &text, &len);
		fclose(f);
	}
	if (rc) {
		free(text);
		return ctl_err(o, "reading %s: %s", l.file, strerror(-rc));
	}
	if (!ctl_client(o)) {
		free(text);
		return 1;
	}
	rc = yamljson_parse_docs(text, len, ctl_mload_doc, &l, err, sizeof(err));
	free(text);
	if (rc < 0)
		ctl_err(o, "error parsing %s: %s", l.file, err);
	if (!rc && l.n == 0)
		rc = ctl_err(o, "no objects found in %s", l.file);
	if (rc) {
		ctl_manifests_free(l.m, l.n);
		return 1;
	}
	*out = l.m;
	*n = l.n;
	return 0;
}

void ctl_manifests_free(struct ctl_manifest *m, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(m[i].obj);
	free(m);
}
