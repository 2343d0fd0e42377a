/* Unit tests for dataplane/kubelet/image_layout.c: OCI image layouts built here with libarchive
 * (tar and tar+gzip layers, whiteouts, an opaque dir, symlinks, a device node, a nested index
 * with two platforms) unpacked through rt_image_resolve, and the refusals: a digest mismatch, a
 * missing blob, a blob that is not a tar, "../" and absolute entries, writing through a symlink.
 * After a refusal nothing of the unpack stays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <gnutls/crypto.h>

#include "kubelet/runtime.h"

#define GZ	 "application/vnd.oci.image.layer.v1.tar+gzip"
#define TAR	 "application/vnd.oci.image.layer.v1.tar"
#define MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define INDEX	 "application/vnd.oci.image.index.v1+json"

struct ent {
	const char *path;
	char type;	  /* 'f' file, 'd' dir, 'l' symlink, 'c' char device, 'h' hardlink */
	const char *data; /* content, or link target */
	int mode;
};

static char root[64], img[160];

static void path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", img, rel);
}

static void put(const char *rel, const void *data, size_t n)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* A blob of data in the layout; its descriptor's digest and size into desc. */
static void blob(const void *data, size_t n, const char *media, char *desc, size_t dlen)
{
	unsigned char md[32];
	char hex[65], rel[128];

	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, md), 0);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	put(rel, data, n);
	snprintf(desc, dlen, "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu}", media,
		 hex, n);
}

/* A tar (gzip'd when gz) of ents, as a blob; its descriptor (with media type media, or else
 * the OCI one) into desc. */
static void layer_as(const struct ent *ents, bool gz, const char *media, char *desc, size_t dlen)
{
	static char buf[1 << 20];
	size_t used = 0;
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_memory(a, buf, sizeof(buf), &used), ARCHIVE_OK);
	for (const struct ent *e = ents; e->path; e++) {
		struct archive_entry *ae = archive_entry_new();
		size_t n = e->type == 'f' ? strlen(e->data) : 0;

		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
		archive_entry_set_size(ae, (la_int64_t)n);
		switch (e->type) {
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e->data);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e->data);
			break;
		case 'c':
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_rdev(ae, makedev(1, 3));
			break;
		default:
			archive_entry_set_filetype(ae, AE_IFREG);
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (n)
			assert_int_equal(archive_write_data(a, e->data, n), (la_ssize_t)n);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	blob(buf, used, media ? media : gz ? GZ : TAR, desc, dlen);
}

static void layer(const struct ent *ents, bool gz, char *desc, size_t dlen)
{
	layer_as(ents, gz, NULL, desc, dlen);
}

static const char config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/sh\"],"
    "\"Cmd\":[\"-c\",\"echo hi\"],\"Env\":[\"PATH=/bin\",\"X=1\"],\"WorkingDir\":\"/w\","
    "\"User\":\"1000:1001\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

/* A manifest with config and the layer descriptors "l1,l2,..." as a blob; its descriptor,
 * with platform, into desc. */
static void manifest(const char *layers, const char *platform, char *desc, size_t dlen)
{
	char cfg[256], m[4096];

	blob(config, strlen(config), "application/vnd.oci.image.config.v1+json", cfg, sizeof(cfg));
	snprintf(m, sizeof(m),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MANIFEST
		 "\",\"config\":%s,\"layers\":[%s]}",
		 cfg, layers);
	blob(m, strlen(m), MANIFEST, desc, dlen);
	if (platform)
		snprintf(desc + strlen(desc) - 1, dlen - strlen(desc) + 1,
			 ",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}", platform);
}

static void index_json(const char *manifests)
{
	char j[4096];

	snprintf(j, sizeof(j), "{\"schemaVersion\":2,\"manifests\":[%s]}", manifests);
	put("index.json", j, strlen(j));
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
}

