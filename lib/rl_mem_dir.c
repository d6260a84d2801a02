/*
 * rl_mem_dir.c - the directory backend of the memory store (rl_mem.h).
 *
 * STATE/mem/NS/ is a namespace; each entry is one file in it, named by
 * its key with every byte outside [A-Za-z0-9_.-] (and a leading dot)
 * written %XX, so any key is a safe file name and never a dot file.  A
 * file is a header line and the value:
 *
 *     RLMEM1 CREATED ACCESSED EXPIRES SIZE TYPE\n VALUE...
 *
 * with the four numbers as 20 digits each (times in ms since the epoch,
 * EXPIRES 0 for never), so that a get can update ACCESSED in place with
 * one pwrite.  Entries are replaced crash-safely (rl_fs_replace_at:
 * temporary file, fsync, rename, fsync of the directory), so a reader,
 * which takes no lock, sees the old value or the new, never a mix.
 *
 * Writers of a namespace (put, del, incr, gc, clear) hold an exclusive
 * flock on NS/.lock; a lock dies with its holder.  NS/.usage keeps the
 * namespace's entry count and value bytes (for the size limit, without
 * a scan per put) and its hits and misses, as fixed-width text updated
 * in place under the lock.  A crash can leave the counts off by the one
 * entry being written; gc recounts them exactly.  Temporary files left
 * by crashed writers (".NAME.tmp.*") are removed by gc and clear, which
 * hold the lock, so no live writer's file is touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_mem.h"

#define MAGIC "RLMEM1 "
#define NUMW 20
#define HEAD_MAX 256

struct nsdir {
	char name[65];
	int fd;
	unsigned long hits, misses;   /* not yet saved to .usage */
};

struct dir {
	char *root;
	struct nsdir *ns;        /* every namespace this process opened */
	int nns;
};

struct usage {
	unsigned long long entries, bytes, hits, misses;
};

/* An entry as gc and list see it. */
struct item {
	int nsi;                   /* index into the namespace list */
	char *name, *key;
	struct rl_mem_meta meta;
	int corrupt;
};

static void
encode(const char *key, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)key;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    (*p == '.' && p != (const unsigned char *)key)) {
			*out++ = (char)*p;
		} else {
			*out++ = '%';
			*out++ = hex[*p >> 4];
			*out++ = hex[*p & 15];
		}
	}
	*out = 0;
}

/* The file name of key, or -1 (mem.bad_key) when it would be longer
 * than a file name may safely be: each byte outside [A-Za-z0-9_.-]
 * takes three. */
#define NAME_LEN_MAX 200

static int
name_of(struct rl_mem *m, const char *ns, const char *key, char *name)
{
	encode(key, name);
	if (strlen(name) > NAME_LEN_MAX)
		return rl_mem_fail(m, "mem.bad_key", "%s: the key is %zu bytes "
		    "once encoded for a file name, more than %d (bytes other "
		    "than A-Z a-z 0-9 _ . - count three)", ns, strlen(name),
		    NAME_LEN_MAX);
	return 0;
}

static char *
decode(const char *name)
{
	char *key = rl_xmalloc(strlen(name) + 1), *q = key;
	unsigned v;

	for (; *name; name++) {
		if (*name == '%' && sscanf(name + 1, "%2x", &v) == 1) {
			*q++ = (char)v;
			name += 2;
		} else {
			*q++ = *name;
		}
	}
	*q = 0;
	return key;
}

static int
io_fail(struct rl_mem *m, const char *code, const char *what, const char *ns)
{
	return rl_mem_fail(m, code, "%s%s%s: %s", ns ? ns : "", ns ? ": " : "",
	    what, strerror(errno));
}

/* The descriptor of namespace ns, opened once and kept until close; -1
 * with errno when it does not exist (and create is 0) or cannot be made. */
static int
ns_fd(struct dir *d, const char *ns, int create)
{
	char path[4096];
	int i, fd;

	for (i = 0; i < d->nns; i++)
		if (strcmp(d->ns[i].name, ns) == 0)
			return d->ns[i].fd;
	snprintf(path, sizeof path, "%s/%s", d->root, ns);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	d->ns = rl_xrealloc(d->ns, (size_t)(d->nns + 1) * sizeof *d->ns);
	snprintf(d->ns[d->nns].name, sizeof d->ns[0].name, "%s", ns);
	d->ns[d->nns].fd = fd;
	d->ns[d->nns].hits = d->ns[d->nns].misses = 0;
	return d->ns[d->nns++].fd;
}

