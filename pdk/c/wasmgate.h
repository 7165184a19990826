/*
 * wasmgate C PDK: write wasmgate plugins (ABI v1, pdk/ABI.md) in C.
 *
 * Build with Debian's clang-14 and wasi-libc as a WASI reactor:
 *
 *   clang-14 --target=wasm32-wasi -mexec-model=reactor -O2 -I pdk/c \
 *     plugin.c build/pdk/c/libwasmgate.a -o plugin.wasm
 *
 * A plugin defines wg_plugin_init (called once per instance with the slot's
 * config; returns the hook mask) and the hooks it declares, with
 * WG_ON_REQUEST, WG_ON_RESPONSE and WG_ON_CHUNK. The library exports
 * wasmgate_abi_version and wasmgate_init. The JSON work is done by the
 * host: read and write values by path ("messages.0.content"), never parse a
 * whole body in the guest.
 *
 * Strings returned by this library are NUL-terminated, allocated with
 * malloc, and the caller's to free() (only wg_builtin_kinds' list is
 * static); NULL means "not found" (or not available: wg_last_error tells
 * which). Functions returning int give 0 on success or a WG_ERR_* code.
 * pdk/PARITY.md maps every helper of pdk/go to its C equivalent.
 */
#ifndef WASMGATE_H
#define WASMGATE_H

#include <stddef.h>
#include <stdint.h>

#define WG_ABI_VERSION 1

/* The Wasm import module of the host functions (the library's imports name it). */
#define WG_IMPORT_MODULE "wasmgate"

/* Hook mask bits, returned by wg_plugin_init. */
#define WG_HOOK_REQUEST  1
#define WG_HOOK_RESPONSE 2
#define WG_HOOK_CHUNK    4
#define WG_HOOK_ALL      (WG_HOOK_REQUEST | WG_HOOK_RESPONSE | WG_HOOK_CHUNK)

/* Flags of the json_get and json_set host functions (wg_get_string and wg_delete pass them). */
#define WG_FLAG_STRING 1
#define WG_FLAG_DELETE 2

/* Actions a hook returns. */
#define WG_CONTINUE 0
#define WG_RESPOND  1
#define WG_ERROR    2

/* Objects. */
#define WG_REQUEST           0
#define WG_RESPONSE          1
#define WG_CHUNK             2
#define WG_UPSTREAM_REQUEST  3
#define WG_UPSTREAM_RESPONSE 4
#define WG_UPSTREAM_CHUNK    5

/* Host results. */
#define WG_ERR_NOT_FOUND     (-1)
#define WG_ERR_NOT_AVAILABLE (-2)
#define WG_ERR_TOO_LARGE     (-3)
#define WG_ERR_INVALID       (-4)
#define WG_ERR_DENIED        (-5)
#define WG_ERR_UNAVAILABLE   (-6)

/* The WG_ERR_* code behind the last NULL a reading helper returned (wg_get*, wg_body, wg_header, wg_attr,
 * wg_secret, wg_json_digest, wg_cache_call, wg_provider_stats, wg_config, wg_build_output*, wg_match_redact, wg_match_scan,
 * wg_match_text_fields, wg_match_find),
 * or 0 when that read succeeded: WG_ERR_DENIED for a secret not granted, WG_ERR_NOT_AVAILABLE for an object
 * outside its phase, WG_ERR_UNAVAILABLE for a cache that is down. A helper made of several reads (wg_message_*,
 * wg_response_content) leaves the code of its last one. */
int wg_last_error(void);

/* Log levels. */
#define WG_LOG_DEBUG 0
#define WG_LOG_INFO  1
#define WG_LOG_WARN  2
#define WG_LOG_ERROR 3

/* Reserved attributes, set by the host and read only to plugins (except WG_ATTR_UPSTREAM_DONE, which an adapter
 * sets in its chunk hook, and the routing attributes WG_ATTR_TARGETS and WG_ATTR_FALLBACK_ON below). */
