/*
 * rl_trust.c - the user's trust in repositories' .redline/ layers; see
 * rl_trust.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_trust.h"

#define LAYER_FILE_MAX (4UL << 20)
#define STORE_MAX (16UL << 20)

/* The directories of the layer and the names each may hold. */
static const struct {
	const char *dir, *suffix;
} kinds[] = {
	{".redline/tools", ".json"},
	{".redline/prompts", ".md"},
};

static const char *want_suffix;

static int
layer_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name), k = strlen(want_suffix);

	return d->d_name[0] != '.' && n > k &&
	    strcmp(d->d_name + n - k, want_suffix) == 0;
}

/* Hash one file of the layer (rel: its path below dir); 1 if it is
 * there, 0 if not, -1 with e set. */
static int
add_file(struct rl_sha256 *h, const char *dir, const char *rel,
	struct rl_buf *files, struct rl_error *e)
{
	struct rl_buf path = {0}, text = {0};
	char size[32];
	int rc = 1;

	rl_buf_printf(&path, "%s/%s", dir, rel);
	if (rl_fs_read_regular(path.data, &text, LAYER_FILE_MAX) < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			rc = rl_error_set(e, "config.untrusted", "%s: cannot be "
			    "read as a file: %s", path.data, errno == EINVAL ?
			    "not a regular file" : strerror(errno));
	} else {
		snprintf(size, sizeof size, "%zu", text.len);
		rl_sha256_add(h, rel, strlen(rel) + 1);
		rl_sha256_add(h, size, strlen(size) + 1);
		rl_sha256_add(h, text.data, text.len);
		if (files)
			rl_buf_printf(files, "%s\n", rel);
	}
	rl_buf_free(&path);
	rl_buf_free(&text);
	return rc;
}

int
rl_trust_digest(const char *dir, char hex[RL_SHA256_HEX],
	struct rl_buf *files, struct rl_error *e)
{
	struct rl_sha256 h;
	struct rl_buf sub = {0}, rel = {0};
	struct dirent **ents;
	int n = 0, rc, i, m;
	size_t j;

	rl_sha256_init(&h);
	if ((rc = add_file(&h, dir, ".redline/config.json", files, e)) < 0)
		return -1;
	n += rc;
	for (j = 0; j < sizeof kinds / sizeof *kinds; j++) {
		rl_buf_reset(&sub);
		rl_buf_printf(&sub, "%s/%s", dir, kinds[j].dir);
		want_suffix = kinds[j].suffix;
		if ((m = scandir(sub.data, &ents, layer_name, alphasort)) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			rl_error_set(e, "config.untrusted", "%s: cannot be read: "
			    "%s", sub.data, strerror(errno));
			n = -1;
			break;
		}
		for (i = 0; i < m; i++) {
			rl_buf_reset(&rel);
			rl_buf_printf(&rel, "%s/%s", kinds[j].dir, ents[i]->d_name);
			if (n >= 0 && (rc = add_file(&h, dir, rel.data, files, e)) < 0)
				n = -1;
			else if (n >= 0)
				n += rc;
			free(ents[i]);
		}
		free(ents);
		if (n < 0)
			break;
	}
	rl_buf_free(&sub);
	rl_buf_free(&rel);
	rl_sha256_hex(&h, hex);
	return n;
}

static void
store_path(const char *state, const char *name, struct rl_buf *out)
{
	rl_buf_printf(out, "%s/%s", state, name);
}

/* The store's document, a new empty one when there is none, or NULL with
 * e set when it cannot be read as one. */
static cJSON *
read_store(const char *state, struct rl_error *e)
{
	struct rl_buf path = {0}, text = {0};
	struct rl_json_err je;
	cJSON *doc = NULL;

	store_path(state, "trust.json", &path);
	if (rl_fs_read_regular(path.data, &text, STORE_MAX) < 0) {
		if (errno == ENOENT) {
			doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "version", 1);
			cJSON_AddObjectToObject(doc, "repos");
		} else {
			rl_error_set(e, "io.read", "%s: cannot read: %s", path.data,
			    errno == EINVAL ? "not a regular file" : strerror(errno));
		}
	} else if (rl_json_parse(text.data, text.len, 16, &doc, &je) < 0 ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "repos"))) {
		cJSON_Delete(doc);
		doc = NULL;
		rl_error_set(e, "config.invalid", "%s: not a trust store (fix: "
		    "move it away; then trust again what you trust)", path.data);
	}
	rl_buf_free(&path);
	rl_buf_free(&text);
	return doc;
}

