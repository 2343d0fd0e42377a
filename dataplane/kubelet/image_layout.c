/* image_layout: an OCI image layout (image-spec v1: oci-layout, index.json, blobs/<alg>/<hex>)
 * unpacked into an image store entry's rootfs/ the first time a container uses it.
 *
 * index.json -> a manifest (the linux/<this arch> one of several, or the only one; nested
 * indexes followed) -> its config blob, written as config.json beside rootfs/ (images.c reads
 * Entrypoint/Cmd/Env/WorkingDir/User from it) -> its layers in order, each a tar (plain, gzip
 * or zstd) applied with the spec's whiteouts. Every blob is checked against its descriptor's
 * size and digest before it is read. Entries with ".." or absolute paths are refused, as is
 * writing through a symlink; device nodes are skipped. The layers go into a temp dir beside
 * rootfs/ that is renamed into place only when all of them applied, so a failure or a crash
 * leaves no half image (and the next unpack removes a crashed one's temp dir). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gnutls/crypto.h>

#include "kubelet/runtime.h"

#define TMP_PREFIX ".rootfs.unpack."

#if defined(__x86_64__)
#define HOST_ARCH "amd64"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#else
#define HOST_ARCH "unknown"
#endif

struct lay {
	const char *dir; /* the layout */
	char *msg;
	size_t msglen;
};

