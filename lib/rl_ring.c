/*
 * rl_ring.c - the supervisor of the agent ring; see rl_ring.h.
 *
 * One process, a hub: it reads batons to run (the record loop, whose idle
 * hook drives the ring while input is awaited), journals them, and polls
 * the stages' pipes, routing every line a stage writes.  The bookkeeping
 * of a task in the ring is a flight: where it is, its lease, how often it
 * was tried.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_baton.h"
#include "rl_board.h"
#include "rl_budget.h"
#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_git.h"
#include "rl_json.h"
#include "rl_lines.h"
#include "rl_mem.h"
#include "rl_metrics.h"
#include "rl_out.h"
#include "rl_proc.h"
#include "rl_progress.h"
#include "rl_queue.h"
#include "rl_reward.h"
#include "rl_ring.h"
#include "rl_ring_impl.h"
#include "rl_ring_share.h"
#include "rl_stats.h"
#include "rl_tty.h"

#define LEASE_MS (30LL * 86400 * 1000)   /* the ring's own: never expires */
#define POP_MAX 64
static const char *const names[RL_RING_NSTAGES] = {
	"reason", "plan", "act", "feedback", "complete"
};

static volatile sig_atomic_t stop_sig, signals;

static void
on_signal(int sig)
{
	stop_sig = sig;
	signals++;
}

int
rl_ring_stopped(void)
{
	return stop_sig != 0;
}

/* Whether the ring is stopping: a signal, or a cause of its own (a
 * provider that cannot be reached) in halt. */
static int
stopping(const struct rl_ring *S)
{
	return stop_sig != 0 || S->halt[0];
}

/* A line of the ring's own on stderr, clear of the status lines. */
void
rl_ring_say(const char *fmt, ...)
{
	va_list ap;

	rl_tty_hide();
	fprintf(stderr, "%s: ", rl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- starting stages ----------------------------------------------------- */

/* Start rl-cmd with argv, its stdin and stdout on pipes (in, out: ours;
 * in may be NULL for a command that reads nothing).  In its own process
 * group, so a terminal's ^C reaches the supervisor alone, which lets work
 * in flight finish.  With err, its stderr is a pipe too (ours in *err),
 * and it says what it waits for as events (rl_progress.h): on a
 * terminal, the ring prints what a stage says, clear of the status
 * lines. */
static pid_t
spawn(const char *cmd, char **argv, int *in, int *out, int *err)
{
	int pi[2] = {-1, -1}, po[2], pe[2] = {-1, -1};
	pid_t pid;

	if ((in && pipe2(pi, O_CLOEXEC) < 0) || pipe2(po, O_CLOEXEC) < 0 ||
	    (err && pipe2(pe, O_CLOEXEC) < 0))
		rl_die(RL_EXIT_TEMP, "io.open", "cannot make a pipe: %s",
		    strerror(errno));
	if ((pid = fork()) < 0)
		rl_die(RL_EXIT_TEMP, "io.open", "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if ((in && dup2(pi[0], 0) < 0) || dup2(po[1], 1) < 0 ||
		    (err && dup2(pe[1], 2) < 0))
			_exit(127);
		if (err)
			setenv("RL_PROGRESS", "events", 1);
		if (!in) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd < 0 || dup2(fd, 0) < 0)
				_exit(127);
		}
		rl_proc_exec_rl(cmd, argv);
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
	if (err) {
		close(pe[1]);
		*err = pe[0];
	}
	return pid;
}

/* --- the ring's bookkeeping --------------------------------------------- */

struct flight *
rl_ring_find(struct rl_ring *S, const char *id)
{
	size_t i;

	for (i = 0; i < S->nf; i++)
		if (strcmp(S->f[i].id, id) == 0)
			return &S->f[i];
	return NULL;
}

/* The flight of id that stage s was given first, or NULL. */
static struct flight *
find_at(struct rl_ring *S, const char *id, int s)
{
	struct flight *o = NULL;
	size_t i;

	for (i = 0; i < S->nf; i++)
		if (S->f[i].stage == s && strcmp(S->f[i].id, id) == 0 &&
		    (!o || S->f[i].seq < o->seq))
			o = &S->f[i];
	return o;
}

struct flight *
rl_ring_add(struct rl_ring *S, const struct rl_qmsg *m, const char *id)
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

void
rl_ring_drop(struct rl_ring *S, struct flight *f)
{
	*f = S->f[--S->nf];
}

void
rl_ring_fail(struct rl_queue *q)
{
	rl_die(RL_EXIT_TEMP, q->err.code ? q->err.code : "queue.corrupt",
	    "journal %s: %s", q->name, q->err.message);
}

static void
ack(struct rl_ring *S, struct flight *f)
{
	const char *l = f->lease;
	int found;

	if (rl_queue_ack(S->ring, &l, 1, &found) < 0)
		rl_ring_fail(S->ring);
}

/* The ring's depth, for the dashboard: one "ring" event per change. */
static void
log_depth(const struct rl_ring *S)
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

/* The task's state as handed off: durable before the old one goes (one
 * step on a shared journal, where a lease that ran out pushes nothing). */
static void
journal(struct rl_ring *S, struct flight *f, cJSON *baton)
{
	int prio = (int)rl_json_num(baton, "priority", 0), found;

	if (rl_queue_move(S->ring, f->lease, S->ring, &baton, clamp(prio),
	    &found) < 0)
		rl_ring_fail(S->ring);
	if (S->shared && !found)
		rl_ring_taken_over(S, f);
	else
		rl_ring_drop(S, f);
}

