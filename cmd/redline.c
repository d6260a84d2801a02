/*
 * redline - the front command, and the supervisor of the agent ring.
 *
 *   redline CMD [arg ...]   runs rl-CMD (as git runs git-CMD)
 *   redline run [-C dir] [-n tasks] [-p provider] [-m model] [-J name]
 *               [--no-sandbox] [--resume] [task ...]
 *
 * `redline run` starts each stage (rl-reason, rl-plan, rl-act,
 * rl-feedback, rl-complete) when the first baton for it comes, and routes
 * every baton a stage writes to the stage its next names: a ring, with
 * upstream handoffs, that ends at rl-complete.  Every baton in the ring is
 * a message of the queue NAME-ring (tasks waiting to enter, NAME-todo):
 * a stage's output is pushed before the input it answers is acked, so
 * whatever is killed, the journal holds each task at its latest handed-off
 * state and `redline run --resume` goes on from there.  The design and its
 * guarantees are in docs/ARCHITECTURE.md and redline(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_baton.h"
#include "rl_budget.h"
#include "rl_cmd.h"
#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_mem.h"
#include "rl_metrics.h"
#include "rl_out.h"
#include "rl_proc.h"
#include "rl_queue.h"
#include "rl_reward.h"

static const char usage[] =
    "usage: redline run [-C dir] [-n tasks] [-p provider] [-m model] [-J journal] "
    "[-v] [--no-sandbox] [--resume] [task ...]\n"
    "       redline command [arg ...]\n";

#define LEASE_MS (30LL * 86400 * 1000)   /* the ring's own: never expires */
#define POP_MAX 64
#define LINE_MAX_BYTES (64UL << 20)

enum { REASON, PLAN, ACT, FEEDBACK, COMPLETE, NSTAGES };
static const char *const names[NSTAGES] = {
	"reason", "plan", "act", "feedback", "complete"
};

struct stage {
	pid_t pid;                 /* 0: not running */
	int in, out;               /* our ends: batons to in, from out */
	struct rl_buf w, r;        /* to write; read and not yet a line */
	size_t woff;
	int crashes;               /* in a row */
	long long not_before;      /* mono ms before which it is not restarted */
};

struct flight {                /* a baton the ring holds */
	char id[129];
	char lease[64];
	int stage;                 /* where it is; -1 nowhere yet */
	int attempts;
	long long t0;              /* mono ms it entered this run */
	double iter, tokens;
};

struct sup {
	struct rl_config *cfg;
	struct rl_queue *todo, *ring;
	struct rl_mem *mem;
	struct stage st[NSTAGES];
	struct flight *f;
	size_t nf, capf;
	long tasks;                /* distinct tasks in the ring */
	unsigned long waiting;     /* tasks in todo, not yet let in */
	int max_tasks, restarts;
	const char *pname, *model;
	int no_sandbox, tty, drawn, verbose;
	int in_fd;                 /* batons to run; -1 once read */
	struct rl_buf in;
	pid_t task_pid;            /* rl-task making batons from arguments */
	int status;
	unsigned long finished, dead;
};

static struct rl_config cfg;
static volatile sig_atomic_t stop_sig, signals;

static void
on_signal(int sig)
{
	stop_sig = sig;
	signals++;
}

/* --- finding and starting commands ------------------------------------- */

static char exec_dir[PATH_MAX];

/* Where rl-CMD is looked for first: $RL_EXEC_PATH, else our own directory
 * when we were started by a path; then $PATH. */
static void
find_exec_dir(const char *argv0)
{
	const char *e = getenv("RL_EXEC_PATH"), *slash;

	if (e && *e) {
		snprintf(exec_dir, sizeof exec_dir, "%s", e);
	} else if ((slash = strrchr(argv0, '/'))) {
		snprintf(exec_dir, sizeof exec_dir, "%.*s", (int)(slash - argv0),
		    argv0);
	}
}

static void
exec_cmd(const char *cmd, char **argv)
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

/* Start rl-cmd with argv, its stdin and stdout on pipes (in, out: ours;
 * in may be NULL for a command that reads nothing).  In its own process
 * group, so a terminal's ^C reaches the supervisor alone, which lets work
 * in flight finish. */
static pid_t
spawn(const char *cmd, char **argv, int *in, int *out)
{
	int pi[2] = {-1, -1}, po[2];
	pid_t pid;

	if ((in && pipe2(pi, O_CLOEXEC) < 0) || pipe2(po, O_CLOEXEC) < 0)
		rl_die(RL_EXIT_TEMP, "io.open", "cannot make a pipe: %s",
		    strerror(errno));
	if ((pid = fork()) < 0)
		rl_die(RL_EXIT_TEMP, "io.open", "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if ((in && dup2(pi[0], 0) < 0) || dup2(po[1], 1) < 0)
			_exit(127);
		if (!in) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd < 0 || dup2(fd, 0) < 0)
				_exit(127);
		}
		exec_cmd(cmd, argv);
		fprintf(stderr, "%s: tool.not_found: cannot run rl-%s: %s\n",
		    rl_prog, cmd, strerror(errno));
		_exit(127);
	}
	if (in) {
		close(pi[0]);
		*in = pi[1];
		fcntl(*in, F_SETFL, O_NONBLOCK);
	}
	close(po[1]);
	*out = po[0];
	return pid;
}