static int fail(struct lay *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* libarchive's message, which it may not have set. */
static const char *aerr(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e ? e : "unknown error";
}

static int fail(struct lay *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->msg, l->msglen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool media_is(const char *mt, const char *const *list)
{
	for (; mt && *list; list++)
		if (strcmp(mt, *list) == 0)
			return true;
	return false;
}

static const char *const index_types[] = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", NULL};
static const char *const manifest_types[] = {"application/vnd.oci.image.manifest.v1+json",
					     "application/vnd.docker.distribution.manifest.v2+json",
					     NULL};
static const char *const config_types[] = {"application/vnd.oci.image.config.v1+json",
					   "application/vnd.docker.container.image.v1+json", NULL};
static const char *const layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip", NULL};

/* A descriptor's blob path, after checking its digest is "<alg>:<lowercase hex>" of a known
 * algorithm: the hex becomes a file name, so nothing else may be in it. */
static int blob_path(struct lay *l, const cJSON *desc, char *path, size_t len,
		     gnutls_digest_algorithm_t *alg, const char **hex)
{
	const char *d = jstr(desc, "digest");
	size_t want, n;

	if (!d)
		return fail(l, "a descriptor has no digest");
	if (strncmp(d, "sha256:", 7) == 0)
		*alg = GNUTLS_DIG_SHA256, want = 64, *hex = d + 7;
	else if (strncmp(d, "sha512:", 7) == 0)
		*alg = GNUTLS_DIG_SHA512, want = 128, *hex = d + 7;
	else
		return fail(l, "digest \"%s\": only sha256 and sha512 are supported", d);
	n = strspn(*hex, "0123456789abcdef");
	if (n != want || (*hex)[n])
		return fail(l, "digest \"%s\" is not a valid digest", d);
	snprintf(path, len, "%s/blobs/%.6s/%s", l->dir, d, *hex);
	return 0;
}

/* The blob of desc exists, has the descriptor's size and hashes to its digest. */
static int blob_verify(struct lay *l, const cJSON *desc, char *path, size_t len)
{
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(desc, "size");
	gnutls_digest_algorithm_t alg = GNUTLS_DIG_UNKNOWN;
	gnutls_hash_hd_t h;
	unsigned char md[64], buf[65536];
	char got[129];
	const char *hex = "";
	struct stat st;
	ssize_t n = 0;
	int fd, r;

	r = blob_path(l, desc, path, len, &alg, &hex);
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(l, "blob %s: %s", jstr(desc, "digest"),
			    errno == ENOENT ? "missing from blobs/" : strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(l, "blob %s is not a regular file", jstr(desc, "digest"));
	}
	if (cJSON_IsNumber(sz) && sz->valuedouble != (double)st.st_size) {
		close(fd);
		return fail(l, "blob %s has %lld bytes, its descriptor says %.0f",
			    jstr(desc, "digest"), (long long)st.st_size, sz->valuedouble);
	}
	if (gnutls_hash_init(&h, alg) < 0) {
		close(fd);
		return fail(l, "no hash for %s", jstr(desc, "digest"));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		gnutls_hash(h, buf, (size_t)n);
	gnutls_hash_deinit(h, md);
	close(fd);
	if (n < 0)
		return fail(l, "blob %s: %s", jstr(desc, "digest"), strerror(errno));
	for (unsigned i = 0; i < gnutls_hash_get_len(alg); i++)
		snprintf(got + 2 * i, 3, "%02x", md[i]);
	if (strcmp(got, hex))
		return fail(l, "blob %s does not match its digest (its content hashes to %.7s%s)",
			    jstr(desc, "digest"), jstr(desc, "digest"), got);
	return 0;
}

static cJSON *blob_json(struct lay *l, const cJSON *desc, const char *what, int *r)
{
	char path[4300];
	cJSON *j;

	*r = blob_verify(l, desc, path, sizeof(path));
	if (*r)
		return NULL;
	j = rt_json_file(path);
	if (!j)
		*r = fail(l, "%s %s is not JSON", what, jstr(desc, "digest"));
	return j;
}

static bool platform_ok(const cJSON *desc)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(desc, "platform");
	const char *os = jstr(p, "os"), *arch = jstr(p, "architecture");

	return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, HOST_ARCH) == 0;
}

/* The one descriptor of an index to follow: the only one, or else the first for this node's
 * platform, or else the only one that is a manifest or an index (others being attestations). */
static const cJSON *index_pick(struct lay *l, const cJSON *idx, const char *what, int *r)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(idx, "manifests"), *d, *only = NULL;
	int n = cJSON_GetArraySize(ms), usable = 0;

	if (!cJSON_IsArray(ms) || n == 0) {
		*r = fail(l, "%s lists no manifests", what);
		return NULL;
	}
	if (n == 1)
		return cJSON_GetArrayItem(ms, 0);
	cJSON_ArrayForEach(d, ms)
	{
		if (platform_ok(d))
			return d;
	}
	cJSON_ArrayForEach(d, ms)
	{
		if (media_is(jstr(d, "mediaType"), manifest_types) ||
		    media_is(jstr(d, "mediaType"), index_types)) {
			usable++;
			only = d;
		}
	}
	if (usable == 1)
		return only;
	*r = fail(l, "%s lists %d manifests and none for linux/%s", what, n, HOST_ARCH);
	return NULL;
}

/* index.json, through nested indexes, to the image manifest. */
static cJSON *manifest_find(struct lay *l, int *r)
{
	char path[4200];
	cJSON *idx, *m;
	const cJSON *d;
	const char *mt;
	bool is_index;

	snprintf(path, sizeof(path), "%s/index.json", l->dir);
	idx = rt_json_file(path);
	if (!idx) {
		*r = fail(l, "index.json is not JSON");
		return NULL;
	}
	/* Four levels are more than any registry makes; the bound stops a cycle. */
	for (int depth = 0; depth < 4; depth++) {
		d = index_pick(l, idx, depth ? "a nested index" : "index.json", r);
		if (!d)
			break;
		mt = jstr(d, "mediaType");
		if (!media_is(mt, index_types) && !media_is(mt, manifest_types)) {
			*r = fail(l, "manifest %s has media type \"%s\", not an image manifest",
				  jstr(d, "digest") ? jstr(d, "digest") : "?", mt ? mt : "");
			break;
		}
		is_index = media_is(mt, index_types);
		m = blob_json(l, d, is_index ? "index" : "manifest", r);
		if (!m)
			break;
		cJSON_Delete(idx); /* d and mt with it */
		if (!is_index)
			return m;
		idx = m;
	}
	if (!*r)
		*r = fail(l, "indexes nested more than 4 deep");
	cJSON_Delete(idx);
	return NULL;
}

