/* test_context.c - the built-in scanner, the map and the windows
 * (lib/rl_context.c, lib/rl_context_scan.c). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_context.h"
#include "rl_fs.h"
#include "unit.h"

/* "LINE-END NAME | SIG" for each definition of text, one a line. */
static const char *
scan(const char *path, const char *text)
{
	static struct rl_buf b;
	struct rl_context_defs D = {0};
	size_t i;

	rl_buf_reset(&b);
	rl_context_scan(path, text, strlen(text), &D);
	for (i = 0; i < D.n; i++)
		rl_buf_printf(&b, "%u-%u %s | %s\n", D.v[i].line, D.v[i].end,
		    D.v[i].name, D.v[i].sig);
	rl_context_defs_free(&D);
	return b.data ? b.data : "";
}

static int
starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char c_src[] =
    "#ifndef X_H\n"                                  /* 1 */
    "#define X_H\n"
    "#include <stdio.h>\n"
    "#define MAX 64\n"
    "#define SQ(x) ((x) * (x))\n"                    /* 5 */
    "/* int fake(void) { */\n"
    "struct point {\n"
    "\tint x, y;\n"
    "\tint (*draw)(struct point *p);\n"
    "};\n"                                           /* 10 */
    "typedef struct {\n"
    "\tchar c;\n"
    "} cell;\n"
    "typedef int (*cmp_fn)(const void *, const void *);\n"
    "static const char *names[] = {\"a{\", \"b\"};\n"    /* 15 */
    "int area(const struct point *p);\n"
    "static int\n"
    "brace(int c)\n"
    "{\n"
    "\tif (c == '{')\n"                              /* 20 */
    "\t\treturn 1; /* } */\n"
    "\treturn c == '}';\n"
    "}\n"
    "extern \"C\" {\n"
    "int inside(int a,\n"                            /* 25 */
    "    int b) { return a + b; }\n"
    "}\n"
    "enum { ANON };\n"
    "enum color { RED, GREEN };\n"
    "#endif\n";                                      /* 30 */