/* --- the ring's bookkeeping --------------------------------------------- */

static struct flight *
find(struct sup *S, const char *id)
{
	size_t i;

	for (i = 0; i < S->nf; i++)
		if (strcmp(S->f[i].id, id) == 0)
			return &S->f[i];
	return NULL;
}

static struct flight *
add_flight(struct sup *S, const struct rl_qmsg *m, const char *id)
{
	struct flight *f;

	if (S->nf == S->capf) {
		S->capf = S->capf ? 2 * S->capf : 16;
		S->f = rl_xrealloc(S->f, S->capf * sizeof *S->f);
	}
	f = &S->f[S->nf++];
	memset(f, 0, sizeof *f);
	snprintf(f->id, sizeof f->id, "%s", id);
	snprintf(f->lease, sizeof f->lease, "%s", m->lease);
	f->stage = -1;
	f->attempts = m->attempts;
	f->t0 = rl_proc_mono_ms();
	return f;
}

static void
drop_flight(struct sup *S, struct flight *f)
{
	*f = S->f[--S->nf];
}

static void
queue_fail(struct rl_queue *q)
{
	rl_die(RL_EXIT_TEMP, q->err.code ? q->err.code : "queue.corrupt",
	    "journal %s: %s", q->name, q->err.message);
}

static void
ack(struct sup *S, struct flight *f)
{
	const char *l = f->lease;
	int found;

	if (rl_queue_ack(S->ring, &l, 1, &found) < 0)
		queue_fail(S->ring);
}

/* The ring's depth, for the dashboard: one "ring" event per change. */
static void
log_depth(const struct sup *S)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "queue", S->ring->name);
	cJSON_AddNumberToObject(f, "tasks", (double)S->tasks);
	cJSON_AddNumberToObject(f, "waiting", (double)S->waiting);
	rl_metrics_event("ring", f);
}

/* A baton's priority as the queue takes it, -1000 to 1000. */
static int
clamp(int prio)
{
	return prio < -1000 ? -1000 : prio > 1000 ? 1000 : prio;
}

/* The task's state as handed off: durable before the old one goes. */
static void
journal(struct sup *S, struct flight *f, cJSON *baton)
{
	int prio = (int)rl_json_num(baton, "priority", 0);

	if (rl_queue_push(S->ring, &baton, 1, clamp(prio), 0, NULL) < 0)
		queue_fail(S->ring);
	ack(S, f);
	drop_flight(S, f);
}

/* The end of a task: out on stdout, then gone from the journal. */
static void
finish(struct sup *S, struct flight *f, cJSON *baton)
{
	const char *st = rl_json_str(baton, "status");

	if (S->verbose)
		fprintf(stderr, "%s: %s: %s\n", rl_prog, f->id, st ? st :
		    "ended with an error");
	/* a scored run teaches the arms of the models it used */
	if (st && !cJSON_GetObjectItemCaseSensitive(baton, "error") &&
	    rl_reward_score(baton) == 0)
		rl_reward_update(S->cfg, S->mem, baton);
	rl_out_json(baton);
	if (cJSON_GetObjectItemCaseSensitive(baton, "error") ||
	    (st && strcmp(st, "FINISH") != 0))
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
	cJSON_Delete(baton);
	ack(S, f);
	drop_flight(S, f);
	S->tasks--;
	S->finished++;
	log_depth(S);
}

/* Back to the journal to be tried again later (or dead letters). */
static void
retry(struct sup *S, struct flight *f, const cJSON *err)
{
	if (rl_queue_nack(S->ring, f->lease, err, 0) < 0)
		queue_fail(S->ring);
	if (f->attempts + 1 >= S->ring->max_attempts) {
		rl_diag(f->id, 0, rl_json_str(err, "code"), "%s; after %d attempts "
		    "the baton is in the dead letters (rl-queue dead %s)",
		    rl_json_str(err, "message"), f->attempts + 1, S->ring->name);
		S->tasks--;
		S->dead++;
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
	}
	drop_flight(S, f);
}

/* --- bias requests ------------------------------------------------------ */

