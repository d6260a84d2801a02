/*
 * rl_history.c - the metrics log's history; see rl_history.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_history.h"
#include "rl_metrics.h"
#include "rl_proc.h"

#define PREFIX "metrics-"
#define GZIP_MS (600 * 1000LL)
#define ROTATED_MAX ((size_t)1 << 31)   /* a rotated file, unpacked */

/* Whether name is a rotated log: metrics-STAMP-PID.ndjson[.gz]. */
static int
rotated(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, PREFIX, strlen(PREFIX)) == 0 &&
	    ((n > 7 && strcmp(name + n - 7, ".ndjson") == 0) ||
	    (n > 10 && strcmp(name + n - 10, ".ndjson.gz") == 0));
}

/* Its rotation time as ISO 8601 ("2026-11-24T08:05:00Z"), from
 * metrics-20261124T080500Z-...; "" when the name holds none. */
static void
stamp_iso(const char *name, char *iso, size_t size)
{
	const char *s = name + strlen(PREFIX);

	if (strlen(s) < 16 || s[8] != 'T' || s[15] != 'Z') {
		snprintf(iso, size, "%s", "");
		return;
	}
	snprintf(iso, size, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6,
	    s + 9, s + 11, s + 13);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drop X.gz when X is there too (sorted, X comes just before it): gzip
 * is still writing it, and X holds every event.  Returns the count. */
static size_t
drop_unfinished(char **names, size_t n)
{
	size_t i, k = 0, len;

	for (i = 0; i < n; i++) {
		len = k ? strlen(names[k - 1]) : 0;
		if (k && strncmp(names[i], names[k - 1], len) == 0 &&
		    strcmp(names[i] + len, ".gz") == 0) {
			free(names[i]);
			continue;
		}
		names[k++] = names[i];
	}
	return k;
}

/* The rotated files of dir, oldest first; their count, in *names. */
static size_t
list_rotated(const char *dir, char ***names)
{
	struct dirent *d;
	size_t n = 0;
	DIR *D;

	*names = NULL;
	if (!(D = opendir(dir)))
		return 0;
	while ((d = readdir(D)))
		if (rotated(d->d_name)) {
			*names = rl_xrealloc(*names, (n + 1) * sizeof **names);
			(*names)[n++] = rl_xstrdup(d->d_name);
		}
	closedir(D);
	if (n)
		qsort(*names, n, sizeof **names, cmp_name);
	return drop_unfinished(*names, n);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The log's directory: path without its last component. */
static void
dir_of(const char *path, struct rl_buf *out)
{
	const char *slash = strrchr(path, '/');

	if (slash)
		rl_buf_add(out, path, (size_t)(slash - path));
	else
		rl_buf_adds(out, ".");
}

/* When the log's first event happened, in ms; -1 when unknown. */
static long long
first_event(const char *path)
{
	char head[64] = "";
	FILE *f = fopen(path, "re");
	const char *at;

	if (!f)
		return -1;
	if (!fgets(head, sizeof head, f))
		head[0] = '\0';
	fclose(f);
	at = strstr(head, "\"at\":\"");
	return at ? rl_dur_iso_parse(at + 6) : -1;
}

static int
due(const struct rl_config *cfg, const char *path)
{
	double max_bytes = rl_config_num(cfg, "metrics.max_bytes", 64 << 20);
	double max_age = rl_config_num(cfg, "metrics.max_age", 7 * 86400);
	long long t0;
	struct stat st;

	if (stat(path, &st) < 0 || st.st_size == 0)
		return 0;
	if (max_bytes > 0 && (double)st.st_size >= max_bytes)
		return 1;
	t0 = max_age > 0 ? first_event(path) : -1;
	return t0 >= 0 && (double)(rl_now_ms() - t0) >= max_age * 1000;
}

/* Remove what is older than metrics.keep, and beyond metrics.keep_files. */
static void
retention(const struct rl_config *cfg, const char *dir)
{
	double keep = rl_config_num(cfg, "metrics.keep", 90 * 86400);
	double keep_files = rl_config_num(cfg, "metrics.keep_files", 100);
	char **names, oldest[40] = "", iso[40];
	struct rl_buf p = {0};
	size_t n = list_rotated(dir, &names), i;

	if (keep > 0)
		rl_dur_iso(rl_now_ms() - (long long)(keep * 1000), oldest,
		    sizeof oldest);
	for (i = 0; i < n; i++) {
		stamp_iso(names[i], iso, sizeof iso);
		if ((keep > 0 && *iso && strcmp(iso, oldest) < 0) ||
		    (keep_files > 0 && (double)(n - i) > keep_files)) {
			rl_buf_reset(&p);
			rl_buf_printf(&p, "%s/%s", dir, names[i]);
			unlink(p.data);
		}
	}
	rl_buf_free(&p);
	free_names(names, n);
}

void
rl_history_rotate(const struct rl_config *cfg)
{
	struct rl_buf path = {0}, dir = {0}, lock = {0}, to = {0};
	char *argv[6], stamp[32];
	time_t now;
	struct tm tm;
	int fd, moved = 0;

	rl_metrics_log_path(cfg, &path);
	if (!due(cfg, path.data))
		goto out;
	dir_of(path.data, &dir);
	rl_buf_printf(&lock, "%s.lock", path.data);
	if ((fd = rl_fs_lock(lock.data, 1)) < 0)
		goto out;
	/* another process may have rotated it meanwhile */
	if (due(cfg, path.data)) {
		now = (time_t)(rl_now_ms() / 1000);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		rl_buf_printf(&to, "%s/" PREFIX "%s-%ld.ndjson", dir.data, stamp,
		    (long)getpid());
		if (rename(path.data, to.data) == 0)
			moved = 1;
		else
			rl_diag(path.data, 0, "io.write", "cannot rotate the metrics "
			    "log: %s", strerror(errno));
	}
	close(fd);
	/* compressed in the background: a command's exit never waits for
	 * it (readers take a .gz beside its uncompressed self as unfinished) */
	if (moved && rl_proc_findable("gzip")) {
		argv[0] = "gzip";
		argv[1] = "-n";
		argv[2] = "-f";
		argv[3] = "--";
		argv[4] = to.data;
		argv[5] = NULL;
		rl_proc_detach(argv);
	}
	if (moved)
		retention(cfg, dir.data);
out:
	rl_buf_free(&path);
	rl_buf_free(&dir);
	rl_buf_free(&lock);
	rl_buf_free(&to);
}

/* One rotated file, unpacked when it is compressed. */
static long
read_rotated(const char *file, int (*fn)(const cJSON *, void *), void *arg,
	long *skipped)
{
	struct rl_buf text = {0};
	char *argv[4];
	size_t n = strlen(file);
	long got = 0;
	int st;

	if (n > 3 && strcmp(file + n - 3, ".gz") == 0) {
		argv[0] = "gzip";
		argv[1] = "-dc";
		argv[2] = (char *)file;
		argv[3] = NULL;
		st = rl_proc_run(argv, NULL, GZIP_MS, &text, ROTATED_MAX, NULL, 0);
		if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rl_diag(file, 0, "io.read", "cannot unpack it: gzip %s",
			    st < 0 ? "is missing" : "failed");
		else
			got = rl_metrics_parse(text.data, text.len, fn, arg, skipped);
	} else if (rl_fs_read(file, &text, ROTATED_MAX) == 0) {
		got = rl_metrics_parse(text.data, text.len, fn, arg, skipped);
	}
	rl_buf_free(&text);
	return got;
}

long
rl_history_read(const char *path, const char *since,
	int (*fn)(const cJSON *ev, void *arg), void *arg, long *skipped)
{
	struct rl_buf dir = {0}, file = {0}, text = {0};
	char **names, iso[40];
	size_t n, i;
	long total = 0;

	if (skipped)
		*skipped = 0;
	dir_of(path, &dir);
	n = list_rotated(dir.data, &names);
	for (i = 0; i < n; i++) {
		stamp_iso(names[i], iso, sizeof iso);
		if (since && *iso && strcmp(iso, since) < 0)
			continue;      /* rotated before the window began */
		rl_buf_reset(&file);
		rl_buf_printf(&file, "%s/%s", dir.data, names[i]);
		total += read_rotated(file.data, fn, arg, skipped);
	}
	free_names(names, n);
	if (rl_fs_read(path, &text, (size_t)-1 / 2) == 0)
		total += rl_metrics_parse(text.data, text.len, fn, arg, skipped);
	else if (errno != ENOENT)
		total = -1;
	rl_buf_free(&dir);
	rl_buf_free(&file);
	rl_buf_free(&text);
	return total;
}