static struct nsdir *
ns_of(struct dir *d, int fd)
{
	int i;

	for (i = 0; i < d->nns; i++)
		if (d->ns[i].fd == fd)
			return &d->ns[i];
	return NULL;
}

static int
lock_ns(int nsfd)
{
	int fd = openat(nsfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

static void
usage_read(int nsfd, struct usage *u)
{
	struct rl_buf b = {0};

	memset(u, 0, sizeof *u);
	if (rl_fs_read_at(nsfd, ".usage", &b, 4096) == 0 &&
	    sscanf(b.data, "%llu %llu %llu %llu", &u->entries, &u->bytes,
	    &u->hits, &u->misses) != 4)
		memset(u, 0, sizeof *u);
	rl_buf_free(&b);
}

static int
usage_write(int nsfd, const struct usage *u)
{
	char buf[160];
	int fd = openat(nsfd, ".usage", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	int n, rc;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof buf, "%0*llu %0*llu %0*llu %0*llu\n", NUMW,
	    u->entries, NUMW, u->bytes, NUMW, u->hits, NUMW, u->misses);
	rc = pwrite(fd, buf, (size_t)n, 0) == n ? 0 : -1;
	close(fd);
	return rc;
}

/* Parse a header; returns its length, or -1 when it is not one. */
static int
parse_head(const char *buf, size_t n, struct rl_mem_meta *meta)
{
	const char *nl = memchr(buf, '\n', n < HEAD_MAX ? n : HEAD_MAX);
	int type_at = 0;

	if (!nl || n < sizeof MAGIC - 1 || memcmp(buf, MAGIC, sizeof MAGIC - 1))
		return -1;
	if (sscanf(buf + sizeof MAGIC - 1, "%lld %lld %lld %llu %n",
	    &meta->created, &meta->accessed, &meta->expires, &meta->size,
	    &type_at) != 4 || type_at == 0)
		return -1;
	snprintf(meta->type, sizeof meta->type, "%.*s",
	    (int)(nl - buf - (long)(sizeof MAGIC - 1) - type_at),
	    buf + sizeof MAGIC - 1 + type_at);
	return (int)(nl - buf + 1);
}

static void
make_head(const struct rl_mem_meta *meta, struct rl_buf *out)
{
	rl_buf_printf(out, MAGIC "%0*lld %0*lld %0*lld %0*llu %s\n", NUMW,
	    meta->created, NUMW, meta->accessed, NUMW, meta->expires, NUMW,
	    meta->size, meta->type);
}

/*
 * Read entry name of nsfd: 0 and the value appended to val (when not
 * NULL), 1 when absent, 2 when corrupt, -1 on error.  *fdp, when not
 * NULL, receives the open descriptor (O_RDWR if possible).
 */
static int
read_entry(int nsfd, const char *name, struct rl_buf *val,
	struct rl_mem_meta *meta, int *fdp)
{
	struct rl_buf buf = {0};
	struct stat st;
	ssize_t n;
	int fd, head, rc = 0;

	fd = openat(nsfd, name, (fdp ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0 && fdp && (errno == EROFS || errno == EACCES))
		fd = openat(nsfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	rl_buf_grow(&buf, val ? (size_t)st.st_size : HEAD_MAX);
	while (buf.len < (val ? (size_t)st.st_size : HEAD_MAX)) {
		n = read(fd, buf.data + buf.len, buf.cap - buf.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		buf.len += (size_t)n;
	}
	buf.data[buf.len] = 0;       /* parse_head's sscanf reads a string */
	head = parse_head(buf.data, buf.len, meta);
	if (head < 0 || (unsigned long long)st.st_size != (unsigned long long)head + meta->size)
		rc = 2;
	else if (val)
		rl_buf_add(val, buf.data + head, meta->size);
	rl_buf_free(&buf);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return rc;
fail:
	rl_buf_free(&buf);
	close(fd);
	return -1;
}

/* Open namespace ns (made if create) and take its writer lock: the
 * start of every change.  Returns the lock (close it to release), -1
 * after setting m's error, or -2 when ns does not exist and !create. */
static int
begin_write(struct rl_mem *m, const char *ns, int create, int *nsfd)
{
	int lk;

	if ((*nsfd = ns_fd(m->impl, ns, create)) < 0)
		return !create && errno == ENOENT ? -2 :
		    io_fail(m, "io.open", "cannot open the namespace", ns);
	if ((lk = lock_ns(*nsfd)) < 0)
		return io_fail(m, "io.lock", "cannot lock", ns);
	return lk;
}

static int
d_open(struct rl_mem *m, const char *where)
{
	struct dir *d = rl_xcalloc(1, sizeof *d);

	if (rl_fs_mkdirs(where, 0700) < 0) {
		free(d);
		return rl_mem_fail(m, "io.open", "cannot create the store: %s",
		    strerror(errno));
	}
	d->root = rl_xstrdup(where);
	m->impl = d;
	return 0;
}

static int
d_put(struct rl_mem *m, const char *ns, const char *key, const void *val,
	size_t n, const struct rl_mem_meta *meta)
{
	struct rl_mem_meta old;
	struct rl_buf file = {0};
	char name[RL_MEM_KEY_MAX * 3 + 1];
	struct usage u;
	int nsfd, lk, had, rc = -1;

	if (name_of(m, ns, key, name) < 0 ||
	    (lk = begin_write(m, ns, 1, &nsfd)) < 0)
		return -1;
	had = read_entry(nsfd, name, NULL, &old, NULL);
	if (had != 0)
		old.size = 0;
	usage_read(nsfd, &u);
	if (u.bytes - (u.bytes < old.size ? u.bytes : old.size) + n > m->max_ns_bytes) {
		rc = rl_mem_fail(m, "mem.full", "%s: the namespace would hold "
		    "%llu bytes, more than mem.max_namespace_bytes (%llu)", ns,
		    u.bytes - old.size + n, m->max_ns_bytes);
		goto out;
	}
	make_head(meta, &file);
	rl_buf_add(&file, val, n);
	if (rl_fs_replace_at(nsfd, name, file.data, file.len, 0600) < 0) {
		rc = io_fail(m, "io.write", "cannot write", ns);
		goto out;
	}
	u.entries += had == 1 ? 1 : 0;
	u.bytes = u.bytes - (u.bytes < old.size ? u.bytes : old.size) + n;
	usage_write(nsfd, &u);
	rc = 0;
out:
	close(lk);
	rl_buf_free(&file);
	return rc;
}

static int
d_get(struct rl_mem *m, const char *ns, const char *key, struct rl_buf *val,
	struct rl_mem_meta *meta)
{
	struct dir *d = m->impl;
	char name[RL_MEM_KEY_MAX * 3 + 1], stamp[NUMW + 1];
	struct nsdir *nd;
	size_t before = val->len;
	int nsfd, fd = -1, rc;

	if (name_of(m, ns, key, name) < 0)
		return -1;
	if ((nsfd = ns_fd(d, ns, 0)) < 0)
		return errno == ENOENT ? 1 :
		    io_fail(m, "io.open", "cannot open the namespace", ns);
	nd = ns_of(d, nsfd);
	rc = read_entry(nsfd, name, val, meta, &fd);
	if (rc == 0 && meta->expires && meta->expires <= rl_now_ms()) {
		val->len = before;
		val->data[before] = 0;
		rc = 1;
	} else if (rc == 0) {
		meta->accessed = rl_now_ms();
		snprintf(stamp, sizeof stamp, "%0*lld", NUMW, meta->accessed);
		/* advisory: a read-only store keeps its old access times */
		if (pwrite(fd, stamp, NUMW, sizeof MAGIC - 1 + NUMW + 1) < 0)
			errno = 0;
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		nd->hits++;
	else if (rc == 1)
		nd->misses++;
	if (rc == 2)
		return rl_mem_fail(m, "mem.corrupt", "%s: '%s' is not a valid "
		    "entry (fix: rl-mem -n %s del '%s')", ns, key, ns, key);
	if (rc < 0)
		return io_fail(m, "io.read", "cannot read", ns);
	return rc;
}

static int
d_del(struct rl_mem *m, const char *ns, const char *key)
{
	char name[RL_MEM_KEY_MAX * 3 + 1];
	struct rl_mem_meta old;
	struct usage u;
	int nsfd, lk, had, rc;

	if (name_of(m, ns, key, name) < 0)
		return -1;
	if ((lk = begin_write(m, ns, 0, &nsfd)) < 0)
		return lk == -2 ? 1 : -1;
	had = read_entry(nsfd, name, NULL, &old, NULL);
	if (had == 1) {
		rc = 1;
	} else if (unlinkat(nsfd, name, 0) < 0 || fsync(nsfd) < 0) {
		rc = errno == ENOENT ? 1 : io_fail(m, "io.write", "cannot delete", ns);
	} else {
		usage_read(nsfd, &u);
		u.entries -= u.entries ? 1 : 0;
		u.bytes -= had == 0 && old.size <= u.bytes ? old.size : 0;
		usage_write(nsfd, &u);
		rc = 0;
	}
	close(lk);
	return rc;
}

static int
d_incr(struct rl_mem *m, const char *ns, const char *key, long long delta,
	long long *result)
{
	char name[RL_MEM_KEY_MAX * 3 + 1], num[32], *end;
	struct rl_buf val = {0}, file = {0};
	struct rl_mem_meta meta = {0};
	struct usage u;
	long long cur = 0;
	int nsfd, lk, had, rc = -1;

	if (name_of(m, ns, key, name) < 0 ||
	    (lk = begin_write(m, ns, 1, &nsfd)) < 0)
		return -1;
	had = read_entry(nsfd, name, &val, &meta, NULL);
	if (had == 0 && meta.expires && meta.expires <= rl_now_ms())
		had = 1;
	if (had == 2 || had < 0) {
		rc = had < 0 ? io_fail(m, "io.read", "cannot read", ns) :
		    rl_mem_fail(m, "mem.corrupt", "%s: '%s' is not a valid "
		    "entry (fix: rl-mem -n %s del '%s')", ns, key, ns, key);
		goto out;
	}
	if (had == 0) {
		errno = 0;
		cur = strtoll(val.data ? val.data : "", &end, 10);
		while (end && (*end == '\n' || *end == ' '))
			end++;
		if (!val.len || *end || errno) {
			rc = rl_mem_fail(m, "mem.not_integer", "%s: '%s' does "
			    "not hold a decimal integer", ns, key);
			goto out;
		}
	} else {
		meta.created = rl_now_ms();
		meta.expires = 0;
		meta.size = 0;
	}
	if ((delta > 0 && cur > INT64_MAX - delta) ||
	    (delta < 0 && cur < INT64_MIN - delta)) {
		rc = rl_mem_fail(m, "mem.not_integer", "%s: '%s' would overflow",
		    ns, key);
		goto out;
	}
	*result = cur + delta;
	usage_read(nsfd, &u);
	u.entries += had == 1 ? 1 : 0;
	u.bytes -= meta.size <= u.bytes ? meta.size : u.bytes;
	meta.size = (unsigned long long)snprintf(num, sizeof num, "%lld", *result);
	meta.accessed = rl_now_ms();
	snprintf(meta.type, sizeof meta.type, "text/plain; charset=utf-8");
	make_head(&meta, &file);
	rl_buf_add(&file, num, meta.size);
	if (rl_fs_replace_at(nsfd, name, file.data, file.len, 0600) < 0) {
		rc = io_fail(m, "io.write", "cannot write", ns);
		goto out;
	}
	u.bytes += meta.size;
	usage_write(nsfd, &u);
	rc = 0;
out:
	close(lk);
	rl_buf_free(&val);
	rl_buf_free(&file);
	return rc;
}

static int
is_ns(const struct dirent *e)
{
	return rl_fs_safe_name(e->d_name);
}

/* The namespaces to visit: ns alone, or every one in the store. */
static int
namespaces(struct dir *d, const char *ns, char ***out)
{
	struct dirent **v;
	int n, i;

	if (ns) {
		*out = rl_xmalloc(sizeof **out);
		(*out)[0] = rl_xstrdup(ns);
		return 1;
	}
	if ((n = scandir(d->root, &v, is_ns, alphasort)) < 0)
		return -1;
	*out = rl_xcalloc((size_t)n + 1, sizeof **out);
	for (i = 0; i < n; i++) {
		(*out)[i] = rl_xstrdup(v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return n;
}

static void
free_names(char **v, int n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

static int
cmp_item_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->nsi != y->nsi ? x->nsi - y->nsi : strcmp(x->key, y->key);
}

static int
cmp_item_lru(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return (x->meta.accessed > y->meta.accessed) -
	    (x->meta.accessed < y->meta.accessed);
}

/* Read the entries of namespace nsi into *items; temporary files are
 * removed when clean is set (the caller holds the lock). */
static int
scan(int nsfd, int nsi, const char *prefix, int clean, struct item **items,
	size_t *n, unsigned long *temps)
{
	int dfd = dup(nsfd);
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	struct item *it;
	char *key;

	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(dir);
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.') {
			if (clean && rl_fs_is_temp(e->d_name) &&
			    unlinkat(nsfd, e->d_name, 0) == 0 && temps)
				(*temps)++;
			continue;
		}
		key = decode(e->d_name);
		if (strncmp(key, prefix, strlen(prefix)) != 0) {
			free(key);
			continue;
		}
		*items = rl_xrealloc(*items, (*n + 1) * sizeof **items);
		it = &(*items)[(*n)++];
		memset(it, 0, sizeof *it);
		it->nsi = nsi;
		it->key = key;
		it->name = rl_xstrdup(e->d_name);
		it->corrupt = read_entry(nsfd, e->d_name, NULL, &it->meta, NULL) != 0;
	}
	closedir(dir);
	return 0;
}

static void
free_items(struct item *v, size_t n)
{
	while (n-- > 0) {
		free(v[n].key);
		free(v[n].name);
	}
	free(v);
}

static int
d_list(struct rl_mem *m, const char *ns, const char *prefix,
	int (*fn)(const struct rl_mem_entry *e, void *arg), void *arg)
{
	struct dir *d = m->impl;
	struct item *items = NULL;
	struct rl_mem_entry e;
	char **names;
	size_t n = 0, i;
	int nn, k, fd;

	if ((nn = namespaces(d, ns, &names)) < 0)
		return io_fail(m, "io.read", "cannot list the store", NULL);
	for (k = 0; k < nn; k++) {
		if ((fd = ns_fd(d, names[k], 0)) < 0 && errno != ENOENT) {
			free_names(names, nn);
			return io_fail(m, "io.open", "cannot open", names[k]);
		}
		if (fd >= 0 && scan(fd, k, prefix, 0, &items, &n, NULL) < 0) {
			free_names(names, nn);
			return io_fail(m, "io.read", "cannot list", names[k]);
		}
	}
	if (n)
		qsort(items, n, sizeof *items, cmp_item_key);
	for (i = 0; i < n; i++) {
		e.ns = names[items[i].nsi];
		e.key = items[i].key;
		e.meta = items[i].meta;
		e.corrupt = items[i].corrupt;
		if (fn(&e, arg) != 0)
			break;
	}
	free_items(items, n);
	free_names(names, nn);
	return 0;
}

static int
d_stats(struct rl_mem *m, const char *ns,
	int (*fn)(const struct rl_mem_stats *s, void *arg), void *arg)
{
	struct dir *d = m->impl;
	struct rl_mem_stats s;
	struct item *items;
	struct nsdir *nd;
	struct usage u;
	char **names;
	size_t n, i;
	int nn, k, fd, rc = 0;

	if ((nn = namespaces(d, ns, &names)) < 0)
		return io_fail(m, "io.read", "cannot list the store", NULL);
	for (k = 0; k < nn && rc == 0; k++) {
		memset(&s, 0, sizeof s);
		s.ns = names[k];
		items = NULL;
		n = 0;
		if ((fd = ns_fd(d, names[k], 0)) >= 0) {
			scan(fd, k, "", 0, &items, &n, NULL);
			usage_read(fd, &u);
			nd = ns_of(d, fd);
			s.hits = u.hits + nd->hits;
			s.misses = u.misses + nd->misses;
		}
		for (i = 0; i < n; i++) {
			if (items[i].corrupt) {
				s.corrupt++;
				continue;
			}
			rl_mem_stats_add(&s, &items[i].meta);
		}
		free_items(items, n);
		rc = fn(&s, arg);
	}
	free_names(names, nn);
	return 0;
}

/* Remove one item, counting what it freed. */
static void
drop(int nsfd, struct item *it, unsigned long *count,
	struct rl_mem_gc_result *res)
{
	if (unlinkat(nsfd, it->name, 0) == 0) {
		(*count)++;
		res->bytes += it->meta.size;
		it->corrupt = -1;      /* gone */
	}
}

static int
d_gc(struct rl_mem *m, const char *ns, const struct rl_mem_gc *gc,
	struct rl_mem_gc_result *res)
{
	struct dir *d = m->impl;
	struct item *items = NULL;
	unsigned long long bytes = 0, entries = 0;
	long long now = rl_now_ms();
	struct usage u;
	char **names;
	int nn, k, *fds, *locks, fd;
	size_t n = 0, i;

	if ((nn = namespaces(d, ns, &names)) < 0)
		return io_fail(m, "io.read", "cannot list the store", NULL);
	fds = rl_xcalloc((size_t)nn + 1, sizeof *fds);
	locks = rl_xcalloc((size_t)nn + 1, sizeof *locks);
	for (k = 0; k < nn; k++) {
		locks[k] = -1;
		if ((fds[k] = ns_fd(d, names[k], 0)) < 0)
			continue;
		/* names are sorted: every gc locks in the same order */
		if ((locks[k] = lock_ns(fds[k])) >= 0)
			scan(fds[k], k, "", 1, &items, &n, &res->temp);
	}
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (it->corrupt)
			continue;
		if (it->meta.expires && it->meta.expires <= now)
			drop(fds[it->nsi], it, &res->expired, res);
		else if (gc->max_age >= 0 &&
		    it->meta.accessed < now - (long long)(gc->max_age * 1000))
			drop(fds[it->nsi], it, &res->aged, res);
	}
	if (n)
		qsort(items, n, sizeof *items, cmp_item_lru);
	for (i = 0; i < n; i++)
		if (!items[i].corrupt) {
			bytes += items[i].meta.size;
			entries++;
		}
	for (i = 0; i < n; i++) {
		if ((gc->max_bytes < 0 || bytes <= (unsigned long long)gc->max_bytes) &&
		    (gc->max_entries < 0 || entries <= (unsigned long long)gc->max_entries))
			break;
		if (items[i].corrupt)
			continue;
		bytes -= items[i].meta.size;
		entries--;
		drop(fds[items[i].nsi], &items[i], &res->evicted, res);
	}
	for (k = 0; k < nn; k++) {
		if (locks[k] < 0)
			continue;
		fd = fds[k];
		usage_read(fd, &u);
		u.entries = u.bytes = 0;
		for (i = 0; i < n; i++)
			if (items[i].nsi == k && items[i].corrupt == 0) {
				u.entries++;
				u.bytes += items[i].meta.size;
			}
		usage_write(fd, &u);
		fsync(fd);
		close(locks[k]);
	}
	free(fds);
	free(locks);
	free_items(items, n);
	free_names(names, nn);
	return 0;
}

static int
d_clear(struct rl_mem *m, const char *ns, unsigned long *removed)
{
	struct dir *d = m->impl;
	struct item *items;
	struct usage u;
	char **names;
	size_t n, i;
	int nn, k, fd, lk;

	if ((nn = namespaces(d, ns, &names)) < 0)
		return io_fail(m, "io.read", "cannot list the store", NULL);
	for (k = 0; k < nn; k++) {
		if ((fd = ns_fd(d, names[k], 0)) < 0 || (lk = lock_ns(fd)) < 0)
			continue;
		items = NULL;
		n = 0;
		scan(fd, k, "", 1, &items, &n, NULL);
		for (i = 0; i < n; i++)
			if (unlinkat(fd, items[i].name, 0) == 0)
				(*removed)++;
		usage_read(fd, &u);
		u.entries = u.bytes = 0;
		usage_write(fd, &u);
		fsync(fd);
		close(lk);
		free_items(items, n);
	}
	free_names(names, nn);
	return 0;
}

static void
d_close(struct rl_mem *m)
{
	struct dir *d = m->impl;
	struct usage u;
	int i, lk;

	for (i = 0; i < d->nns; i++) {
		if ((d->ns[i].hits || d->ns[i].misses) &&
		    (lk = lock_ns(d->ns[i].fd)) >= 0) {
			usage_read(d->ns[i].fd, &u);
			u.hits += d->ns[i].hits;
			u.misses += d->ns[i].misses;
			usage_write(d->ns[i].fd, &u);
			close(lk);
		}
		close(d->ns[i].fd);
	}
	free(d->ns);
	free(d->root);
	free(d);
}

/* Every write is fsync'ed before it is acknowledged: nothing to warn of
 * but a store that cannot be written. */
static int
d_check(struct rl_mem *m, cJSON *report, struct rl_buf *risks)
{
	struct dir *d = m->impl;

	(void)risks;
	cJSON_AddStringToObject(report, "where", d->root);
	cJSON_AddStringToObject(report, "durable", "every write fsync");
	if (access(d->root, W_OK) < 0)
		return io_fail(m, "io.write", "cannot write the store", NULL);
	return 0;
}

const struct rl_mem_backend rl_mem_dir = {
	"dir", d_open, d_put, d_get, d_del, d_incr, d_list, d_gc, d_stats,
	d_clear, d_close, NULL, d_check,
};