static void
bias_request(struct sup *S, cJSON *baton)
{
	cJSON *req = cJSON_DetachItemFromObjectCaseSensitive(baton,
	    "bias_request"), *log, *d, *bias;
	const char *agent = rl_json_str(req, "agent");
	const char *fix = rl_json_str(req, "correction");
	const char *why = NULL;
	struct rl_buf text = {0};
	int i;

	if (!req)
		return;
	for (i = 0; i < COMPLETE && agent && strcmp(agent, names[i]); i++)
		;
	if (!rl_config_bool(S->cfg, "run.accept_bias", 1))
		why = "run.accept_bias is false";
	else if (!agent || i == COMPLETE)
		why = "no agent that asks a model has that name";
	else if (!fix || !*fix || strlen(fix) > 500)
		why = "a correction is 1 to 500 bytes of text";
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "agent", agent ? agent : "");
	cJSON_AddStringToObject(d, "correction", fix ? fix : "");
	cJSON_AddStringToObject(d, "reason", rl_json_str(req, "reason") ?
	    rl_json_str(req, "reason") : "");
	cJSON_AddBoolToObject(d, "granted", !why);
	if (why)
		cJSON_AddStringToObject(d, "why", why);
	if (!why) {
		/* kept in the baton for this task, in memory for later runs */
		if (!cJSON_IsObject(bias = cJSON_GetObjectItemCaseSensitive(baton,
		    "bias")))
			rl_json_set(baton, "bias", bias = cJSON_CreateObject());
		rl_json_set(bias, agent, cJSON_CreateString(fix));
		if (rl_mem_put(S->mem, agent, "bias", fix, strlen(fix), 0,
		    "text/plain") < 0)
			rl_diag(rl_json_str(baton, "id"), 0, S->mem->err.code, "%s",
			    S->mem->err.message);
	}
	if (agent && i < COMPLETE) {
		rl_json_print(d, &text);
		if (rl_mem_put(S->mem, agent, "bias-decision", text.data, text.len,
		    0, "application/json") < 0)
			rl_diag(rl_json_str(baton, "id"), 0, S->mem->err.code, "%s",
			    S->mem->err.message);
	}
	if (!cJSON_IsArray(log = cJSON_GetObjectItemCaseSensitive(baton,
	    "bias_log")))
		rl_json_set(baton, "bias_log", log = cJSON_CreateArray());
	cJSON_AddItemToArray(log, d);
	if (S->tty || why)
		fprintf(stderr, "%s: %s: bias for %s %s%s\n", rl_prog,
		    rl_json_str(baton, "id"), agent ? agent : "?",
		    why ? "refused: " : "granted", why ? why : "");
	rl_buf_free(&text);
	cJSON_Delete(req);
}

/* --- stages -------------------------------------------------------------- */

static void
start_stage(struct sup *S, int s)
{
	char *argv[10];
	int n = 0;
	char prog[32];

	long long wait = S->st[s].not_before - rl_proc_mono_ms();
	const char *model = S->model;
	struct rl_buf why = {0};

	if (wait > 0)      /* a stage that crashed is restarted with backoff */
		usleep((useconds_t)(wait * 1000));
	snprintf(prog, sizeof prog, "rl-%s", names[s]);
	argv[n++] = prog;
	/* rl-complete asks no model, and takes no model's options */
	if (S->pname && s != COMPLETE) {
		argv[n++] = "-p";
		argv[n++] = (char *)S->pname;
	}
	/* no model given: the bandit's, when variants are configured */
	if (!model && s != COMPLETE &&
	    (model = rl_reward_pick(S->cfg, S->mem, names[s], &why)) && S->tty)
		fprintf(stderr, "%s: %s: %s\n", rl_prog, names[s], why.data);
	rl_buf_free(&why);
	if (model && s != COMPLETE) {
		argv[n++] = "-m";
		argv[n++] = (char *)model;
	}
	if (S->no_sandbox && (s == ACT || s == COMPLETE))
		argv[n++] = "--no-sandbox";
	argv[n] = NULL;
	S->st[s].pid = spawn(names[s], argv, &S->st[s].in, &S->st[s].out);
}

/* Give baton to stage s (started if need be). */
static void
send_to(struct sup *S, struct flight *f, int s, cJSON *baton)
{
	struct stage *st = &S->st[s];

	if (!st->pid)
		start_stage(S, s);
	rl_json_print(baton, &st->w);
	rl_buf_addc(&st->w, '\n');
	f->stage = s;
	f->iter = rl_json_num(baton, "iter", 0);
	f->tokens = rl_budget_tokens(cJSON_GetObjectItemCaseSensitive(baton,
	    "usage"));
	if (S->verbose)
		fprintf(stderr, "%s: %s: %s, iteration %.0f, %.0f tokens so far\n",
		    rl_prog, f->id, names[s], f->iter, f->tokens);
	cJSON_Delete(baton);
}

static int
stage_of(const char *next)
{
	int i;

	for (i = 0; next && i < NSTAGES; i++)
		if (strcmp(next, names[i]) == 0)
			return i;
	return -1;
}

