/*
 * rl_key.c - finding API keys and keeping them in; see rl_key.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_fs.h"
#include "rl_key.h"
#include "rl_proc.h"

#define KEY_MAX 16384

extern char **environ;

/* The first line of text, without surrounding blanks, as a new string. */
static char *
first_line(const char *s, size_t n)
{
	size_t a = 0, b;

	while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
		a++;
	for (b = a; b < n && s[b] != '\n' && s[b] != '\r'; b++)
		;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	return b > a ? rl_xstrndup(s + a, b - a) : NULL;
}

static int
from_file(const char *path, char **key, struct rl_error *e)
{
	struct rl_buf b = {0};
	struct stat st;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return rl_error_set(e, "provider.no_key", "cannot open key file %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rl_error_set(e, "provider.key_file",
		    "key file %s is not a regular file", path);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return rl_error_set(e, "provider.key_file",
		    "key file %s may be read by others (mode %04o, owner %lu); "
		    "run: chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    (unsigned long)st.st_uid, path);
	}
	/* read what was checked, not whatever the path names by now */
	if (rl_fs_read_fd(fd, &b, KEY_MAX) < 0) {
		saved = errno;
		close(fd);
		rl_buf_free(&b);
		return rl_error_set(e, "provider.no_key", "cannot read key file %s: %s",
		    path, strerror(saved));
	}
	close(fd);
	*key = b.len ? first_line(b.data, b.len) : NULL;
	if (b.data)
		explicit_bzero(b.data, b.len);
	rl_buf_free(&b);
	if (!*key)
		return rl_error_set(e, "provider.no_key", "key file %s is empty", path);
	return 0;
}

static int
from_cmd(const char *cmd, char **key, struct rl_error *e)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	struct rl_buf out = {0};
	char line[256], how[64];
	int st;

	st = rl_proc_run(argv, NULL, 30000, &out, KEY_MAX, line, sizeof line);
	if (st == 0)
		*key = out.len ? first_line(out.data, out.len) : NULL;
	if (out.data)
		explicit_bzero(out.data, out.len);
	rl_buf_free(&out);
	if (st == RL_PROC_TIMEOUT)
		return rl_error_set(e, "provider.no_key",
		    "api_key_cmd did not finish within 30 s");
	if (st != 0) {
		if (st < 0)
			snprintf(how, sizeof how, "%s", strerror(errno));
		else
			rl_proc_status(st, how, sizeof how);
		return rl_error_set(e, "provider.no_key", "api_key_cmd failed (%s)%s%s",
		    how, line[0] ? ": " : "", line);
	}
	if (!*key)
		return rl_error_set(e, "provider.no_key", "api_key_cmd printed no key");
	return 0;
}

int
rl_key_load(const char *cmd, const char *file, const char *env, char **key,
	const char **source, struct rl_error *e)
{
	const char *v;

	*key = NULL;
	*source = "";
	if (cmd && *cmd) {
		*source = "api_key_cmd";
		return from_cmd(cmd, key, e);
	}
	if (file && *file) {
		*source = file;
		return from_file(file, key, e);
	}
	if (env && *env) {
		*source = env;
		if (!(v = getenv(env)) || !*v)
			return rl_error_set(e, "provider.no_key",
			    "no api key: set %s, or provider.api_key_file or "
			    "provider.api_key_cmd (redline-config(5))", env);
		*key = rl_xstrdup(v);
	}
	return 0;
}

void
rl_key_free(char *key)
{
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}

static void
blank(struct rl_buf *b, const char *s, size_t n)
{
	static const char mark[] = "[redacted]";
	struct rl_buf r = {0};
	const char *p = b->data, *end = b->data + b->len, *hit;

	if (!b->len || n == 0)
		return;
	while ((hit = memmem(p, (size_t)(end - p), s, n))) {
		rl_buf_add(&r, p, (size_t)(hit - p));
		rl_buf_adds(&r, mark);
		p = hit + n;
	}
	if (p == b->data) {
		rl_buf_free(&r);
		return;
	}
	rl_buf_add(&r, p, (size_t)(end - p));
	explicit_bzero(b->data, b->len);
	rl_buf_free(b);
	*b = r;
}

void
rl_key_redact(struct rl_buf *b, const char *key)
{
	size_t n;

	if (!key || !*key)
		return;
	n = strlen(key);
	blank(b, key, n);
	if (n > 12)
		blank(b, key, 12);
}

static int
secret_name(const char *name, size_t n)
{
	static const char *const ends[] = {
		"_API_KEY", "_KEY", "_TOKEN", "_SECRET", "_PASSWORD", NULL
	};
	size_t i, k;

	for (i = 0; ends[i]; i++) {
		k = strlen(ends[i]);
		if (n >= k && memcmp(name + n - k, ends[i], k) == 0)
			return 1;
	}
	return 0;
}

void
rl_key_scrub_env(const char *extra)
{
	char name[256];
	size_t n;
	int i;

	if (extra && *extra)
		unsetenv(extra);
	for (i = 0; environ && environ[i];) {
		n = strcspn(environ[i], "=");
		if (n < sizeof name && secret_name(environ[i], n)) {
			memcpy(name, environ[i], n);
			name[n] = 0;
			unsetenv(name);
			continue;   /* environ shifted down */
		}
		i++;
	}
}
