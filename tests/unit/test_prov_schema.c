/* test_prov_schema.c - a reply schema in the portable strict subset
 * (lib/rl_prov_schema.c), and inline <think> blocks told from a reply
 * (lib/rl_prov_think.c): pure, so checked exactly. */
#include <stdlib.h>

#include "rl_prov_schema.h"
#include "rl_prov_think.h"
#include "unit.h"

static char out[2048];

/* The portable form of the schema text s, printed, and its strictness. */
static const char *
portable(const char *s, int *strict)
{
	cJSON *in = cJSON_Parse(s), *p = rl_prov_schema_portable(in, strict);
	char *t = cJSON_PrintUnformatted(p);

	snprintf(out, sizeof out, "%s", t);
	free(t);
	cJSON_Delete(p);
	cJSON_Delete(in);
	return out;
}

/* reply v with the nulls the portable form made taken out, printed */
static const char *
unnulled(const char *schema, const char *v, int *n)
{
	cJSON *s = cJSON_Parse(schema), *j = cJSON_Parse(v);
	char *t;

	*n = rl_prov_schema_unnull(s, j);
	t = cJSON_PrintUnformatted(j);
	snprintf(out, sizeof out, "%s", t);
	free(t);
	cJSON_Delete(j);
	cJSON_Delete(s);
	return out;
}

static char said[512];

static void
collect(void *arg, int thought, const char *p, size_t n)
{
	size_t len = strlen(said);

	(void)arg;
	snprintf(said + len, sizeof said - len, "%s%.*s]", thought ? "[T:" : "[R:",
	    (int)n, p);
}

/* s fed in pieces of k bytes */
static const char *
split(const char *s, size_t k)
{
	struct rl_prov_think t = {.fn = collect};
	size_t i, n = strlen(s);

	said[0] = 0;
	for (i = 0; i < n; i += k)
		rl_prov_think_feed(&t, s + i, n - i < k ? n - i : k);
	rl_prov_think_end(&t);
	return said;
}

int
main(void)
{
	int strict, n;

	CHECK_STR(portable("{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{"
	    "\"a\":{\"type\":\"string\",\"minLength\":1,\"pattern\":\"^x\"},"
	    "\"b\":{\"type\":\"integer\",\"maximum\":3}}}", &strict),
	    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
	    "\"b\":{\"type\":[\"integer\",\"null\"]}},\"required\":[\"a\",\"b\"],"
	    "\"additionalProperties\":false}",
	    "all required, the optional nullable, closed, bounds and patterns dropped");
	CHECK(strict == 1, "such a schema is strict");
	CHECK_STR(portable("{\"type\":\"object\",\"required\":[\"s\"],\"properties\":{"
	    "\"s\":{\"$ref\":\"#/$defs/step\"},\"k\":{\"enum\":[\"x\",\"y\"]},"
	    "\"c\":{\"const\":1}},\"$defs\":{\"step\":{\"oneOf\":[{\"type\":\"string\"},"
	    "{\"type\":\"number\"}]}}}", &strict),
	    "{\"type\":\"object\",\"properties\":{\"s\":{\"anyOf\":[{\"type\":\"string\"},"
	    "{\"type\":\"number\"}]},\"k\":{\"enum\":[\"x\",\"y\",null]},"
	    "\"c\":{\"enum\":[1,null]}},\"required\":[\"s\",\"k\",\"c\"],"
	    "\"additionalProperties\":false}",
	    "$ref inlined, oneOf as anyOf, enum and const nullable");
	CHECK(strict == 1, "refs and enums stay strict");
	portable("{\"type\":\"object\",\"properties\":{\"args\":{\"type\":\"object\"}}}",
	    &strict);
	CHECK(strict == 0, "a free-form object cannot be strict");
	CHECK_STR(out, "{\"type\":\"object\",\"properties\":{\"args\":{\"type\":"
	    "[\"object\",\"null\"]}},\"required\":[\"args\"],\"additionalProperties\":false}",
	    "a free-form object stays open");
	portable("{\"$ref\":\"#\"}", &strict);
	CHECK(strict == 0, "a reference to itself is cut, not followed for ever");
	portable("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", &strict);
	CHECK(strict == 0, "strict mode wants an object at the top");

	CHECK_STR(unnulled("{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{"
	    "\"a\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
	    "\"x\":{\"type\":\"string\"},\"y\":{\"type\":[\"string\",\"null\"]}}}},"
	    "\"b\":{\"type\":\"integer\"}}}",
	    "{\"a\":[{\"x\":null,\"y\":null}],\"b\":null,\"z\":null}", &n),
	    "{\"a\":[{\"y\":null}],\"z\":null}",
	    "nulls of optional members out, in arrays too; a null the schema takes stays");
	CHECK(n == 2, "two nulls taken out");
	unnulled("{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{\"a\":"
	    "{\"type\":\"string\"}}}", "{\"a\":null}", &n);
	CHECK(n == 0, "a required member's null stays, for the check to refuse");

	CHECK_STR(split("<think>hmm</think>\n\nyes", 100), "[T:hmm][R:yes]",
	    "a block, and the blank after it, left out of the reply");
	CHECK_STR(split("<think>hmm</think>\n\nyes", 1), "[T:h][T:m][T:m][R:y][R:e][R:s]",
	    "tags cut byte by byte");
	CHECK_STR(split("a <b> <thin", 3), "[R:a ][R:<b> ][R:<thin]",
	    "what only looks like a tag is the reply");
	CHECK_STR(split("<think>never closed", 4), "[T:n][T:ever][T: clo][T:sed]",
	    "a block left open is all thought");
	return unit_done();
}