#define WG_ATTR_PREFIX           "wasmgate."
#define WG_ATTR_REQUEST_ID       "wasmgate.request_id"
#define WG_ATTR_ROUTE            "wasmgate.route"
#define WG_ATTR_PIPELINE         "wasmgate.pipeline"
#define WG_ATTR_MODEL            "wasmgate.model"
#define WG_ATTR_STREAM           "wasmgate.stream"
#define WG_ATTR_PROVIDER         "wasmgate.provider"
#define WG_ATTR_PROVIDER_URL     "wasmgate.provider.base_url"
#define WG_ATTR_PROVIDER_MODEL   "wasmgate.provider.model"
#define WG_ATTR_PROVIDER_API_KEY "wasmgate.provider.api_key"
#define WG_ATTR_ENDPOINT         "wasmgate.endpoint"
#define WG_ATTR_UPSTREAM_DONE    "wasmgate.upstream.done"
#define WG_ATTR_KEY_ID           "wasmgate.key.id"
#define WG_ATTR_KEY_TEAM         "wasmgate.key.team"
#define WG_ATTR_KEY_USER         "wasmgate.key.user"
/* Set by a cache plugin (hit, miss, ...); the host records it with the request's usage. */
#define WG_ATTR_CACHE_STATUS     "cache.status"

/* Pseudo-headers: the provider request's URL and method, a response's status. */
#define WG_HEADER_URL    ":url"
#define WG_HEADER_METHOD ":method"
#define WG_HEADER_STATUS ":status"

/* Define the hooks with these: WG_ON_REQUEST { ... return WG_CONTINUE; } */
#define WG_ON_REQUEST  __attribute__((export_name("wasmgate_on_request"))) int32_t wasmgate_on_request(void)
#define WG_ON_RESPONSE __attribute__((export_name("wasmgate_on_response"))) int32_t wasmgate_on_response(void)
#define WG_ON_CHUNK    __attribute__((export_name("wasmgate_on_chunk"))) int32_t wasmgate_on_chunk(void)

/*
 * Written by the plugin: called once per instance with the slot's config
 * (JSON, "{}" if none). Returns the hook mask, or wg_fail(message) to refuse
 * to start.
 */
int32_t wg_plugin_init(const char *config);

/* Refuses to start from wg_plugin_init: return wg_fail("why"). */
int32_t wg_fail(const char *message);

/* Actions with their data: return wg_respond(200, body) / wg_error(...). */
int32_t wg_respond(int status, const char *body);
int32_t wg_error(int status, const char *type, const char *message);

void wg_log(int level, const char *message);

/* Values by path in an object's JSON body. */
char *wg_get(int obj, const char *path);        /* raw JSON text */
char *wg_get_string(int obj, const char *path); /* a string unescaped; other values raw */
int wg_get_int(int obj, const char *path, long long *out);
int wg_get_bool(int obj, const char *path, int *out);
int wg_has(int obj, const char *path);
int wg_set(int obj, const char *path, const char *raw_json);
int wg_set_string(int obj, const char *path, const char *s);
int wg_set_string_n(int obj, const char *path, const char *s, size_t len);
int wg_set_int(int obj, const char *path, long long v);
int wg_set_bool(int obj, const char *path, int v);
int wg_delete(int obj, const char *path);

/* Whole bodies and headers (case-insensitive; ":status", ":url", ":method"). */
char *wg_body(int obj);
int wg_set_body(int obj, const char *body, size_t len);
char *wg_header(int obj, const char *name);
int wg_set_header(int obj, const char *name, const char *value);
int wg_delete_header(int obj, const char *name);

/* Attributes of the request. */
char *wg_attr(const char *name);
int wg_set_attr(const char *name, const char *value);
int wg_delete_attr(const char *name);

/* The hex SHA-256 of an object's canonical JSON without the comma-separated top-level keys in exclude. */
char *wg_json_digest(int obj, const char *exclude);
/* Runs a cache operation (capability cache; pdk/ABI.md) and returns its JSON answer; NULL on a negative result. */
char *wg_cache_call(const char *op);

/* The providers' live statistics, one line per provider key (request phase; pdk/ABI.md, Routing). */
char *wg_provider_stats(void);

/* A secret granted in config (capabilities.secrets), by its granted name; NULL if denied or unavailable. */
char *wg_secret(const char *name);

/* The request. Negative message indexes count from the end. */
char *wg_request_model(void);
int wg_request_set_model(const char *model);
int wg_request_stream(void);
int wg_message_count(void);
char *wg_message_role(int i);
char *wg_message_content(int i); /* the text: a string, or the text parts joined */
int wg_set_message_content(int i, const char *s);
int wg_last_user_index(void);    /* -1 if none */

/* The response (response phase) and chunks (chunk phase). */
char *wg_response_content(void);
int wg_response_set_content(const char *s);
int wg_response_status(void);
int wg_response_set_status(int status);
char *wg_chunk_content(void);
int wg_chunk_set_content(const char *s);
int wg_chunk_drop(void);