/* ---- the root filesystem: whiteouts and extraction ---- */

static int rm_at(int dfd, const char *name);

/* Remove everything in the directory fd, never following a symlink. */
static int empty_dir(int fd)
{
	int dup_fd = dup(fd), r = 0;
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -errno;
	}
	while (!r && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = rm_at(fd, e->d_name);
	}
	closedir(d);
	return r;
}

static int rm_at(int dfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) && errno != ENOENT ? -errno : 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = empty_dir(fd);
	close(fd);
	if (!r && unlinkat(dfd, name, AT_REMOVEDIR))
		r = -errno;
	return r;
}

/* The directory rel ("" for the root) under rootfd, each component opened without following a
 * symlink: a lower layer's "etc -> /etc" must not let a whiteout delete the host's files.
 * -ELOOP when a component is a symlink, -ENOENT when one is missing or not a directory. */
static int open_dir_beneath(int rootfd, const char *rel)
{
	char buf[4096], *save = NULL, *c;
	int fd = dup(rootfd), next;

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", rel);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct stat st;
		int err;

		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		/* O_DIRECTORY makes a symlink ENOTDIR, like a file: told apart here. */
		if (next < 0 && err == ENOTDIR && !fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISLNK(st.st_mode))
			err = ELOOP;
		close(fd);
		if (next < 0)
			return err == ENOTDIR ? -ENOENT : -err;
		fd = next;
	}
	return fd;
}

/* An entry's path relative to the rootfs, "./" prefixes dropped, or NULL when it is absolute
 * or has a ".." component (the entry would land outside the rootfs). */
static const char *entry_rel(const char *p)
{
	const char *c;

	if (!p || *p == '/')
		return NULL;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (strcmp(p, ".") == 0)
		return "";
	for (c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return NULL;
		c += n;
		c += *c == '/';
	}
	return p;
}

static int layer_open(struct lay *l, struct archive **a, const char *path, int layer)
{
	*a = archive_read_new();
	if (!*a)
		return -ENOMEM;
	archive_read_support_format_tar(*a);
	archive_read_support_filter_gzip(*a);
	archive_read_support_filter_zstd(*a);
	/* Opening reads the first block to tell the format: the blob was just read whole to hash
	 * it, so a failure here is its content. */
	if (archive_read_open_filename(*a, path, 65536) != ARCHIVE_OK) {
		int r = fail(l, "layer %d is not a tar archive: %s", layer, aerr(*a));

		archive_read_free(*a);
		return r;
	}
	return 0;
}

/* A layer's whiteouts applied to what the layers below it left in rootfd: ".wh.<name>" removes
 * <name>, ".wh..wh..opq" empties its directory. Done before the layer's own entries are
 * written, as both only hide what is below. Also refuses the layer's unsafe paths. */