/* dir's real path into out; -1 with e set when it has none. */
static int
real_dir(const char *dir, char out[PATH_MAX], struct rl_error *e)
{
	if (!realpath(dir, out))
		return rl_error_set(e, "io.open", "%s: %s", dir, strerror(errno));
	return 0;
}

enum rl_trust
rl_trust_check(const char *state, const char *dir)
{
	char hex[RL_SHA256_HEX], real[PATH_MAX];
	struct rl_error e;
	cJSON *doc;
	const char *have;
	enum rl_trust verdict = RL_TRUST_NO;
	int n = rl_trust_digest(dir, hex, NULL, &e);

	if (n == 0)
		return RL_TRUST_NONE;
	if (n < 0 || real_dir(dir, real, &e) < 0 || !(doc = read_store(state, &e)))
		return RL_TRUST_NO;
	have = rl_json_str(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "repos"), real), "digest");
	if (have && strcmp(have, hex) == 0)
		verdict = RL_TRUST_YES;
	cJSON_Delete(doc);
	return verdict;
}

static int
write_store(const char *state, const cJSON *doc, struct rl_error *e)
{
	struct rl_buf path = {0};
	char *s = cJSON_Print(doc);
	int rc = 0;

	store_path(state, "trust.json", &path);
	if (rl_fs_replace(path.data, s, strlen(s), 0600) < 0)
		rc = rl_error_set(e, "io.write", "%s: cannot write: %s", path.data,
		    strerror(errno));
	cJSON_free(s);
	rl_buf_free(&path);
	return rc;
}

int
rl_trust_set(const char *state, const char *dir, int trust,
	char hex[RL_SHA256_HEX], struct rl_buf *files, struct rl_error *e)
{
	char digest[RL_SHA256_HEX], real[PATH_MAX], at[32];
	struct rl_buf lock = {0};
	cJSON *doc = NULL, *repos, *rec;
	int lfd = -1, rc = -1;

	if (real_dir(dir, real, e) < 0 ||
	    (trust && rl_trust_digest(real, digest, files, e) < 0))
		return -1;
	if (rl_fs_mkdirs(state, 0700) < 0) {
		rl_error_set(e, "io.write", "%s: cannot make the state directory: "
		    "%s", state, strerror(errno));
		return -1;
	}
	store_path(state, "trust.lock", &lock);
	if ((lfd = rl_fs_lock(lock.data, 1)) < 0) {
		rl_error_set(e, "io.lock", "%s: %s", lock.data, strerror(errno));
		goto out;
	}
	if (!(doc = read_store(state, e)))
		goto out;
	repos = cJSON_GetObjectItemCaseSensitive(doc, "repos");
	cJSON_DeleteItemFromObjectCaseSensitive(repos, real);
	if (trust) {
		rec = cJSON_AddObjectToObject(repos, real);
		cJSON_AddStringToObject(rec, "digest", digest);
		rl_dur_iso(rl_now_ms(), at, sizeof at);
		cJSON_AddStringToObject(rec, "at", at);
		if (hex)
			memcpy(hex, digest, RL_SHA256_HEX);
	}
	rc = write_store(state, doc, e);
out:
	if (lfd >= 0)
		close(lfd);
	cJSON_Delete(doc);
	rl_buf_free(&lock);
	return rc;
}

cJSON *
rl_trust_list(const char *state, struct rl_error *e)
{
	cJSON *doc = read_store(state, e), *repos;

	if (!doc)
		return NULL;
	repos = cJSON_DetachItemFromObjectCaseSensitive(doc, "repos");
	cJSON_Delete(doc);
	return repos;
}
