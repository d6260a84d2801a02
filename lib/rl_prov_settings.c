/*
 * rl_prov_settings.c - a provider's settings: the presets, the name
 * resolved to a kind and a preset, each setting taken from the
 * configuration by the precedence rl_provider.h gives, and where each
 * came from (origins).  Configuration only; the calls are made in
 * rl_provider.c.
 *
 * What each preset's server takes, as its documentation says and as
 * the issue that added them found: structured output (json_schema where
 * the server has it; DashScope, DeepSeek and Groq's models mostly take
 * json_object alone), the switch that turns a thinking model's thinking
 * off, whether seed is honoured (Mistral names it random_seed, DeepSeek
 * and Gemini's compatibility layer ignore it), and where the server
 * tells its context window.
 */
#include <string.h>

#include "rl_json.h"
#include "rl_provider_impl.h"

#define S_SCHEMA "json_schema"
#define S_OBJECT "json_object"

const struct rl_preset rl_presets[] = {
	{"openai", "openai", "https://api.openai.com/v1", "OPENAI_API_KEY",
	    "gpt-4o-mini", S_SCHEMA, RL_THINK_NONE, 1, RL_WINDOW_NONE,
	    "export OPENAI_API_KEY=sk-..."},
	{"qwen", "openai", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
	    "DASHSCOPE_API_KEY", "qwen-plus", S_OBJECT, RL_THINK_FLAG, 1,
	    RL_WINDOW_NONE, "export DASHSCOPE_API_KEY=sk-..."},
	{"ollama", "openai", "http://127.0.0.1:11434/v1", "", "qwen2.5-coder:7b",
	    S_SCHEMA, RL_THINK_EFFORT, 1, RL_WINDOW_OLLAMA,
	    "OLLAMA_CONTEXT_LENGTH=32768 ollama serve & ollama pull qwen2.5-coder:7b"},
	{"lmstudio", "openai", "http://127.0.0.1:1234/v1", "", "", S_SCHEMA,
	    RL_THINK_NONE, 1, RL_WINDOW_LMSTUDIO,
	    "lms server start && lms load MODEL --context-length 32768"},
	{"vllm", "openai", "http://127.0.0.1:8000/v1", "", "", S_SCHEMA,
	    RL_THINK_KWARGS, 1, RL_WINDOW_VLLM,
	    "vllm serve Qwen/Qwen3-8B --max-model-len 32768 --port 8000"},
	{"llamacpp", "openai", "http://127.0.0.1:8080/v1", "", "default", S_SCHEMA,
	    RL_THINK_KWARGS, 1, RL_WINDOW_LLAMACPP,
	    "llama-server -m MODEL.gguf --jinja -c 32768 --port 8080"},
	{"openrouter", "openai", "https://openrouter.ai/api/v1",
	    "OPENROUTER_API_KEY", "openai/gpt-4o-mini", S_SCHEMA, RL_THINK_NONE, 1,
	    RL_WINDOW_NONE, "export OPENROUTER_API_KEY=sk-or-..."},
	{"xai", "openai", "https://api.x.ai/v1", "XAI_API_KEY", "grok-3-mini",
	    S_SCHEMA, RL_THINK_NONE, 1, RL_WINDOW_NONE, "export XAI_API_KEY=xai-..."},
	{"gemini", "openai",
	    "https://generativelanguage.googleapis.com/v1beta/openai",
	    "GEMINI_API_KEY", "gemini-2.5-flash", S_SCHEMA, RL_THINK_NONE, 0,
	    RL_WINDOW_NONE, "export GEMINI_API_KEY=..."},
	{"deepseek", "openai", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY",
	    "deepseek-chat", S_OBJECT, RL_THINK_NONE, 0, RL_WINDOW_NONE,
	    "export DEEPSEEK_API_KEY=sk-..."},
	{"groq", "openai", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
	    "llama-3.3-70b-versatile", S_OBJECT, RL_THINK_NONE, 1, RL_WINDOW_NONE,
	    "export GROQ_API_KEY=gsk_..."},
	{"mistral", "openai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY",
	    "mistral-small-latest", S_SCHEMA, RL_THINK_NONE, 0, RL_WINDOW_NONE,
	    "export MISTRAL_API_KEY=..."},
	{"anthropic", "anthropic", "https://api.anthropic.com/v1",
	    "ANTHROPIC_API_KEY", "claude-sonnet-4-5", "none", RL_THINK_NONE, 0,
	    RL_WINDOW_NONE, "export ANTHROPIC_API_KEY=sk-ant-..."},
	{"openai-compatible", "openai", "", "", "", "none", RL_THINK_NONE, 0,
	    RL_WINDOW_NONE, ""},
	{NULL, NULL, NULL, NULL, NULL, NULL, RL_THINK_NONE, 0, RL_WINDOW_NONE, NULL}
};