static int layer_whiteouts(struct lay *l, int rootfd, const char *path, int layer)
{
	struct archive *a;
	struct archive_entry *e;
	char parent[4096];
	int r, ar;

	r = layer_open(l, &a, path, layer);
	if (r)
		return r;
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *rel = entry_rel(archive_entry_pathname(e)), *base, *hl;
		int fd;

		hl = archive_entry_hardlink(e);
		if (!rel || (hl && !entry_rel(hl))) {
			r = fail(l, "layer %d: entry \"%s\" leaves the root filesystem", layer,
				 rel ? hl : archive_entry_pathname(e));
			break;
		}
		base = strrchr(rel, '/');
		base = base ? base + 1 : rel;
		if (strncmp(base, ".wh.", 4))
			continue;
		/* ".wh..." would name the directory's parent: outside the rootfs at its top. */
		if (!base[4] || strcmp(base + 4, ".") == 0 || strcmp(base + 4, "..") == 0) {
			r = fail(l, "layer %d: \"%s\" is not a valid whiteout", layer, rel);
			break;
		}
		snprintf(parent, sizeof(parent), "%.*s", (int)(base - rel), rel);
		fd = open_dir_beneath(rootfd, parent);
		if (fd == -ENOENT || fd == -ELOOP)
			continue;
		if (fd < 0) {
			r = fail(l, "layer %d: whiteout %s: %s", layer, rel, strerror(-fd));
			break;
		}
		/* ".wh..wh.<x>" other than the opaque marker is reserved by the spec: ignored. */
		if (strcmp(base, ".wh..wh..opq") == 0)
			r = empty_dir(fd);
		else if (strncmp(base, ".wh..wh.", 8))
			r = rm_at(fd, base + 4);
		close(fd);
		if (r) {
			r = fail(l, "layer %d: whiteout %s: %s", layer, rel, strerror(-r));
			break;
		}
	}
	if (!r && ar != ARCHIVE_EOF)
		r = fail(l, "layer %d is not a tar archive: %s", layer, aerr(a));
	archive_read_free(a);
	return r;
}

static int copy_data(struct archive *a, struct archive *w)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int ar;

	while ((ar = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(w, buf, n, off) < ARCHIVE_WARN)
			return ARCHIVE_FAILED;
	}
	return ar == ARCHIVE_EOF ? ARCHIVE_OK : ar;
}

/* 0 when no directory on the way to rel is a symlink. archive_write_disk's SECURE_SYMLINKS
 * would, with UNLINK, silently replace such a symlink by a directory: refused instead, as an
 * image that writes through its own symlinks is not what its layers say. */
static int parents_real(struct lay *l, int rootfd, const char *rel, int layer)
{
	const char *base = strrchr(rel, '/');
	char parent[4096];
	int fd;

	if (!base)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(base - rel), rel);
	fd = open_dir_beneath(rootfd, parent);
	if (fd == -ELOOP)
		return fail(l, "layer %d: %s: writes through a symlink", layer, rel);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* A layer's entries written under the current directory (the temp rootfs, also rootfd):
 * archive_write_disk writes relative to the cwd, and only relative paths pass its
 * SECURE_NOABSOLUTEPATHS check. */
static int layer_extract(struct lay *l, int rootfd, const char *path, int layer)
{
	const int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_TIME |
			  ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			  ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct archive *a, *w;
	struct archive_entry *e;
	int r, ar;

	r = layer_open(l, &a, path, layer);
	if (r)
		return r;
	w = archive_write_disk_new();
	if (!w) {
		archive_read_free(a);
		return -ENOMEM;
	}
	/* No user lookup: the entries' numeric ids are the image's, not this host's names. */
	archive_write_disk_set_options(w, flags);
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *rel = entry_rel(archive_entry_pathname(e)), *base;
		const char *hl = archive_entry_hardlink(e);
		mode_t type = archive_entry_filetype(e);

		if (!rel)
			continue; /* layer_whiteouts refused the layer already */
		base = strrchr(rel, '/');
		base = base ? base + 1 : rel;
		/* The root's own entry would chmod the temp dir; devices are the runtime's to make.
		 */
		if (!*rel || strncmp(base, ".wh.", 4) == 0 || type == AE_IFCHR || type == AE_IFBLK)
			continue;
		r = parents_real(l, rootfd, rel, layer);
		if (r)
			break;
		archive_entry_set_pathname(e, rel);
		if (hl)
			archive_entry_set_hardlink(e, entry_rel(hl));
		if (archive_write_header(w, e) < ARCHIVE_WARN ||
		    (archive_entry_size(e) > 0 && copy_data(a, w) < ARCHIVE_WARN) ||
		    archive_write_finish_entry(w) < ARCHIVE_WARN) {
			r = fail(l, "layer %d: %s: %s", layer, rel, aerr(w));
			break;
		}
	}
	if (!r && ar != ARCHIVE_EOF)
		r = fail(l, "layer %d is not a tar archive: %s", layer, aerr(a));
	archive_write_free(w);
	archive_read_free(a);
	return r;
}