/* --- runs that end here, for rl-stats ---------------------------------- */

struct journaled {
	const char *id;
	cJSON *body;               /* out: a copy of its journaled state */
};

static int
journaled_one(const struct rl_qmsg *m, void *arg)
{
	struct journaled *j = arg;
	const char *id = rl_json_str(m->body, "id");

	if (!id || strcmp(id, j->id) != 0)
		return 0;
	j->body = cJSON_Duplicate(m->body, 1);
	return 1;
}

/*
 * A task that ends here rather than in rl-complete is a run all the same
 * (rl_stats_log_run): the ring never sends a baton with an error to
 * rl-complete, so it logs each that it writes out (baton, as it ended)
 * and each that goes to the dead letters with err (baton NULL: its
 * state as last journaled, still leased, with err).  A task that ends
 * in rl-complete has been logged there.
 */
static void
log_run_end(struct rl_ring *S, const char *id, const cJSON *baton,
	const cJSON *err)
{
	struct journaled j = {id, NULL};

	if (baton) {
		if (cJSON_GetObjectItemCaseSensitive(baton, "error"))
			rl_stats_log_run(baton);
		return;
	}
	if (rl_queue_list(S->ring, "leased", journaled_one, &j) < 0 || !j.body)
		return;
	rl_json_set(j.body, "error", cJSON_Duplicate(err, 1));
	rl_stats_log_run(j.body);
	cJSON_Delete(j.body);
}

/* A message --discard buries: its task ends, with err. */
static int
log_discarded(const struct rl_qmsg *m, void *err)
{
	cJSON *b = cJSON_Duplicate(m->body, 1);

	rl_json_set(b, "error", cJSON_Duplicate(err, 1));
	rl_stats_log_run(b);
	cJSON_Delete(b);
	return 0;
}

/* The end of a task: out on stdout, then gone from the journal. */
void
rl_ring_finish(struct rl_ring *S, struct flight *f, cJSON *baton)
{
	const char *st = rl_json_str(baton, "status");
	const cJSON *err = NULL;
	int rc;

	/* shared: written out only while this supervisor holds the task */
	if (S->shared && (rc = rl_queue_renew(S->ring, f->lease, S->lease_ms))) {
		if (rc < 0)
			rl_ring_fail(S->ring);
		cJSON_Delete(baton);
		rl_ring_taken_over(S, f);
		return;
	}
	if (rl_ring_is_git(baton) && rl_ring_git_end(S, f, baton) < 0)
		return;
	st = rl_json_str(baton, "status");
	if (S->verbose)
		rl_ring_say("%s: %s", f->id, st ? st : "ended with an error");
	/* a scored run teaches the arms of the models it used */
	if (st && !cJSON_GetObjectItemCaseSensitive(baton, "error") &&
	    rl_reward_score(baton) == 0)
		rl_reward_update(S->cfg, S->mem, baton);
	/* every task that ends says how: ERROR when it ended on an error;
	 * and one that did not finish says why on stderr */
	if (!st && (err = cJSON_GetObjectItemCaseSensitive(baton, "error")))
		cJSON_AddStringToObject(baton, "status", "ERROR");
	st = rl_json_str(baton, "status");
	if (st && strcmp(st, "FINISH") != 0)
		rl_diag(f->id, 0, NULL, "%s: %s", st, err ? (rl_json_str(err,
		    "message") ? rl_json_str(err, "message") : "an error") :
		    rl_json_str(baton, "summary") ? rl_json_str(baton, "summary") :
		    "no summary");
	log_run_end(S, f->id, baton, NULL);
	rl_out_json(baton);
	rl_board_end(S->board, baton);
	if (cJSON_GetObjectItemCaseSensitive(baton, "error") ||
	    (st && strcmp(st, "FINISH") != 0))
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
	cJSON_Delete(baton);
	ack(S, f);
	rl_ring_drop(S, f);
	S->tasks--;
	S->finished++;
	log_depth(S);
}

/* Back to the journal to be tried again later (or dead letters). */
void
rl_ring_retry(struct rl_ring *S, struct flight *f, const cJSON *err)
{
	int rc;

	if (f->attempts + 1 >= S->ring->max_attempts)
		log_run_end(S, f->id, NULL, err);
	if ((rc = rl_queue_nack(S->ring, f->lease, err, 0)) < 0)
		rl_ring_fail(S->ring);
	if (rc == 1 && S->shared) {
		rl_ring_taken_over(S, f);
		return;
	} else if (f->attempts + 1 >= S->ring->max_attempts) {
		rl_diag(f->id, 0, rl_json_str(err, "code"), "%s; after %d attempts "
		    "the baton is in the dead letters (rl-queue -q %s dead)",
		    rl_json_str(err, "message"), f->attempts + 1, S->ring->name);
		rl_board_drop(S->board, f->id);
		rl_git_release(S->cfg, f->id);
		S->tasks--;
		S->dead++;
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
	} else {
		rl_board_retry(S->board, f->id, err, f->attempts + 1,
		    S->ring->max_attempts);
	}
	rl_ring_drop(S, f);
}

/* --- bias requests ------------------------------------------------------ */

static void
bias_request(struct rl_ring *S, cJSON *baton)
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
	for (i = 0; i < RL_RING_COMPLETE && agent && strcmp(agent, names[i]); i++)
		;
	if (!rl_config_bool(S->cfg, "run.accept_bias", 1))
		why = "run.accept_bias is false";
	else if (!agent || i == RL_RING_COMPLETE)
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
	if (agent && i < RL_RING_COMPLETE) {
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
		rl_ring_say("%s: bias for %s %s%s", rl_json_str(baton, "id"),
		    agent ? agent : "?", why ? "refused: " : "granted", why ? why : "");
	rl_buf_free(&text);
	cJSON_Delete(req);
}