/* A fresh store with an empty layout for image "app". */
static int setup(void **state)
{
	char p[512];

	snprintf(root, sizeof(root), "/tmp/skiff-kl-layout.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(img, sizeof(img), "%s/images/app", root);
	snprintf(p, sizeof(p), "%s/images", root);
	mkdir(p, 0755);
	mkdir(img, 0755);
	path_of(p, sizeof(p), "blobs");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "blobs/sha256");
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static bool exists(const char *rel)
{
	char p[512];
	struct stat st;

	path_of(p, sizeof(p), rel);
	return lstat(p, &st) == 0;
}

static void content_is(const char *rel, const char *want)
{
	char p[512], got[256] = "";
	FILE *f;
	size_t n;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = 0;
	fclose(f);
	assert_string_equal(got, want);
}

/* After a refusal the layout is as it was: no rootfs/, config.json or temp dir. */
static void untouched(void)
{
	DIR *d = opendir(img);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || strcmp(e->d_name, "..") == 0))
			continue;
		if (strcmp(e->d_name, "blobs") && strcmp(e->d_name, "index.json") &&
		    strcmp(e->d_name, "oci-layout"))
			fail_msg("left in the layout: %s", e->d_name);
	}
	closedir(d);
}

static void test_unpack(void **state)
{
	static const struct ent l1[] = {
	    {"./", 'd', NULL, 0},
	    {"./etc/", 'd', NULL, 0},
	    {"./etc/a", 'f', "A", 0},
	    {"./etc/b", 'f', "B", 0},
	    {"opq/", 'd', NULL, 0},
	    {"opq/old", 'f', "old", 0},
	    {"opq/sub/", 'd', NULL, 0},
	    {"opq/sub/deep", 'f', "deep", 0},
	    {"bin/", 'd', NULL, 0},
	    {"bin/busybox", 'f', "#!bb", 0755},
	    {"bin/sh", 'l', "/bin/busybox", 0777},
	    {"bin/ash", 'h', "bin/busybox", 0755},
	    {"dev/", 'd', NULL, 0},
	    {"dev/null", 'c', NULL, 0666},
	    {NULL, 0, NULL, 0},
	};
	static const struct ent l2[] = {
	    {"etc/.wh.a", 'f', "", 0},	     {"etc/b", 'f', "B2", 0},
	    {"opq/new", 'f', "new", 0},	     {"opq/.wh..wh..opq", 'f', "", 0},
	    {"secret", 'f', "s", 0600},	     {"w/", 'd', NULL, 0},
	    {"etc/.wh.nothere", 'f', "", 0}, {NULL, 0, NULL, 0},
	};
	char d1[256], d2[256], layers[600], amd[768], arm[768], nested[1800], ix[256], p[512];
	char msg[512], missing[192];
	struct rt_image im;
	struct stat st;
	ssize_t n;

	layer(l1, false, d1, sizeof(d1));
	layer(l2, true, d2, sizeof(d2));
	snprintf(layers, sizeof(layers), "%s,%s", d1, d2);
	manifest(layers, "amd64", amd, sizeof(amd));
	/* The arm64 manifest's layer is missing: picking it would fail. */
	snprintf(missing, sizeof(missing),
		 "{\"mediaType\":\"" TAR "\",\"digest\":\"sha256:%064d\",\"size\":1}", 0);
	manifest(missing, "arm64", arm, sizeof(arm));
	snprintf(nested, sizeof(nested),
		 "{\"schemaVersion\":2,\"mediaType\":\"" INDEX "\",\"manifests\":[%s,%s]}", arm,
		 amd);
	blob(nested, strlen(nested), INDEX, ix, sizeof(ix));
	index_json(ix);

	assert_int_equal(rt_image_resolve(root, "app:v1", &im, msg, sizeof(msg)), 0);
	path_of(p, sizeof(p), "rootfs");
	assert_string_equal(im.rootfs, p);
	assert_string_equal(im.entrypoint[0], "/bin/sh");
	assert_null(im.entrypoint[1]);
	assert_string_equal(im.cmd[0], "-c");
	assert_string_equal(im.cmd[1], "echo hi");
	assert_string_equal(im.env[1], "X=1");
	assert_string_equal(im.working_dir, "/w");
	assert_true(im.has_user);
	assert_int_equal(im.uid, 1000);
	assert_int_equal(im.gid, 1001);
	rt_image_release(&im);

	/* the whiteout removed the lower file, the opaque dir kept only its own layer's entry */
	assert_false(exists("rootfs/etc/a"));
	content_is("rootfs/etc/b", "B2");
	assert_false(exists("rootfs/opq/old"));
	assert_false(exists("rootfs/opq/sub"));
	content_is("rootfs/opq/new", "new");
	/* symlinks kept as they are (absolute targets mean the container's root), modes kept */
	path_of(p, sizeof(p), "rootfs/bin/sh");
	n = readlink(p, msg, sizeof(msg) - 1);
	assert_true(n > 0);
	msg[n] = 0;
	assert_string_equal(msg, "/bin/busybox");
	path_of(p, sizeof(p), "rootfs/bin/busybox");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_nlink, 2);
	path_of(p, sizeof(p), "rootfs/secret");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	path_of(p, sizeof(p), "rootfs");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* device nodes are skipped */
	assert_false(exists("rootfs/dev/null"));
	assert_true(exists("rootfs/dev"));
	assert_true(exists("config.json"));

	/* The second use finds rootfs/ and config.json: no unpack (a broken index would fail). */
	put("index.json", "{", 1);
	assert_int_equal(rt_image_resolve(root, "app", &im, msg, sizeof(msg)), 0);
	assert_string_equal(im.working_dir, "/w");
	rt_image_release(&im);
}

