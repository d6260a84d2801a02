/* test_fs.c - crash-safe files, locks, appends (lib/rl_fs.c). */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_fs.h"
#include "unit.h"

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' || e->d_name[1] == 't')
			n++;
	if (d)
		closedir(d);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/rl-test-fs.XXXXXX", path[256], deep[256], lock[256];
	struct rl_buf b = {0};
	struct stat st;
	int fd, i, ok, status;
	pid_t pid;

	CHECK(mkdtemp(dir) != NULL, "scratch directory");
	snprintf(path, sizeof path, "%s/f", dir);
	CHECK(rl_fs_replace(path, "one", 3, 0600) == 0, "replace creates");
	CHECK(rl_fs_replace(path, "two!", 4, 0600) == 0, "replace replaces");
	CHECK(rl_fs_read(path, &b, 100) == 0 && strcmp(b.data, "two!") == 0, "new contents read back");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode kept");
	CHECK(count_entries(dir) == 1, "no temporary file left behind");
	rl_buf_reset(&b);
	CHECK(rl_fs_read(path, &b, 2) < 0 && errno == EFBIG, "read refuses a file over max");
	snprintf(deep, sizeof deep, "%s/x/nope/f", dir);
	CHECK(rl_fs_replace(deep, "a", 1, 0600) < 0 && errno == ENOENT, "replace into a missing directory fails");

	CHECK(rl_fs_safe_name("plan") && rl_fs_safe_name("a.b_c-1"), "safe names");
	CHECK(!rl_fs_safe_name("..") && !rl_fs_safe_name(".x") && !rl_fs_safe_name("a/b") &&
	    !rl_fs_safe_name("") && !rl_fs_safe_name("a b"), "names that could escape or hide refused");
	memset(deep, 'n', 65);
	deep[65] = 0;
	CHECK(!rl_fs_safe_name(deep) && (deep[64] = 0, rl_fs_safe_name(deep)), "at most 64 characters");

	snprintf(deep, sizeof deep, "%s/a/b/c", dir);
	CHECK(rl_fs_mkdirs(deep, 0700) == 0 && stat(deep, &st) == 0 && S_ISDIR(st.st_mode), "mkdirs makes parents");
	CHECK(rl_fs_mkdirs(deep, 0700) == 0, "mkdirs on an existing tree");

	snprintf(lock, sizeof lock, "%s/l.lock", dir);
	fd = rl_fs_lock(lock, 1);
	CHECK(fd >= 0, "exclusive lock taken");
	pid = fork();
	if (pid == 0) {
		/* a second process cannot take it while we hold it */
		int f2 = open(lock, O_RDWR);
		_exit(flock(f2, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lock excludes another process");
	close(fd);

	/* 8 processes append 200 records each: every line whole */
	snprintf(path, sizeof path, "%s/log", dir);
	for (i = 0; i < 8; i++) {
		if ((pid = fork()) == 0) {
			char line[300];
			int k;
			memset(line, 'a' + i, sizeof line);
			line[sizeof line - 1] = '\n';
			for (k = 0; k < 200; k++)
				if (rl_fs_append(path, line, sizeof line) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (ok = 1, i = 0; i < 8; i++) {
		wait(&status);
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CHECK(ok, "concurrent appenders succeed");
	rl_buf_reset(&b);
	rl_fs_read(path, &b, 1 << 24);
	CHECK(b.len == 8 * 200 * 300, "every appended byte is there");
	for (ok = 1, i = 0; (size_t)i < b.len; i += 300) {
		size_t k;
		for (k = 1; k < 299; k++)
			ok &= b.data[i + k] == b.data[i];
		ok &= b.data[i + 299] == '\n';
	}
	CHECK(ok, "no record interleaved with another");
	rl_buf_free(&b);
	snprintf(deep, sizeof deep, "%s/t/a/b", dir);
	snprintf(path, sizeof path, "%s/t", dir);
	CHECK(rl_fs_mkdirs(deep, 0700) == 0, "a tree to remove");
	snprintf(lock, sizeof lock, "%s/t/a/link", dir);
	CHECK(symlink(dir, lock) == 0, "with a link out of it");
	CHECK(rl_fs_remove_tree(path) == 0 && access(path, F_OK) < 0,
	    "remove_tree removes it all");
	CHECK(access(dir, F_OK) == 0, "never what a link names");
	CHECK(rl_fs_remove_tree(path) == 0, "a tree not there is fine");
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	CHECK(system(path) == 0, "scratch removed");
	return unit_done();
}