/* --- stages -------------------------------------------------------------- */

static void read_err(struct rl_ring *S, int s, int drain);
static void draw(struct rl_ring *S);

static void
start_stage(struct rl_ring *S, int s)
{
	char *argv[10];
	int n = 0;
	char prog[32];

	long long wait = S->st[s].not_before - rl_proc_mono_ms();
	const char *model = S->model;
	struct rl_buf why = {0};

	/* a stage that crashed is restarted with backoff; the status lines
	 * keep time meanwhile */
	while (wait > 0) {
		draw(S);
		rl_ring_renew(S);
		usleep((useconds_t)((wait < 250 ? wait : 250) * 1000));
		wait = S->st[s].not_before - rl_proc_mono_ms();
	}
	snprintf(prog, sizeof prog, "rl-%s", names[s]);
	argv[n++] = prog;
	/* rl-complete asks no model, and takes no model's options */
	if (S->pname && s != RL_RING_COMPLETE) {
		argv[n++] = "-p";
		argv[n++] = (char *)S->pname;
	}
	/* no model given: the bandit's, when variants are configured */
	if (!model && s != RL_RING_COMPLETE &&
	    (model = rl_reward_pick(S->cfg, S->mem, names[s], &why)) && S->tty)
		rl_ring_say("%s: %s", names[s], why.data);
	rl_buf_free(&why);
	if (model && s != RL_RING_COMPLETE) {
		argv[n++] = "-m";
		argv[n++] = (char *)model;
	}
	if (S->no_sandbox && (s == RL_RING_ACT || s == RL_RING_COMPLETE))
		argv[n++] = "--no-sandbox";
	/* each model request of act is a handoff the journal keeps */
	if (s == RL_RING_ACT)
		argv[n++] = "--hand-back";
	argv[n] = NULL;
	S->st[s].pid = spawn(names[s], argv, &S->st[s].in, &S->st[s].out,
	    S->tty ? &S->st[s].err : NULL);
}

/* Give baton to stage s (started if need be). */
static void
send_to(struct rl_ring *S, struct flight *f, int s, cJSON *baton)
{
	struct stage *st = &S->st[s];

	if (!st->pid)
		start_stage(S, s);
	rl_json_print(baton, &st->w);
	rl_buf_addc(&st->w, '\n');
	f->stage = s;
	f->seq = ++S->seq;
	f->iter = rl_json_num(baton, "iter", 0);
	f->tokens = rl_budget_tokens(cJSON_GetObjectItemCaseSensitive(baton,
	    "usage"));
	if (S->verbose)
		rl_ring_say("%s: %s, iteration %.0f, %.0f tokens so far", f->id, names[s],
		    f->iter, f->tokens);
	rl_board_stage(S->board, baton, names[s]);
	cJSON_Delete(baton);
}

enum rl_ring_stage
rl_ring_next(const struct rl_config *cfg, cJSON *baton, long long now)
{
	const char *next = rl_json_str(baton, "next");
	struct rl_buf why = {0};
	int s;

	if (cJSON_GetObjectItemCaseSensitive(baton, "error") ||
	    (next && strcmp(next, "done") == 0))
		return RL_RING_DONE;
	for (s = 0; next && s < RL_RING_NSTAGES; s++)
		if (strcmp(next, names[s]) == 0)
			break;
	if (!next || s == RL_RING_NSTAGES) {
		rl_json_set(baton, "error", rl_err_object("input.unknown_stage",
		    "next names no stage of the ring (reason, plan, act, feedback, "
		    "complete, done)", "run"));
		return RL_RING_DONE;
	}
	if (s != RL_RING_COMPLETE && rl_budget_check(cfg, baton, now, &why)) {
		rl_budget_spend(baton, why.data);    /* next is replaced */
		s = RL_RING_COMPLETE;
	}
	rl_buf_free(&why);
	return (enum rl_ring_stage)s;
}

/* Decide where a journaled baton goes, and send it (a git task's work
 * tree made ready first). */
void
rl_ring_route(struct rl_ring *S, struct flight *f, cJSON *baton)
{
	int had_error = cJSON_GetObjectItemCaseSensitive(baton, "error") != NULL;
	struct rl_error e = {0};
	const char *next;
	enum rl_ring_stage s;

	/* a baton that came with an error passes to the end, untouched */
	if (!had_error)
		bias_request(S, baton);
	next = rl_json_str(baton, "next");
	s = rl_ring_next(S->cfg, baton, rl_now_ms());
	if (!had_error && cJSON_GetObjectItemCaseSensitive(baton, "error"))
		rl_diag(f->id, 0, "input.unknown_stage", "next is %s%s%s: no stage "
		    "of the ring", next ? "\"" : "", next ? next : "missing",
		    next ? "\"" : "");
	rl_ring_renew(S);
	if (s != RL_RING_DONE && rl_ring_is_git(baton)) {
		if (rl_ring_git_enter(S->cfg, baton, &e) < 0) {
			rl_ring_git_failed(S, f, baton, &e);
			return;
		}
		rl_ring_tree_made(S, f->id);
	}
	if (s == RL_RING_DONE)
		rl_ring_finish(S, f, baton);
	else
		send_to(S, f, (int)s, baton);
}