/* Decide where a journaled baton goes, and send it. */
static void
route(struct sup *S, struct flight *f, cJSON *baton)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(baton, "error");
	const char *next = rl_json_str(baton, "next");
	struct rl_buf why = {0};
	cJSON *e;
	int s;

	if (err) {
		/* a baton that came with an error passes to the end, untouched */
		finish(S, f, baton);
		return;
	}
	bias_request(S, baton);
	s = stage_of(next);
	if (s >= 0 && s != COMPLETE &&
	    rl_budget_check(S->cfg, baton, rl_now_ms(), &why)) {
		rl_budget_spend(baton, why.data);    /* next is replaced */
		s = COMPLETE;
		next = rl_json_str(baton, "next");
	}
	rl_buf_free(&why);
	if (next && strcmp(next, "done") == 0) {
		finish(S, f, baton);
	} else if (s < 0) {
		e = rl_err_object("input.unknown_stage", "next names no stage of the "
		    "ring (reason, plan, act, feedback, complete, done)", "run");
		rl_json_set(baton, "error", e);
		rl_diag(f->id, 0, "input.unknown_stage", "next is %s%s%s: no stage "
		    "of the ring", next ? "\"" : "", next ? next : "missing",
		    next ? "\"" : "");
		finish(S, f, baton);
	} else {
		send_to(S, f, s, baton);
	}
}

/* A stage wrote a line. */
static void
from_stage(struct sup *S, int s, const char *line, size_t n)
{
	struct rl_json_err je;
	struct flight *f;
	const char *id;
	const cJSON *err;
	cJSON *b;

	if (rl_json_parse(line, n, RL_LOOP_MAX_DEPTH, &b, &je) < 0 ||
	    !cJSON_IsObject(b) || !(id = rl_json_str(b, "id")) ||
	    !(f = find(S, id)) || f->stage != s) {
		/* not one of ours: out as it is, never dropped */
		rl_diag(names[s], 0, "internal.stage_crash", "rl-%s wrote a line "
		    "that is no baton it was given; passed on", names[s]);
		rl_out_line(line, n);
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
		cJSON_Delete(b);
		return;
	}
	S->st[s].crashes = 0;
	err = cJSON_GetObjectItemCaseSensitive(b, "error");
	if (err && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err,
	    "retryable"))) {
		/* a later try may work: the state before it is tried again */
		retry(S, f, err);
		cJSON_Delete(b);
		return;
	}
	journal(S, f, b);
}

/* A stage ended: what it held goes back to the journal with the cause. */
static void
stage_ended(struct sup *S, int s)
{
	struct stage *st = &S->st[s];
	struct rl_buf msg = {0};
	char how[64];
	cJSON *err;
	int status = 0, held = 0;
	size_t i;

	close(st->out);
	if (st->in >= 0)
		close(st->in);
	st->in = st->out = -1;
	waitpid(st->pid, &status, 0);
	st->pid = 0;
	st->w.len = st->r.len = st->woff = 0;
	rl_proc_status(status, how, sizeof how);
	for (i = 0; i < S->nf; i++)
		held += S->f[i].stage == s;
	if (!held && WIFEXITED(status) && WEXITSTATUS(status) <= RL_EXIT_FAIL)
		return;
	/* a stage that refuses its options or configuration refuses every
	 * baton alike: retrying would send each to the dead letters */
	if (WIFEXITED(status) && WEXITSTATUS(status) == RL_EXIT_USAGE)
		rl_die(RL_EXIT_USAGE, "config.invalid", "rl-%s exited 2 (usage or "
		    "configuration, said above); the journal %s keeps every task: "
		    "redline run --resume, once it is mended", names[s],
		    S->ring->name);
	err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "code", "internal.stage_crash");
	cJSON_AddStringToObject(err, "category", "internal");
	cJSON_AddStringToObject(err, "stage", names[s]);
	rl_buf_printf(&msg, "rl-%s %s holding %d baton%s", names[s], how, held,
	    held == 1 ? "" : "s");
	cJSON_AddStringToObject(err, "message", msg.data);
	rl_diag(names[s], 0, "internal.stage_crash", "%s", msg.data);
	rl_buf_free(&msg);
	for (i = S->nf; i-- > 0;)
		if (S->f[i].stage == s)
			retry(S, &S->f[i], err);
	cJSON_Delete(err);
	st->crashes++;
	st->not_before = rl_proc_mono_ms() + (st->crashes > 4 ? 8000 :
	    500LL << (st->crashes - 1));
	if (st->crashes > S->restarts)
		rl_die(RL_EXIT_TEMP, "internal.stage_crash", "rl-%s crashed %d times "
		    "in a row; the journal %s keeps every task: redline run --resume",
		    names[s], st->crashes, S->ring->name);
}