/* The slot's config: JSON, "{}" if none; and its top-level options. */
char *wg_config(void);
char *wg_config_string(const char *config, const char *key);  /* a string option */
char *wg_config_raw(const char *config, const char *key);     /* any option's JSON text */
/* A list-of-strings option: NULL-terminated array; free with wg_free_strings. */
char **wg_config_strings(const char *config, const char *key);
void wg_free_strings(char **list);

/* Quotes s as a JSON string literal (with the quotes). */
char *wg_json_string(const char *s);

/* metric_add (pdk/ABI.md, "Plugin metrics"): adds delta (>= 0) to this plugin's counter of an event
 * (snake_case, up to 64 bytes) and a label value (up to 64 bytes of letters, digits and "_.-:/"; a name from
 * config, never request text or a secret), exported as wasmgate_plugin_events_total{plugin,event,label}.
 * 0, WG_ERR_INVALID for a bad name, label or delta, WG_ERR_TOO_LARGE for a new pair past the plugin's 64. */
int wg_metric_add(const char *event, const char *label, int delta);
/* Limits of wg_metric_add: bytes of an event name, bytes of a label value, distinct (event, label) pairs. */
#define WG_METRIC_NAME_MAX   64
#define WG_METRIC_LABEL_MAX  64
#define WG_METRIC_SERIES_MAX 64

/* match_compile and match_redact (pdk/ABI.md, "Redaction helper"). wg_match_compile compiles a matcher spec
 * (JSON) and returns its id (>= 0) or a WG_ERR_* code. wg_match_redact replaces the findings of a matcher with
 * "redact" rules in the string at path, or with path NULL or "" in every text field, writes the changed fields
 * back, and returns the report (the binary layout of pdk/ABI.md) of *len bytes, to free; NULL with *len set to
 * the WG_ERR_* code on failure. */
int wg_match_compile(const char *spec);
char *wg_match_redact(int obj, const char *path, int matcher, int32_t *len);

/* match_scan and match_text (pdk/ABI.md, "Matching helpers"), as pdk/go's Object.Scan, Object.TextFields and
 * Matcher.Find: the host finds what a matcher (wg_match_compile, best in wg_plugin_init) looks for, and only
 * the fields with findings come back. A finding is bytes start to end of its text (UTF-8 byte offsets) of a
 * kind: WG_KIND_EMAIL ... WG_KIND_JWT, or WG_KIND_CUSTOM + i for the spec's i-th custom pattern (the WG_KIND_*
 * characters of wg_build_kind are another family, as in pdk/go). */
#define WG_KIND_EMAIL   1
#define WG_KIND_PHONE   2
#define WG_KIND_CARD    3
#define WG_KIND_IBAN    4
#define WG_KIND_SSN     5
#define WG_KIND_IPV4    6
#define WG_KIND_IPV6    7
#define WG_KIND_API_KEY 8
#define WG_KIND_JWT     9
#define WG_KIND_CUSTOM  256
typedef struct {
	int32_t start, end, kind;
} wg_span;
/* A text field: its path (for wg_set_string) and its text, both NUL-terminated (text_len counts the bytes of
 * a text that holds a NUL), and its count findings. */
typedef struct {
	const char *path;
	const char *text;
	int32_t text_len;
	int32_t count;
	const wg_span *spans;
} wg_match_field;
/* The fields with findings in the string at path of obj, or with path NULL or "" in every text field (message
 * contents and text parts, tool-call arguments; a response's choices' messages, a chunk's deltas): one host
 * call. Returns *n fields in one block to free() (fields, spans and strings together), or NULL with *n and
 * wg_last_error() set to WG_ERR_NOT_FOUND (path names no string), WG_ERR_INVALID (a matcher not compiled),
 * WG_ERR_NOT_AVAILABLE (obj outside its phase). */
wg_match_field *wg_match_scan(int obj, const char *path, int matcher, int *n);
/* wg_match_scan of every text field, also those without findings (a chunk's text in one call). */
wg_match_field *wg_match_text_fields(int obj, int matcher, int *n);
/* The *n findings of matcher in len bytes of text, to free(); NULL with *n the WG_ERR_* code on failure. */
wg_span *wg_match_find(int matcher, const char *text, size_t len, int *n);

/* json_build (pdk/ABI.md, "Building bodies"): a program of literals and
 * values copied by path that the host assembles into a body in one call.
 * Start with a zeroed wg_builder; free its program with wg_builder_free. */