static const char *const think_names[] = {
	"", "chat_template_kwargs", "enable_thinking", "reasoning_effort"
};

const struct rl_preset *
rl_preset_find(const char *name)
{
	int i;

	for (i = 0; rl_presets[i].name; i++)
		if (strcmp(rl_presets[i].name, name) == 0)
			return &rl_presets[i];
	return NULL;
}

const struct rl_preset *
rl_provider_preset(const struct rl_provider *p)
{
	const struct rl_preset *pre = rl_preset_find(rl_provider_str(p, "preset"));

	return pre ? pre : rl_preset_find("openai-compatible");
}

static const char *const levels[] = {"none", S_OBJECT, S_SCHEMA, NULL};

int
rl_structured_level(const char *s)
{
	int i;

	for (i = 0; levels[i]; i++)
		if (strcmp(levels[i], s) == 0)
			return i;
	return -1;
}

const char *
rl_structured_name(int level)
{
	return level >= 0 && level <= RL_STRUCT_SCHEMA ? levels[level] : "none";
}

/* The settings a named provider (providers.NAME) may give. */
static const char *const named_keys[] = {
	"model", "base_url", "api_key_env", "api_key_file", "api_key_cmd",
	"max_tokens", "temperature", "json", "structured", "thinking", "seed",
	"context", "rpm", "tpm", "timeout", NULL
};
/* The settings only the provider section gives. */
static const char *const general_keys[] = {
	"deadline", "max_retries", "stream", NULL
};
/* Settings that belong to one provider: from a file, provider.X applies
 * only to the provider provider.name names. */
static const char *const own_keys[] = {
	"model", "base_url", "api_key_env", "api_key_file", "api_key_cmd",
	"structured", "context", NULL
};

static int
in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int
strong(const char *origin)
{
	return origin && (strncmp(origin, "env ", 4) == 0 ||
	    strncmp(origin, "flag", 4) == 0);
}

static void
put(cJSON *set, cJSON *origins, const char *key, cJSON *v, const char *origin)
{
	cJSON_DeleteItemFromObjectCaseSensitive(set, key);
	cJSON_DeleteItemFromObjectCaseSensitive(origins, key);
	cJSON_AddItemToObject(set, key, v);
	cJSON_AddStringToObject(origins, key, origin);
}

static void
known_names(const struct rl_config *cfg, struct rl_buf *out)
{
	const cJSON *named = cfg ? rl_config_get(cfg, "providers") : NULL, *c;
	int i;

	for (i = 0; rl_presets[i].name; i++)
		rl_buf_printf(out, "%s%s", i ? ", " : "", rl_presets[i].name);
	cJSON_ArrayForEach(c, named)
		rl_buf_printf(out, ", %s", c->string);
	rl_buf_adds(out, ", cmd:PROGRAM, script:CASSETTE, or an http(s) base URL");
}

cJSON *
rl_provider_settings(const struct rl_config *cfg, const char *name,
	struct rl_error *e)
{
	const cJSON *named = NULL, *v;
	const struct rl_preset *pre = NULL;
	const char *configured = rl_config_str(cfg, "provider.name", "ollama");
	cJSON *set = cJSON_CreateObject(), *origins = cJSON_CreateObject();
	struct rl_buf key = {0}, where = {0};
	const char *kind = "openai", *k, *o;
	int i, pass;

