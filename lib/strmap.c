/* strmap: see strmap.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "strhash.h"
#include "strmap.h"

struct strmap_ent {
	struct strmap_ent *next;
	void *val;
	char key[];
};

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->nbucket; i++) {
		for (struct strmap_ent *e = m->bucket[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->bucket);
	strmap_init(m);
}

static struct strmap_ent **strmap_slot(const struct strmap *m, const char *key)
{
	struct strmap_ent **p;

	if (!m->nbucket)
		return NULL;
	p = &m->bucket[strhash(key) & (m->nbucket - 1)];
	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_ent **p = strmap_slot(m, key);

	return p && *p ? (*p)->val : NULL;
}

static int strmap_grow(struct strmap *m)
{
	size_t nb = m->nbucket ? m->nbucket * 2 : 16;
	struct strmap_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->nbucket; i++) {
		for (struct strmap_ent *e = m->bucket[i], *next; e; e = next) {
			size_t j = strhash(e->key) & (nb - 1);

			next = e->next;
			e->next = b[j];
			b[j] = e;
		}
	}
	free(m->bucket);
	m->bucket = b;
	m->nbucket = nb;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *val, void **old)
{
	struct strmap_ent **p, *e;
	size_t n;

	if (old)
		*old = NULL;
	p = strmap_slot(m, key);
	if (p && *p) {
		if (old)
			*old = (*p)->val;
		(*p)->val = val;
		return 0;
	}
	if (m->n >= m->nbucket && strmap_grow(m) < 0)
		return -ENOMEM;
	n = strlen(key) + 1;
	e = malloc(sizeof(*e) + n);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, n);
	e->val = val;
	p = &m->bucket[strhash(key) & (m->nbucket - 1)];
	e->next = *p;
	*p = e;
	m->n++;
	return 0;
}

void *strmap_del(struct strmap *m, const char *key)
{
	struct strmap_ent **p = strmap_slot(m, key), *e;
	void *val;

	if (!p || !*p)
		return NULL;
	e = *p;
	val = e->val;
	*p = e->next;
	free(e);
	m->n--;
	return val;
}

void strmap_foreach(const struct strmap *m, void (*fn)(void *ud, const char *key, void *val),
		    void *ud)
{
	for (size_t i = 0; i < m->nbucket; i++)
		for (struct strmap_ent *e = m->bucket[i]; e; e = e->next)
			fn(ud, e->key, e->val);
}
