/* test_edit.c - edits: the matcher's rules and refusals, the reply and
 * diff parsers, and applying to files (lib/rl_edit*.c). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_edit.h"
#include "rl_json.h"
#include "rl_fs.h"
#include "unit.h"

static struct rl_buf out, msg;
static struct rl_edit_match m;

/* Apply search -> replace to text: the new text, or NULL (msg says why). */
static const char *
ed(const char *text, const char *search, const char *replace)
{
	rl_buf_reset(&out);
	rl_buf_reset(&msg);
	if (rl_edit_text(text, strlen(text), search, replace, &out, &m, &msg) < 0)
		return NULL;
	return out.data ? out.data : "";
}

static int
has(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

static void
rules(void)
{
	const char *c = "int f(void)\n{\n\treturn 0;\n}\n";

	CHECK_STR(ed(c, "\treturn 0;\n", "\treturn 1;\n"),
	    "int f(void)\n{\n\treturn 1;\n}\n", "exact");
	CHECK_STR(m.how, "exact", "exact: the rule is named");
	CHECK(m.line == 3, "exact: the line changed");

	CHECK_STR(ed("a  \nb\t\nc\n", "a\nb\n", "A\nB\n"), "A\nB\nc\n",
	    "trailing whitespace in the file is ignored");
	CHECK_STR(m.how, "trailing whitespace", "... by the second rule");

	CHECK_STR(ed("if (x) {\n        y();\n        z();\n}\n",
	    "    y();\n    z();\n", "    y();\n    if (q)\n        z();\n"),
	    "if (x) {\n        y();\n        if (q)\n            z();\n}\n",
	    "SEARCH indented four spaces less: REPLACE re-indented by four");
	CHECK_STR(m.how, "indentation", "... by the third rule");

	CHECK_STR(ed("f() {\n\tif (a)\n\t\tb();\n}\n", "    if (a)\n        b();\n",
	    "    if (a) {\n        b();\n        c();\n    }\n"),
	    "f() {\n\tif (a) {\n\t\tb();\n\t\tc();\n\t}\n}\n",
	    "spaces for the file's tabs: REPLACE indented with tabs");

	CHECK(!ed("a {\n        x;\n    y;\n}\n", "    x;\n    y;\n", "z;\n"),
	    "offsets that differ line to line are no match");
	CHECK_STR(m.code, "edit.no_match", "... edit.no_match");

	CHECK_STR(ed("puts(\"hi\");\nx = a - b;\n",
	    "puts(\xe2\x80\x9chi\xe2\x80\x9d);\nx = a \xe2\x80\x93 b;\n",
	    "puts(\xe2\x80\x9chello\xe2\x80\x9d);\nx = a \xe2\x80\x93 c;\n"),
	    "puts(\"hello\");\nx = a - c;\n",
	    "curly quotes and a dash in SEARCH: matched, and made ASCII in REPLACE");
	CHECK_STR(m.how, "unicode", "... by the fourth rule");
	CHECK_STR(ed("s = \xe2\x80\x98x\xe2\x80\x99;\nt\xc2\xa0=\xc2\xa0" "1;\n",
	    "s = 'x';\nt = 1;\n", "s = \xe2\x80\x98y\xe2\x80\x99;\nt = 2;\n"),
	    "s = \xe2\x80\x98y\xe2\x80\x99;\nt = 2;\n",
	    "the file's own curly quotes and no-break spaces: REPLACE kept as written");

	CHECK_STR(ed("a\nb\nc\nd\ne\n", "a\n...\nd\n", "A\n...\nD\n"),
	    "A\nb\nc\nD\ne\n", "a ... line keeps the lines it stands for");
	CHECK_STR(m.how, "ellipsis", "... by the fifth rule");
	CHECK(!ed("a\nb\nc\n", "a\n...\nc\n", "A\nc\n"),
	    "as many ... lines in SEARCH and REPLACE, or refused");
	CHECK_STR(m.code, "edit.parse", "... as a malformed edit");
	CHECK(has(msg.data, "SEARCH has 1 \"...\" line and REPLACE has 0"),
	    "... saying how many each has");

	CHECK_STR(ed("one\r\ntwo\r\n", "two\n", "2\n"), "one\r\n2\r\n",
	    "a CRLF file keeps its CRLFs");
	CHECK_STR(ed("one\ntwo", "two\n", "2\n"), "one\n2",
	    "a file with no newline at its end still has none");
	CHECK_STR(ed("", "", "new\n"), "new\n", "an empty SEARCH fills an empty text");
}

static void
refusals(void)
{
	const char *t = "x = 1;\ny = 2;\nx = 1;\nz = 3;\n";
	const char *big = "static int\ncount(const char *s)\n{\n\tint n = 0;\n\n"
	    "\twhile (*s)\n\t\tn += *s++ == ' ';\n\treturn n;\n}\n";

	CHECK(!ed(t, "x = 1;\n", "x = 9;\n"), "a SEARCH that fits twice is refused");
	CHECK_STR(m.code, "edit.ambiguous", "... edit.ambiguous");
	CHECK(has(msg.data, "found at 2 places, lines 1 and 3"),
	    "... naming the line of every place");
	CHECK_STR(ed(t, "x = 1;\nz = 3;\n", "x = 9;\nz = 3;\n"),
	    "x = 1;\ny = 2;\nx = 9;\nz = 3;\n", "... and a longer one applies");

	CHECK(!ed(big, "\twhile (*s != 0)\n\t\tn += *s++ == ' ';\n",
	    "\tfor (; *s; s++)\n\t\tn += *s == ' ';\n"),
	    "an invented SEARCH is refused: no fuzzy match");
	CHECK_STR(m.code, "edit.no_match", "... edit.no_match");
	CHECK(has(msg.data, "The closest lines are 6-7"), "... naming the closest lines");
	CHECK(has(msg.data, "     6 | \twhile (*s)\n") &&
	    has(msg.data, "     1 | static int\n") &&
	    has(msg.data, "     9 | }\n"), "... shown numbered, five around");
	CHECK_STR(ed(big, "\twhile (*s)\n\t\tn += *s++ == ' ';\n",
	    "\tfor (; *s; s++)\n\t\tn += *s == ' ';\n") ? "applied" : msg.data,
	    "applied", "... and a SEARCH built from them applies");

	CHECK(!ed("a\nb\n", "nothing like it at all\n", "c\n"),
	    "a SEARCH like nothing in the file");
	CHECK(has(msg.data, "No lines of the file are like them") &&
	    !has(msg.data, "closest"), "... says so, and shows no lines");

	CHECK(!ed("a\nB\nc\n", "a\nb\nc\n", "a\nB\nc\n"), "an edit made already");
	CHECK(has(msg.data, "The REPLACE lines are already in the file (at line 1)"),
	    "... says the REPLACE lines are there");

	CHECK(!ed("text\n", "", "more\n"), "an empty SEARCH on a text is refused");
	CHECK_STR(m.code, "edit.empty_search", "... edit.empty_search");
}

static void
similarity(void)
{
	const char *a[] = {"abcd", "  same  "}, *b[] = {"bcde", "same"};

	CHECK(rl_edit_similarity(a, a, 2) == 1.0, "identical lines: 1");
	CHECK(rl_edit_similarity(a, b, 1) == 0.75, "abcd, bcde: 2 * 3 / 8, as difflib says");
	CHECK(rl_edit_similarity(a + 1, b + 1, 1) == 1.0, "white space at the ends left out");
}

static void
parsing(void)
{
	struct rl_edits E = {0};
	struct rl_error e;
	cJSON *j;
	const char *reply =
	    "I will fix both.\n\n"
	    "`src/a.c`\n```c\n<<<<<<< SEARCH\nint a;\n=======\nint a = 1;\n>>>>>>> REPLACE\n```\n"
	    "and then\n\n"
	    "```c\n<<<<<<< SEARCH\nint b;\n=======\nint b = 2;\n>>>>>>> REPLACE\n```\n"
	    "**lib/x.h**:\n<<<<<<< SEARCH\n=======\n#define X 1\n>>>>>>> REPLACE\n"
	    "```src/c.c\n<<<<<<< SEARCH\nc\n=======\nC\n>>>>>>> REPLACE\n```\n"
	    "docs/n.md\n<<<<<<< SEARCH\nnever ended\n"
	    "src/d.c\n<<<<<<< SEARCH\nd\n=======\nD\n>>>>>>> REPLACE\n"
	    "The whole README:\n\n./README\n```\nHello.\n```\n";

	CHECK(rl_edit_parse(reply, strlen(reply), &E, &e) == 7, "seven blocks in the reply");
	CHECK_STR(E.v[0].path, "src/a.c", "a path in backticks, above the fence");
	CHECK_STR(E.v[0].search, "int a;\n", "... its SEARCH lines");
	CHECK_STR(E.v[0].replace, "int a = 1;\n", "... its REPLACE lines");
	CHECK_STR(E.v[1].path, "src/a.c", "a block with no path edits the file before");
	CHECK_STR(E.v[2].path, "lib/x.h", "a bold path with a colon");
	CHECK_STR(E.v[2].search, "", "... an empty SEARCH");
	CHECK_STR(E.v[3].path, "src/c.c", "a path as the fence's info string");
	CHECK(E.v[4].error && has(E.v[4].error, "no ======="), "a block never ended is an error");
	CHECK_STR(E.v[5].path, "src/d.c", "... and the next block still counts");
	CHECK(E.v[6].kind == RL_EDIT_WHOLE, "a fenced block under a path is a whole file");
	CHECK_STR(E.v[6].path, "./README", "... of that path");
	CHECK_STR(E.v[6].replace, "Hello.\n", "... its text");
	j = rl_edits_json(&E);
	rl_edits_free(&E);
	CHECK(rl_edits_from_json(j, &E, &e) == 0 && E.n == 7, "the JSON form reads back");
	CHECK_STR(E.v[3].replace, "C\n", "... with its texts");
	CHECK(E.v[4].error != NULL, "... and its errors");
	cJSON_Delete(j);
	rl_edits_free(&E);

	{
		const char *md = "README.md\n```markdown\n<<<<<<< SEARCH\nRun:\n```sh\n"
		    "make\n```\n=======\nRun:\n```sh\nmake check\n```\n>>>>>>> REPLACE\n```\n"
		    "Then a sample:\n```c\nx.c\n```\n"
		    "x.c\n```c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n";

		CHECK(rl_edit_parse(md, strlen(md), &E, &e) == 2, "fences in a block's lines");
		CHECK_STR(E.v[0].search, "Run:\n```sh\nmake\n```\n", "... are its lines");
		CHECK(E.n == 2 && strcmp(E.v[1].path, "x.c") == 0 && !E.v[1].error,
		    "... and the blocks after it still count");
		rl_edits_free(&E);
	}
	CHECK(rl_edit_parse("just prose\n```c\nint x;\n```\n", 27, &E, &e) < 0 &&
	    E.n == 0, "prose and a code sample hold no edit");
	CHECK_STR(e.code, "edit.parse", "... edit.parse");
	{
		size_t n = RL_EDIT_REPLY_MAX + 1;
		char *huge = malloc(n);

		memset(huge, 'x', n);
		CHECK(rl_edit_parse(huge, n, &E, &e) < 0, "an enormous reply is refused");
		CHECK_STR(e.code, "edit.too_large", "... edit.too_large");
		free(huge);
	}
}

static void
patches(void)
{
	struct rl_edits E = {0};
	struct rl_error e;
	const char *p =
	    "Here it is:\n```diff\n"
	    "diff --git a/a.txt b/a.txt\nindex 1..2 100644\n"
	    "--- a/a.txt\n+++ b/a.txt\n"
	    "@@ -40,7 +40,9 @@ junk\n one\n-two\n+2\n three\n"
	    "@@ -99 +99 @@\n four\n-five\n+5\n\n"
	    "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+fresh\n"
	    "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n"
	    "```\n";

	CHECK(rl_edit_parse_patch(p, strlen(p), &E, &e) == 5, "five edits in the diff");
	CHECK_STR(E.v[0].path, "a.txt", "a/ and b/ taken off");
	CHECK_STR(E.v[0].search, "one\ntwo\nthree\n", "context and removed lines: SEARCH");
	CHECK_STR(E.v[0].replace, "one\n2\nthree\n", "context and added lines: REPLACE");
	CHECK_STR(ed("zero\none\ntwo\nthree\nfour\nfive\n", E.v[0].search,
	    E.v[0].replace), "zero\none\n2\nthree\nfour\nfive\n",
	    "wrong line numbers and counts do not matter");
	CHECK_STR(E.v[1].search, "four\nfive\n", "a blank line after a hunk is not context");
	CHECK_STR(E.v[2].path, "new.txt", "--- /dev/null makes a file");
	CHECK_STR(E.v[2].search, "", "... with an empty SEARCH");
	CHECK(E.v[4].kind == RL_EDIT_DELETE && strcmp(E.v[4].path, "old.txt") == 0,
	    "+++ /dev/null deletes the file after its hunks");
	rl_edits_free(&E);
	CHECK(rl_edit_parse_patch("@@ -1 +1 @@\n-a\n+b\n", 18, &E, &e) == 1 &&
	    E.v[0].error, "a hunk with no file is an error");
	rl_edits_free(&E);
}

/* --- applying, in a scratch directory ---------------------------------- */

static char dir[] = "/tmp/test_edit.XXXXXX";

static void
put(const char *name, const char *text)
{
	struct rl_buf p = {0};

	rl_buf_printf(&p, "%s/%s", dir, name);
	rl_fs_replace(p.data, text, strlen(text), 0644);
	rl_buf_free(&p);
}

static const char *
get(const char *name)
{
	static struct rl_buf t;
	struct rl_buf p = {0};

	rl_buf_printf(&p, "%s/%s", dir, name);
	rl_buf_reset(&t);
	if (rl_fs_read(p.data, &t, 1 << 20) < 0)
		rl_buf_adds(&t, "(none)");
	rl_buf_free(&p);
	return t.data ? t.data : "";
}

/* Apply one search/replace; the result's code ("" when applied). */
static const char *
apply1(const cJSON *checks, int kind, const char *path, const char *s,
	const char *r)
{
	static char code[64];
	struct rl_edit_env env = {dir, checks, NULL, NULL, 0, 0};
	struct rl_edit_result *R;
	struct rl_edits E = {0};

	rl_edits_add(&E, kind, path, s, r);
	rl_edit_apply(&env, &E, &R);
	snprintf(code, sizeof code, "%s", R[0].code ? R[0].code : "");
	rl_buf_reset(&msg);
	rl_buf_adds(&msg, R[0].message ? R[0].message : "");
	rl_edit_results_free(R, E.n);
	rl_edits_free(&E);
	return code;
}

static void
files(void)
{
	cJSON *checks = cJSON_Parse("{\"txt\": \"! grep -n BAD\"}"), *res;
	struct rl_edit_env env = {dir, checks, NULL, NULL, 0, 1};
	struct rl_edit_result *R;
	struct rl_edits E = {0};
	struct rl_buf p = {0};
	struct stat st;

	CHECK(mkdtemp(dir) != NULL, "a scratch repository");
	put("a.txt", "one\ntwo\n");
	rl_buf_printf(&p, "%s/.git", dir);
	mkdir(p.data, 0755);
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, "../a.txt", "", "x\n"), "edit.path",
	    "a path with .. is refused");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, "/etc/passwd", "root", "x\n"),
	    "edit.path", "an absolute path is refused");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, ".git/config", "", "x\n"),
	    "edit.path", "a path in .git is refused");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, ".redline/config.json", "", "{}\n"),
	    "edit.path", "a path in .redline is refused");
	rl_buf_reset(&p);
	rl_buf_printf(&p, "%s/out", dir);
	CHECK(symlink("/tmp", p.data) == 0, "a symbolic link out of the repository");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, "out/x.txt", "", "x\n"), "edit.path",
	    "... is refused");
	CHECK(has(msg.data, "leads out of the repository"), "... saying so");
	rl_buf_reset(&p);
	rl_buf_printf(&p, "%s/in", dir);
	CHECK(symlink("a.txt", p.data) == 0 &&
	    !*apply1(NULL, RL_EDIT_REPLACE, "in", "two\n", "2\n") &&
	    strcmp(get("a.txt"), "one\n2\n") == 0,
	    "a symbolic link inside it edits the file it names");
	CHECK(lstat(p.data, &st) == 0 && S_ISLNK(st.st_mode), "... and stays a link");

	put("bin.dat", "ab");
	rl_buf_reset(&p);
	rl_buf_printf(&p, "%s/bin.dat", dir);
	truncate(p.data, 100);
	CHECK_STR(apply1(NULL, RL_EDIT_WHOLE, "bin.dat", NULL, "text\n"), "edit.binary",
	    "a binary file is refused");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, "a.txt", "", "x\n"), "edit.empty_search",
	    "an empty SEARCH on a file that exists is refused");
	CHECK_STR(apply1(NULL, RL_EDIT_REPLACE, "no.txt", "x\n", "y\n"), "edit.no_file",
	    "a SEARCH in a file that does not exist is refused");
	CHECK(!*apply1(NULL, RL_EDIT_REPLACE, "d/e/new.txt", "", "new\n") &&
	    strcmp(get("d/e/new.txt"), "new\n") == 0,
	    "an empty SEARCH makes a file, and its directories");

	put("run.sh", "echo one\n");
	rl_buf_reset(&p);
	rl_buf_printf(&p, "%s/run.sh", dir);
	chmod(p.data, 0754);
	CHECK(!*apply1(NULL, RL_EDIT_REPLACE, "run.sh", "echo one\n", "echo two\n") &&
	    stat(p.data, &st) == 0 && (st.st_mode & 0777) == 0754, "a file keeps its mode");

	CHECK_STR(apply1(checks, RL_EDIT_REPLACE, "a.txt", "one\n", "BAD\n"),
	    "edit.syntax", "an edit its check finds errors in is reverted");
	CHECK_STR(get("a.txt"), "one\n2\n", "... the file as it was");
	CHECK(has(msg.data, "NOT applied") && has(msg.data, "1:BAD") &&
	    has(msg.data, "<<<<<<< SEARCH\none\n=======\nBAD\n>>>>>>> REPLACE"),
	    "... the edit and the errors shown");
	put("b.txt", "BAD\nok\n");
	CHECK(!*apply1(checks, RL_EDIT_REPLACE, "b.txt", "ok\n", "fine\n") &&
	    has(msg.data, "as it did before this edit"),
	    "errors there before the edit: it stays, with a note");

	/* a patch: one hunk fails, nothing is written */
	rl_edits_add(&E, RL_EDIT_REPLACE, "a.txt", "one\n", "1\n");
	rl_edits_add(&E, RL_EDIT_REPLACE, "b.txt", "missing\n", "x\n");
	CHECK(rl_edit_apply(&env, &E, &R) == 2, "a patch with a hunk that fails");
	CHECK_STR(R[0].status, "skipped", "... its other hunks are skipped");
	CHECK_STR(get("a.txt"), "one\n2\n", "... and nothing is written");
	res = cJSON_CreateArray();
	cJSON_AddItemToArray(res, rl_edit_result_json(&R[0]));
	cJSON_AddItemToArray(res, rl_edit_result_json(&R[1]));
	rl_edit_results_free(R, E.n);
	rl_edits_free(&E);
	rl_buf_reset(&msg);
	rl_edit_feedback(res, &msg);
	CHECK(has(msg.data, "Block 2 (b.txt) was not applied: the SEARCH lines: not in the file"),
	    "feedback: each failed block, why");
	cJSON_Delete(res);

	/* blocks of one file: applied in order, together */
	env.atomic = 0;
	rl_edits_add(&E, RL_EDIT_REPLACE, "a.txt", "one\n", "1\n");
	rl_edits_add(&E, RL_EDIT_REPLACE, "a.txt", "nope\n", "x\n");
	rl_edits_add(&E, RL_EDIT_REPLACE, "a.txt", "1\n2\n", "1\n2\n3\n");
	CHECK(rl_edit_apply(&env, &E, &R) == 1, "three blocks, one fails");
	CHECK_STR(get("a.txt"), "1\n2\n3\n", "... the others apply, each on the text before it");
	res = cJSON_CreateArray();
	cJSON_AddItemToArray(res, rl_edit_result_json(&R[0]));
	cJSON_AddItemToArray(res, rl_edit_result_json(&R[1]));
	cJSON_AddItemToArray(res, rl_edit_result_json(&R[2]));
	rl_buf_reset(&msg);
	rl_edit_feedback(res, &msg);
	CHECK(has(msg.data, "Blocks 1 (a.txt), 3 (a.txt) were applied: do not send them again"),
	    "feedback: the blocks applied are not to be sent again");
	cJSON_Delete(res);
	rl_edit_results_free(R, E.n);
	rl_edits_free(&E);

	cJSON_Delete(checks);
	rl_buf_free(&p);
	rl_buf_reset(&msg);
	rl_buf_printf(&msg, "rm -rf '%s'", dir);
	CHECK(system(msg.data) == 0, "the scratch repository removed");
}

