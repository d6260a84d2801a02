/* rl_out.c - whole records, one write each or gathered; see rl_out.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_out.h"

#define GATHER (64UL << 10)

static struct {
	int on, hooked;
	struct rl_buf b;
} G;

void (*rl_out_before)(void);

static void write_lines(const char *s, size_t n, int newline);

static void
flush(void)
{
	size_t n = G.b.len;

	/* emptied first: a failed write exits, and exit calls us again */
	G.b.len = 0;
	if (n)
		write_lines(G.b.data, n, 0);
}

void
rl_out_batch(int on)
{
	if (!on)
		flush();
	else if (!G.hooked) {
		G.hooked = 1;
		atexit(flush);      /* what is gathered is not lost at exit */
	}
	G.on = on;
}

void
rl_out_line(const char *s, size_t n)
{
	if (G.on) {
		if (G.b.len + n + 1 > GATHER)
			flush();
		if (n + 1 <= GATHER) {
			rl_buf_add(&G.b, s, n);
			rl_buf_addc(&G.b, '\n');
			return;
		}
	}
	flush();
	write_lines(s, n, 1);
}

/* Write n bytes (and a newline) completely. */
static void
write_lines(const char *s, size_t n, int newline)
{
	struct iovec iov[2];
	int k = 0;
	ssize_t w;

	iov[0].iov_base = (void *)s;
	iov[0].iov_len = n;
	iov[1].iov_base = "\n";
	iov[1].iov_len = newline ? 1 : 0;
	if (rl_out_before)
		rl_out_before();
	/* A blocking write to a pipe or file completes unless interrupted;
	 * finish a short one rather than lose its tail. */
	while (k < 2) {
		w = writev(STDOUT_FILENO, iov + k, 2 - k);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rl_die(RL_EXIT_TEMP, "io.write", "stdout: %s",
			    strerror(errno));
		}
		while (k < 2 && (size_t)w >= iov[k].iov_len)
			w -= (ssize_t)iov[k++].iov_len;
		if (k < 2) {
			iov[k].iov_base = (char *)iov[k].iov_base + w;
			iov[k].iov_len -= (size_t)w;
		}
	}
}

void
rl_out_json(const cJSON *v)
{
	struct rl_buf b = {0};

	rl_json_print(v, &b);
	rl_out_line(b.data, b.len);
	rl_buf_free(&b);
}

int
rl_out_close(void)
{
	rl_out_batch(0);
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		rl_diag(NULL, 0, "io.write", "stdout: %s", strerror(errno));
		return RL_EXIT_TEMP;
	}
	return RL_EXIT_OK;
}