#define WG_BUILD_TEXT 1
#define WG_BUILD_INNER 2
#define WG_BUILD_REQUIRED 4
#define WG_BUILD_OR_NEXT 8
#define WG_BUILD_AS_ARRAY 16
#define WG_BUILD_EMPTY_ABSENT 32
#define WG_BUILD_KIND 64   /* on a wg_build_each field: the value's kind byte (WG_KIND_*), no sep */
#define WG_BUILD_CODE 128  /* on a wg_build_each field: one byte, the value's 1-based position in names (0: none), no sep */
#define WG_BUILD_BASE 255  /* as src: a path relative to the last base */
#define WG_BUILD_ITEM 254  /* as src: a path relative to the last item */
#define WG_BUILD_NO_INDEX 0xFFFFFFFFu
/* Kinds that wg_build_kind (and a WG_BUILD_KIND field) write, one byte per value. */
#define WG_KIND_MISSING 'u'
#define WG_KIND_NULL 'n'
#define WG_KIND_FALSE 'f'
#define WG_KIND_TRUE 't'
#define WG_KIND_NUMBER 'd'
#define WG_KIND_STRING 's'       /* a non-empty string */
#define WG_KIND_EMPTY_STRING 'e'
#define WG_KIND_ARRAY 'a'
#define WG_KIND_OBJECT 'o'
typedef struct {
	unsigned char *prog;
	int len, cap;
} wg_builder;
/* One field of wg_build_each: a path in each element, its flags, and with WG_BUILD_CODE the comma-separated
 * names the value is coded against. */
typedef struct {
	const char *path;
	int flags;
	const char *names;
} wg_each_field;
void wg_build_lit(wg_builder *b, const char *text);
void wg_build_copy(wg_builder *b, int src, const char *path, int flags);
void wg_build_copy_or(wg_builder *b, int src, const char *path, int flags, const char *pre, const char *post, const char *def);
void wg_build_kind(wg_builder *b, int src, const char *path);
void wg_build_base(wg_builder *b, int src, const char *path, unsigned int index);
/* Makes element index (WG_BUILD_NO_INDEX: the value itself) of the value at path the item, a second level that
 * WG_BUILD_ITEM paths are relative to (a part of the base message's content). */
void wg_build_item(wg_builder *b, int src, const char *path, unsigned int index);
/* For each element of the array at path, for each of the n fields: its value followed by sep (or with
 * WG_BUILD_KIND its kind byte, with WG_BUILD_CODE its code byte). A body's shape in one call; n <= 255. */
void wg_build_each(wg_builder *b, int src, const char *path, const char *sep, const wg_each_field *fields, int n);
/* Appends the instructions of another program. */
void wg_build_append(wg_builder *b, const wg_builder *other);
/* Sets the output as obj's body: 0 or a WG_ERR_* result. */
int wg_build(const wg_builder *b, int obj);
/* The output as a string (free it), or NULL (wg_last_error says why). */
char *wg_build_output(const wg_builder *b);
/* The output and its length in *len: a shape query's code bytes may be 0, which ends the string early. */
char *wg_build_output_n(const wg_builder *b, int32_t *len);
void wg_builder_free(wg_builder *b);

/* json_build templates (pdk/ABI.md, "Building bodies", opcodes 8-12): a
 * program that walks a request on the host, a template per case. A NULL
 * program is an empty one. */
#define WG_BUILD_PREV 253 /* as src inside a map: the element before the current one */
#define WG_BUILD_NEXT 252 /* the element after it */
#define WG_SWITCH_TEXT 0   /* a name equal to the string's text */
#define WG_SWITCH_KIND 1   /* a name containing the value's kind byte */
#define WG_SWITCH_PREFIX 2 /* a name the string's text starts with */
/* Runs then[k] for the first of the n names the value matches, other when none does. */
void wg_build_switch(wg_builder *b, int src, const char *path, int flags, const wg_builder *other, int n,
		     const char *const *names, const wg_builder *const *then);
/* Runs the n programs; joins the outputs that are not empty with sep, between pre and post. */
void wg_build_group(wg_builder *b, const char *pre, const char *sep, const char *post, int n, const wg_builder *const *parts);
/* Runs each for every element of the array at path (the base, or the item for a relative src), joined as group joins. */
void wg_build_map(wg_builder *b, int src, const char *path, const char *pre, const char *sep, const char *post, const wg_builder *each);
/* Ends the build with WG_ERR_NOT_FOUND: a case left to the guest. */
void wg_build_fail(wg_builder *b);
/* The part of the string at path between the first from and the first to after it, as a JSON string (flags as copy). */
void wg_build_cut(wg_builder *b, int src, const char *path, int flags, const char *from, const char *to);

