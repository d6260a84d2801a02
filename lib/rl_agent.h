/*
 * rl_agent.h - the one engine every agent runs.
 *
 * An agent is data plus a few functions: its name (the stage it serves,
 * the name of its system prompt SHARE/prompts/NAME.md and of its reply's
 * schema SHARE/schemas/agent-NAME.json, its memory namespace), the baton
 * members its prompt shows, and how it takes a reply into the baton:
 *
 *     static const struct rl_agent plan = {
 *         .name = "plan", .fields = (const char *[]){"task", "reasoning",
 *         "feedback", NULL}, .context = tools, .check = known_tools,
 *         .apply = take_plan,
 *     };
 *     int main(int argc, char **argv) { return rl_agent_main(&plan, argc, argv); }
 *
 * rl_agent_main parses the options every agent takes (-p provider,
 * -m model, -j jobs, --dry-run, -C dir, --no-sandbox for an agent that
 * runs tools and --hand-back for one with RL_AGENT_AGAIN; without -p and
 * -m, agents.NAME.provider and agents.NAME.model of the configuration,
 * then provider.*) and runs the record loop.  For each baton:
 *
 *   - a baton not addressed to it (next), or with an error, goes on
 *     unchanged and in order;
 *   - the budget is checked (rl_budget.h): when spent, the baton goes
 *     to complete with status BUDGET and asks no model;
 *   - local, when the agent has one, may handle the baton itself (rl-act
 *     running a plan whose steps are complete; rl-complete always);
 *   - else the prompt is built: the system prompt (./.redline/prompts/
 *     NAME.md overrides the shipped one when the user trusts the
 *     repository's .redline/, rl_trust.h), the agent's corrective bias
 *     (the baton's bias.NAME, else its memory's "bias"), then the
 *     prompt's head: "Task:" and, when context shows one, the
 *     repository map (ranked for the task alone); then each of the
 *     agent's fields present in the baton as compact JSON, what else
 *     context adds (code windows, through rl_agent_code), and what its
 *     memory holds for this repository (key "repo-HASH"), and nothing
 *     else: tokens are cubed in the reward;
 *   - the provider is called, -j requests in flight, output in order,
 *     with the head's length (rl_call.head): the head is the same, byte
 *     for byte, in every request of a task while the tree is unchanged,
 *     so a service that caches a prompt's prefix may read it back;
 *   - the reply is taken as real models send it: a <think>...</think>
 *     block, or all up to a lone </think>, is dropped; the object may
 *     be the whole text, in a ```json fence, or among prose; it is
 *     checked against the schema and by check; when it fails, one
 *     repair round sends the prompt again with the errors quoted; when
 *     that fails too, the baton gets error validate.reply with the reply
 *     kept in error.detail;
 *   - a reply cut at the token limit (provider.truncated) is asked again
 *     once, for a shorter answer; each of these is counted in the
 *     metrics (validate.reply_think, _fence, _prose, _cut) so rl-stats
 *     errors shows how often a model needs them;
 *   - apply takes the reply into the baton and sets next; the call's
 *     usage is added to usage and a trail entry {stage, provider, model,
 *     usage, ms, at} is appended;
 *   - a baton apply leaves addressed to the agent again (an agent with
 *     RL_AGENT_AGAIN: rl-act, whose plan has another step for the model)
 *     is handled again at once, budget first, keeping its place in the
 *     output, so a plain pipeline finishes it without a supervisor;
 *     with --hand-back it is written instead, after each request, for a
 *     supervisor that journals every handoff (redline run).
 *
 * A request that fails leaves the baton as it was, with an error whose
 * retryable says whether a later try may work (rl-queue and redline run
 * retry those).  --dry-run writes, instead of calling, one record per
 * baton {"id", "stage", "system", "prompt", "head", "tokens"}, head being
 * the bytes of the prompt's head and tokens the estimate bytes / 4 that
 * rl-provider uses when a service counts none.
 */
#ifndef RL_AGENT_H
#define RL_AGENT_H
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"
#include "rl_context.h"
#include "rl_err.h"
#include "rl_mem.h"
#include "rl_provider.h"
#include "rl_sandbox.h"
#include "rl_tool.h"