/* --- input: batons to run ------------------------------------------------ */

/* A line of input: a baton for the todo journal, or an error baton out. */
static void
take_input(struct sup *S, const char *line, size_t n, unsigned long ln)
{
	struct rl_json_err je;
	cJSON *b = NULL, *e;
	int prio;

	if (strspn(line, " \t\r") == n)
		return;
	if (rl_json_parse(line, n, RL_LOOP_MAX_DEPTH, &b, &je) < 0 ||
	    !cJSON_IsObject(b) || !rl_json_str(b, "id") ||
	    strlen(rl_json_str(b, "id")) > 128) {
		rl_diag("stdin", ln, b ? "validate.schema" : je.code, "%s", b ?
		    "a baton needs a string id" : je.message);
		e = rl_baton_error(b, b ? "validate.schema" : je.code, b ?
		    "a baton needs a string id" : je.message, "run");
		rl_baton_add_raw(e, line, n);
		rl_out_json(e);
		cJSON_Delete(e);
		cJSON_Delete(b);
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
		return;
	}
	prio = (int)rl_json_num(b, "priority", 0);
	if (rl_queue_push(S->todo, &b, 1, clamp(prio), 0, NULL) < 0)
		queue_fail(S->todo);
	S->waiting++;
}

static void
read_input(struct sup *S)
{
	static unsigned long ln;
	char buf[65536];
	ssize_t n;
	char *nl;
	size_t off = 0;

	n = read(S->in_fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		rl_buf_add(&S->in, buf, (size_t)n);
	while (S->in.len > off &&
	    (nl = memchr(S->in.data + off, '\n', S->in.len - off))) {
		take_input(S, S->in.data + off, (size_t)(nl - S->in.data - off), ++ln);
		off = (size_t)(nl - S->in.data) + 1;
	}
	if (off) {
		memmove(S->in.data, S->in.data + off, S->in.len - off);
		S->in.len -= off;
	}
	if (S->in.len > LINE_MAX_BYTES)
		rl_die(RL_EXIT_FAIL, "input.too_large", "stdin: a line over %lu bytes",
		    LINE_MAX_BYTES);
	if (n <= 0) {
		if (n < 0)
			rl_diag("stdin", 0, "io.read", "%s", strerror(errno));
		if (S->in.len)
			take_input(S, S->in.data, S->in.len, ++ln);
		S->in.len = 0;
		if (S->in_fd != 0)
			close(S->in_fd);
		S->in_fd = -1;
		if (S->task_pid > 0) {
			int st;

			waitpid(S->task_pid, &st, 0);
			S->task_pid = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				S->status = rl_exit_merge(S->status, WIFEXITED(st) ?
				    WEXITSTATUS(st) : RL_EXIT_FAIL);
		}
	}
}

/* --- the journal: admitting tasks, taking batons to route --------------- */

/* Let tasks from todo into the ring while there is room; how many. */
static int
admit(struct sup *S)
{
	struct rl_qmsg m;
	const char *l;
	size_t n;
	int found, let = 0;

	while (!stop_sig && S->tasks < S->max_tasks) {
		if (rl_queue_pop(S->todo, 1, LEASE_MS, &m, &n) < 0)
			queue_fail(S->todo);
		if (!n)
			break;
		if (rl_queue_push(S->ring, &m.body, 1, m.priority, 0, NULL) < 0)
			queue_fail(S->ring);
		m.body = NULL;
		l = m.lease;
		if (rl_queue_ack(S->todo, &l, 1, &found) < 0)
			queue_fail(S->todo);
		rl_qmsg_free(&m);
		S->tasks++;
		let++;
		if (S->waiting)
			S->waiting--;
	}
	if (let)
		log_depth(S);
	return let;
}

/* Route a message of the ring: one flight per task. */
static void
take(struct sup *S, struct rl_qmsg *m)
{
	const char *id = rl_json_str(m->body, "id");
	struct flight *f;

	if (!id || find(S, id)) {
		/* never routed twice: it stays leased in the journal */
		rl_diag(S->ring->name, 0, "queue.corrupt", "a journaled baton %s%s; "
		    "left in the journal", id ? "is in flight already: " : "has no id",
		    id ? id : "");
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
		return;
	}
	f = add_flight(S, m, id);
	route(S, f, m->body);
	m->body = NULL;
}

static void
collect(struct sup *S)
{
	struct rl_qmsg m[POP_MAX];
	size_t n, i;

	do {
		if (rl_queue_pop(S->ring, POP_MAX, LEASE_MS, m, &n) < 0)
			queue_fail(S->ring);
		for (i = 0; i < n; i++) {
			take(S, &m[i]);
			rl_qmsg_free(&m[i]);
		}
	} while (n == POP_MAX);
}

/* --- resuming ------------------------------------------------------------ */

struct seen {
	struct rl_qmsg *m;
	size_t n, cap;
};

static int
seen_one(const struct rl_qmsg *m, void *arg)
{
	struct seen *v = arg;
	struct rl_qmsg *c;

	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->m = rl_xrealloc(v->m, v->cap * sizeof *v->m);
	}
	c = &v->m[v->n++];
	*c = *m;
	c->body = cJSON_Duplicate(m->body, 1);
	c->errors = NULL;
	return 0;
}