/* rl_edit_diffstat counts as a line diff does; rl_edit_changes sums a
 * baton's edit results by file. */
static void
diffstats(void)
{
	unsigned long a, r;
	cJSON *b, *ch;

#define STAT(x, y, wa, wr, what) do { \
	rl_edit_diffstat(x, strlen(x), y, strlen(y), &a, &r); \
	CHECK(a == (wa) && r == (wr), what); \
	if (a != (wa) || r != (wr)) \
		printf("#   got +%lu -%lu\n", a, r); \
} while (0)
	STAT("a\nb\nc\n", "a\nb\nc\n", 0, 0, "diffstat: the same text");
	STAT("a\nb\nc\n", "a\nx\nc\n", 1, 1, "diffstat: one line changed");
	STAT("a\nb\nc\n", "a\nc\n", 0, 1, "diffstat: one line removed");
	STAT("", "a\nb\n", 2, 0, "diffstat: a new file");
	STAT("a\nb", "a\nb\n", 1, 1, "diffstat: a last line given its newline");
	STAT("a\nb\nc\nd\ne\n", "b\nx\nd\ne\na\n", 2, 2,
	    "diffstat: lines moved count as removed and added");
	STAT("x\n{\n1\n}\ny\n{\n2\n}\n", "x\n{\n3\n}\n", 1, 5,
	    "diffstat: the fewest lines, not the span between the first and last");