/* Each layer of manifest m, verified, onto the directory tmp. */
static int layers_apply(struct lay *l, const cJSON *m, const char *tmp)
{
	const cJSON *ls = cJSON_GetObjectItemCaseSensitive(m, "layers"), *d;
	char path[4300];
	int rootfd, cwd, r = 0, i = 0;

	if (!cJSON_IsArray(ls))
		return fail(l, "the manifest has no layers");
	rootfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return fail(l, "%s: %s", tmp, strerror(errno));
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cJSON_ArrayForEach(d, ls)
	{
		i++;
		if (!media_is(jstr(d, "mediaType"), layer_types)) {
			r = fail(l,
				 "layer %d has media type \"%s\", which this node does not unpack",
				 i, jstr(d, "mediaType") ? jstr(d, "mediaType") : "");
			break;
		}
		r = blob_verify(l, d, path, sizeof(path));
		if (!r)
			r = layer_whiteouts(l, rootfd, path, i);
		if (r)
			break;
		/* The kubelet's loop is single-threaded and uses absolute paths: the cwd is free to
		 * borrow, and given back below. */
		if (fchdir(rootfd)) {
			r = fail(l, "%s: %s", tmp, strerror(errno));
			break;
		}
		r = layer_extract(l, rootfd, path, i);
		if (cwd < 0 || fchdir(cwd))
			r = chdir("/") ? -errno : r;
		if (r)
			break;
	}
	if (cwd >= 0)
		close(cwd);
	close(rootfd);
	return r;
}

/* A crashed unpack's temp dirs. */
static void leftovers_remove(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(d)))
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
			rm_at(dfd, e->d_name);
	closedir(d);
}

int rt_image_layout_unpack(const char *dir, char *msg, size_t msglen)
{
	struct lay l = {.dir = dir, .msg = msg, .msglen = msglen};
	char tmp[4200], final[4200], cfgp[4200];
	cJSON *m, *cfg = NULL;
	const cJSON *cd;
	char *text = NULL;
	int r = 0;

	leftovers_remove(dir);
	m = manifest_find(&l, &r);
	if (!m)
		return r;
	cd = cJSON_GetObjectItemCaseSensitive(m, "config");
	if (!media_is(jstr(cd, "mediaType"), config_types)) {
		r = fail(&l, "the manifest's config has media type \"%s\", not an image config",
			 jstr(cd, "mediaType") ? jstr(cd, "mediaType") : "");
		goto out;
	}
	cfg = blob_json(&l, cd, "config", &r);
	if (!cfg)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		r = fail(&l, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* mkdtemp makes it 0700; a container's user must be able to enter its root. */
	chmod(tmp, 0755);
	r = layers_apply(&l, m, tmp);
	if (r)
		goto out_tmp;
	/* config.json before rootfs/: rootfs/ is what marks the image unpacked. */
	snprintf(cfgp, sizeof(cfgp), "%s/config.json", dir);
	text = cJSON_PrintUnformatted(cfg);
	r = text ? rt_write_file(cfgp, text) : -ENOMEM;
	if (r) {
		r = fail(&l, "%s: %s", cfgp, strerror(-r));
		goto out_tmp;
	}
	snprintf(final, sizeof(final), "%s/rootfs", dir);
	if (rename(tmp, final) == 0)
		goto out;
	r = fail(&l, "%s: %s", final, strerror(errno));
out_tmp:
	rm_at(AT_FDCWD, tmp);
out:
	free(text);
	cJSON_Delete(cfg);
	cJSON_Delete(m);
	return r;
}