/* rt_image_resolve fails with -EBADMSG, a message containing want, and nothing unpacked. */
static void refused(const char *want)
{
	char msg[512];
	struct rt_image im;

	assert_int_equal(rt_image_resolve(root, "app", &im, msg, sizeof(msg)), -EBADMSG);
	if (!strstr(msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", msg, want);
	assert_non_null(strstr(msg, "image \"app\": OCI image layout "));
	untouched();
}

static void one_layer(const struct ent *ents)
{
	char d[256], m[768];

	layer(ents, true, d, sizeof(d));
	manifest(d, NULL, m, sizeof(m));
	index_json(m);
}

static void test_bad_digest(void **state)
{
	static const struct ent l[] = {{"f", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	char d[256], m[768], rel[128];
	const char *hex;

	layer(l, false, d, sizeof(d));
	manifest(d, NULL, m, sizeof(m));
	index_json(m);
	/* Same size, other bytes. */
	hex = strstr(d, "sha256:") + 7;
	snprintf(rel, sizeof(rel), "blobs/sha256/%.64s", hex);
	{
		char p[512];
		FILE *f;

		path_of(p, sizeof(p), rel);
		f = fopen(p, "r+");
		assert_non_null(f);
		fseek(f, 600, SEEK_SET);
		fputc('Z', f);
		fclose(f);
	}
	refused("does not match its digest (its content hashes to sha256:");
}

static void test_missing_blob(void **state)
{
	char m[768], missing[192];

	snprintf(missing, sizeof(missing),
		 "{\"mediaType\":\"" TAR "\",\"digest\":\"sha256:%064d\",\"size\":1}", 7);
	manifest(missing, NULL, m, sizeof(m));
	index_json(m);
	refused("blob sha256:0000000000000000000000000000000000000000000000000000000000000007: "
		"missing from blobs/");
}

static void test_not_tar(void **state)
{
	static const char junk[] = "this is not a tar archive, just text";
	char d[256], m[768];

	blob(junk, sizeof(junk), TAR, d, sizeof(d));
	manifest(d, NULL, m, sizeof(m));
	index_json(m);
	refused("layer 1 is not a tar archive");
}

static void test_dotdot(void **state)
{
	static const struct ent l[] = {
	    {"ok", 'f', "x", 0}, {"../escape", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	char p[512];

	one_layer(l);
	refused("layer 1: entry \"../escape\" leaves the root filesystem");
	snprintf(p, sizeof(p), "%s/images/escape", root);
	assert_int_equal(access(p, F_OK), -1);
}

static void test_absolute(void **state)
{
	static const struct ent l[] = {{"/abs", 'f', "x", 0}, {NULL, 0, NULL, 0}};

	one_layer(l);
	refused("entry \"/abs\" leaves the root filesystem");
}

static void test_hardlink_escape(void **state)
{
	static const struct ent l[] = {{"h", 'h', "../../../etc/passwd", 0}, {NULL, 0, NULL, 0}};

	one_layer(l);
	refused("entry \"../../../etc/passwd\" leaves the root filesystem");
}

/* ".wh..." would remove the rootfs' parent, the layout itself. */
static void test_whiteout_dotdot(void **state)
{
	static const struct ent l[] = {{"f", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	static const struct ent up[] = {{".wh...", 'f', "", 0}, {NULL, 0, NULL, 0}};
	char d1[256], d2[256], ls[600], m[1200];

	layer(l, false, d1, sizeof(d1));
	layer(up, false, d2, sizeof(d2));
	snprintf(ls, sizeof(ls), "%s,%s", d1, d2);
	manifest(ls, NULL, m, sizeof(m));
	index_json(m);
	refused("layer 2: \".wh...\" is not a valid whiteout");
	assert_true(exists("index.json"));
}

/* A symlink to a directory outside the rootfs: writing through it is refused, and a whiteout
 * through it deletes nothing outside. */
static void test_symlink_escape(void **state)
{
	char out[256], victim[300], l1d[256], l2d[256], l3d[256], ls[800], m[1200];
	struct ent l1[] = {{"evil", 'l', out, 0777}, {NULL, 0, NULL, 0}};
	static const struct ent l2[] = {{"evil/.wh.victim", 'f', "", 0}, {NULL, 0, NULL, 0}};
	static const struct ent l3[] = {{"evil/pwn", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	char p[512];

	snprintf(out, sizeof(out), "%s/outside", root);
	mkdir(out, 0755);
	snprintf(victim, sizeof(victim), "%s/victim", out);
	fclose(fopen(victim, "w"));
	layer(l1, false, l1d, sizeof(l1d));
	layer(l2, false, l2d, sizeof(l2d));
	layer(l3, false, l3d, sizeof(l3d));
	snprintf(ls, sizeof(ls), "%s,%s,%s", l1d, l2d, l3d);
	manifest(ls, NULL, m, sizeof(m));
	index_json(m);
	refused("layer 3: evil/pwn: writes through a symlink");
	assert_int_equal(access(victim, F_OK), 0);
	snprintf(p, sizeof(p), "%s/pwn", out);
	assert_int_equal(access(p, F_OK), -1);
}

/* Docker's layer type unpacks like the OCI one. */
static void test_docker_layer(void **state)
{
	static const struct ent l[] = {{"f", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	char d[256], m[768], msg[512];
	struct rt_image im;

	layer_as(l, true, "application/vnd.docker.image.rootfs.diff.tar.gzip", d, sizeof(d));
	manifest(d, NULL, m, sizeof(m));
	index_json(m);
	assert_int_equal(rt_image_resolve(root, "app", &im, msg, sizeof(msg)), 0);
	rt_image_release(&im);
	content_is("rootfs/f", "x");
}

static void test_unknown_layer_type(void **state)
{
	static const struct ent l[] = {{"f", 'f', "x", 0}, {NULL, 0, NULL, 0}};
	char d[256], m[768];

	layer_as(l, false, "application/x-foreign", d, sizeof(d));
	manifest(d, NULL, m, sizeof(m));
	index_json(m);
	refused(
	    "layer 1 has media type \"application/x-foreign\", which this node does not unpack");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_unpack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_digest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_blob, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_tar, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_absolute, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hardlink_escape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_whiteout_dotdot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_docker_layer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_layer_type, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