/* The baton stage s was given first of those it holds, or NULL. */
static struct flight *
oldest_in(struct rl_ring *S, int s)
{
	struct flight *o = NULL;
	size_t i;

	for (i = 0; i < S->nf; i++)
		if (S->f[i].stage == s && (!o || S->f[i].seq < o->seq))
			o = &S->f[i];
	return o;
}

/*
 * A line a stage wrote that is no baton it holds: out as it is, never
 * dropped.  Stages answer in the order they were given batons, so when
 * the line is no baton of the ring at all (not JSON, or an error baton
 * with a new id: the stage could not read what it was sent), it stands
 * for the oldest baton the stage holds, which is tried again (and goes
 * to the dead letters after queue.max_attempts): never waited for.
 */
static void
stranger(struct rl_ring *S, int s, const char *line, size_t n, int ours)
{
	struct flight *f = ours ? NULL : oldest_in(S, s);
	cJSON *err;

	rl_diag(names[s], 0, "internal.stage_crash", "rl-%s wrote a line that "
	    "is no baton it was given; passed on%s%s", names[s],
	    f ? ", in place of " : "", f ? f->id : "");
	rl_out_line(line, n);
	S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
	if (!f)
		return;
	err = rl_err_object("internal.stage_crash", "the stage answered with "
	    "a line that is not this baton", names[s]);
	rl_ring_retry(S, f, err);
	cJSON_Delete(err);
}

/* Stage s cannot reach its provider (message says where, and the
 * command that checks it): every task would fail alike, so the run stops
 * and the journal keeps them for --resume. */
static void
halt(struct rl_ring *S, int s, const char *message)
{
	/* the command the stage's message gives, after its question */
	const char *hint = message ? strstr(message, "running? ") : NULL;

	if (hint)
		hint += strlen("running? ");
	snprintf(S->halt, sizeof S->halt, "rl-%s cannot reach its provider%s%s",
	    names[s], hint ? ": is the server running? " : "", hint ? hint : "");
}

/* A stage wrote a line. */
static void
from_stage(struct rl_ring *S, int s, const char *line, size_t n)
{
	struct rl_json_err je;
	struct rl_error e = {0};
	struct flight *f = NULL;
	const char *id = NULL;
	const cJSON *err;
	cJSON *b = NULL;

	rl_ring_renew(S);
	if (rl_json_parse(line, n, RL_LOOP_MAX_DEPTH, &b, &je) < 0 ||
	    !cJSON_IsObject(b) || !(id = rl_json_str(b, "id")) ||
	    !(f = find_at(S, id, s))) {
		stranger(S, s, line, n, id && rl_ring_find(S, id) != NULL);
		cJSON_Delete(b);
		return;
	}
	S->st[s].crashes = 0;
	err = cJSON_GetObjectItemCaseSensitive(b, "error");
	if (err && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err,
	    "retryable"))) {
		/* a later try may work: the state before it is tried again */
		if (strcmp(rl_json_str(err, "code") ? rl_json_str(err, "code") : "",
		    "provider.unreachable") == 0 && !S->halt[0])
			halt(S, s, rl_json_str(err, "message"));
		rl_ring_retry(S, f, err);
		cJSON_Delete(b);
		return;
	}
	/* a git task's change so far travels in the baton */
	if (rl_ring_git_leave(b, &e) < 0) {
		cJSON_Delete(b);
		b = rl_ring_git_error(&e);
		rl_diag(f->id, 0, rl_json_str(b, "code"), "%s", rl_json_str(b,
		    "message"));
		rl_ring_retry(S, f, b);
		cJSON_Delete(b);
		return;
	}
	journal(S, f, b);
}

/* A stage ended: what it held goes back to the journal with the cause. */
static void
stage_ended(struct rl_ring *S, int s)
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
	if (st->err >= 0) {
		/* what it said last, and nothing a child of it may still say */
		fcntl(st->err, F_SETFL, O_NONBLOCK);
		read_err(S, s, 1);
		if (st->err >= 0)
			close(st->err);
		st->err = -1;
	}
	st->w.len = st->woff = 0;
	rl_lines_reset(&st->r);
	rl_proc_status(status, how, sizeof how);
	for (i = 0; i < S->nf; i++)
		held += S->f[i].stage == s;
	/* it handed back every baton: its exit status only sums up theirs */
	if (!held && WIFEXITED(status) && WEXITSTATUS(status) != RL_EXIT_USAGE)
		return;
	/* a stage that refuses its options or configuration refuses every
	 * baton alike: retrying would send each to the dead letters */
	if (WIFEXITED(status) && WEXITSTATUS(status) == RL_EXIT_USAGE)
		rl_die(RL_EXIT_USAGE, "internal.stage_refused", "rl-%s refused to "
		    "run (exit 2; why is said above); the journal %s keeps every "
		    "task: once that is mended, redline run --resume", names[s],
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
	/* marked first: a retry moves flights, and may route another */
	for (i = 0; i < S->nf; i++)
		S->f[i].crashed = S->f[i].stage == s;
	for (i = 0; i < S->nf; i++)
		if (S->f[i].crashed) {
			S->f[i].crashed = 0;
			rl_ring_retry(S, &S->f[i], err);
			i = (size_t)-1;
		}
	cJSON_Delete(err);
	st->crashes++;
	st->not_before = rl_proc_mono_ms() + (st->crashes > 4 ? 8000 :
	    500LL << (st->crashes - 1));
	if (st->crashes > S->restarts)
		rl_die(RL_EXIT_TEMP, "internal.stage_crash", "rl-%s crashed %d times "
		    "in a row; the journal %s keeps every task: redline run --resume",
		    names[s], st->crashes, S->ring->name);
}

