/* The helpers the C PDK has for parity with pdk/go (pdk/PARITY.md) that the
 * other scenarios do not reach: the request's messages, routing (targets,
 * provider statistics), the response header from the request and chunk
 * phases, Chunk.Finishes, kinds, config keys, static header lists and glob
 * patterns. request_parity runs before the "basic" case's checks, which
 * find the request unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

/* Set from the request phase, read back and deleted in the response phase. */
#define PARITY_HEADER "x-tck-parity"

static void truth(const char *what, int got, int want) {
	if (!got != !want) failf("%s: got %s, want %s", what, got ? "true" : "false", want ? "true" : "false");
}

static void messages(void) {
	int n = -1;
	wg_message *m = wg_messages(&n);
	if (!m) {
		failf("wg_messages: NULL with %d", n);
		return;
	}
	code("wg_messages count", n, wg_message_count());
	for (int i = 0; i < n; i++) {
		char what[64];
		snprintf(what, sizeof what, "wg_messages[%d].role", i);
		value(what, wg_message_role(i), m[i].role);
		snprintf(what, sizeof what, "wg_messages[%d].content", i);
		value(what, wg_message_content(i), m[i].content);
	}
	if (n == 2) {
		value("wg_messages[0].content", strdup(m[0].content), "be brief");
		value("wg_messages[1].role", strdup(m[1].role), "user");
	}
	free(m);
	int index = -2;
	value("wg_last_user_message", wg_last_user_message(&index), "say \"hi\"\n");
	code("wg_last_user_message index", index, 1);
	code("wg_size of model", wg_size(WG_REQUEST, "model"), (int)strlen("\"tck-model\""));
	code("wg_size of a missing path", wg_size(WG_REQUEST, "missing.key"), WG_ERR_NOT_FOUND);
}

static void targets(void) {
	const wg_target a = {"openai", "gpt-4o", "k2"}, b = {"azure", "org/gpt-4o", NULL}, c = {"local", "m", ""};
	char *list = wg_append_target(NULL, &a);
	list = wg_append_target(list, &b);
	value("wg_append_target", strdup(list), "openai/gpt-4o#k2,azure/org/gpt-4o");
	code("wg_set_targets", wg_set_targets(list), 0);
	value("attribute after wg_set_targets", wg_attr(WG_ATTR_TARGETS), list);
	free(list);
	value("wg_append_target with an empty key", wg_append_target(strdup(""), &c), "local/m");
	code("delete the targets", wg_delete_attr(WG_ATTR_TARGETS), 0);
	code("set fallback_on", wg_set_attr(WG_ATTR_FALLBACK_ON, "429,5xx"), 0);
	value("fallback_on", wg_attr(WG_ATTR_FALLBACK_ON), "429,5xx");
	code("delete fallback_on", wg_delete_attr(WG_ATTR_FALLBACK_ON), 0);
	code("set cache.status", wg_set_attr(WG_ATTR_CACHE_STATUS, "miss"), 0);
	code("delete cache.status", wg_delete_attr(WG_ATTR_CACHE_STATUS), 0);
	const char *reserved[] = {WG_ATTR_ENDPOINT, WG_ATTR_UPSTREAM_DONE, WG_ATTR_KEY_ID, WG_ATTR_KEY_TEAM,
		WG_ATTR_KEY_USER, WG_ATTR_PREFIX "tck"};
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
		char what[96];
		snprintf(what, sizeof what, "wg_set_attr of reserved %s in a request hook", reserved[i]);
		code(what, wg_set_attr(reserved[i], "x"), WG_ERR_DENIED);
	}
}

static void stat(const char *what, const wg_provider_stat *s, const char *provider, const char *key, int healthy,
	const char *breaker, int64_t latency_us, double error_rate, int64_t requests, int available) {
	char w[96];
	snprintf(w, sizeof w, "%s provider", what);
	value(w, strdup(s->provider), provider);
	snprintf(w, sizeof w, "%s key", what);
	value(w, strdup(s->key), key);
	snprintf(w, sizeof w, "%s healthy", what);
	truth(w, s->healthy, healthy);
	snprintf(w, sizeof w, "%s breaker", what);
	value(w, strdup(s->breaker), breaker);
	if (s->latency_us != latency_us) failf("%s latency_us: got %lld, want %lld", what, (long long)s->latency_us, (long long)latency_us);
	if (s->error_rate != error_rate) failf("%s error_rate: got %g, want %g", what, s->error_rate, error_rate);
	if (s->requests != requests) failf("%s requests: got %lld, want %lld", what, (long long)s->requests, (long long)requests);
	snprintf(w, sizeof w, "%s available", what);
	truth(w, wg_provider_stat_available(s), available);
}

/* Local, not in the fixture: provider_stats texts in the ABI's seven-field
 * format (pdk/ABI.md, "Routing") with the lines pdk/go's
 * ParseProviderStats skips, separators it accepts and fields it ignores. */