static void
seen_free(struct seen *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		cJSON_Delete(v->m[i].body);
	free(v->m);
	memset(v, 0, sizeof *v);
}

static int
has_id(const struct seen *v, const char *id, size_t skip)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (i != skip && rl_json_str(v->m[i].body, "id") &&
		    strcmp(rl_json_str(v->m[i].body, "id"), id) == 0)
			return 1;
	return 0;
}

static void
list(struct rl_queue *q, const char *state, struct seen *v)
{
	if (rl_queue_list(q, state, seen_one, v) < 0)
		queue_fail(q);
}

/*
 * Take over what a run that died left: batons leased to its stages are
 * routed again from their journaled state, unless a newer state of the
 * same task was pushed before the crash (then the older is acked); tasks
 * it had taken from todo are pushed to the ring unless they are there.
 * Returns the number of tasks in the ring.
 */
static long
resume(struct sup *S)
{
	struct seen ring = {0}, todo = {0};
	const char *l, *id;
	struct flight *f;
	size_t i, first_leased;
	long tasks = 0;
	int found;

	list(S->ring, "ready", &ring);
	list(S->ring, "delayed", &ring);
	first_leased = ring.n;
	list(S->ring, "leased", &ring);
	for (i = 0; i < ring.n; i++) {
		id = rl_json_str(ring.m[i].body, "id");
		if (!id)
			continue;
		if (i >= first_leased && has_id(&ring, id, i)) {
			/* pushed its next state, died before the ack */
			l = ring.m[i].lease;
			if (rl_queue_ack(S->ring, &l, 1, &found) < 0)
				queue_fail(S->ring);
			continue;
		}
		tasks++;
		if (i >= first_leased) {
			f = add_flight(S, &ring.m[i], id);
			route(S, f, ring.m[i].body);
			ring.m[i].body = NULL;
		}
	}
	list(S->todo, "leased", &todo);
	for (i = 0; i < todo.n; i++) {
		id = rl_json_str(todo.m[i].body, "id");
		if (id && !has_id(&ring, id, (size_t)-1)) {
			if (rl_queue_push(S->ring, &todo.m[i].body, 1, todo.m[i].priority,
			    0, NULL) < 0)
				queue_fail(S->ring);
			todo.m[i].body = NULL;
			tasks++;
		}
		l = todo.m[i].lease;
		if (rl_queue_ack(S->todo, &l, 1, &found) < 0)
			queue_fail(S->todo);
	}
	seen_free(&ring);
	seen_free(&todo);
	return tasks;
}

/* How many messages the journal holds in the states a run leaves. */
static unsigned long
pending(struct rl_queue *q)
{
	struct rl_queue_stats st = {0};
	unsigned long n;

	if (rl_queue_stats(q, &st) < 0)
		queue_fail(q);
	n = st.count[0] + st.count[1] + st.count[2];   /* ready delayed leased */
	cJSON_Delete(st.by_priority);
	cJSON_Delete(st.dead_by_code);
	return n;
}

/* --- the status lines ---------------------------------------------------- */

static void
draw(struct sup *S)
{
	char el[16];
	size_t i;

	if (!S->tty)
		return;
	if (S->drawn)
		fprintf(stderr, "\033[%dA", S->drawn);
	for (i = 0; i < S->nf; i++) {
		rl_dur_format(rl_proc_mono_ms() - S->f[i].t0, el, sizeof el);
		fprintf(stderr, "\r\033[K%-20s %-9s iter %-3.0f tokens %-8.0f %s\n",
		    S->f[i].id, S->f[i].stage >= 0 ? names[S->f[i].stage] :
		    "queued", S->f[i].iter, S->f[i].tokens, el);
	}
	for (i = S->nf; i < (size_t)S->drawn; i++)
		fputs("\r\033[K\n", stderr);
	if ((size_t)S->drawn > S->nf)
		fprintf(stderr, "\033[%dA", S->drawn - (int)S->nf);
	S->drawn = (int)S->nf;
	fflush(stderr);
}

/* --- the loop ------------------------------------------------------------ */

static void
write_stage(struct stage *st)
{
	ssize_t n = write(st->in, st->w.data + st->woff, st->w.len - st->woff);

	if (n > 0)
		st->woff += (size_t)n;
	if (st->woff == st->w.len)
		st->w.len = st->woff = 0;
	/* EPIPE: it died; its end of output says so */
}