/*
 * Helpers for parity with pdk/go (pdk/PARITY.md). Unless said otherwise, what they return is the caller's to
 * free(), in one block (the structs and the strings they point to together).
 */

/* Objects and the request. */

/* The length of the raw JSON text at path without reading it into the guest (pdk/go's Object.Size), or a
 * WG_ERR_* code (WG_ERR_NOT_FOUND when there is none). */
int wg_size(int obj, const char *path);

/* One chat message: its role and its text (a string content, or the text parts joined). */
typedef struct {
	const char *role;
	const char *content;
} wg_message;
/* Every message of the request, as wg_message_role and wg_message_content read them, *n of them, in one block
 * to free(); NULL with *n the WG_ERR_* code on failure (0 messages is a block with *n 0). */
wg_message *wg_messages(int *n);
/* The text of the last message with role "user" and its index in *index; NULL with *index -1 if there is none. */
char *wg_last_user_message(int *index);

/* Sets a header of the answer the client gets, if the host has not sent the headers yet: from a request hook
 * it applies to whatever answers the request (a short-circuit or the provider's), from a chunk hook to a stream
 * whose headers are not sent yet (pdk/go's SetResponseHeader and Chunk.SetResponseHeader). */
int wg_set_response_header(const char *name, const char *value);

/* Whether this chunk ends the choice that a text field belongs to: path is a field's path ("choices.N...."),
 * and the choice's finish_reason is set and not null. Plugins that hold text back flush it then. */
int wg_chunk_finishes(const char *path);

/* The provider request (adapters, request phase): its absolute URL (":url"; "" when unset) and its HTTP
 * method (":method"; "POST" when unset), both to free; and the provider response's HTTP status (0 if unknown). */
char *wg_upstream_url(void);
int wg_upstream_set_url(const char *url);
char *wg_upstream_method(void);
int wg_upstream_set_method(const char *method);
int wg_upstream_status(void);

/* The top-level option names of a config in order, NULL-terminated (free with wg_free_strings; NULL if config
 * is no JSON object): compare them with the options a plugin knows to refuse a misspelt one at load, as
 * pdk/go's Config.UnmarshalStrict does. */
char **wg_config_keys(const char *config);
/* An object option whose values are all strings (a map of static headers, say) as a NULL-terminated list of
 * name, value, name, value, ... (free with wg_free_strings); NULL if it is missing or not such an object. */
char **wg_config_string_map(const char *config, const char *key);
/* pdk/go's HeaderList: a list from wg_config_string_map as a new list of the same shape, sorted by name, names
 * trimmed and lower-case, for adapters that add them to every provider request (free with wg_free_strings).
 * NULL for an empty name or a pseudo-header (":url"), or out of memory. */
char **wg_header_list(char *const *pairs);

/* Whether s matches pattern, where "*" matches any run of bytes (including none, and "/") and every other byte
 * matches itself: "gpt-4o*" matches "gpt-4o" and "gpt-4o-mini". */
int wg_match(const char *pattern, const char *s);

/* Building bodies: empties the program, keeping its memory, to build the next one (its length is b->len). */
void wg_builder_reset(wg_builder *b);

/* Routing (pdk/ABI.md, "Routing"): attributes a pipeline plugin may write in its request hook; the host reads
 * them when it sends the request. */
/* The ordered list of targets the host tries: "provider/model[#key],..." (wg_append_target). */
#define WG_ATTR_TARGETS     "wasmgate.targets"
/* Which failures move to the next target: "429,5xx,timeout,connect". */
#define WG_ATTR_FALLBACK_ON "wasmgate.fallback_on"

/* One place the host may send a request: a provider, the model name the provider gets, and a key id of the
 * provider (NULL or "" lets the host choose). */
typedef struct {
	const char *provider;
	const char *model;
	const char *key;
} wg_target;
/* Appends t in the WG_ATTR_TARGETS form "provider/model[#key]" to list (a string from malloc, or NULL for an
 * empty one), after a comma when list is not empty, and returns the grown list (list itself is then no longer
 * valid); NULL when out of memory, with list freed. */
char *wg_append_target(char *list, const wg_target *t);
/* Sets WG_ATTR_TARGETS to a list built with wg_append_target. */
int wg_set_targets(const char *list);

/* What the host knows of one provider key right now: healthy is 0 while the provider's health check keeps it
 * out of rotation; breaker "closed", "half_open" or "open"; latency_us the mean latency in microseconds over
 * the statistics window, error_rate the share of failed requests (0..1), requests how many the window holds. */