int
main(void)
{
	char dir[] = "/tmp/rl-test-context.XXXXXX";
	char cdir[] = "/tmp/rl-test-context-cache.XXXXXX";
	struct rl_context_settings S = {1024, 150, 100, 0, NULL};
	struct rl_context_ask q = {0};
	struct rl_buf out = {0}, path = {0}, big = {0}, cache = {0};
	struct stat st;
	int i;

	CHECK_STR(scan("x.h", c_src),
	    "4-4 MAX | #define MAX 64\n"
	    "5-5 SQ | #define SQ(x) ((x) * (x))\n"
	    "7-10 point | struct point {\n"
	    "11-13 cell | typedef struct {...} cell\n"
	    "14-14 cmp_fn | typedef int (*cmp_fn)(const void *, const void *)\n"
	    "16-16 area | int area(const struct point *p)\n"
	    "18-23 brace | static int brace(int c)\n"
	    "25-26 inside | int inside(int a, int b)\n"
	    "29-29 color | enum color {\n",
	    "C: macros with values, types, typedefs, prototypes, functions; "
	    "no guard, no member, no comment, no string or character brace");
	CHECK_STR(scan("run.sh", "#!/bin/sh\n# f() {\nsetup() {\n\techo '}'\n}\n"
	    "function teardown {\n\t:\n}\nsetup\n"),
	    "3-5 setup | setup()\n6-8 teardown | function teardown\n",
	    "shell: both forms of a function; # comments and quotes skipped");
	CHECK_STR(scan("m.go", "package m\n\ntype T struct {\n\tn int\n}\n\n"
	    "func (t *T) Len(x int) int {\n\treturn t.n\n}\n"),
	    "3-5 T | type T struct {\n7-9 Len | func (t *T) Len(x int) int\n",
	    "Go: a type, and a method after its receiver");
	CHECK_STR(scan("l.rs", "struct S<'a> { s: &'a str }\nimpl S {\n"
	    "    fn get<'b>(&'b self) -> &'b str {\n        let c = '{';\n"
	    "        self.s\n    }\n}\n"),
	    "1-1 S | struct S<'a> {\n2-7 S | impl S {\n"
	    "3-6 get | fn get<'b>(&'b self) -> &'b str\n",
	    "Rust: lifetimes are no character literals; an impl's functions");
	CHECK_STR(scan("A.java", "public class A {\n  private int n = 0;\n"
	    "  public int next(int by) {\n    if (by > 0) { n += by; }\n"
	    "    return n;\n  }\n}\n"),
	    "1-7 A | public class A {\n3-6 next | public int next(int by)\n",
	    "Java: a class and its methods; a field and an if are none");
	CHECK_STR(scan("notes.txt", "int f(void) {\n}\n"), "",
	    "a language it does not read: nothing");

	/* a tree: a long file with a named function, a short one, a header */
	if (!mkdtemp(dir) || !mkdtemp(cdir))
		return 1;
	rl_buf_printf(&path, "%s/long.c", dir);
	for (i = 1; i <= 300; i++) {
		if (i == 200)
			rl_buf_adds(&big, "static int\ntarget(int a)\n{\n");
		else
			rl_buf_printf(&big, "/* line %d */\n", i);
	}
	rl_fs_replace(path.data, big.data, big.len, 0644);
	rl_buf_reset(&path);
	rl_buf_printf(&path, "%s/short.c", dir);
	rl_fs_replace(path.data, "int\nhelper(void)\n{\n\treturn target(1);\n}\n",
	    40, 0644);
	rl_buf_reset(&path);
	rl_buf_printf(&path, "%s/long.h", dir);
	rl_fs_replace(path.data, "int target(int a);\n", 19, 0644);
	rl_buf_printf(&cache, "%s/context", cdir);
	S.cache_dir = cache.data;
	q.dir = dir;
	q.text = "make target() in long.c shorter";
	q.room = 4000;
	q.windows = 1;
	CHECK(rl_context_add(&S, &q, &out) == out.len, "bytes appended");
	CHECK(starts(out.data, "Repository map (most relevant first):\n"
	    "long.c:\n  201 static int target(int a)\n"),
	    "the named file first, with the named function");
	CHECK(strstr(out.data, "long.h:\n  1 int target(int a)\n") &&
	    strstr(out.data, "short.c:\n  2 int helper(void)\n") &&
	    strstr(out.data, "long.h:") < strstr(out.data, "short.c:"),
	    "its header next, then the file that uses the name");
	CHECK(strstr(out.data, "Code:\nlong.c:\n(195 lines above)\n 196| /* line 196 */\n"),
	    "a long file: a window from a little above the definition");
	CHECK(strstr(out.data, " 295| /* line 293 */\n(7 lines below)\n"),
	    "the window is window_lines long, then says what is below");
	CHECK(!strstr(out.data, "short.c:\n   1|"),
	    "a file that only uses a named symbol shows no code");
	CHECK(stat(cache.data, &st) == 0 && S_ISDIR(st.st_mode),
	    "the cache directory is made");
	rl_buf_reset(&big);
	CHECK(rl_context_add(&S, &q, &big) == out.len && strcmp(big.data, out.data) == 0,
	    "the cached definitions give the same context");

	/* a budget: the map alone, then cut */
	rl_buf_reset(&out);
	q.room = 40;
	rl_context_add(&S, &q, &out);
	CHECK(out.len <= 160 && strstr(out.data, "long.c:\n") &&
	    strstr(out.data, "long.h:\n") && !strstr(out.data, "short.c") &&
	    strstr(out.data, "(1 more file)\n") && !strstr(out.data, "Code:"),
	    "a small room: the map, cut, and no code");
	rl_buf_reset(&out);
	q.room = 0;
	CHECK(rl_context_add(&S, &q, &out) == 0, "no room: nothing");
	q.room = 4000;
	q.windows = 0;
	rl_context_add(&S, &q, &out);
	CHECK(out.len && !strstr(out.data, "Code:"), "windows 0: the map alone");

	/* a line too long is cut and marked; a CR before the newline goes */
	rl_buf_reset(&path);
	rl_buf_printf(&path, "%s/wide.c", dir);
	rl_buf_reset(&big);
	rl_buf_adds(&big, "int\r\nwide(void)\r\n{\r\n\treturn 0; /* ");
	for (i = 0; i < 600; i++)
		rl_buf_addc(&big, 'x');
	rl_buf_adds(&big, " */\r\n}\r\n");
	rl_fs_replace(path.data, big.data, big.len, 0644);
	rl_buf_reset(&out);
	q.text = "wide()";
	q.windows = 1;
	rl_context_add(&S, &q, &out);
	CHECK(strstr(out.data, "Code:\nwide.c:\n   1| int\n   2| wide(void)\n") &&
	    strstr(out.data, "xxx [cut]\n   5| }\n") && !strchr(out.data, '\r'),
	    "a long line cut and marked; no CR shown");

	rl_buf_reset(&path);
	rl_buf_printf(&path, "rm -rf '%s' '%s'", dir, cdir);
	if (system(path.data) != 0)
		return 1;
	rl_buf_free(&out);
	rl_buf_free(&path);
	rl_buf_free(&big);
	rl_buf_free(&cache);
	return unit_done();
}