static void
read_stage(struct sup *S, int s)
{
	struct stage *st = &S->st[s];
	char buf[65536];
	ssize_t n = read(st->out, buf, sizeof buf);
	size_t off = 0;
	char *nl;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		stage_ended(S, s);
		return;
	}
	rl_buf_add(&st->r, buf, (size_t)n);
	while ((nl = memchr(st->r.data + off, '\n', st->r.len - off))) {
		from_stage(S, s, st->r.data + off, (size_t)(nl - st->r.data - off));
		off = (size_t)(nl - st->r.data) + 1;
	}
	memmove(st->r.data, st->r.data + off, st->r.len - off);
	st->r.len -= off;
}

/* Batons held by stages. */
static size_t
in_stages(const struct sup *S)
{
	size_t i, n = 0;

	for (i = 0; i < S->nf; i++)
		n += S->f[i].stage >= 0;
	return n;
}

static void
stop_input(struct sup *S)
{
	if (S->in_fd < 0)
		return;
	if (S->task_pid > 0) {
		kill(S->task_pid, SIGTERM);
		waitpid(S->task_pid, NULL, 0);
		S->task_pid = 0;
	}
	if (S->in_fd != 0)
		close(S->in_fd);
	S->in_fd = -1;
}

static void
loop(struct sup *S)
{
	struct pollfd p[1 + 2 * NSTAGES];
	int who[1 + 2 * NSTAGES], np, i, s;

	for (;;) {
		if (signals > 1) {
			/* not waited for: what the stages hold stays journaled */
			for (s = 0; s < NSTAGES; s++)
				if (S->st[s].pid)
					kill(-S->st[s].pid, SIGKILL);
		}
		if (stop_sig) {
			stop_input(S);
		} else {
			/* a task that ends in collect makes room at once */
			do
				collect(S);
			while (admit(S) > 0);
		}
		draw(S);
		if (stop_sig ? in_stages(S) == 0 :
		    S->in_fd < 0 && S->tasks == 0 && S->waiting == 0)
			break;
		np = 0;
		if (S->in_fd >= 0) {
			p[np] = (struct pollfd){S->in_fd, POLLIN, 0};
			who[np++] = -1;
		}
		for (s = 0; s < NSTAGES; s++) {
			if (!S->st[s].pid)
				continue;
			p[np] = (struct pollfd){S->st[s].out, POLLIN, 0};
			who[np++] = s;
			if (S->st[s].w.len) {
				p[np] = (struct pollfd){S->st[s].in, POLLOUT, 0};
				who[np++] = NSTAGES + s;
			}
		}
		/* a short wait: delayed batons come due, signals are seen */
		if (poll(p, (nfds_t)np, 250) < 0 && errno != EINTR)
			rl_die(RL_EXIT_TEMP, "io.read", "poll: %s", strerror(errno));
		for (i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (who[i] < 0)
				read_input(S);
			else if (who[i] < NSTAGES && S->st[who[i]].pid)
				read_stage(S, who[i]);
			else if (who[i] >= NSTAGES && S->st[who[i] - NSTAGES].pid)
				write_stage(&S->st[who[i] - NSTAGES]);
		}
	}
	/* the stages end at the end of their input */
	for (s = 0; s < NSTAGES; s++) {
		if (!S->st[s].pid)
			continue;
		close(S->st[s].in);
		S->st[s].in = -1;
		while (S->st[s].pid)
			read_stage(S, s);
	}
	if (S->tty && S->drawn)
		fprintf(stderr, "\033[%dA\033[J", S->drawn);
}