#define STATS_TEXT \
	"openai k1 1 closed 182000 0 412\n" \
	"openai k2 1 open 0 1000000 9\n" \
	"azure default 0 half_open 1500 2500 -\n"          /* requests not a number: skipped */ \
	"short line\n"                                     /* too few fields: skipped */ \
	"\tbedrock  default 1 half_open  90 250000 +4 \n"  /* any white space separates */ \
	"big k 1 closed 9223372036854775808 0 1\n"         /* over int64: skipped */ \
	"min k 0 closed -9223372036854775808 0 1\n" \
	"later k 1 closed 5 6 7 more fields\r\n"           /* fields past the seventh ignored */ \
	"u\xc2\xa0k\xe2\x80\x83" "1 closed 1 2 3\n"         /* Unicode spaces (U+00A0, U+2003) separate, as in strings.Fields */ \
	"x k 1\xc2\xa1 closed 1 2 3"                       /* U+00A1 does not; "1\xc2\xa1" is not healthy */

static void provider_stats(void) {
	int n = -1;
	wg_provider_stat *host = wg_provider_stat_list(&n);
	if (!host) failf("wg_provider_stat_list: NULL with %d", n);
	else {
		code("wg_provider_stat_list count", n, 2);
		if (n == 2) {
			stat("host up#0", &host[0], "up", "0", 1, "closed", 120000, 0.01, 3, 1);
			stat("host up#1", &host[1], "up", "1", 0, "open", 0, 1, 0, 0);
		}
	}
	free(host);

	wg_provider_stat *s = wg_parse_provider_stats(STATS_TEXT, &n);
	code("wg_parse_provider_stats count", n, 7);
	if (s && n == 7) {
		stat("k1", &s[0], "openai", "k1", 1, "closed", 182000, 0, 412, 1);
		stat("k2", &s[1], "openai", "k2", 1, "open", 0, 1, 9, 0);
		stat("bedrock", &s[2], "bedrock", "default", 1, "half_open", 90, 0.25, 4, 1);
		stat("min", &s[3], "min", "k", 0, "closed", INT64_MIN, 0, 1, 0);
		stat("later", &s[4], "later", "k", 1, "closed", 5, 0.000006, 7, 1);
		stat("unicode spaces", &s[5], "u", "k", 1, "closed", 1, 0.000002, 3, 1);
		stat("not a space", &s[6], "x", "k", 0, "closed", 1, 0.000002, 3, 0);
	}
	free(s);
	s = wg_parse_provider_stats("", &n);
	code("wg_parse_provider_stats of no text", n, 0);
	free(s);
}

static void kinds(void) {
	value("wg_kind_name email", wg_kind_name(WG_KIND_EMAIL), "email");
	value("wg_kind_name jwt", wg_kind_name(WG_KIND_JWT), "jwt");
	value("wg_kind_name custom", wg_kind_name(WG_KIND_CUSTOM + 2), "custom_2");
	value("wg_kind_name unknown", wg_kind_name(42), "kind_42");
	value("wg_kind_name 0", wg_kind_name(0), "kind_0");
	code("wg_parse_kind api_key", wg_parse_kind("api_key"), WG_KIND_API_KEY);
	code("wg_parse_kind unknown", wg_parse_kind("nope"), 0);
	code("wg_parse_kind custom_0", wg_parse_kind("custom_0"), 0); /* built-in kinds only, as ParseKind */
	const char *const *all = wg_builtin_kinds();
	int i = 0;
	for (; all[i]; i++) {
		char what[64];
		snprintf(what, sizeof what, "wg_parse_kind of wg_builtin_kinds()[%d]", i);
		code(what, wg_parse_kind(all[i]), i + 1);
	}
	code("wg_builtin_kinds count", i, WG_KIND_JWT);
}

