/*
 * rl_git.h - a task's repository as a git remote, so that any machine can
 * work on it: a cache per remote, a work tree per task, the change made so
 * far as a diff that travels in the baton, and a push at the end.
 *
 *     rl_git_spec("https://host/r.git@v1.2", &url, &rev, &e);
 *     rl_git_resolve(cfg, url, rev, sha, &e);      (sha: 40 hex digits)
 *     dir = rl_git_checkout(cfg, baton, &e);       (STATE/work/ID)
 *     ... a stage works in dir ...
 *     change = rl_git_change(dir, sha, &e);        (baton.change)
 *     rl_git_push(cfg, dir, url, "fix-x", "message", pushed, &e);
 *     rl_git_release(cfg, id);
 *
 * On disk, under the state directory (rl_config_state_dir):
 *
 *     STATE/git/HEX.git    one bare clone per remote, HEX the SHA-256 of
 *                          its URL; its branches and tags mirror the
 *                          remote's, refs/redline/HEAD its HEAD
 *     STATE/git/HEX.lock   flock'd while the clone is made, fetched or a
 *                          work tree is added or removed, so supervisors
 *                          sharing a state directory never race
 *     STATE/work/ID        the task's work tree: `git worktree add
 *                          --detach` of the cache at the baton's rev
 *
 * A change is `git diff --binary` of everything the work tree holds
 * against rev: tracked files, and new files unless .gitignore ignores
 * them (a build's output stays behind).  It is made with a copy of the
 * index, so the work tree's own index is never touched, and with fixed
 * options (full blob ids, no renames, a/ and b/ prefixes, three lines of
 * context) so that the user's diff settings cannot change it.
 *
 * Git is run through rl_proc (a scrubbed environment: no credential
 * variable, no API key) and held to what a remote cannot abuse:
 * GIT_ALLOW_PROTOCOL=file:git:http:https:ssh (no ext::, which runs a
 * command; a URL naming it is refused before git sees it), hooks off
 * (core.hooksPath=/dev/null), no fsmonitor, no submodules, no terminal
 * prompt (GIT_TERMINAL_PROMPT=0; ssh runs with BatchMode=yes unless
 * GIT_SSH_COMMAND or GIT_SSH says otherwise), no line-ending conversion,
 * and none of the caller's GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE and the
 * like.  The user's own git configuration (credential helpers, insteadOf,
 * core.sshCommand) still applies: it is how private remotes are reached.
 *
 * Errors (struct rl_error, codes in redline(7)):
 *   git.spec         "URL@" or an empty URL or revision
 *   git.url          a transport redline does not run (ext::, fd::), or a
 *                    URL that starts with '-'
 *   git.unreachable  the remote could not be fetched or pushed to
 *                    (retryable, exit 111)
 *   git.rev          the revision is not in the remote (exit 2)
 *   git.apply        a change does not apply to the revision
 *   git.push         the remote refused the push (not a fast-forward,
 *                    a protected branch)
 *   git.failed       git itself failed (missing, a full disk)
 */
#ifndef RL_GIT_H
#define RL_GIT_H

#include <cjson/cJSON.h>

#include "rl_config.h"
#include "rl_err.h"

/*
 * Split "URL[@REV]": REV is what follows the last '@' after the last '/'
 * or ':' (so user@host:path stays a URL, and user@host:path@v1 is
 * user@host:path at v1); *rev is NULL when there is none.  *url and *rev
 * are malloc'd, the caller frees them.  Returns 0, or -1 (git.spec,
 * git.url) with nothing allocated.
 */
int rl_git_spec(const char *spec, char **url, char **rev,
	struct rl_error *e);

/*
 * Fetch url into this machine's cache (STATE/git/<sha256 of url>.git, one
 * bare clone per remote, made on first use, flock'd) and resolve rev (a
 * branch, a tag, a commit id, abbreviated or not; NULL: the remote's
 * HEAD) to a full commit id in sha (40 hex digits and a NUL).  A full
 * commit id the cache already holds is not fetched again; anything else
 * is resolved against the remote as it is now.  Returns 0, or -1 with e
 * set (git.url, git.unreachable, git.rev, git.failed, io.*).
 */
int rl_git_resolve(const struct rl_config *cfg, const char *url,
	const char *rev, char sha[41], struct rl_error *e);

/*
 * This machine's work tree of the task (STATE/work/<baton.id>), checked
 * out detached at baton.git.rev (a full commit id) with baton.change
 * applied: created when absent, kept as it is when it holds exactly that
 * (HEAD at rev and the same change), else reset to rev (tracked files
 * restored, untracked ones removed, ignored ones kept) and the change
 * applied.  Returns the malloc'd path, or NULL with e set (validate.schema
 * for a baton without id or git, git.apply, and rl_git_resolve's).
 */
char *rl_git_checkout(const struct rl_config *cfg, const cJSON *baton,
	struct rl_error *e);

/*
 * The change in the work tree dir against rev (see above), malloc'd; ""
 * when there is none.  NULL with e set on failure (git.rev, git.failed).
 */
char *rl_git_change(const char *dir, const char *rev, struct rl_error *e);

/*
 * Commit what dir holds on top of its HEAD (author and committer
 * "redline <redline@localhost>", hooks off, not signed; nothing is
 * committed when it holds no change) and push that commit to url as
 * refs/heads/BRANCH; sha gets the commit pushed.  The commit is dated as
 * the one it is made on, so the same change with the same message is the
 * same commit on every machine: a task finished twice pushes it twice
 * as a no-op.  Returns 0, or -1 with e set (git.url,
 * git.spec for a bad branch name, git.push when the remote refuses,
 * git.unreachable when it cannot be reached, git.failed).
 */
int rl_git_push(const struct rl_config *cfg, const char *dir,
	const char *url, const char *branch, const char *message,
	char sha[41], struct rl_error *e);

/* Remove the task's work tree STATE/work/<id> and its entry in the cache
 * (the cache stays).  Nothing to remove is fine; failures are silent. */
void rl_git_release(const struct rl_config *cfg, const char *id);

#endif