enum {
	RL_AGENT_TOOLS = 1 << 0,     /* load the tool catalog */
	RL_AGENT_SANDBOX = 1 << 1,   /* runs tools: --no-sandbox, a probe */
	RL_AGENT_LAZY = 1 << 2,      /* open the provider at its first call */
	RL_AGENT_AGAIN = 1 << 3      /* apply may address a baton to it again:
	                                continued, or --hand-back */
};

/* What a running agent has; the agent's functions receive it. */
struct rl_agent_run {
	const struct rl_agent *A;
	struct rl_config *cfg;
	struct rl_provider *p;       /* NULL until opened */
	struct rl_mem *mem;
	struct rl_tools tools;       /* with RL_AGENT_TOOLS */
	struct rl_sandbox sb;        /* with RL_AGENT_SANDBOX: the limits */
	const char *dir;             /* -C: the repository when a baton names none */
	int dry_run;                 /* --dry-run: run nothing, ask nothing */
	struct rl_context_settings ctx;  /* context.*: what rl_agent_code shows */
	size_t reserve;              /* bytes the request holds beyond the
	                                prompt given to context: the system
	                                prompt, the head's "Task:", the
	                                memory */
	struct rl_buf map;           /* the repository map rl_agent_code
	                                made, which the engine puts in the
	                                prompt's head */
};

struct rl_agent {
	const char *name;
	const char *const *fields;   /* baton members the prompt shows */
	unsigned flags;              /* RL_AGENT_* */
	/* Add to the prompt what the baton's fields do not say (may be NULL). */
	void (*context)(struct rl_agent_run *R, const cJSON *baton,
	    struct rl_buf *prompt);
	/* Handle the baton without a model: 1 when done (next set), 0 to ask
	 * the model, -1 with e set to make it an error baton (may be NULL). */
	int (*local)(struct rl_agent_run *R, cJSON *baton, struct rl_error *e);
	/* Checks of a reply the schema passed: append {path, keyword,
	 * message} to errs; 1 when it is good (may be NULL). */
	int (*check)(struct rl_agent_run *R, const cJSON *baton,
	    const cJSON *reply, cJSON *errs);
	/* Take the good reply (owned) into baton and set next; 0, or -1 with
	 * e set. */
	int (*apply)(struct rl_agent_run *R, cJSON *baton, cJSON *reply,
	    struct rl_error *e);
	/* Whether the request for this baton asks for plain text rather than
	 * JSON (may be NULL: always JSON).  Then the request is sent without
	 * the JSON mode and schema, and the reply's text (a <think> block
	 * dropped, nothing else taken off) reaches check and apply as a cJSON
	 * string: no schema is applied, check alone judges it, and a repair
	 * round asks for "the corrected text".  rl-act's editing request is
	 * one: its reply is SEARCH/REPLACE blocks (rl_edit.h). */
	int (*text)(struct rl_agent_run *R, const cJSON *baton);
	/* A baton with an error passing by on its way out (may be NULL): at
	 * the end of a pipeline, the task it stands for ended with it.
	 * rl-complete logs it as a run (rl_stats_log_run). */
	void (*failed)(struct rl_agent_run *R, const cJSON *baton);
};

/* Parse options, run the loop, return the exit status for main. */
int rl_agent_main(const struct rl_agent *A, int argc, char **argv);

/* Append a reply's fault {path, keyword, message} to errs, as a check
 * function does. */
void rl_agent_error(cJSON *errs, const char *path, const char *keyword,
	const char *msg);

/* The memory key of what an agent keeps about repository dir:
 * "repo-" and 16 hex digits of a hash of its path (out: 24 bytes). */
void rl_agent_repo_key(const char *dir, char *out, size_t size);

/*
 * For a context function, once per prompt: the repository map of the
 * baton's repository (its "repo", else -C), ranked for the baton's task,
 * into R->map, which the engine puts in the prompt's head; and, when
 * windows is 1, the code windows of what text names (rl_context.h)
 * appended to prompt; ranked with the baton's debt, in what
 * context.max_prompt_tokens leaves once the system prompt, the prompt so
 * far, the memory and room for a repair round are counted.
 */
void rl_agent_code(struct rl_agent_run *R, const cJSON *baton,
	const char *text, int windows, struct rl_buf *prompt);

/* Append every string of v (the members' values, at any depth), one a
 * line, to out: the names a baton member holds, for rl_agent_code. */
void rl_agent_strings(const cJSON *v, struct rl_buf *out);

#endif
