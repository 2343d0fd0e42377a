/* schema: type lookup by apiVersion and kind, field lookup, and the report
 * of findings shared by protobuf decoding and field validation. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "schema.h"
#include "schema_int.h"
#include "schema_report.h"

/* OpenAPI names of the meta/v1 types. */
#define SCH_META_V1_PREFIX "io.k8s.apimachinery.pkg.apis.meta.v1."

const struct sch_type *sch_lookup(const char *api_version, const char *kind)
{
	const char *slash, *group = "", *version;
	size_t glen = 0;

	if (!api_version || !kind)
		return NULL;
	/* "v1" is the core group; "apps/v1" is group "apps", version "v1" */
	slash = strchr(api_version, '/');
	if (slash) {
		group = api_version;
		glen = (size_t)(slash - api_version);
		version = slash + 1;
	} else {
		version = api_version;
	}
	for (size_t i = 0; i < sch_ntypes; i++) {
		const struct sch_type *t = sch_types[i];
		const char *tg = t->group ? t->group : "";

		if (!t->kind || strcmp(t->kind, kind) || strcmp(t->version, version))
			continue;
		if (strlen(tg) == glen && !strncmp(tg, group, glen))
			return t;
	}
	/* The meta/v1 option kinds (DeleteOptions, CreateOptions...) are
	 * registered upstream in every group version: client-go sends a
	 * DELETE body of a Deployment as apiVersion "apps/v1". */
	for (size_t i = 0; i < sch_ntypes; i++) {
		const struct sch_type *t = sch_types[i];

		if (t->kind && !strcmp(t->kind, kind) && !strcmp(t->version, version) &&
		    !strncmp(t->name, SCH_META_V1_PREFIX, strlen(SCH_META_V1_PREFIX)))
			return t;
	}
	return NULL;
}

/* Inline types nest only a level or two upstream (VolumeSource in Volume,
 * LocalObjectReference in a key selector); a table loop stops here. */
#define SCH_INLINE_DEPTH 8

static const struct sch_field *sch_field_in(const struct sch_type *t, const char *name, int depth)
{
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i], *in;

		/* an inline field's own name is no JSON key: its members are */
		if (f->flags & SCH_F_INLINE) {
			if (f->type && depth < SCH_INLINE_DEPTH &&
			    (in = sch_field_in(f->type, name, depth + 1)))
				return in;
		} else if (!strcmp(f->name, name)) {
			return f;
		}
	}
	return NULL;
}

const struct sch_field *sch_field(const struct sch_type *t, const char *name)
{
	return sch_field_in(t, name, 0);
}

const struct sch_field *sch_field_direct(const struct sch_type *t, const char *name, size_t *idx)
{
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i];

		if ((f->flags & SCH_F_INLINE) ? f->type && sch_field(f->type, name)
					      : !strcmp(f->name, name)) {
			*idx = i;
			return f;
		}
	}
	return NULL;
}

void sch_report_init(struct sch_report *r)
{
	memset(r, 0, sizeof(*r));
}

void sch_report_add(struct sch_report *r, enum sch_msg_kind kind, const char *fmt, ...)
{
	struct sch_msg *m;
	va_list ap;
	int n;

	if (kind == SCH_MSG_ERROR)
		r->nerr++;
	else
		r->nfield++;
	if (r->n >= SCH_REPORT_MAX) {
		r->dropped++;
		/* the first error decides the answer: it takes the last place
		 * of a report full of unknown fields */
		if (kind != SCH_MSG_ERROR || r->nerr > 1)
			return;
		m = &r->msg[SCH_REPORT_MAX - 1];
	} else {
		m = &r->msg[r->n++];
	}
	m->kind = kind;
	va_start(ap, fmt);
	n = vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(m->text))
		memcpy(m->text + sizeof(m->text) - 4, "...", 4);
}

const char *sch_report_error(const struct sch_report *r)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->msg[i].kind == SCH_MSG_ERROR)
			return r->msg[i].text;
	return "";
}

int sch_report_strict(const struct sch_report *r, const struct sch_type *t, struct buf *out)
{
	const char *sep = "";

	if (t && t->kind)
		buf_printf(out, "%s in version \"%s\" cannot be handled as a %s: ", t->kind,
			   t->version, t->kind);
	buf_puts(out, "strict decoding error: ");
	for (unsigned i = 0; i < r->n; i++) {
		if (r->msg[i].kind == SCH_MSG_ERROR)
			continue;
		buf_printf(out, "%s%s", sep, r->msg[i].text);
		sep = ", ";
	}
	if (r->dropped)
		buf_printf(out, "%sand %u more", sep, r->dropped);
	return out->oom ? -ENOMEM : 0;
}

int sch_report_warning(const struct sch_report *r, unsigned i, struct buf *out)
{
	const unsigned char *s;

	if (i >= r->n)
		return -EINVAL;
	/* RFC 7234 warn-text is a quoted-string: quote and backslash are
	 * escaped; control bytes cannot appear in a header, so they become
	 * spaces (field names are user input) */
	buf_puts(out, "299 - \"");
	for (s = (const unsigned char *)r->msg[i].text; *s; s++) {
		char c = (char)*s;

		if (*s < 0x20 || *s == 0x7f)
			c = ' ';
		if (c == '"' || c == '\\')
			buf_put(out, "\\", 1);
		buf_put(out, &c, 1);
	}
	buf_put(out, "\"", 1);
	return out->oom ? -ENOMEM : 0;
}

size_t sch_path_push(struct sch_path *p, const char *fmt, ...)
{
	size_t old = p->len, room = sizeof(p->s) - p->len;
	va_list ap;
	int n;

	if (room <= 4)
		return old;
	va_start(ap, fmt);
	n = vsnprintf(p->s + p->len, room - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room - 3) {
		memcpy(p->s + sizeof(p->s) - 4, "...", 4);
		p->len = sizeof(p->s) - 1;
	} else {
		p->len += (size_t)n;
	}
	return old;
}

void sch_path_pop(struct sch_path *p, size_t old)
{
	p->len = old;
	p->s[old] = 0;
}

size_t sch_path_field(struct sch_path *p, const char *name)
{
	return sch_path_push(p, p->len ? ".%s" : "%s", name);
}
