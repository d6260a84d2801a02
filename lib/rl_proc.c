/*
 * rl_proc.c - run a program as a filter with a deadline; see rl_proc.h.
 *
 * One poll loop feeds stdin and drains stdout and stderr together, so a
 * program that writes a lot before reading all of its input never
 * deadlocks against us.  Exec failure comes back through a close-on-exec
 * pipe, so "not found" is told apart from "exited 127".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_proc.h"

/* stderr kept to find its last line: a model command's complaint */
#define ERR_KEEP 65536

extern char **environ;

long long
rl_proc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a credential variable is, by the end of its name: the one list. */
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

/* Variables named as holding a secret, whatever their names end in. */
static char secrets[16][128];

void
rl_proc_secret_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof secrets / sizeof *secrets; i++) {
		if (strcmp(secrets[i], name) == 0)
			return;
		if (!secrets[i][0]) {
			snprintf(secrets[i], sizeof secrets[i], "%s", name);
			return;
		}
	}
}

void
rl_proc_scrub_env(const char *extra)
{
	char name[256];
	size_t n;
	int i;

	if (extra && *extra)
		unsetenv(extra);
	for (i = 0; i < (int)(sizeof secrets / sizeof *secrets) && secrets[i][0];
	    i++)
		unsetenv(secrets[i]);
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

/* env's changes: "NAME=VALUE" sets, a bare "NAME" removes. */
static void
change_env(const char *const env[])
{
	char name[256];
	const char *eq;
	size_t n;

	for (; env && *env; env++) {
		if (!(eq = strchr(*env, '='))) {
			unsetenv(*env);
			continue;
		}
		n = (size_t)(eq - *env);
		if (n == 0 || n >= sizeof name)
			continue;
		memcpy(name, *env, n);
		name[n] = 0;
		setenv(name, eq + 1, 1);
	}
}

static void
child(char *const argv[], const char *const env[], int in, int out, int err,
	int report)
{
	int e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	rl_proc_scrub_env(NULL);
	change_env(env);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	execvp(argv[0], argv);
	e = errno;
	if (write(report, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

static void
keep_last_line(struct rl_buf *err, char *line, size_t size)
{
	size_t end = err->len, start;

	while (end > 0 && (err->data[end - 1] == '\n' || err->data[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && err->data[start - 1] != '\n')
		start--;
	if (end - start >= size)
		end = start + size - 1;
	memcpy(line, err->data + start, end - start);
	line[end - start] = 0;
}

int
rl_proc_pump(struct rl_pump *p)
{
	struct pollfd fds[3] = {{p->out, POLLIN, 0}, {p->err, POLLIN, 0},
	    {p->in, POLLOUT, 0}};
	struct rl_buf *buf[2] = {p->obuf, p->ebuf};
	unsigned long long *bytes[2] = {&p->obytes, &p->ebytes};
	size_t cap[2] = {p->ocap, p->ecap}, off = 0, k;
	struct sigaction old_pipe;
	char chunk[65536];
	int i, timed_out = 0;
	ssize_t n;

	/* a program that exits without reading all its input must not take
	 * us down with SIGPIPE: the write fails with EPIPE instead */
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, &old_pipe);
	if (fds[2].fd >= 0 && p->len == 0) {
		close(fds[2].fd);
		fds[2].fd = -1;
	}
	if (fds[2].fd >= 0)
		fcntl(fds[2].fd, F_SETFL, O_NONBLOCK);
	while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
		long long left = -1;

		if (p->end_ms) {
			left = p->end_ms - rl_proc_mono_ms();
			if (left <= 0) {
				timed_out = 1;
				break;
			}
		}
		if (poll(fds, 3, (int)(left > 1000000 ? 1000000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, chunk, sizeof chunk);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				close(fds[i].fd);
				fds[i].fd = -1;
				continue;
			}
			*bytes[i] += (unsigned long long)n;
			if (buf[i] && buf[i]->len < cap[i]) {
				k = cap[i] - buf[i]->len;
				rl_buf_add(buf[i], chunk, (size_t)n < k ? (size_t)n : k);
			}
		}
		if (fds[2].fd >= 0 && fds[2].revents) {
			n = write(fds[2].fd, p->text + off, p->len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == p->len) {
				close(fds[2].fd);
				fds[2].fd = -1;
			}
		}
	}
	for (i = 0; i < 3; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return timed_out ? RL_PROC_TIMEOUT : 0;
}

int
rl_proc_run(char *const argv[], const char *text, long long timeout_ms,
	struct rl_buf *out, size_t max, char *err_line, size_t size)
{
	struct rl_buf err = {0};
	int st;

	if (err_line && size)
		err_line[0] = 0;
	st = rl_proc_run_env(argv, NULL, text, timeout_ms, out, max, &err);
	if (err_line && size && err.len)
		keep_last_line(&err, err_line, size);
	rl_buf_free(&err);
	return st;
}

int
rl_proc_run_env(char *const argv[], const char *const env[], const char *text,
	long long timeout_ms, struct rl_buf *out, size_t max, struct rl_buf *err)
{
	int fd[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
	int *pin = fd[0], *pout = fd[1], *perr = fd[2], *rep = fd[3];
	int status = 0, e = 0, i, rc;
	struct rl_pump pump = {0};
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    (pid = fork()) < 0) {
		e = errno;
		for (i = 0; i < 8; i++)
			if (fd[i / 2][i % 2] >= 0)
				close(fd[i / 2][i % 2]);
		errno = e;
		return -1;
	}
	if (pid == 0)
		child(argv, env, pin[0], pout[1], perr[1], rep[1]);
	setpgid(pid, pid);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	close(rep[1]);
	if (read(rep[0], &e, sizeof e) == (ssize_t)sizeof e) {
		close(rep[0]);
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		waitpid(pid, &status, 0);
		errno = e;
		return -1;
	}
	close(rep[0]);
	pump = (struct rl_pump){.in = pin[1], .out = pout[0], .err = perr[0],
	    .text = text, .len = text ? strlen(text) : 0,
	    .end_ms = timeout_ms > 0 ? rl_proc_mono_ms() + timeout_ms : 0,
	    .obuf = out, .ocap = max, .ebuf = err, .ecap = ERR_KEEP};
	rc = rl_proc_pump(&pump);
	if (rc == RL_PROC_TIMEOUT)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return rc == RL_PROC_TIMEOUT ? RL_PROC_TIMEOUT : status;
}

int
rl_proc_detach(char *const argv[])
{
	pid_t pid = fork(), g;
	int st, fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* the child starts the grandchild and ends at once */
		if (setsid() < 0 || (g = fork()) < 0)
			_exit(127);
		if (g > 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

void
rl_proc_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "wait status %d", status);
}

int
rl_proc_which(const char *argv0, struct rl_buf *out)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[4096];

	if (strchr(argv0, '/')) {
		if (access(argv0, X_OK) != 0)
			return -1;
		rl_buf_adds(out, argv0);
		return 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (snprintf(full, sizeof full, "%.*s/%s", (int)(end - p),
		    end == p ? "." : p, argv0) < (int)sizeof full &&
		    access(full, X_OK) == 0) {
			rl_buf_adds(out, full);
			return 0;
		}
	}
	return -1;
}

void
rl_proc_identity(const char *argv0, struct rl_buf *out)
{
	struct rl_buf path = {0};
	struct stat st;

	if (rl_proc_which(argv0, &path) == 0 && stat(path.data, &st) == 0)
		rl_buf_printf(out, "%s %lld %lld.%09ld %llu", path.data,
		    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    (long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
	rl_buf_free(&path);
}

int
rl_proc_findable(const char *argv0)
{
	struct rl_buf b = {0};
	int found = rl_proc_which(argv0, &b) == 0;

	rl_buf_free(&b);
	return found;
}

static char exec_dir[PATH_MAX];

void
rl_proc_exec_dir(const char *argv0)
{
	const char *e = getenv("RL_EXEC_PATH"), *slash;

	if (e && *e)
		snprintf(exec_dir, sizeof exec_dir, "%s", e);
	else if ((slash = strrchr(argv0, '/')))
		snprintf(exec_dir, sizeof exec_dir, "%.*s", (int)(slash - argv0),
		    argv0);
}

void
rl_proc_exec_rl(const char *cmd, char **argv)
{
	char path[PATH_MAX + 64];

	if (*exec_dir) {
		snprintf(path, sizeof path, "%s/rl-%s", exec_dir, cmd);
		if (access(path, X_OK) == 0)
			execv(path, argv);
	}
	snprintf(path, sizeof path, "rl-%s", cmd);
	execvp(path, argv);
}

int
rl_proc_rl_path(const char *cmd, struct rl_buf *out)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[PATH_MAX + 64], *real = NULL;

	if (*exec_dir) {
		snprintf(full, sizeof full, "%s/rl-%s", exec_dir, cmd);
		if (access(full, X_OK) == 0)
			real = realpath(full, NULL);
	}
	for (p = path ? path : "/usr/bin:/bin"; !real && *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(full, sizeof full, "%.*s/rl-%s", (int)(end - p),
		    end == p ? "." : p, cmd);
		if (access(full, X_OK) == 0)
			real = realpath(full, NULL);
	}
	if (!real) {
		rl_buf_printf(out, "rl-%s", cmd);
		return -1;
	}
	rl_buf_adds(out, real);
	free(real);
	return 0;
}