/* The cases of pdk/go's TestMatch. */
static void globs(void) {
	static const char *const cases[][3] = {
		{"*", "", "1"}, {"*", "anything", "1"}, {"gpt-4o", "gpt-4o", "1"}, {"gpt-4o", "gpt-4o-mini", "0"},
		{"gpt-4o*", "gpt-4o-mini", "1"}, {"gpt-4o*", "gpt-4", "0"}, {"*-mini", "gpt-4o-mini", "1"},
		{"*-mini", "gpt-4o-mini-2024", "0"}, {"gpt-*-mini", "gpt-4o-mini", "1"}, {"gpt-*-mini", "gpt-mini", "0"},
		{"a*b*c", "abc", "1"}, {"a*b*c", "aXbYbZc", "1"}, {"a*b*c", "acb", "0"}, {"a**c", "ac", "1"},
		{"*a*", "bab", "1"}, {"*a*", "bbb", "0"}, {"ab*ab", "ab", "0"}, {"ab*ab", "abab", "1"},
		{"mistral-?", "mistral-3", "0"}, {"mistral-?", "mistral-?", "1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char what[96];
		snprintf(what, sizeof what, "wg_match(\"%s\", \"%s\")", cases[i][0], cases[i][1]);
		truth(what, wg_match(cases[i][0], cases[i][1]), cases[i][2][0] == '1');
	}
}

/* joined renders a NULL-terminated list as "a=b&c=d" (pairs) or "a,b" (keys), and frees it. */
static char *joined(char **list, int pairs) {
	char *out = calloc(1, 1024);
	for (int i = 0; list && list[i] && out; i++) {
		if (i) strcat(out, pairs ? (i % 2 ? "=" : "&") : ",");
		strncat(out, list[i], 1000 - strlen(out));
	}
	wg_free_strings(list);
	return out;
}

static void headers(void) {
	const char *cfg = "{\"headers\":{\"X-B\":\"2\",\" A \":\"1\",\"\\u00a0C\\t\":\"3\"},\"bad\":{\":url\":\"x\"},"
		"\"empty\":{\" \":\"x\"},\"num\":{\"a\":1},\"n\":1}";
	value("wg_config_keys", joined(wg_config_keys(cfg), 0), "headers,bad,empty,num,n");
	if (wg_config_keys("[1]")) failf("wg_config_keys of an array: not NULL");
	if (wg_config_string_map(cfg, "n")) failf("wg_config_string_map of a number: not NULL");
	if (wg_config_string_map(cfg, "num")) failf("wg_config_string_map with a number value: not NULL");
	if (wg_config_string_map(cfg, "none")) failf("wg_config_string_map of a missing key: not NULL");
	char **m = wg_config_string_map(cfg, "headers");
	if (!m) {
		failf("wg_config_string_map: NULL");
		return;
	}
	char **list = wg_header_list(m);
	value("wg_config_string_map", joined(m, 1), "X-B=2& A =1&\xc2\xa0" "C\t=3");
	value("wg_header_list sorted, lower-case, trimmed", joined(list, 1), "a=1&c=3&x-b=2");
	const char *bad[] = {"empty", "bad"};
	for (int i = 0; i < 2; i++) {
		char what[64];
		m = wg_config_string_map(cfg, bad[i]);
		if (!m) failf("wg_config_string_map %s: NULL", bad[i]);
		snprintf(what, sizeof what, "wg_header_list of the %s name", bad[i]);
		if (m && (list = wg_header_list(m))) {
			failf("%s: not NULL", what);
			wg_free_strings(list);
		}
		wg_free_strings(m);
	}
}

void init_parity(const char *config) {
	value("wg_config_keys of the config", joined(wg_config_keys(config), 0), "tck,n");
	code("WG_HOOK_ALL", WG_HOOK_ALL, WG_HOOK_REQUEST | WG_HOOK_RESPONSE | WG_HOOK_CHUNK);
}

void request_parity(void) {
	messages();
	targets();
	provider_stats();
	/* The response header, from the request phase: the host keeps it for
	 * whatever answers the request (read back in the response phase). */
	code("wg_set_response_header in the request phase", wg_set_response_header(PARITY_HEADER, "request"), 0);
	kinds();
	globs();
	headers();
	missing("no attribute left by the parity checks", wg_attr(WG_ATTR_TARGETS), WG_ERR_NOT_FOUND);
}

void response_parity(void) {
	value("response header set by wg_set_response_header in the request phase", wg_header(WG_RESPONSE, PARITY_HEADER), "request");
	code("delete the request phase's response header", wg_delete_header(WG_RESPONSE, PARITY_HEADER), 0);
}

/* chunk_parity checks wg_set_response_header from a chunk hook, and
 * wg_chunk_finishes on the fixture's chunk (no finish_reason) and on a copy
 * of it with a second choice that finishes, then puts the chunk back. */
void chunk_parity(void) {
	code("wg_set_response_header in the chunk phase", wg_set_response_header(PARITY_HEADER, "chunk"), 0);
	value("response header after wg_set_response_header", wg_header(WG_RESPONSE, PARITY_HEADER), "chunk");
	code("delete the chunk phase's response header", wg_delete_header(WG_RESPONSE, PARITY_HEADER), 0);

	char *body = wg_body(WG_CHUNK);
	if (!body) {
		failf("chunk body: NULL");
		return;
	}
	truth("wg_chunk_finishes without finish_reason", wg_chunk_finishes("choices.0.delta.content"), 0);
	/* TCK_CHUNK_JSON ends with the one choice's "}]}". */
	char two[512];
	snprintf(two, sizeof two, "%.*s,\"finish_reason\":null},{\"index\":1,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}",
		(int)strlen(TCK_CHUNK_JSON) - 3, TCK_CHUNK_JSON);
	code("wg_set_body a chunk with a finished choice", wg_set_body(WG_CHUNK, two, strlen(two)), 0);
	truth("wg_chunk_finishes of a choice with finish_reason null", wg_chunk_finishes("choices.0.delta.content"), 0);
	truth("wg_chunk_finishes of the finished choice", wg_chunk_finishes("choices.1.delta.content"), 1);
	truth("wg_chunk_finishes of a choice's own path", wg_chunk_finishes("choices.1"), 1);
	truth("wg_chunk_finishes of a missing choice", wg_chunk_finishes("choices.12.delta.content"), 0);
	truth("wg_chunk_finishes without an index", wg_chunk_finishes("choices.x.delta"), 0);
	truth("wg_chunk_finishes of a path outside choices", wg_chunk_finishes("model"), 0);
	code("wg_set_body the chunk back", wg_set_body(WG_CHUNK, body, strlen(body)), 0);
	free(body);
}