	if (!name || !*name)
		name = configured;
	cJSON_AddStringToObject(set, "name", name);
	cJSON_AddStringToObject(origins, "name", strcmp(name, configured) ?
	    "argument" : rl_config_origin(cfg, "provider.name") ?
	    rl_config_origin(cfg, "provider.name") : "default");
	if (strncmp(name, "cmd:", 4) == 0) {
		kind = "cmd";
		put(set, origins, "command", cJSON_CreateString(name + 4), "name");
	} else if (strncmp(name, "script:", 7) == 0) {
		kind = "script";
		put(set, origins, "cassette", cJSON_CreateString(name + 7), "name");
	} else if (strncmp(name, "http://", 7) == 0 ||
	    strncmp(name, "https://", 8) == 0) {
		pre = rl_preset_find("openai-compatible");
		put(set, origins, "base_url", cJSON_CreateString(name), "name");
	} else {
		rl_buf_printf(&key, "providers.%s", name);
		named = strchr(name, '.') ? NULL : rl_config_get(cfg, key.data);
		if (named) {
			k = rl_json_str(named, "preset");
			pre = rl_preset_find(k ? k : "openai-compatible");
			if (!pre) {
				rl_error_set(e, "provider.unknown",
				    "providers.%s.preset: unknown preset '%s'", name, k);
				goto fail;
			}
		} else if (!(pre = rl_preset_find(name))) {
			rl_buf_reset(&key);
			known_names(cfg, &key);
			rl_error_set(e, "provider.unknown",
			    "unknown provider '%s' (known: %s)", name, key.data);
			goto fail;
		}
	}
	if (pre)
		kind = pre->kind;
	cJSON_AddStringToObject(set, "kind", kind);
	cJSON_AddStringToObject(origins, "kind", "name");
	if (pre) {
		put(set, origins, "preset", cJSON_CreateString(pre->name), "name");
		if (!cJSON_GetObjectItemCaseSensitive(set, "base_url"))
			put(set, origins, "base_url", cJSON_CreateString(pre->base_url),
			    "preset");
		put(set, origins, "model", cJSON_CreateString(pre->model), "preset");
		put(set, origins, "api_key_env", cJSON_CreateString(pre->key_env),
		    "preset");
		put(set, origins, "structured", cJSON_CreateString(pre->structured),
		    "preset");
		/* what the server takes, for people: not settings */
		if (pre->think)
			cJSON_AddStringToObject(set, "thinking_switch",
			    think_names[pre->think]);
		cJSON_AddBoolToObject(set, "takes_seed", pre->seed);
		if (*pre->setup)
			cJSON_AddStringToObject(set, "setup", pre->setup);
	}
	/* pass 0: provider.X from files (general, or own when configured);
	 * pass 1: providers.NAME.X; pass 2: provider.X from env and flags */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < 2; i++) {
			const char *const *list = i ? general_keys : named_keys;

			for (; *list; list++) {
				k = *list;
				if (pass == 1) {
					if (!named || !(v = cJSON_GetObjectItemCaseSensitive(named, k)))
						continue;
					rl_buf_reset(&where);
					rl_buf_printf(&where, "providers.%s", name);
					o = NULL;
				} else {
					rl_buf_reset(&key);
					rl_buf_printf(&key, "provider.%s", k);
					if (!(v = rl_config_get(cfg, key.data)))
						continue;
					o = rl_config_origin(cfg, key.data);
					if (strong(o) != (pass == 2))
						continue;
					if (pass == 0 && in(own_keys, k) &&
					    strcmp(name, configured) != 0)
						continue;
				}
				put(set, origins, k, cJSON_Duplicate(v, 1),
				    o ? o : where.data);
			}
		}
	}
	cJSON_AddItemToObject(set, "origins", origins);
	rl_buf_free(&key);
	rl_buf_free(&where);
	return set;
fail:
	cJSON_Delete(set);
	cJSON_Delete(origins);
	rl_buf_free(&key);
	rl_buf_free(&where);
	return NULL;
}

cJSON *
rl_provider_list(const struct rl_config *cfg)
{
	cJSON *all = cJSON_CreateArray(), *s;
	const cJSON *named = cfg ? rl_config_get(cfg, "providers") : NULL, *c;
	struct rl_error e;
	int i;

	for (i = 0; rl_presets[i].name; i++)
		if ((s = rl_provider_settings(cfg, rl_presets[i].name, &e)))
			cJSON_AddItemToArray(all, s);
	cJSON_ArrayForEach(c, named)
		if ((s = rl_provider_settings(cfg, c->string, &e)))
			cJSON_AddItemToArray(all, s);
	return all;
}

const char *
rl_provider_str(const struct rl_provider *p, const char *key)
{
	const char *s = rl_json_str(p->set, key);

	return s ? s : "";
}

void
rl_provider_put(struct rl_provider *p, const char *key, cJSON *v,
	const char *origin)
{
	put(p->set, cJSON_GetObjectItemCaseSensitive(p->set, "origins"), key, v,
	    origin);
}

void
rl_provider_agent(struct rl_provider *p, const struct rl_config *cfg,
	const char *agent)
{
	static const char *const keys[] = {"temperature", "thinking", NULL};
	struct rl_buf key = {0}, where = {0};
	const cJSON *v;
	int i;

	rl_buf_printf(&where, "agents.%s", agent);
	for (i = 0; keys[i]; i++) {
		rl_buf_reset(&key);
		rl_buf_printf(&key, "agents.%s.%s", agent, keys[i]);
		if ((v = rl_config_get(cfg, key.data)))
			rl_provider_put(p, keys[i], cJSON_Duplicate(v, 1), where.data);
	}
	rl_buf_free(&key);
	rl_buf_free(&where);
}

double
rl_provider_num(const struct rl_provider *p, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->set, key);

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	return dflt;
}
