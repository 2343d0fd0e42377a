/* api_accept: what a read answers with, from its Accept header — the
 * objects, a meta.k8s.io Table (kubectl get) or their metadata alone
 * (PartialObjectMetadata for a get or a watch, PartialObjectMetadataList
 * for a list: the garbage collector's and client-go's metadata client).
 *
 * The header is a list of media ranges tried in order, each with
 * parameters: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;
 * v=v1, application/json". The first one we can produce wins. We produce
 * JSON only, so a protobuf range is passed over (the metadata client lists
 * it first and JSON after); a header with nothing we can produce but no
 * conversion either is answered with the objects in JSON, as before. Only
 * when every range asks for a conversion we do not do (as=Table with
 * another group, PartialObjectMetadataList on a single object, ...) is the
 * answer 406, as upstream's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

/* One media range's parts, pointing into a copy of the header. */
struct range {
	char *type; /* "application/json", "*\/\*", ... */
	const char *as, *g, *v;
	bool refused; /* q=0: "not acceptable" (RFC 9110 12.4.2) */
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	return s;
}

/* Split "type;k=v;k=v" (in place). */
static void range_parse(char *s, struct range *r)
{
	char *save = NULL, *p = strtok_r(s, ";", &save);

	*r = (struct range){.type = trim(p ? p : s)};
	while ((p = strtok_r(NULL, ";", &save))) {
		char *eq = strchr(p, '=');

		if (!eq)
			continue;
		*eq = 0;
		p = trim(p);
		if (!strcasecmp(p, "as"))
			r->as = trim(eq + 1);
		else if (!strcasecmp(p, "g"))
			r->g = trim(eq + 1);
		else if (!strcasecmp(p, "v"))
			r->v = trim(eq + 1);
		else if (!strcasecmp(p, "q"))
			r->refused = strtod(trim(eq + 1), NULL) <= 0;
	}
}

static bool json_type(const char *t)
{
	return !strcasecmp(t, "application/json") || !strcasecmp(t, "application/*") ||
	       !strcmp(t, "*/*");
}

/* The view range r asks for, if we can produce it for this read. */
static bool range_view(const struct range *r, enum api_read read, struct api_media *m)
{
	const char *partial =
	    read == API_READ_LIST ? "PartialObjectMetadataList" : "PartialObjectMetadata";

	if (r->refused || !json_type(r->type))
		return false;
	if (!r->as) {
		*m = (struct api_media){.view = API_VIEW_OBJECT};
		return true;
	}
	if (!r->g || strcmp(r->g, "meta.k8s.io") || !r->v ||
	    (strcmp(r->v, "v1") && strcmp(r->v, "v1beta1")))
		return false;
	if (!strcmp(r->as, "Table")) {
		*m = (struct api_media){.view = API_VIEW_TABLE, .meta_gv = "meta.k8s.io/v1"};
		return true;
	}
	if (!strcmp(r->as, partial)) {
		*m = (struct api_media){.view = API_VIEW_PARTIAL,
					.meta_gv = !strcmp(r->v, "v1") ? "meta.k8s.io/v1"
								       : "meta.k8s.io/v1beta1"};
		return true;
	}
	return false;
}

int api_accept(struct http_req *req, enum api_read read, struct api_media *m)
{
	const char *acc = http_req_header(req, "Accept");
	bool any_plain = false;
	char *buf, *save = NULL;

	*m = (struct api_media){.view = API_VIEW_OBJECT};
	if (!acc || !*acc)
		return 0;
	/* the whole header (the request's size limit bounds it) */
	buf = strdup(acc);
	if (!buf)
		return 0; /* out of memory: the objects, as without the header */
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct range r;

		range_parse(p, &r);
		if (range_view(&r, read, m)) {
			free(buf);
			return 0;
		}
		any_plain = any_plain || (!r.as && !r.refused);
	}
	free(buf);
	*m = (struct api_media){.view = API_VIEW_OBJECT};
	if (any_plain)
		return 0; /* only types we do not produce: JSON, as always */
	api_status(req, 406, "NotAcceptable",
		   "only the following media types are accepted: application/json, "
		   "application/json;as=Table;v=v1;g=meta.k8s.io, "
		   "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io, "
		   "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
		   NULL);
	return -1;
}

cJSON *api_partial(const cJSON *obj, const char *meta_gv)
{
	cJSON *p = cJSON_CreateObject();
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	cJSON_AddStringToObject(p, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(p, "apiVersion", meta_gv ? meta_gv : "meta.k8s.io/v1");
	cJSON_AddItemToObject(p, "metadata", md ? cJSON_Duplicate(md, true) : cJSON_CreateObject());
	return p;
}