#undef STAT
	b = cJSON_Parse("{\"observations\":["
	    "{\"tool\":\"apply_patch\",\"argv\":[\"/x/bin/rl-act\",\"edit\",\"--patch\"],"
	    "\"stdout\":\"{\\\"block\\\":1,\\\"path\\\":\\\"a.c\\\",\\\"status\\\":\\\"applied\\\",\\\"added\\\":3,\\\"removed\\\":1}\\n"
	    "{\\\"block\\\":2,\\\"path\\\":\\\"b.c\\\",\\\"status\\\":\\\"failed\\\"}\\n"
	    "{\\\"block\\\":3,\\\"path\\\":\\\"a.c\\\",\\\"status\\\":\\\"applied\\\",\\\"added\\\":1,\\\"removed\\\":2}\\n\"},"
	    "{\"tool\":\"shell\",\"argv\":[\"sh\",\"-c\",\"x\"],"
	    "\"stdout\":\"{\\\"path\\\":\\\"c.c\\\",\\\"status\\\":\\\"applied\\\"}\\n\"}]}");
	ch = rl_edit_changes(b, NULL);
	rl_buf_reset(&out);
	rl_json_print(ch, &out);
	CHECK_STR(out.data, "[{\"path\":\"a.c\",\"added\":4,\"removed\":3}]",
	    "changes: applied results of the edit tools alone, summed by file");
	cJSON_Delete(ch);
	cJSON_Delete(b);
}

int
main(void)
{
	diffstats();
	rules();
	refusals();
	similarity();
	parsing();
	patches();
	files();
	rl_buf_free(&out);
	rl_buf_free(&msg);
	return unit_done();
}