/* --- main ---------------------------------------------------------------- */

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-sandbox", no_argument, NULL, 'S'},
		{"resume", no_argument, NULL, 'R'},
		{"journal", required_argument, NULL, 'J'},
		{"tasks", required_argument, NULL, 'n'},
		{"provider", required_argument, NULL, 'p'},
		{"model", required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0}
	};
	struct sup S = {0};
	struct rl_buf name = {0}, lock = {0};
	const char *journal, *dir = NULL;
	char *targv[5 + 256];
	struct sigaction sa = {0};
	unsigned long left;
	int c, i, n, again = 0, lockfd = -1;
	char *end;

	S.cfg = &cfg;
	S.max_tasks = (int)rl_config_num(&cfg, "run.tasks", 4);
	S.restarts = (int)rl_config_num(&cfg, "run.restarts", 5);
	journal = rl_config_str(&cfg, "run.journal", "redline");
	while ((c = getopt_long(argc, argv, "C:n:p:m:J:v", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'n':
			S.max_tasks = (int)strtol(optarg, &end, 10);
			if (*end || S.max_tasks < 1 || S.max_tasks > 1000) {
				rl_diag(NULL, 0, "usage.bad_value", "-n %s: give 1 to 1000 "
				    "tasks", optarg);
				return RL_EXIT_USAGE;
			}
			break;
		case 'p': S.pname = optarg; break;
		case 'm': S.model = optarg; break;
		case 'J': journal = optarg; break;
		case 'v': S.verbose = 1; break;
		case 'S': S.no_sandbox = 1; break;
		case 'R': again = 1; break;
		default:
			fputs(usage, stderr);
			return RL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 256) {
		rl_diag(NULL, 0, "usage.bad_value", "at most 256 tasks as arguments; "
		    "give more as batons on stdin");
		return RL_EXIT_USAGE;
	}
	/* one run per journal */
	rl_config_state_dir(&cfg, &lock);
	rl_fs_mkdirs(lock.data, 0700);
	rl_buf_printf(&lock, "/run-%s.lock", journal);
	if ((lockfd = open(lock.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		rl_diag(NULL, 0, "io.lock", "journal %s is in use by another redline "
		    "run (%s)", journal, lock.data);
		S.status = RL_EXIT_TEMP;
		goto out;
	}
	rl_buf_printf(&name, "%s-todo", journal);
	S.todo = rl_queue_open(&cfg, name.data);
	rl_buf_reset(&name);
	rl_buf_printf(&name, "%s-ring", journal);
	S.ring = rl_queue_open(&cfg, name.data);
	rl_buf_free(&name);
	if (!S.todo || !S.ring || !(S.mem = rl_mem_open(&cfg))) {
		S.status = RL_EXIT_USAGE;
		goto out;
	}
	if (!again && (left = pending(S.ring) + pending(S.todo)) > 0) {
		rl_diag(NULL, 0, "queue.corrupt", "journal %s holds %lu batons of a "
		    "run that did not finish: redline run --resume finishes them",
		    journal, left);
		S.status = RL_EXIT_USAGE;
		goto out;
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	S.tty = isatty(2);
	for (i = 0; i < NSTAGES; i++)
		S.st[i].in = S.st[i].out = -1;
	if (again) {
		S.tasks = resume(&S);
		S.waiting = pending(S.todo);
	}
	/* tasks as words are made into batons by rl-task */
	if (argc > 0) {
		n = 0;
		targv[n++] = "rl-task";
		if (dir) {
			targv[n++] = "-C";
			targv[n++] = (char *)dir;
		}
		targv[n++] = "--";
		for (i = 0; i < argc; i++)
			targv[n++] = argv[i];
		targv[n] = NULL;
		S.task_pid = spawn("task", targv, NULL, &S.in_fd);
	} else {
		S.in_fd = again && isatty(0) ? -1 : 0;
	}
	loop(&S);
	if (stop_sig) {
		rl_diag(NULL, 0, "internal.stopped", "stopped by signal %d: %ld tasks "
		    "are journaled in %s; redline run --resume finishes them",
		    (int)stop_sig, S.tasks, S.ring->name);
		S.status = rl_exit_merge(S.status, RL_EXIT_TEMP);
	}
	if (S.dead)
		rl_diag(NULL, 0, "queue.dead", "%lu tasks went to the dead letters: "
		    "rl-queue dead %s", S.dead, S.ring->name);
out:
	rl_buf_free(&S.in);
	for (i = 0; i < NSTAGES; i++) {
		rl_buf_free(&S.st[i].w);
		rl_buf_free(&S.st[i].r);
	}
	free(S.f);
	if (S.todo)
		rl_queue_close(S.todo);
	if (S.ring)
		rl_queue_close(S.ring);
	if (S.mem)
		rl_mem_close(S.mem);
	if (lockfd >= 0)
		close(lockfd);
	rl_buf_free(&lock);
	return S.status;
}

int
main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char prog[64];

	find_exec_dir(argv[0]);
	if (!sub || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(usage, sub ? stdout : stderr);
		return sub ? RL_EXIT_OK : RL_EXIT_USAGE;
	}
	if (strcmp(sub, "run") != 0) {
		rl_init(argv[0]);
		if (strchr(sub, '/') || strlen(sub) > 40) {
			rl_diag(NULL, 0, "usage.bad_value", "'%s' is not a redline "
			    "command", sub);
			return RL_EXIT_USAGE;
		}
		snprintf(prog, sizeof prog, "rl-%s", sub);
		argv[1] = prog;
		exec_cmd(sub, argv + 1);
		rl_diag(NULL, 0, "tool.not_found", "'%s' is not a redline command "
		    "(no rl-%s): %s", sub, sub, strerror(errno));
		return RL_EXIT_USAGE;
	}
	rl_cmd_start(argv[0], &cfg);
	return rl_cmd_finish(&cfg, NULL, cmd_run(argc - 1, argv + 1));
}
