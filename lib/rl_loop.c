/*
 * rl_loop.c - the record loop; see rl_loop.h.
 *
 * Input is read in large blocks into one buffer (rl_lines.h); records are
 * taken where they lie, without copying, and handed to the callback.  The
 * buffer grows to hold the longest line, up to max_bytes; a longer line
 * switches the reader to skipping until the next newline, keeping only its
 * first RL_LOOP_RAW_KEEP bytes, so a 100 MB line never costs more memory
 * than the limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rl_arena.h"
#include "rl_baton.h"
#include "rl_buf.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_lines.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_text.h"

#define READ_SIZE (256 * 1024)

struct reader {
	const struct rl_loop *L;
	int fd;
	const char *name;
	struct rl_lines in;
	unsigned long long total;  /* bytes read so far */
};

int
rl_loop_reject(const struct rl_loop *L, const struct rl_rec *r,
	const char *code, const char *message, cJSON *extra)
{
	cJSON *b = rl_baton_error(r->json, code, message, L->stage);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(b, "error"), *c;

	if (!(L->flags & RL_LOOP_QUIET))
		rl_diag(r->file, r->line, code, "%s", message);
	while (extra && (c = extra->child)) {
		cJSON_DetachItemViaPointer(extra, c);
		cJSON_AddItemToObject(e, c->string, c);
	}
	cJSON_Delete(extra);
	rl_baton_add_raw(b, r->text, r->len);
	if (L->emit) {
		L->emit(b, L->emit_arg);
		return RL_EXIT_FAIL;
	}
	rl_out_json(b);
	cJSON_Delete(b);
	return RL_EXIT_FAIL;
}

/* Read more input into the buffer; 0 at end of file, -1 on error. */
static int
fill(struct reader *R, size_t want)
{
	char *space = rl_lines_space(&R->in, want);
	ssize_t n;

	/* what is done goes out before any wait */
	rl_out_batch(0);
	if (R->L->idle)
		R->L->idle(R->fd, R->L->idle_arg);
	while ((n = read(R->fd, space, want)) < 0)
		if (errno != EINTR)
			return -1;
	rl_out_batch(1);
	rl_lines_added(&R->in, (size_t)n);
	R->total += (unsigned long long)n;
	return n > 0;
}

static int
blank(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	return n == 0;
}

/* Length of the n bytes at s without an incomplete UTF-8 sequence at
 * their end, so that a cut made at a fixed size keeps valid text valid. */
