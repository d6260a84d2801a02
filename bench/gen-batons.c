/*
 * gen-batons - write realistic batons for the benchmarks: nested usage
 * and trail, observations, 200-800 character texts with escapes and
 * non-ASCII, deterministic for a given seed.
 *
 * usage: gen-batons MEGABYTES [SEED]
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long state;

static unsigned
rnd(unsigned n)
{
	state = state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(state >> 33) % n;
}

static const char *words[] = {
	"parse_args", "refactor", "the", "function", "is", "too", "long",
	"split", "into", "helpers", "src/cli.c", "duplicate", "block", "in",
	"tests", "pass", "after", "patch", "\\\"quoted\\\"", "naïve", "café",
	"line\\nbreak", "tab\\there", "→", "nesting", "depth", "of", "seven",
	"reduce", "cyclomatic", "complexity", "by", "extracting", "loop",
};

static void
text(int min, int max)
{
	int n = min + (int)rnd((unsigned)(max - min)), len = 0;

	while (len < n) {
		const char *w = words[rnd(sizeof words / sizeof words[0])];
		len += printf("%s%s", len ? " " : "", w);
	}
}

static const char *stages[] = {"reason", "plan", "act", "feedback"};

int
main(int argc, char **argv)
{
	long long want, written = 0;
	long id = 0;
	int i, steps;

	if (argc < 2) {
		fputs("usage: gen-batons megabytes [seed]\n", stderr);
		return 2;
	}
	want = atoll(argv[1]) * 1000000LL;
	state = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
	while (written < want) {
		long start = ftell(stdout);
		printf("{\"rl\":1,\"id\":\"t%06ld\",\"task\":\"", id++);
		text(200, 800);
		printf("\",\"repo\":\"/src/project\",\"next\":\"%s\",\"iter\":%u,"
		    "\"priority\":%u,\"budget\":{\"tokens\":60000,\"steps\":20,"
		    "\"seconds\":900},\"usage\":{\"prompt_tokens\":%u,"
		    "\"completion_tokens\":%u,\"requests\":%u,\"ms\":%u},"
		    "\"bias\":{\"plan\":\"one small patch per step\"},"
		    "\"reasoning\":{\"explanation\":\"",
		    stages[rnd(4)], rnd(5), rnd(10), rnd(9000), rnd(3000),
		    rnd(12), rnd(40000));
		text(200, 800);
		printf("\",\"gaps\":[\"");
		text(20, 80);
		printf("\"]},\"trail\":[");
		steps = 1 + (int)rnd(4);
		for (i = 0; i < steps; i++)
			printf("%s{\"stage\":\"%s\",\"model\":\"qwen2.5-coder:7b\","
			    "\"usage\":{\"prompt_tokens\":%u,\"completion_tokens\":%u,"
			    "\"requests\":1,\"ms\":%u},\"ms\":%u,"
			    "\"at\":\"2026-11-24T01:02:%02uZ\"}", i ? "," : "",
			    stages[i % 4], rnd(3000), rnd(900), rnd(9000),
			    rnd(9000), rnd(60));
		printf("]}\n");
		written += ftell(stdout) - start;
	}
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}
