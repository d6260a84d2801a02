/*
 * rl_queue_work.c - a pool of commands fed by a queue; see rl_queue_work.h.
 *
 * One process, one poll(2) loop: each running command has a pipe for its
 * stdout, which is collected whole and released only if it exits 0.  The
 * record goes in through a memfd, so a command that does not read its
 * input never blocks us.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_lines.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_out.h"
#include "rl_queue_work.h"

struct slot {
	pid_t pid;               /* 0: free */
	int pidfd;               /* readable when it exits; -1: none */
	int out;                 /* its stdout, -1 at EOF */
	int status, exited;
	struct rl_qmsg msg;
	struct rl_lines out_lines;   /* its output, kept until it succeeds */
	long long renew_at;
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int
start(struct rl_queue_work *w, struct slot *s, char **argv)
{
	struct rl_buf rec = {0};
	int in, pipefd[2];

	rl_json_print(s->msg.body, &rec);
	rl_buf_addc(&rec, '\n');
	in = memfd_create("rl-queue-record", MFD_CLOEXEC);
	if (in < 0 || write(in, rec.data, rec.len) != (ssize_t)rec.len ||
	    lseek(in, 0, SEEK_SET) < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		rl_buf_free(&rec);
		if (in >= 0)
			close(in);
		return -1;
	}
	rl_buf_free(&rec);
	if ((s->pid = fork()) < 0) {
		close(in);
		close(pipefd[0]);
		close(pipefd[1]);
		s->pid = 0;
		return -1;
	}
	if (s->pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		dup2(in, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", rl_prog, argv[0], strerror(errno));
		_exit(127);
	}
	close(in);
	close(pipefd[1]);
	s->out = pipefd[0];
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	s->exited = 0;
	rl_lines_reset(&s->out_lines);
	s->renew_at = rl_now_ms() + w->lease_ms / 3;
	return 0;
}

/* Hand a successful command's output on. */
static void
release(struct rl_queue_work *w, struct slot *s)
{
	struct rl_json_err e;
	const char *p;
	size_t n;
	cJSON *rec;

	while (rl_lines_rest(&s->out_lines, &p, &n)) {
		if (!w->out) {
			rl_out_line(p, n);
		} else if (n && rl_json_parse(p, n, RL_JSON_DEPTH_MAX, &rec, &e) == 0) {
			if (rl_queue_push(w->out, &rec, 1, 0, 0, NULL) < 0)
				rl_error_report(&w->out->err, w->out->name);
			cJSON_Delete(rec);
		} else if (n) {
			rl_diag(s->msg.id, 0, e.code, "output not queued: %s", e.message);
		}
	}
}

/* Settle a finished command: ack, retry or dead. */
static void
settle(struct rl_queue_work *w, struct slot *s)
{
	int st = s->status, code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	cJSON *err;
	char msg[128];

	if (code == 0) {
		release(w, s);
		const char *lease = s->msg.lease;
		int found = 0;
		if (rl_queue_ack(w->q, &lease, 1, &found) != 0 || !found)
			rl_diag(s->msg.id, 0, "queue.lease_expired", "the lease "
			    "ended before the ack; the message may run again");
		w->ok++;
	} else {
		if (WIFSIGNALED(st))
			snprintf(msg, sizeof msg, "killed by signal %d", WTERMSIG(st));
		else
			snprintf(msg, sizeof msg, "exit %d", code);
		err = rl_err_object(code == 100 ? "tool.failed" : code == 111 ?
		    "tool.temporary" : "tool.failed", msg, "queue");
		if (rl_queue_nack(w->q, s->msg.lease, err, code == 100) < 0)
			rl_error_report(&w->q->err, s->msg.id);
		cJSON_Delete(err);
		if (code == 100)
			w->dead++;
		else
			w->retried++;
	}
	rl_qmsg_free(&s->msg);
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pid = 0;
}

/* Wait up to timeout ms for output or an exit; read what is ready on
 * the commands' stdout; settle the ones done.  An exit wakes the poll
 * through the child's pidfd; without pidfds, polls are kept short. */
static void
service(struct rl_queue_work *w, struct slot *slots, int timeout)
{
	struct pollfd pfd[128];
	int map[128], n = 0, i, nopidfd = 0;
	char chunk[65536];
	ssize_t r;

	for (i = 0; i < w->jobs; i++) {
		struct slot *s = &slots[i];
		if (!s->pid)
			continue;
		if (s->out >= 0) {
			pfd[n] = (struct pollfd){s->out, POLLIN, 0};
			map[n++] = i;
		}
		if (s->pidfd >= 0 && !s->exited) {
			pfd[n] = (struct pollfd){s->pidfd, POLLIN, 0};
			map[n++] = -1;
		} else if (!s->exited) {
			nopidfd = 1;
		}
	}
	if (nopidfd && timeout > 10)
		timeout = 10;
	if (poll(n ? pfd : NULL, (nfds_t)n, timeout) > 0) {
		for (i = 0; i < n; i++) {
			struct slot *s = map[i] >= 0 ? &slots[map[i]] : NULL;
			if (!s || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(s->out, chunk, sizeof chunk);
			if (r > 0) {
				rl_lines_add(&s->out_lines, chunk, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				close(s->out);
				s->out = -1;
			}
		}
	}
	for (i = 0; i < w->jobs; i++) {
		struct slot *s = &slots[i];
		if (!s->pid)
			continue;
		if (!s->exited && waitpid(s->pid, &s->status, WNOHANG) == s->pid)
			s->exited = 1;
		if (s->exited && s->out < 0)
			settle(w, s);
		else if (rl_now_ms() >= s->renew_at) {
			rl_queue_renew(w->q, s->msg.lease, w->lease_ms);
			s->renew_at = rl_now_ms() + w->lease_ms / 3;
		}
	}
}

int
rl_queue_work_run(struct rl_queue_work *w, char **argv)
{
	struct slot *slots;
	struct sigaction sa;
	long long idle_since = rl_now_ms();
	size_t got;
	int i, running, status = RL_EXIT_OK;

	if (w->jobs < 1)
		w->jobs = 1;
	if (w->jobs > 64)
		w->jobs = 64;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	slots = rl_xcalloc((size_t)w->jobs, sizeof *slots);
	for (;;) {
		running = 0;
		for (i = 0; i < w->jobs; i++)
			running += slots[i].pid != 0;
		for (i = 0; i < w->jobs && !stopping; i++) {
			if (slots[i].pid)
				continue;
			if (rl_queue_pop(w->q, 1, w->lease_ms, &slots[i].msg, &got) < 0) {
				rl_error_report(&w->q->err, NULL);
				status = RL_EXIT_TEMP;
				stopping = 1;
				break;
			}
			if (!got)
				break;
			if (start(w, &slots[i], argv) < 0) {
				rl_diag(NULL, 0, "tool.failed", "cannot start '%s': %s",
				    argv[0], strerror(errno));
				rl_queue_nack(w->q, slots[i].msg.lease, NULL, 0);
				rl_qmsg_free(&slots[i].msg);
				status = RL_EXIT_TEMP;
				stopping = 1;
				break;
			}
			running++;
			idle_since = rl_now_ms();
		}
		if (!running) {
			if (stopping || rl_now_ms() - idle_since >= w->wait_ms)
				break;
			service(w, slots, 100);     /* idle: look again soon */
			continue;
		}
		service(w, slots, (int)(w->lease_ms / 3 < 1000 ? w->lease_ms / 3 : 1000));
	}
	for (i = 0; i < w->jobs; i++)
		rl_lines_free(&slots[i].out_lines);
	free(slots);
	if (status == RL_EXIT_OK && (w->retried || w->dead))
		status = RL_EXIT_FAIL;
	return status;
}