static size_t
whole_utf8(const char *s, size_t n)
{
	size_t j = n;

	while (j > 0 && n - j < 3 && ((unsigned char)s[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > 0 && (unsigned char)s[j - 1] >= 0xc0 &&
	    !rl_utf8_seq((const unsigned char *)s + j - 1, n - j + 1, NULL))
		return j - 1;
	return n;
}

/* A line over the limit, n of its bytes at p (whole: its newline was
 * read): keep its start, skip the rest, report it. */
static int
too_large(struct rl_loop *L, struct reader *R, struct rl_rec *r,
	const char *p, size_t n, int whole)
{
	char keep[RL_LOOP_RAW_KEEP], msg[160];
	size_t total = n, k = n < sizeof keep ? n : sizeof keep;
	const char *nl;
	cJSON *extra;
	int rc = 1;

	memcpy(keep, p, k);
	if (!whole)
		rl_lines_skip(&R->in, n);
	while (!whole && rc > 0) {
		if ((rc = fill(R, READ_SIZE)) < 0)
			rl_diag(R->name, 0, "io.read", "%s", strerror(errno));
		p = rl_lines_pending(&R->in, &n);
		if ((nl = memchr(p, '\n', n))) {
			n = (size_t)(nl - p);
			whole = 1;
		}
		total += n;
		rl_lines_skip(&R->in, n + (nl != NULL));
	}
	r->text = keep;
	r->len = whole_utf8(keep, k);
	r->json = NULL;
	snprintf(msg, sizeof msg, "line of %zu bytes exceeds the limit of %zu",
	    total, L->max_bytes);
	extra = cJSON_CreateObject();
	cJSON_AddNumberToObject(extra, "raw_bytes", (double)total);
	L->records++;
	return rl_loop_reject(L, r, "input.too_large", msg, extra);
}

/* One record: strip the line end, parse, check, call back. */
static int
record(struct rl_loop *L, struct rl_rec *r)
{
	struct rl_buf fixed = {0}, path = {0};
	struct rl_json_err e;
	int status, rc;

	if (r->len && r->text[r->len - 1] == '\r')
		r->len--;
	if (blank(r->text, r->len))
		return -1;
	L->records++;
	r->json = NULL;
	r->repaired = 0;
	if ((L->flags & RL_LOOP_REPAIR) &&
	    rl_utf8_check(r->text, r->len) < r->len) {
		r->repaired = rl_utf8_repair(r->text, r->len, &fixed);
		r->text = fixed.data;
		r->len = fixed.len;
	}
	rl_arena_begin();
	rc = rl_json_parse(r->text, r->len, L->max_depth, &r->json, &e);
	rl_arena_end();
	if (rc < 0) {
		char msg[320];
		if (e.offset < r->len)
			snprintf(msg, sizeof msg, "%s at column %zu", e.message,
			    e.offset + 1);
		else
			snprintf(msg, sizeof msg, "%s", e.message);
		status = rl_loop_reject(L, r, e.code, msg, NULL);
	} else if (rl_json_find_duplicate(r->json, &path)) {
		struct rl_buf msg = {0};
		rl_buf_printf(&msg, "duplicate member name at '%s'", path.data);
		status = rl_loop_reject(L, r, "input.duplicate_key", msg.data, NULL);
		rl_buf_free(&msg);
	} else {
		status = L->fn(r, L->arg);
	}
	cJSON_Delete(r->json);
	r->json = NULL;
	rl_arena_reset();
	rl_buf_free(&fixed);
	rl_buf_free(&path);
	return status;
}

static int
run_fd(struct rl_loop *L, int fd, const char *name)
{
	struct reader R = {L, fd, name, {{0}, 0}, 0};
	struct rl_rec r = {0};
	int status = RL_EXIT_OK, rc = 1, st, whole;
	const char *p;
	size_t len;

	r.file = name;
	for (;;) {
		if (!(whole = rl_lines_next(&R.in, &p, &len))) {
			p = rl_lines_pending(&R.in, &len);
			if (len <= L->max_bytes && rc > 0) {
				if ((rc = fill(&R, READ_SIZE)) < 0) {
					rl_diag(name, 0, "io.read", "%s", strerror(errno));
					status = rl_exit_merge(status, RL_EXIT_TEMP);
				}
				continue;
			}
			if (!len)
				break;
		}
		r.line++;
		if (len > L->max_bytes) {
			st = too_large(L, &R, &r, p, len, whole);
		} else {
			if (!whole)     /* the last line, without a newline */
				rl_lines_skip(&R.in, len);
			r.text = p;
			r.len = len;
			if ((st = record(L, &r)) < 0)
				continue;
		}
		if (st != RL_EXIT_OK)
			L->failed++;
		status = rl_exit_merge(status, st);
	}
	L->bytes += R.total;
	rl_lines_free(&R.in);
	rl_arena_free();
	return status;
}

/* Reading a terminal waits for a person: say so, once, where they see
 * it (a command waiting in silence looks hung). */
static int
run_stdin(struct rl_loop *L)
{
	static int said;

	if (!said && isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
		fprintf(stderr, "%s: reading batons from the terminal; ^D to end\n",
		    rl_prog);
		said = 1;
	}
	return run_fd(L, STDIN_FILENO, "stdin");
}

static int
run_files(struct rl_loop *L, int nfiles, char **files)
{
	int status = RL_EXIT_OK, i, fd;

	if (nfiles == 0)
		return run_stdin(L);
	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0) {
			status = rl_exit_merge(status, run_stdin(L));
			continue;
		}
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rl_diag(files[i], 0, "io.open", "%s", strerror(errno));
			status = rl_exit_merge(status, RL_EXIT_FAIL);
			continue;
		}
		status = rl_exit_merge(status, run_fd(L, fd, files[i]));
		close(fd);
	}
	return status;
}

int
rl_loop_run(struct rl_loop *L, int nfiles, char **files)
{
	int status;

	if (!L->max_bytes)
		L->max_bytes = RL_LOOP_MAX_BYTES;
	if (!L->max_depth)
		L->max_depth = RL_LOOP_MAX_DEPTH;
	status = run_files(L, nfiles, files);
	rl_out_batch(0);
	return status;
}
