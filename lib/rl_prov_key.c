/*
 * rl_prov_key.c - finding API keys and keeping them in; see rl_prov_key.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_fs.h"
#include "rl_proc.h"
#include "rl_prov_key.h"

#define KEY_MAX 16384

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
rl_prov_key_load(const char *cmd, const char *file, const char *env, char **key,
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
		rl_proc_secret_name(env);    /* no child inherits it */
		if (!(v = getenv(env)) || !*v)
			return rl_error_set(e, "provider.no_key",
			    "no api key: set %s, or provider.api_key_file or "
			    "provider.api_key_cmd (redline-config(5))", env);
		*key = rl_xstrdup(v);
	}
	return 0;
}

void
rl_prov_key_free(char *key)
{
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}

/* Keys shorter than this are blanked only as a whole word. */
#define KEY_SHORT 8
/* A beginning this long (half the key, clamped) is blanked too. */
#define KEY_PREFIX_MIN 8
#define KEY_PREFIX_MAX 12

/* A byte that may belong to a key: a short key must not touch one. */
static int
keyish(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The byte the JSON escape at t[0..n) stands for, with its length in
 * *w; -1 when t holds no escape of an ASCII character, -2 when t ends
 * inside one.
 */
static int
unescape(const char *t, size_t n, size_t *w)
{
	static const char from[] = "/\"\\bfnrt", to[] = "/\"\\\b\f\n\r\t";
	const char *f;
	int v = 0, d;
	size_t i;

	if (t[0] != '\\')
		return -1;
	if (n < 2)
		return -2;
	if (t[1] != 'u') {
		if (!(f = strchr(from, t[1])) || !*f)
			return -1;
		*w = 2;
		return (unsigned char)to[f - from];
	}
	for (i = 2; i < 6; i++) {
		if (i == n)
			return -2;
		if ((d = hex(t[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	*w = 6;
	return v < 0x80 ? v : -1;
}

/*
 * How many bytes from t[i] spell the key (or enough of its beginning); 0
 * when they do not; -1 when t ends too soon to tell (never when final).
 */
static long
spells(const char *t, size_t n, size_t i, const char *key, size_t kn,
	int final)
{
	size_t j = i, k = 0, w = 0, least = kn;
	int c;

	if (kn < KEY_SHORT) {
		if (i > 0 && keyish(t[i - 1]))
			return 0;
	} else {
		least = kn / 2 < KEY_PREFIX_MIN ? KEY_PREFIX_MIN :
		    kn / 2 > KEY_PREFIX_MAX ? KEY_PREFIX_MAX : kn / 2;
	}
	while (k < kn) {
		if (j == n)
			return !final ? -1 : k >= least ? (long)(j - i) : 0;
		c = unescape(t + j, n - j, &w);
		if (c == -2 && !final)
			return -1;
		if (c >= 0 && c == (unsigned char)key[k])
			j += w;
		else if (t[j] == key[k])
			j++;
		else
			return k >= least ? (long)(j - i) : 0;
		k++;
	}
	if (kn < KEY_SHORT) {
		if (j == n)
			return final ? (long)(j - i) : -1;
		if (keyish(t[j]))
			return 0;
	}
	return (long)(j - i);
}

size_t
rl_prov_key_redact_part(const char *t, size_t n, size_t from, const char *key,
	int final, struct rl_buf *out)
{
	size_t i = from, plain = from, kn = key ? strlen(key) : 0;
	long m;

	if (kn == 0) {
		if (n > from)
			rl_buf_add(out, t + from, n - from);
		return n;
	}
	while (i < n) {
		if ((m = spells(t, n, i, key, kn, final)) == 0) {
			i++;
			continue;
		}
		if (m < 0)
			break;
		rl_buf_add(out, t + plain, i - plain);
		rl_buf_adds(out, RL_PROV_KEY_MARK);
		i += (size_t)m;
		plain = i;
	}
	if (i > plain)
		rl_buf_add(out, t + plain, i - plain);
	return i;
}

void
rl_prov_key_redact(struct rl_buf *b, const char *key)
{
	struct rl_buf r = {0};

	if (!b->len || !key || !*key)
		return;
	rl_prov_key_redact_part(b->data, b->len, 0, key, 1, &r);
	if (r.len == b->len && memcmp(r.data, b->data, r.len) == 0) {
		rl_buf_free(&r);
		return;
	}
	explicit_bzero(b->data, b->len);
	rl_buf_free(b);
	*b = r;
}