/* --- the journal: admitting tasks, taking batons to route --------------- */

/* Let tasks from todo into the ring while there is room; how many. */
static int
admit(struct rl_ring *S)
{
	struct rl_qmsg m;
	size_t n;
	int found, let = 0;

	/* shared: the ring is every machine's; this one lets in what it has
	 * room for among the batons it holds */
	while (!stopping(S) && (S->shared ? (long)S->nf + let < S->max_tasks :
	    S->tasks < S->max_tasks)) {
		if (rl_queue_pop(S->todo, 1, S->lease_ms, &m, &n) < 0)
			rl_ring_fail(S->todo);
		if (!n)
			break;
		if (S->shared)
			rl_ring_stamp(m.body, S->machine);
		if (rl_queue_move(S->todo, m.lease, S->ring, &m.body, m.priority,
		    &found) < 0)
			rl_ring_fail(S->todo);
		rl_qmsg_free(&m);
		if (S->shared && !found)
			continue;   /* its lease ran out: another let it in */
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
take(struct rl_ring *S, struct rl_qmsg *m)
{
	const char *id = rl_json_str(m->body, "id");
	struct flight *f;

	rl_ring_renew(S);
	if (id && S->shared && rl_ring_take_again(S, m, id))
		return;
	if (!id || rl_ring_find(S, id)) {
		/* never routed twice: it stays leased in the journal */
		rl_diag(S->ring->name, 0, "queue.corrupt", "a journaled baton %s%s; "
		    "left in the journal", id ? "is in flight already: " : "has no id",
		    id ? id : "");
		S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
		return;
	}
	if (S->shared && rl_ring_share_elsewhere(m->body, S->machine)) {
		rl_ring_elsewhere(S, m, id);
		return;
	}
	if (S->shared)
		rl_ring_stamp(m->body, S->machine);
	f = rl_ring_add(S, m, id);
	rl_ring_route(S, f, m->body);
	m->body = NULL;
}

static void
collect(struct rl_ring *S)
{
	struct rl_qmsg m[POP_MAX];
	size_t n, i, max;

	do {
		/* shared: no more than this supervisor has room for */
		max = POP_MAX;
		if (S->shared)
			max = S->nf >= (size_t)S->max_tasks ? 0 :
			    (size_t)S->max_tasks - S->nf;
		if (max > POP_MAX)
			max = POP_MAX;
		if (!max)
			break;
		if (rl_queue_pop(S->ring, max, S->lease_ms, m, &n) < 0)
			rl_ring_fail(S->ring);
		for (i = 0; i < n; i++) {
			take(S, &m[i]);
			rl_qmsg_free(&m[i]);
		}
	} while (n == max);
	if (S->shared)
		S->tasks = (long)S->nf;
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

static void
list(struct rl_queue *q, const char *state, struct seen *v)
{
	if (rl_queue_list(q, state, seen_one, v) < 0)
		rl_ring_fail(q);
}

/* 1 if id is among ids[0..n) other than at skip. */
static int
has_id(const char *const *ids, size_t n, const char *id, size_t skip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (i != skip && ids[i] && strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

long
rl_ring_resume_fates(const char *const *ring, const int *leased,
	size_t nring, const char *const *todo, size_t ntodo,
	enum rl_ring_fate *ring_fate, enum rl_ring_fate *todo_fate)
{
	long tasks = 0;
	size_t i;

	for (i = 0; i < nring; i++) {
		ring_fate[i] = leased[i] && ring[i] ? RL_RING_ROUTE : RL_RING_KEEP;
		if (!ring[i])
			continue;   /* no id: left where it is, never routed */
		/* a leased state beside another of the same task: the run
		 * pushed the newer one and died before the ack */
		if (leased[i] && has_id(ring, nring, ring[i], i)) {
			ring_fate[i] = RL_RING_ACK;
			continue;
		}
		tasks++;
	}
	for (i = 0; i < ntodo; i++) {
		todo_fate[i] = RL_RING_ACK;
		if (todo[i] && !has_id(ring, nring, todo[i], (size_t)-1) &&
		    !has_id(todo, i, todo[i], (size_t)-1)) {
			todo_fate[i] = RL_RING_PUSH;
			tasks++;
		}
	}
	return tasks;
}

/* Take over what a run that died left (rl_ring.h).  The ring's task
 * count is set before anything is routed: a baton that ends at once
 * (journaled as done, its output lost with the run) counts itself out. */
static void
resume(struct rl_ring *S)
{
	struct seen ring = {0}, todo = {0};
	const char **rid, **tid, *l;
	enum rl_ring_fate *rf, *tf;
	int *leased, found;
	size_t i, first_leased;

	list(S->ring, "ready", &ring);
	list(S->ring, "delayed", &ring);
	first_leased = ring.n;
	list(S->ring, "leased", &ring);
	list(S->todo, "leased", &todo);
	rid = rl_xmalloc((ring.n + 1) * sizeof *rid);
	leased = rl_xmalloc((ring.n + 1) * sizeof *leased);
	rf = rl_xmalloc((ring.n + 1) * sizeof *rf);
	tid = rl_xmalloc((todo.n + 1) * sizeof *tid);
	tf = rl_xmalloc((todo.n + 1) * sizeof *tf);
	for (i = 0; i < ring.n; i++) {
		rid[i] = rl_json_str(ring.m[i].body, "id");
		leased[i] = i >= first_leased;
	}
	for (i = 0; i < todo.n; i++)
		tid[i] = rl_json_str(todo.m[i].body, "id");
	S->tasks = rl_ring_resume_fates(rid, leased, ring.n, tid, todo.n, rf, tf);
	for (i = 0; i < ring.n; i++) {
		if (rf[i] == RL_RING_ACK) {
			l = ring.m[i].lease;
			if (rl_queue_ack(S->ring, &l, 1, &found) < 0)
				rl_ring_fail(S->ring);
		} else if (rf[i] == RL_RING_ROUTE) {
			rl_ring_route(S, rl_ring_add(S, &ring.m[i], rid[i]), ring.m[i].body);
			ring.m[i].body = NULL;
		}
	}
	for (i = 0; i < todo.n; i++) {
		if (tf[i] == RL_RING_PUSH) {
			if (rl_queue_push(S->ring, &todo.m[i].body, 1,
			    todo.m[i].priority, 0, NULL) < 0)
				rl_ring_fail(S->ring);
			todo.m[i].body = NULL;
		}
		l = todo.m[i].lease;
		if (rl_queue_ack(S->todo, &l, 1, &found) < 0)
			rl_ring_fail(S->todo);
	}
	free(rid);
	free(leased);
	free(rf);
	free(tid);
	free(tf);
	seen_free(&ring);
	seen_free(&todo);
}

/* Move what a run that did not finish left to the dead letters (and say
 * so): nothing is deleted, rl-queue requeue brings it back.  -1 when the
 * journal cannot be written. */
static int
discard(struct rl_ring *S)
{
	static const char *const states[] = {"ready", "delayed", "leased"};
	struct rl_queue *qs[] = {S->ring, S->todo};
	unsigned long n, total;
	cJSON *err = rl_err_object("internal.discarded", "the run that held it "
	    "did not finish; dropped by redline run --discard", "run");
	size_t i, k;
	int rc = 0;

	for (i = 0; rc == 0 && i < 2; i++) {
		for (k = total = 0; rc == 0 && k < 3; k++) {
			rl_queue_list(qs[i], states[k], log_discarded, err);
			rc = rl_queue_bury(qs[i], states[k], err, &n);
			total += n;
		}
		if (rc == 0 && total)
			fprintf(stderr, "%s: %lu baton%s of the unfinished run went to "
			    "the dead letters: rl-queue -q %s dead lists them, "
			    "rl-queue -q %s requeue --all-dead brings them back\n",
			    rl_prog, total, total == 1 ? "" : "s", qs[i]->name,
			    qs[i]->name);
	}
	cJSON_Delete(err);
	return rc;
}

/* How many messages the journal holds in the states a run leaves. */
static unsigned long
pending(struct rl_queue *q)
{
	struct rl_queue_stats st = {0};
	unsigned long n;

	if (rl_queue_stats(q, &st) < 0)
		rl_ring_fail(q);
	n = st.count[0] + st.count[1] + st.count[2];   /* ready delayed leased */
	cJSON_Delete(st.by_priority);
	cJSON_Delete(st.dead_by_code);
	return n;
}

/* --- the status lines ---------------------------------------------------- */

/* A line stage s wrote on stderr: an event its status line shows, or a
 * diagnostic printed as it is, clear of the status lines. */
static void
stage_said(struct rl_ring *S, int s, const char *line, size_t n)
{
	struct rl_progress ev;
	struct rl_buf b = {0};

	if (rl_progress_parse(line, n, &ev)) {
		rl_board_wait(S->board, names[s], &ev);
		return;
	}
	rl_tty_hide();
	rl_buf_add(&b, line, n);
	rl_buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	rl_buf_free(&b);
}

/* Read what stage s wrote on stderr; at its end (or, with drain, when
 * nothing more is there now) the last partial line too. */
static void
read_err(struct rl_ring *S, int s, int drain)
{
	struct stage *st = &S->st[s];
	const char *line;
	size_t len;
	ssize_t n;

	for (;;) {
		n = read(st->err, rl_lines_space(&st->e, 65536), 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			rl_lines_added(&st->e, (size_t)n);
			while (rl_lines_next(&st->e, &line, &len))
				stage_said(S, s, line, len);
			if (drain)
				continue;
			return;
		}
		break;
	}
	if (n == 0 || drain) {
		if (rl_lines_rest(&st->e, &line, &len) && len)
			stage_said(S, s, line, len);
		rl_lines_reset(&st->e);
	}
	if (n == 0) {
		close(st->err);
		st->err = -1;
	}
}

static void
draw(struct rl_ring *S)
{
	rl_board_draw(S->board, S->waiting);
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
read_stage(struct rl_ring *S, int s)
{
	struct stage *st = &S->st[s];
	ssize_t n = read(st->out, rl_lines_space(&st->r, 65536), 65536);
	const char *line;
	size_t len;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		stage_ended(S, s);
		return;
	}
	rl_lines_added(&st->r, (size_t)n);
	while (rl_lines_next(&st->r, &line, &len))
		from_stage(S, s, line, len);
}

/* Batons held by stages. */
static size_t
in_stages(const struct rl_ring *S)
{
	size_t i, n = 0;

	for (i = 0; i < S->nf; i++)
		n += S->f[i].stage >= 0;
	return n;
}

/*
 * One turn of the ring: signals, journal, status lines, then one poll of
 * the stages (and of fd, input, when fd >= 0) and what it found.
 * Returns 1 when fd is readable (or at its end), -1 when the ring has
 * nothing more to do without input, 0 otherwise.
 */
static int
turn(struct rl_ring *S, int fd)
{
	struct pollfd p[1 + 3 * RL_RING_NSTAGES];
	int who[1 + 3 * RL_RING_NSTAGES], np = 0, i, s, ready = 0;

	if (stopping(S) && !S->stop_at)
		S->stop_at = rl_proc_mono_ms();
	if (signals > 1 || (stopping(S) && rl_proc_mono_ms() - S->stop_at >
	    S->stop_ms)) {
		/* not waited for: what the stages hold stays journaled */
		for (s = 0; s < RL_RING_NSTAGES; s++)
			if (S->st[s].pid)
				kill(-S->st[s].pid, SIGKILL);
	}
	rl_ring_renew(S);
	if (!stopping(S)) {
		/* a task that ends in collect makes room at once */
		do
			collect(S);
		while (admit(S) > 0);
	}
	draw(S);
	if (fd < 0 && (stopping(S) ? in_stages(S) == 0 : rl_ring_all_done(S)))
		return -1;
	if (fd >= 0) {
		p[np] = (struct pollfd){fd, POLLIN, 0};
		who[np++] = -1;
	}
	for (s = 0; s < RL_RING_NSTAGES; s++) {
		if (!S->st[s].pid)
			continue;
		p[np] = (struct pollfd){S->st[s].out, POLLIN, 0};
		who[np++] = s;
		if (S->st[s].err >= 0) {
			p[np] = (struct pollfd){S->st[s].err, POLLIN, 0};
			who[np++] = 2 * RL_RING_NSTAGES + s;
		}
		if (S->st[s].w.len) {
			p[np] = (struct pollfd){S->st[s].in, POLLOUT, 0};
			who[np++] = RL_RING_NSTAGES + s;
		}
	}
	/* a short wait: delayed batons come due, signals are seen */
	if (poll(p, (nfds_t)np, 250) < 0 && errno != EINTR)
		rl_die(RL_EXIT_TEMP, "io.read", "poll: %s", strerror(errno));
	for (i = 0; i < np; i++) {
		if (!p[i].revents)
			continue;
		if (who[i] < 0)
			ready = 1;
		else if (who[i] < RL_RING_NSTAGES) {
			if (S->st[who[i]].pid)
				read_stage(S, who[i]);
		} else if (who[i] < 2 * RL_RING_NSTAGES) {
			if (S->st[who[i] - RL_RING_NSTAGES].pid)
				write_stage(&S->st[who[i] - RL_RING_NSTAGES]);
		} else if (S->st[who[i] - 2 * RL_RING_NSTAGES].err >= 0) {
			read_err(S, who[i] - 2 * RL_RING_NSTAGES, 0);
		}
	}
	return ready;
}

/* The record loop's idle hook: the ring works until input comes.  A
 * signal ends the input: fd then reads as /dev/null. */
static void
idle(int fd, void *arg)
{
	struct rl_ring *S = arg;
	int null;

	while (!stopping(S) && turn(S, fd) == 0)
		;
	if (stopping(S) && (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		dup2(null, fd);
		close(null);
	}
}

/* An input baton: into todo, to wait its turn; one that is not a baton
 * with an id becomes an error baton like any bad record. */
static int
input(struct rl_rec *r, void *arg)
{
	struct rl_loop *L = arg;
	struct rl_ring *S = L->idle_arg;
	const char *id = rl_json_str(r->json, "id");
	cJSON *b;

	if (!cJSON_IsObject(r->json) || !id || strlen(id) > ID_MAX)
		return rl_loop_reject(L, r, "validate.schema", "a baton needs a "
		    "string id of at most 128 bytes", NULL);
	b = cJSON_Duplicate(r->json, 1);
	if (S->shared)
		rl_ring_stamp(b, S->machine);
	if (rl_queue_push(S->todo, &b, 1, clamp((int)rl_json_num(b, "priority",
	    0)), 0, NULL) < 0)
		rl_ring_fail(S->todo);
	cJSON_Delete(b);
	S->waiting++;
	return RL_EXIT_OK;
}

int
rl_ring_feed(struct rl_ring *S, struct rl_loop *L, int nfiles, char **files)
{
	L->fn = input;
	L->arg = L;
	L->idle = idle;
	L->idle_arg = S;
	L->stage = "run";
	return rl_loop_run(L, nfiles, files);
}

int
rl_ring_run(struct rl_ring *S)
{
	int s;

	while (turn(S, -1) >= 0)
		;
	/* the stages end at the end of their input */
	for (s = 0; s < RL_RING_NSTAGES; s++) {
		if (!S->st[s].pid)
			continue;
		close(S->st[s].in);
		S->st[s].in = -1;
		while (S->st[s].pid)
			read_stage(S, s);
	}
	/* the work trees of tasks that ended here are gone; of those that
	 * went on elsewhere, once the run is over */
	for (s = 0; s < (int)S->ntrees; s++)
		if (!stop_sig && !S->halt[0])
			rl_git_release(S->cfg, S->trees[s]);
	/* the status lines go, once, before the summaries */
	rl_board_close(S->board);
	S->board = NULL;
	if (S->halt[0]) {
		rl_diag(NULL, 0, "provider.unreachable", "%s; the journal %s keeps "
		    "every task: once the provider answers, redline run --resume "
		    "finishes them", S->halt, S->ring->name);
		S->status = rl_exit_merge(S->status, RL_EXIT_TEMP);
	}
	if (stop_sig) {
		rl_diag(NULL, 0, "internal.stopped", "stopped by signal %d: %ld tasks "
		    "are journaled in %s; redline run --resume finishes them",
		    (int)stop_sig, S->tasks, S->ring->name);
		S->status = rl_exit_merge(S->status, RL_EXIT_TEMP);
	}
	if (S->dead)
		rl_diag(NULL, 0, "queue.dead", "%lu tasks went to the dead letters: "
		    "rl-queue -q %s dead", S->dead, S->ring->name);
	return S->status;
}

/* --- opening and closing ------------------------------------------------- */

struct rl_ring *
rl_ring_open(struct rl_config *cfg, const struct rl_ring_opts *o,
	struct rl_error *e)
{
	struct rl_ring *S = rl_xmalloc(sizeof *S);
	struct rl_buf name = {0}, lock = {0};
	struct sigaction sa = {0};
	unsigned long left;
	size_t len;
	int i, st = RL_EXIT_USAGE;

	memset(S, 0, sizeof *S);
	S->cfg = cfg;
	S->max_tasks = o->max_tasks;
	S->restarts = o->restarts;
	S->stop_ms = o->stop_ms;
	S->pname = o->provider;
	S->model = o->model;
	S->push = o->push;
	S->no_sandbox = o->no_sandbox;
	S->verbose = o->verbose;
	S->lockfd = -1;
	for (i = 0; i < RL_RING_NSTAGES; i++)
		S->st[i].in = S->st[i].out = S->st[i].err = -1;
	/* one run per journal */
	rl_config_state_dir(cfg, &lock);
	rl_fs_mkdirs(lock.data, 0700);
	len = lock.len;
	rl_buf_printf(&lock, "/run-%s.lock", o->journal);
	if ((S->lockfd = open(lock.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		if (errno == EROFS || errno == EACCES || errno == EPERM)
			rl_error_set(e, "io.read_only", "the state directory %.*s "
			    "cannot be written: %s (fix: make it writable, or set "
			    "RL_HOME to a directory that is)", (int)len, lock.data,
			    strerror(errno));
		else
			rl_error_set(e, "io.open", "%s: %s", lock.data,
			    strerror(errno));
		goto fail;
	}
	if (flock(S->lockfd, LOCK_EX | LOCK_NB) < 0) {
		rl_error_set(e, "io.lock", "journal %s is in use by another redline "
		    "run (%s)", o->journal, lock.data);
		goto fail;
	}
	rl_buf_printf(&name, "%s-todo", o->journal);
	S->todo = rl_queue_open(cfg, name.data, &st);
	rl_buf_reset(&name);
	rl_buf_printf(&name, "%s-ring", o->journal);
	if (S->todo)
		S->ring = rl_queue_open(cfg, name.data, &st);
	if (!S->todo || !S->ring) {
		/* a queue that cannot be reached now (111) is not a bad setting */
		rl_error_set(e, st != RL_EXIT_TEMP ? "config.invalid" :
		    "redis.unreachable", "the journal %s cannot be opened (said "
		    "above)", o->journal);
		goto fail;
	}
	if (!(S->mem = rl_mem_open(cfg, e)))
		goto fail;
	/* on a server, every machine's supervisor shares the journal */
	S->shared = rl_queue_shared(S->ring);
	S->lease_ms = LEASE_MS;
	if (S->shared) {
		S->lease_ms = (long long)(rl_config_num(cfg, "run.lease_seconds",
		    30) * 1000);
		if (rl_ring_machine(cfg, S->machine, e) < 0)
			goto fail;
		if (o->discard) {
			rl_error_set(e, "config.invalid", "journal %s is shared: "
			    "--discard would take the batons other machines work on "
			    "(a baton no machine renews is taken over by the next "
			    "run after run.lease_seconds)", o->journal);
			goto fail;
		}
	}
	if (o->discard && discard(S) < 0) {
		rl_error_set(e, "io.write", "journal %s: %s", o->journal,
		    S->ring->err.code ? S->ring->err.message : S->todo->err.message);
		goto fail;
	}
	if (!S->shared && !o->resume &&
	    (left = pending(S->ring) + pending(S->todo)) > 0) {
		rl_error_set(e, "queue.unfinished", "journal %s holds %lu baton%s of "
		    "a run that did not finish (fix: redline run --resume finishes "
		    "them; redline run --discard moves them to the dead letters, "
		    "where rl-queue -q %s-ring dead lists them)", o->journal, left,
		    left == 1 ? "" : "s", o->journal);
		goto fail;
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	S->board = rl_board_open();
	S->tty = S->board != NULL;
	/* shared: what a dead run left is taken over by the pops, when its
	 * leases run out */
	if (o->resume && !S->shared) {
		resume(S);
		S->waiting = pending(S->todo);
	}
	rl_buf_free(&name);
	rl_buf_free(&lock);
	return S;
fail:
	rl_buf_free(&name);
	rl_buf_free(&lock);
	rl_ring_close(S, 0);
	return NULL;
}

int
rl_ring_close(struct rl_ring *S, int status)
{
	int i;

	if (!S)
		return status;
	status = rl_exit_merge(status, S->status);
	for (i = 0; i < RL_RING_NSTAGES; i++) {
		rl_buf_free(&S->st[i].w);
		rl_lines_free(&S->st[i].r);
		rl_lines_free(&S->st[i].e);
	}
	rl_board_close(S->board);
	for (i = 0; i < (int)S->nf; i++)
		cJSON_Delete(S->f[i].wait);
	for (i = 0; i < (int)S->ntrees; i++)
		free(S->trees[i]);
	free(S->trees);
	free(S->f);
	if (S->todo)
		rl_queue_close(S->todo);
	if (S->ring)
		rl_queue_close(S->ring);
	if (S->mem)
		rl_mem_close(S->mem);
	if (S->lockfd >= 0)
		close(S->lockfd);
	free(S);
	return status;
}