typedef struct {
	const char *provider;
	const char *key; /* key id ("default" for a provider with one api_key) */
	int healthy;
	const char *breaker;
	int64_t latency_us;
	double error_rate;
	int64_t requests;
} wg_provider_stat;
/* Whether the host would send to this key now: healthy and its breaker not open. */
int wg_provider_stat_available(const wg_provider_stat *s);
/* Parses the provider_stats text (one line a key: "provider key healthy breaker latency_us error_ppm
 * requests", fields separated by white space); lines it cannot read are skipped, and fields past these seven
 * (which later hosts may add) are ignored. Returns *n stats in one block to free (never NULL but out of memory). */
wg_provider_stat *wg_parse_provider_stats(const char *text, int *n);
/* wg_provider_stats parsed (request hook): NULL with *n the WG_ERR_* code (WG_ERR_NOT_FOUND without
 * statistics, WG_ERR_NOT_AVAILABLE outside the request hook). */
wg_provider_stat *wg_provider_stat_list(int *n);

/* Kinds of findings by name (pdk/go's Kind.String, ParseKind, BuiltinKinds). */
/* "email", ..., "jwt"; "custom_<i>" for WG_KIND_CUSTOM + i; "kind_<n>" otherwise. To free. */
char *wg_kind_name(int32_t kind);
/* The built-in kind named s, or 0. */
int32_t wg_parse_kind(const char *s);
/* The names of the built-in kinds in kind order (WG_KIND_EMAIL first), NULL-terminated; static, not to free. */
const char *const *wg_builtin_kinds(void);

/* A matcher spec as structs (pdk/go's MatchSpec, MatchPattern, RedactSpec, RedactRule); wg_match_spec_json
 * writes the JSON that wg_match_compile takes, as pdk/go encodes it. Lists of strings end with NULL. */
typedef struct {
	const char *regex;         /* an RE2 regular expression, used as written ((?i) ignores case); or NULL */
	const char *const *words;  /* or words and phrases, matched as whole words; NULL-terminated, or NULL */
	int case_sensitive;        /* the words: ignore case unless set */
} wg_match_pattern;
typedef struct {
	const char *kind;   /* the kind's name (wg_kind_name): "email", "custom_0" */
	const char *action; /* "mask" ([LABEL_1]), "hash" ([LABEL_<6 bytes of HMAC-SHA256 in hex>]) or "block" */
	const char *label;  /* the placeholder's name: letters, digits and '_' */
} wg_redact_rule;
typedef struct {
	const wg_redact_rule *rules; /* n_rules of them */
	int n_rules;
	const char *hash_key; /* the HMAC-SHA256 key of "hash", or NULL */
} wg_redact_spec;
typedef struct {
	const char *const *builtin;      /* built-in kinds by name, NULL-terminated, or NULL */
	const wg_match_pattern *custom;  /* n_custom custom patterns: the i-th reports WG_KIND_CUSTOM + i */
	int n_custom;
	const wg_redact_spec *redact;    /* rules for wg_redact, or NULL */
} wg_match_spec;
/* The spec's JSON, to free; NULL when out of memory. */
char *wg_match_spec_json(const wg_match_spec *spec);
/* wg_match_compile of the spec's JSON: a matcher id >= 0 or a WG_ERR_* code. */
int wg_compile_matcher(const wg_match_spec *spec);

/* What one redaction did (pdk/go's Redaction, KindCount, Pair): blocked is the kind of the first finding with
 * a block rule (then nothing was written) or 0; counts the findings replaced per kind, in order of appearance;
 * pairs each placeholder of a mask rule and the value it replaced (NUL-terminated, with their lengths). */
typedef struct {
	int32_t kind, count;
} wg_kind_count;
typedef struct {
	const char *placeholder;
	const char *value;
	int32_t placeholder_len, value_len;
} wg_pair;
typedef struct {
	int32_t blocked;
	int32_t n_counts;
	const wg_kind_count *counts;
	int32_t n_pairs;
	const wg_pair *pairs;
} wg_redaction;
/* Decodes a report of wg_match_redact (len bytes) into one block to free; NULL when it breaks the layout. */
wg_redaction *wg_decode_redaction(const char *report, int32_t len);
/* wg_match_redact decoded (pdk/go's Object.Redact): NULL with wg_last_error() the WG_ERR_* code on failure. */
wg_redaction *wg_redact(int obj, const char *path, int matcher);

#endif
