/* images: the node's local image store, <root>/images/<name>/ holding rootfs/ (an
 * unpacked root filesystem) and optionally config.json in OCI image-config form
 * ({"config":{"Entrypoint":[...],"Cmd":[...],"Env":[...],"WorkingDir":"...",
 * "User":"uid[:gid]"}}), or an OCI image layout (index.json + blobs/), which the
 * first use unpacks into that same form (image_layout.c). There is no registry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kubelet/runtime.h"

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A name is a relative path without "." or ".." components: it must not leave
 * the store. */
static bool name_ok(const char *n)
{
	const char *c = n;

	if (!*n || *n == '/' || strlen(n) > 255)
		return false;
	while (*c) {
		size_t l = strcspn(c, "/");

		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += l;
		if (*c == '/')
			c++;
	}
	return true;
}

static char **json_strv(const cJSON *a)
{
	int n = cJSON_GetArraySize(a), k = 0;
	char **v;
	const cJSON *e;

	if (!cJSON_IsArray(a))
		return NULL;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return NULL;
	cJSON_ArrayForEach(e, a)
	{
		if (cJSON_IsString(e))
			v[k++] = strdup(e->valuestring);
	}
	return v;
}

static void strv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

cJSON *rt_json_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	cJSON *j;

	if (!f)
		return NULL;
	/* Image configs and runc state files are small; 1 MiB bounds a bad one. */
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = 0;
	j = cJSON_Parse(buf);
	free(buf);
	return j;
}

static int load_config(const char *path, struct rt_image *img, char *msg, size_t msglen)
{
	cJSON *j, *c, *w, *u;

	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	j = rt_json_file(path);
	if (!j) {
		snprintf(msg, msglen, "%s: not a JSON image config", path);
		return -EINVAL;
	}
	c = cJSON_GetObjectItemCaseSensitive(j, "config");
	if (!cJSON_IsObject(c))
		c = j;
	img->entrypoint = json_strv(cJSON_GetObjectItemCaseSensitive(c, "Entrypoint"));
	img->cmd = json_strv(cJSON_GetObjectItemCaseSensitive(c, "Cmd"));
	img->env = json_strv(cJSON_GetObjectItemCaseSensitive(c, "Env"));
	w = cJSON_GetObjectItemCaseSensitive(c, "WorkingDir");
	if (cJSON_IsString(w) && w->valuestring[0])
		img->working_dir = strdup(w->valuestring);
	/* Only numeric users: names would need the image's /etc/passwd. */
	u = cJSON_GetObjectItemCaseSensitive(c, "User");
	if (cJSON_IsString(u) && u->valuestring[0]) {
		unsigned uid, gid;
		int k = sscanf(u->valuestring, "%u:%u", &uid, &gid);

		if (k >= 1) {
			img->has_user = true;
			img->uid = uid;
			img->gid = k == 2 ? gid : uid;
		}
	}
	cJSON_Delete(j);
	return 0;
}

int rt_image_resolve(const char *root_dir, const char *name, struct rt_image *img, char *msg,
		     size_t msglen)
{
	char dir[4096], untagged[256];
	const char *slash, *colon;
	int r;

	memset(img, 0, sizeof(*img));
	if (strcmp(name, "host") == 0) {
		img->host = true;
		return 0;
	}
	if (!name_ok(name)) {
		snprintf(msg, msglen, "image \"%s\" is not a valid image name", name);
		return -EINVAL;
	}
	/* "busybox:1.36" is images/busybox:1.36, or else images/busybox. */
	snprintf(dir, sizeof(dir), "%s/images/%s", root_dir, name);
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (!is_dir(dir) && colon && (!slash || colon > slash)) {
		snprintf(untagged, sizeof(untagged), "%.*s", (int)(colon - name), name);
		snprintf(dir, sizeof(dir), "%s/images/%s", root_dir, untagged);
	}
	if (snprintf(img->rootfs, sizeof(img->rootfs), "%s/rootfs", dir) >=
	    (int)sizeof(img->rootfs))
		return -ENAMETOOLONG;
	if (!is_dir(img->rootfs)) {
		char idx[4200], why[400];

		snprintf(idx, sizeof(idx), "%s/index.json", dir);
		if (access(idx, F_OK)) {
			snprintf(msg, msglen,
				 "image \"%s\" is not in the node's image store: import it as "
				 "%s/images/%s/rootfs (an "
				 "unpacked root filesystem) or as an OCI image layout in "
				 "%s/images/%s",
				 name, root_dir, name, root_dir, name);
			return -ENOENT;
		}
		/* Blocks the caller (the kubelet's loop) for as long as the layers take. */
		r = rt_image_layout_unpack(dir, why, sizeof(why));
		if (r) {
			snprintf(msg, msglen,
				 "image \"%s\": OCI image layout %s cannot be unpacked: %s", name,
				 dir, why);
			return r;
		}
	}
	char cfg[4200];

	snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
	r = load_config(cfg, img, msg, msglen);
	if (r)
		rt_image_release(img);
	return r;
}

void rt_image_release(struct rt_image *img)
{
	strv_free(img->entrypoint);
	strv_free(img->cmd);
	strv_free(img->env);
	free(img->working_dir);
	img->entrypoint = img->cmd = img->env = NULL;
	img->working_dir = NULL;
}
