/*
 * rl_trust.h - which repositories' .redline/ layer the user trusts.
 *
 * A repository is untrusted input: its files, and its .redline/ as much
 * as any (a cloned repository came with it; a model's edit may have
 * written it).  Its project layer, the files
 *
 *     .redline/config.json   .redline/tools/NAME.json   .redline/prompts/NAME.md
 *
 * is applied only when the user trusts that layer as it is now: `redline
 * trust DIR` (rl-trust(1)) records the directory's real path and the
 * SHA-256 of those files (each one's path, size and bytes, in name order)
 * in STATE/trust.json.  Any change to them, a file added or removed
 * included, changes the digest, and the repository is untrusted again
 * until it is trusted again.  Untrusted, the layer is ignored, with one
 * warning naming the command to trust it (rl_config.h).  Even trusted,
 * some settings never come from a repository: rl_config.h lists them.
 *
 * The store is replaced crash-safely under STATE/trust.lock; a store that
 * is not valid JSON trusts nothing and is never overwritten (rl-trust
 * says where it is).
 */
#ifndef RL_TRUST_H
#define RL_TRUST_H

#include <cjson/cJSON.h>

#include "rl_buf.h"
#include "rl_err.h"
#include "rl_sha256.h"

enum rl_trust {
	RL_TRUST_NONE,     /* no .redline/ layer: nothing to trust */
	RL_TRUST_NO,       /* a layer the user has not trusted as it is */
	RL_TRUST_YES       /* the layer the user trusted */
};

/*
 * The digest of dir's project layer into hex; when files is not NULL,
 * each file's path relative to dir is appended to it, one a line.
 * Returns the number of files (0: no layer), or -1 with e set when one
 * cannot be read (config.untrusted; a FIFO or device is refused, never
 * waited on).
 */
int rl_trust_digest(const char *dir, char hex[RL_SHA256_HEX],
	struct rl_buf *files, struct rl_error *e);

/* Whether the user trusts dir's project layer; state is the state
 * directory.  A layer that cannot be read is RL_TRUST_NO. */
enum rl_trust rl_trust_check(const char *state, const char *dir);

/*
 * Trust dir's project layer as it is now (trust != 0), or forget it.
 * On success the digest goes into hex (when not NULL) and the files
 * into files (when not NULL).  Returns 0, or -1 with e set.
 */
int rl_trust_set(const char *state, const char *dir, int trust,
	char hex[RL_SHA256_HEX], struct rl_buf *files, struct rl_error *e);

/*
 * Every record of the store: an object of real path -> {"digest",
 * "at"}, or NULL with e set when the store cannot be read.  The caller
 * owns it.
 */
cJSON *rl_trust_list(const char *state, struct rl_error *e);

#endif
