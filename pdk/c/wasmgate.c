/* wasmgate C PDK: the library behind wasmgate.h. */
#include "wasmgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WG_IMPORT(name) __attribute__((import_module("wasmgate"), import_name(name)))

WG_IMPORT("log") void wg_host_log(int32_t level, const char *ptr, int32_t len);
WG_IMPORT("config_get") int32_t wg_host_config_get(char *buf, int32_t cap);
WG_IMPORT("body_get") int32_t wg_host_body_get(int32_t obj, char *buf, int32_t cap);
WG_IMPORT("body_set") int32_t wg_host_body_set(int32_t obj, const char *ptr, int32_t len);
WG_IMPORT("json_get") int32_t wg_host_json_get(int32_t obj, const char *path, int32_t path_len, int32_t flags, char *buf, int32_t cap);
WG_IMPORT("json_set") int32_t wg_host_json_set(int32_t obj, const char *path, int32_t path_len, int32_t flags, const char *val, int32_t val_len);
WG_IMPORT("header_get") int32_t wg_host_header_get(int32_t obj, const char *name, int32_t name_len, char *buf, int32_t cap);
WG_IMPORT("header_set") int32_t wg_host_header_set(int32_t obj, const char *name, int32_t name_len, const char *val, int32_t val_len);
WG_IMPORT("attr_get") int32_t wg_host_attr_get(const char *name, int32_t name_len, char *buf, int32_t cap);
WG_IMPORT("attr_set") int32_t wg_host_attr_set(const char *name, int32_t name_len, const char *val, int32_t val_len);
WG_IMPORT("json_digest") int32_t wg_host_json_digest(int32_t obj, const char *exclude, int32_t exclude_len, char *buf, int32_t cap);
WG_IMPORT("cache_call") int32_t wg_host_cache_call(const char *op, int32_t op_len, char *buf, int32_t cap);
WG_IMPORT("provider_stats") int32_t wg_host_provider_stats(char *buf, int32_t cap);
WG_IMPORT("secret_get") int32_t wg_host_secret_get(const char *name, int32_t name_len, char *buf, int32_t cap);
WG_IMPORT("send_response") int32_t wg_host_send_response(int32_t status, const char *ptr, int32_t len);
WG_IMPORT("send_error") int32_t wg_host_send_error(int32_t status, const char *type, int32_t type_len, const char *msg, int32_t msg_len);
/* json_build (pdk/ABI.md, "Building bodies"). */
WG_IMPORT("json_build") int32_t wg_host_json_build(int32_t obj, const unsigned char *prog, int32_t prog_len, char *buf, int32_t cap);

__attribute__((export_name("wasmgate_abi_version"))) int32_t wasmgate_abi_version(void) { return WG_ABI_VERSION; }

/* The kinds of reads; read() calls the host twice when the first buffer is small. */
enum { RD_CONFIG, RD_BODY, RD_JSON, RD_HEADER, RD_ATTR, RD_SECRET, RD_DIGEST, RD_CACHE, RD_STATS, RD_BUILD };

static int32_t host_read(int kind, int obj, const char *name, int flags, char *buf, int32_t cap) {
	int32_t n = name && kind != RD_BUILD ? (int32_t)strlen(name) : 0;
	switch (kind) {
	case RD_CONFIG: return wg_host_config_get(buf, cap);
	case RD_BODY: return wg_host_body_get(obj, buf, cap);
	case RD_JSON: return wg_host_json_get(obj, name, n, flags, buf, cap);
	case RD_HEADER: return wg_host_header_get(obj, name, n, buf, cap);
	case RD_SECRET: return wg_host_secret_get(name, n, buf, cap);
	case RD_DIGEST: return wg_host_json_digest(obj, name, n, buf, cap);
	case RD_CACHE: return wg_host_cache_call(name, n, buf, cap);
	case RD_STATS: return wg_host_provider_stats(buf, cap);
	case RD_BUILD: return wg_host_json_build(-1, (const unsigned char *)name, flags, buf, cap); /* flags: the program's length */
	default: return wg_host_attr_get(name, n, buf, cap);
	}
}

/* The result of the last read: 0, or the WG_ERR_* code behind a NULL (wg_last_error). */
static int last_error;

int wg_last_error(void) { return last_error; }

/* read_value reads a value into a new NUL-terminated buffer; *len (when not
 * NULL) is its length, for values that may hold NUL bytes. */
static char *read_value_n(int kind, int obj, const char *name, int flags, int32_t *len) {
	int32_t cap = 256;
	char *buf = malloc((size_t)cap + 1);
	last_error = WG_ERR_TOO_LARGE; /* out of guest memory */
	if (!buf) return NULL;
	for (;;) {
		int32_t n = host_read(kind, obj, name, flags, buf, cap);
		if (n < 0) {
			free(buf);
			last_error = n;
			return NULL;
		}
		if (n <= cap) {
			buf[n] = 0;
			last_error = 0;
			if (len) *len = n;
			return buf;
		}
		cap = n;
		char *bigger = realloc(buf, (size_t)cap + 1);
		if (!bigger) {
			free(buf);
			return NULL;
		}
		buf = bigger;
	}
}

static char *read_value(int kind, int obj, const char *name, int flags) {
	return read_value_n(kind, obj, name, flags, NULL);
}


__attribute__((export_name("wasmgate_init"))) int32_t wasmgate_init(void) {
	char *cfg = read_value(RD_CONFIG, 0, NULL, 0);
	int32_t mask = wg_plugin_init(cfg ? cfg : "{}");
	free(cfg);
	return mask;
}

int32_t wg_fail(const char *message) {
	wg_host_send_error(500, "plugin_error", 12, message, (int32_t)strlen(message));
	return -1;
}

int32_t wg_respond(int status, const char *body) {
	int32_t r = wg_host_send_response(status, body, (int32_t)strlen(body));
	if (r < 0) wg_log(WG_LOG_ERROR, "pdk: send_response refused");
	return WG_RESPOND;
}

int32_t wg_error(int status, const char *type, const char *message) {
	int32_t r = wg_host_send_error(status, type, (int32_t)strlen(type), message, (int32_t)strlen(message));
	if (r < 0) wg_log(WG_LOG_ERROR, "pdk: send_error refused");
	return WG_ERROR;
}

void wg_log(int level, const char *message) { wg_host_log(level, message, (int32_t)strlen(message)); }

static int status_of(int32_t r) { return r < 0 ? r : 0; }

char *wg_get(int obj, const char *path) { return read_value(RD_JSON, obj, path, 0); }
char *wg_get_string(int obj, const char *path) { return read_value(RD_JSON, obj, path, WG_FLAG_STRING); }

int wg_get_int(int obj, const char *path, long long *out) {
	char *v = wg_get(obj, path);
	if (!v) return WG_ERR_NOT_FOUND;
	char *end;
	long long x = strtoll(v, &end, 10);
	int ok = end != v && *end == 0;
	free(v);
	if (!ok) return WG_ERR_INVALID;
	*out = x;
	return 0;
}

int wg_get_bool(int obj, const char *path, int *out) {
	char *v = wg_get(obj, path);
	if (!v) return WG_ERR_NOT_FOUND;
	int r = 0;
	if (strcmp(v, "true") == 0) *out = 1;
	else if (strcmp(v, "false") == 0) *out = 0;
	else r = WG_ERR_INVALID;
	free(v);
	return r;
}

int wg_has(int obj, const char *path) {
	return wg_host_json_get(obj, path, (int32_t)strlen(path), 0, NULL, 0) >= 0;
}

static int json_set(int obj, const char *path, int flags, const char *v, size_t len) {
	return status_of(wg_host_json_set(obj, path, (int32_t)strlen(path), flags, v, (int32_t)len));
}

int wg_set(int obj, const char *path, const char *raw) { return json_set(obj, path, 0, raw, strlen(raw)); }
int wg_set_string(int obj, const char *path, const char *s) { return json_set(obj, path, WG_FLAG_STRING, s, strlen(s)); }
int wg_set_string_n(int obj, const char *path, const char *s, size_t len) { return json_set(obj, path, WG_FLAG_STRING, s, len); }
int wg_set_bool(int obj, const char *path, int v) { return wg_set(obj, path, v ? "true" : "false"); }
int wg_delete(int obj, const char *path) { return json_set(obj, path, WG_FLAG_DELETE, "", 0); }

int wg_set_int(int obj, const char *path, long long v) {
	char buf[24];
	snprintf(buf, sizeof buf, "%lld", v);
	return wg_set(obj, path, buf);
}

char *wg_body(int obj) { return read_value(RD_BODY, obj, NULL, 0); }
int wg_set_body(int obj, const char *body, size_t len) { return status_of(wg_host_body_set(obj, body, (int32_t)len)); }
char *wg_header(int obj, const char *name) { return read_value(RD_HEADER, obj, name, 0); }

int wg_set_header(int obj, const char *name, const char *value) {
	return status_of(wg_host_header_set(obj, name, (int32_t)strlen(name), value, (int32_t)strlen(value)));
}

int wg_delete_header(int obj, const char *name) {
	return status_of(wg_host_header_set(obj, name, (int32_t)strlen(name), NULL, -1));
}

char *wg_json_digest(int obj, const char *exclude) { return read_value(RD_DIGEST, obj, exclude, 0); }
char *wg_cache_call(const char *op) { return read_value(RD_CACHE, 0, op, 0); }

char *wg_provider_stats(void) { return read_value(RD_STATS, 0, NULL, 0); }

char *wg_secret(const char *name) { return read_value(RD_SECRET, 0, name, 0); }

char *wg_attr(const char *name) { return read_value(RD_ATTR, 0, name, 0); }

int wg_set_attr(const char *name, const char *value) {
	return status_of(wg_host_attr_set(name, (int32_t)strlen(name), value, (int32_t)strlen(value)));
}

int wg_delete_attr(const char *name) { return status_of(wg_host_attr_set(name, (int32_t)strlen(name), NULL, -1)); }

/* text_at is the text of a message content: a string, or the "text" of the
 * parts of type "text" of an array, joined. */
static char *text_at(int obj, const char *path) {
	char *v = wg_get_string(obj, path);
	if (!v) return NULL;
	if (v[0] != '[' && v[0] != '{' && strcmp(v, "null") != 0) return v;
	char *raw = wg_get(obj, path);
	if (raw && raw[0] == '"') {
		free(raw);
		return v;
	}
	int is_array = raw && raw[0] == '[';
	free(raw);
	free(v);
	char *out = calloc(1, 1);
	if (!is_array || !out) return out;
	size_t plen = strlen(path) + 32;
	char *p = malloc(plen);
	long long n = 0;
	snprintf(p, plen, "%s.#", path);
	wg_get_int(obj, p, &n);
	for (long long j = 0; j < n; j++) {
		snprintf(p, plen, "%s.%lld.type", path, j);
		char *type = wg_get_string(obj, p);
		int text = type && strcmp(type, "text") == 0;
		free(type);
		if (!text) continue;
		snprintf(p, plen, "%s.%lld.text", path, j);
		char *t = wg_get_string(obj, p);
		if (t) {
			size_t a = strlen(out), b = strlen(t);
			char *joined = realloc(out, a + b + 1);
			if (joined) {
				memcpy(joined + a, t, b + 1);
				out = joined;
			}
			free(t);
		}
	}
	free(p);
	return out;
}

char *wg_request_model(void) { return wg_get_string(WG_REQUEST, "model"); }
int wg_request_set_model(const char *model) { return wg_set_string(WG_REQUEST, "model", model); }

int wg_request_stream(void) {
	int v = 0;
	wg_get_bool(WG_REQUEST, "stream", &v);
	return v;
}

int wg_message_count(void) {
	long long n = 0;
	wg_get_int(WG_REQUEST, "messages.#", &n);
	return (int)n;
}

/* msg_path writes "messages.<i>.<field>" for i (negative from the end); 0 if out of range. */
static int msg_path(char *buf, size_t size, int i, const char *field) {
	int c = wg_message_count();
	if (i < 0) i += c;
	if (i < 0 || i >= c) return 0;
	snprintf(buf, size, "messages.%d.%s", i, field);
	return 1;
}

char *wg_message_role(int i) {
	char p[64];
	return msg_path(p, sizeof p, i, "role") ? wg_get_string(WG_REQUEST, p) : NULL;
}

char *wg_message_content(int i) {
	char p[64];
	return msg_path(p, sizeof p, i, "content") ? text_at(WG_REQUEST, p) : NULL;
}

int wg_set_message_content(int i, const char *s) {
	char p[64];
	return msg_path(p, sizeof p, i, "content") ? wg_set_string(WG_REQUEST, p, s) : WG_ERR_NOT_FOUND;
}

int wg_last_user_index(void) {
	for (int i = wg_message_count() - 1; i >= 0; i--) {
		char *role = wg_message_role(i);
		int user = role && strcmp(role, "user") == 0;
		free(role);
		if (user) return i;
	}
	return -1;
}

char *wg_response_content(void) { return text_at(WG_RESPONSE, "choices.0.message.content"); }
int wg_response_set_content(const char *s) { return wg_set_string(WG_RESPONSE, "choices.0.message.content", s); }

/* http_status is an object's ":status", or 0 if unknown. */
static int http_status(int obj) {
	char *s = wg_header(obj, WG_HEADER_STATUS);
	int v = s ? atoi(s) : 0;
	free(s);
	return v;
}

int wg_response_status(void) { return http_status(WG_RESPONSE); }

int wg_response_set_status(int status) {
	char buf[12];
	snprintf(buf, sizeof buf, "%d", status);
	return wg_set_header(WG_RESPONSE, ":status", buf);
}

char *wg_chunk_content(void) { return text_at(WG_CHUNK, "choices.0.delta.content"); }
int wg_chunk_set_content(const char *s) { return wg_set_string(WG_CHUNK, "choices.0.delta.content", s); }
int wg_chunk_drop(void) { return wg_set_body(WG_CHUNK, "", 0); }

char *wg_config(void) { return read_value(RD_CONFIG, 0, NULL, 0); }

/* A small scanner for the config's top-level members: the config is read
 * once per instance, so this beats carrying a JSON library. */
static const char *skip_ws(const char *s) {
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
	return s;
}

static const char *string_end(const char *s) { /* s at the opening quote; returns past the closing one */
	for (s++; *s; s++) {
		if (*s == '\\' && s[1]) s++;
		else if (*s == '"') return s + 1;
	}
	return NULL;
}

static const char *value_end(const char *s) {
	if (*s == '"') return string_end(s);
	if (*s == '{' || *s == '[') {
		int depth = 0;
		while (*s) {
			if (*s == '"') {
				s = string_end(s);
				if (!s) return NULL;
				continue;
			}
			if (*s == '{' || *s == '[') depth++;
			if (*s == '}' || *s == ']') {
				if (--depth == 0) return s + 1;
			}
			s++;
		}
		return NULL;
	}
	while (*s && *s != ',' && *s != '}' && *s != ']' && *s != ' ' && *s != '\n') s++;
	return s;
}

/* unquote decodes the JSON string literal [s, end). */
static char *unquote(const char *s, const char *end) {
	char *out = malloc((size_t)(end - s) + 1), *o = out;
	if (!out) return NULL;
	for (s++, end--; s < end; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp = 0;
			for (int k = 0; k < 4 && s[1]; k++) {
				char c = *++s;
				cp = cp * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
			}
			if (cp < 0x80) *o++ = (char)cp;
			else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3F)); }
			else { *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
			break;
		}
		default: *o++ = *s;
		}
	}
	*o = 0;
	return out;
}

/* next_member reads the member of an object at s (skip_ws(object) + 1 for the first, the result for the next):
 * its key decoded (to free) in *key and its value [*v, *vend); NULL at the end of the object or on bad JSON. */
static const char *next_member(const char *s, char **key, const char **v, const char **vend) {
	s = skip_ws(s);
	if (*s == ',') s = skip_ws(s + 1);
	if (*s != '"') return NULL;
	const char *kend = string_end(s);
	if (!kend) return NULL;
	const char *c = skip_ws(kend);
	if (*c != ':') return NULL;
	*v = skip_ws(c + 1);
	*vend = value_end(*v);
	if (!*vend || *vend == *v) return NULL; /* no value */
	*key = unquote(s, kend);
	return *key ? *vend : NULL;
}

/* members_of returns where the members of the object at s start, or NULL if s is no object. */
static const char *members_of(const char *s) {
	s = skip_ws(s);
	return *s == '{' ? s + 1 : NULL;
}

/* find returns the start of key's value in the config object, and its end. */
static const char *find(const char *config, const char *key, const char **vend) {
	const char *s = members_of(config), *v;
	char *k;
	while (s && (s = next_member(s, &k, &v, vend))) {
		int match = strcmp(k, key) == 0;
		free(k);
		if (match) return v;
	}
	return NULL;
}

char *wg_config_raw(const char *config, const char *key) {
	const char *end, *v = find(config, key, &end);
	if (!v) return NULL;
	char *out = malloc((size_t)(end - v) + 1);
	if (!out) return NULL;
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = 0;
	return out;
}

char *wg_config_string(const char *config, const char *key) {
	const char *end, *v = find(config, key, &end);
	return v && *v == '"' ? unquote(v, end) : NULL;
}

char **wg_config_strings(const char *config, const char *key) {
	const char *end, *v = find(config, key, &end);
	if (!v || *v != '[') return NULL;
	size_t n = 0, cap = 8;
	char **list = calloc(cap + 1, sizeof *list);
	const char *s = skip_ws(v + 1);
	while (list && *s == '"') {
		const char *e = string_end(s);
		if (!e) break;
		if (n == cap) {
			char **bigger = realloc(list, (cap * 2 + 1) * sizeof *list);
			if (!bigger) break;
			list = bigger;
			cap *= 2;
		}
		list[n++] = unquote(s, e);
		list[n] = NULL;
		s = skip_ws(e);
		if (*s == ',') s = skip_ws(s + 1);
	}
	if (list && *s != ']') { /* not a list of strings */
		wg_free_strings(list);
		return NULL;
	}
	return list;
}

void wg_free_strings(char **list) {
	if (!list) return;
	for (char **p = list; *p; p++) free(*p);
	free(list);
}

char *wg_json_string(const char *s) {
	size_t n = strlen(s);
	char *out = malloc(n * 6 + 3), *o = out;
	if (!out) return NULL;
	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') { *o++ = '\\'; *o++ = (char)c; }
		else if (c == '\n') { *o++ = '\\'; *o++ = 'n'; }
		else if (c < 0x20) o += sprintf(o, "\\u%04x", c);
		else *o++ = (char)c;
	}
	*o++ = '"';
	*o = 0;
	return out;
}

/* metric_add (pdk/ABI.md, "Plugin metrics"). */
WG_IMPORT("metric_add") int32_t wg_host_metric_add(const char *name, int32_t name_len, const char *label, int32_t label_len, int32_t delta);

int wg_metric_add(const char *event, const char *label, int delta) {
	if (!label) label = "";
	return wg_host_metric_add(event, (int32_t)strlen(event), label, (int32_t)strlen(label), delta);
}

/* match_compile and match_redact (pdk/ABI.md, "Matching helpers" and "Redaction helper"). */
WG_IMPORT("match_compile") int32_t wg_host_match_compile(const char *spec, int32_t spec_len);
WG_IMPORT("match_redact") int32_t wg_host_match_redact(int32_t obj, const char *path, int32_t path_len, int32_t matcher, char *buf, int32_t cap);

int wg_match_compile(const char *spec) { return wg_host_match_compile(spec, (int32_t)strlen(spec)); }

char *wg_match_redact(int obj, const char *path, int matcher, int32_t *len) {
	int32_t cap = 256;
	for (;;) {
		char *buf = malloc((size_t)cap);
		if (!buf) {
			*len = WG_ERR_TOO_LARGE;
			return NULL;
		}
		int32_t n = wg_host_match_redact(obj, path, path ? (int32_t)strlen(path) : 0, matcher, buf, cap);
		if (n >= 0 && n <= cap) {
			*len = n;
			last_error = 0;
			return buf;
		}
		free(buf);
		if (n < 0) {
			*len = n;
			last_error = n;
			return NULL;
		}
		cap = n; /* nothing was written: call again with room for the result */
	}
}

/* match_scan and match_text (pdk/ABI.md, "Matching helpers"). */
WG_IMPORT("match_scan") int32_t wg_host_match_scan(int32_t obj, const char *path, int32_t path_len, int32_t matcher, int32_t flags, char *buf, int32_t cap);
WG_IMPORT("match_text") int32_t wg_host_match_text(int32_t matcher, const char *text, int32_t text_len, char *buf, int32_t cap);

#define MATCH_ALL_FIELDS 1

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* decode_fields reads n bytes in the layout of pdk/ABI.md (per field path_len path text_len text count
 * count x (start end kind), little-endian u32s) into one block: the fields, then the spans, then the paths and
 * texts with their NULs. With out NULL it only counts; -1 when the bytes break the layout. */
static int decode_fields(const unsigned char *b, int32_t n, wg_match_field *out, wg_span *spans, char *strs) {
	int32_t i = 0;
	int nf = 0;
	while (i < n) {
		const unsigned char *str[2];
		uint32_t len[2];
		for (int k = 0; k < 2; k++) {
			if (n - i < 4) return -1;
			len[k] = le32(b + i);
			i += 4;
			if (len[k] > (uint32_t)(n - i)) return -1;
			str[k] = b + i;
			i += (int32_t)len[k];
		}
		if (n - i < 4) return -1;
		uint32_t count = le32(b + i);
		i += 4;
		if (count > (uint32_t)(n - i) / 12) return -1;
		if (out) {
			wg_match_field *f = &out[nf];
			for (int k = 0; k < 2; k++) {
				memcpy(strs, str[k], len[k]);
				strs[len[k]] = 0;
				if (k == 0) f->path = strs;
				else f->text = strs;
				strs += len[k] + 1;
			}
			f->text_len = (int32_t)len[1];
			f->count = (int32_t)count;
			f->spans = spans;
			for (uint32_t k = 0; k < count; k++, spans++) {
				spans->start = (int32_t)le32(b + i + 12 * k);
				spans->end = (int32_t)le32(b + i + 12 * k + 4);
				spans->kind = (int32_t)le32(b + i + 12 * k + 8);
			}
		}
		i += (int32_t)(12 * count);
		nf++;
	}
	return nf;
}

/* match_result calls match_scan (text NULL) or match_text until the result fits, and decodes it. */
static wg_match_field *match_result(int obj, const char *path, int matcher, int flags, const char *text, size_t text_len, int *n) {
	int32_t cap = 1024;
	unsigned char *raw = NULL;
	int32_t got;
	for (;;) {
		unsigned char *bigger = realloc(raw, (size_t)cap);
		if (!bigger) {
			got = WG_ERR_TOO_LARGE; /* out of guest memory */
			break;
		}
		raw = bigger;
		got = text ? wg_host_match_text(matcher, text, (int32_t)text_len, (char *)raw, cap)
		           : wg_host_match_scan(obj, path, path ? (int32_t)strlen(path) : 0, matcher, flags, (char *)raw, cap);
		if (got <= cap) break;
		cap = got;
	}
	wg_match_field *out = NULL;
	int nf = got < 0 ? -1 : decode_fields(raw, got, NULL, NULL, NULL);
	if (got >= 0 && nf < 0) got = WG_ERR_INVALID;
	if (nf >= 0) {
		/* The strings of the block take at most the result's bytes plus a NUL each. */
		size_t spans = (size_t)got / 12;
		out = malloc(sizeof(wg_match_field) * (size_t)nf + sizeof(wg_span) * spans + (size_t)got + 2 * (size_t)nf + 1);
		if (!out) got = WG_ERR_TOO_LARGE;
		else decode_fields(raw, got, out, (wg_span *)(out + nf), (char *)((wg_span *)(out + nf) + spans));
	}
	free(raw);
	if (!out) {
		*n = got;
		last_error = got;
		return NULL;
	}
	*n = nf;
	last_error = 0;
	return out;
}

wg_match_field *wg_match_scan(int obj, const char *path, int matcher, int *n) {
	return match_result(obj, path, matcher, 0, NULL, 0, n);
}

wg_match_field *wg_match_text_fields(int obj, int matcher, int *n) {
	return match_result(obj, NULL, matcher, MATCH_ALL_FIELDS, NULL, 0, n);
}

wg_span *wg_match_find(int matcher, const char *text, size_t len, int *n) {
	int nf = 0;
	wg_match_field *fs = match_result(0, NULL, matcher, 0, text ? text : "", len, &nf);
	if (!fs) {
		*n = nf;
		return NULL;
	}
	/* One field with an empty path and text: hand back its spans, moved to the front of the block. */
	*n = nf > 0 ? fs[0].count : 0;
	if (*n > 0) memmove(fs, fs[0].spans, sizeof(wg_span) * (size_t)*n);
	return (wg_span *)fs;
}

/* json_build (pdk/ABI.md, "Building bodies"). */

static void build_bytes(wg_builder *b, const void *p, int n) {
	if (b->len + n > b->cap) {
		int cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n) cap *= 2;
		unsigned char *grown = realloc(b->prog, cap);
		if (!grown) abort();
		b->prog = grown;
		b->cap = cap;
	}
	memcpy(b->prog + b->len, p, n);
	b->len += n;
}

static void build_u32(wg_builder *b, uint32_t v) {
	unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	build_bytes(b, le, 4);
}

static void build_str(wg_builder *b, const char *s) {
	uint32_t n = (uint32_t)strlen(s);
	build_u32(b, n);
	build_bytes(b, s, (int)n);
}

static void build_op(wg_builder *b, int op, int src) {
	unsigned char h[2] = {(unsigned char)op, (unsigned char)src};
	build_bytes(b, h, 2);
}

void wg_build_lit(wg_builder *b, const char *text) {
	unsigned char op = 1;
	build_bytes(b, &op, 1);
	build_str(b, text);
}

void wg_build_copy(wg_builder *b, int src, const char *path, int flags) {
	build_op(b, 2, src);
	unsigned char f = (unsigned char)flags;
	build_bytes(b, &f, 1);
	build_str(b, path);
}

void wg_build_copy_or(wg_builder *b, int src, const char *path, int flags, const char *pre, const char *post, const char *def) {
	build_op(b, 4, src);
	unsigned char f = (unsigned char)flags;
	build_bytes(b, &f, 1);
	build_str(b, path);
	build_str(b, pre);
	build_str(b, post);
	build_str(b, def);
}

void wg_build_kind(wg_builder *b, int src, const char *path) {
	build_op(b, 3, src);
	build_str(b, path);
}

void wg_build_base(wg_builder *b, int src, const char *path, unsigned int index) {
	build_op(b, 5, src);
	build_u32(b, index);
	build_str(b, path);
}

int wg_build(const wg_builder *b, int obj) {
	int32_t n = wg_host_json_build(obj, b->prog, b->len, NULL, 0);
	return n < 0 ? n : 0;
}

void wg_build_item(wg_builder *b, int src, const char *path, unsigned int index) {
	build_op(b, 7, src);
	build_u32(b, index);
	build_str(b, path);
}

void wg_build_each(wg_builder *b, int src, const char *path, const char *sep, const wg_each_field *fields, int n) {
	build_op(b, 6, src);
	build_str(b, path);
	unsigned char count = (unsigned char)n;
	build_bytes(b, &count, 1);
	for (int i = 0; i < n; i++) {
		unsigned char f = (unsigned char)fields[i].flags;
		build_bytes(b, &f, 1);
		if (f & WG_BUILD_CODE) build_str(b, fields[i].names ? fields[i].names : "");
		build_str(b, fields[i].path);
	}
	build_str(b, sep);
}

void wg_build_append(wg_builder *b, const wg_builder *other) {
	if (other->len > 0) build_bytes(b, other->prog, other->len);
}

char *wg_build_output(const wg_builder *b) { return read_value(RD_BUILD, 0, (const char *)b->prog, b->len); }

char *wg_build_output_n(const wg_builder *b, int32_t *len) {
	return read_value_n(RD_BUILD, 0, (const char *)b->prog, b->len, len);
}

void wg_builder_free(wg_builder *b) {
	free(b->prog);
	b->prog = NULL;
	b->len = b->cap = 0;
}

/* json_build templates (pdk/ABI.md, "Building bodies", opcodes 8-12). */

static void build_prog(wg_builder *b, const wg_builder *p) {
	uint32_t n = p ? (uint32_t)p->len : 0;
	build_u32(b, n);
	if (n) build_bytes(b, p->prog, (int)n);
}

static void build_byte(wg_builder *b, int v) {
	unsigned char c = (unsigned char)v;
	build_bytes(b, &c, 1);
}

void wg_build_switch(wg_builder *b, int src, const char *path, int flags, const wg_builder *other, int n,
		     const char *const *names, const wg_builder *const *then) {
	build_op(b, 8, src);
	build_byte(b, flags);
	build_str(b, path);
	build_byte(b, n);
	for (int k = 0; k < n; k++) build_str(b, names[k]);
	build_prog(b, other);
	for (int k = 0; k < n; k++) build_prog(b, then[k]);
}

void wg_build_group(wg_builder *b, const char *pre, const char *sep, const char *post, int n, const wg_builder *const *parts) {
	build_byte(b, 9);
	build_str(b, pre);
	build_str(b, sep);
	build_str(b, post);
	build_byte(b, n);
	for (int k = 0; k < n; k++) build_prog(b, parts[k]);
}

void wg_build_map(wg_builder *b, int src, const char *path, const char *pre, const char *sep, const char *post, const wg_builder *each) {
	build_op(b, 10, src);
	build_str(b, path);
	build_str(b, pre);
	build_str(b, sep);
	build_str(b, post);
	build_prog(b, each);
}

void wg_build_fail(wg_builder *b) { build_byte(b, 11); }

void wg_build_cut(wg_builder *b, int src, const char *path, int flags, const char *from, const char *to) {
	build_op(b, 12, src);
	build_byte(b, flags);
	build_str(b, path);
	build_str(b, from);
	build_str(b, to);
}

/* Helpers for parity with pdk/go (pdk/PARITY.md). */

/* A string grown by appending; oom is set once an allocation failed. */
typedef struct {
	char *p;
	size_t len, cap;
	int oom;
} sbuf;

static void sb_add_n(sbuf *b, const char *s, size_t n) {
	if (b->oom) return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 128;
		while (cap < b->len + n + 1) cap *= 2;
		char *grown = realloc(b->p, cap);
		if (!grown) {
			b->oom = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_add(sbuf *b, const char *s) { sb_add_n(b, s, strlen(s)); }

/* sb_quote appends s as a JSON string literal. */
static void sb_quote(sbuf *b, const char *s) {
	char *q = wg_json_string(s);
	if (!q) b->oom = 1;
	else sb_add(b, q);
	free(q);
}

/* sb_done returns the string, or NULL (freeing it) when an allocation failed. */
static char *sb_done(sbuf *b) {
	if (b->oom || !b->p) {
		free(b->p);
		return b->oom ? NULL : calloc(1, 1);
	}
	return b->p;
}

int wg_size(int obj, const char *path) { return wg_host_json_get(obj, path, (int32_t)strlen(path), 0, NULL, 0); }

/* or_empty returns s, or a new "" when s is NULL. */
static char *or_empty(char *s) { return s ? s : calloc(1, 1); }

wg_message *wg_messages(int *n) {
	int c = wg_message_count();
	char **texts = calloc((size_t)(2 * c + 1), sizeof *texts);
	size_t size = sizeof(wg_message) * (size_t)c;
	int ok = texts != NULL;
	for (int i = 0; ok && i < c; i++) {
		texts[2 * i] = or_empty(wg_message_role(i));
		texts[2 * i + 1] = or_empty(wg_message_content(i));
		ok = texts[2 * i] && texts[2 * i + 1];
		if (ok) size += strlen(texts[2 * i]) + strlen(texts[2 * i + 1]) + 2;
	}
	wg_message *out = ok ? malloc(size ? size : 1) : NULL;
	if (out) {
		char *strs = (char *)(out + c);
		for (int i = 0; i < 2 * c; i++) {
			size_t len = strlen(texts[i]) + 1;
			memcpy(strs, texts[i], len);
			if (i % 2 == 0) out[i / 2].role = strs;
			else out[i / 2].content = strs;
			strs += len;
		}
	}
	if (texts)
		for (int i = 0; i < 2 * c; i++) free(texts[i]);
	free(texts);
	*n = out ? c : WG_ERR_TOO_LARGE;
	return out;
}

char *wg_last_user_message(int *index) {
	*index = wg_last_user_index();
	return *index < 0 ? NULL : or_empty(wg_message_content(*index));
}

int wg_set_response_header(const char *name, const char *value) { return wg_set_header(WG_RESPONSE, name, value); }

int wg_chunk_finishes(const char *path) {
	if (strncmp(path, "choices.", 8) != 0) return 0;
	size_t digits = strspn(path + 8, "0123456789");
	if (digits == 0) return 0;
	char p[64];
	if (digits > 20) return 0; /* no index that long exists */
	snprintf(p, sizeof p, "choices.%.*s.finish_reason", (int)digits, path + 8);
	char *r = wg_get(WG_CHUNK, p);
	int done = r && strcmp(r, "null") != 0;
	free(r);
	return done;
}

char *wg_upstream_url(void) { return or_empty(wg_header(WG_UPSTREAM_REQUEST, WG_HEADER_URL)); }
int wg_upstream_set_url(const char *url) { return wg_set_header(WG_UPSTREAM_REQUEST, WG_HEADER_URL, url); }

char *wg_upstream_method(void) {
	char *m = wg_header(WG_UPSTREAM_REQUEST, WG_HEADER_METHOD);
	return m ? m : strdup("POST");
}

int wg_upstream_set_method(const char *method) { return wg_set_header(WG_UPSTREAM_REQUEST, WG_HEADER_METHOD, method); }
int wg_upstream_status(void) { return http_status(WG_UPSTREAM_RESPONSE); }

/* list_push appends s (taken) to a NULL-terminated list of *n; 0 when out of memory (s and the list freed). */
static int list_push(char ***list, size_t *n, char *s) {
	char **grown = s ? realloc(*list, (*n + 2) * sizeof **list) : NULL;
	if (!grown) {
		free(s);
		wg_free_strings(*list);
		*list = NULL;
		return 0;
	}
	grown[(*n)++] = s;
	grown[*n] = NULL;
	*list = grown;
	return 1;
}

char **wg_config_keys(const char *config) {
	const char *s = members_of(config), *v, *vend;
	if (!s) return NULL;
	size_t n = 0;
	char **list = calloc(1, sizeof *list), *k;
	while (list && (s = next_member(s, &k, &v, &vend))) {
		if (!list_push(&list, &n, k)) return NULL;
	}
	return list;
}

char **wg_config_string_map(const char *config, const char *key) {
	const char *end, *obj = find(config, key, &end), *v, *vend;
	const char *s = obj ? members_of(obj) : NULL;
	if (!s) return NULL;
	size_t n = 0;
	char **list = calloc(1, sizeof *list), *k;
	while (list && (s = next_member(s, &k, &v, &vend))) {
		if (*v != '"') { /* not a string */
			free(k);
			wg_free_strings(list);
			return NULL;
		}
		if (!list_push(&list, &n, k) || !list_push(&list, &n, unquote(v, vend))) return NULL;
	}
	return list;
}

/* space_len is the length of the white space (Go's unicode.IsSpace, in UTF-8) at s, or 0. */
static size_t space_len(const unsigned char *s) {
	if (*s == ' ' || (*s >= '\t' && *s <= '\r')) return 1;
	if (s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0)) return 2;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) return 3;                /* U+1680 */
	if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return s[2] >= 0x80 ? 3 : 0;                                          /* U+2000-200A, 2028, 2029, 202F */
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) return 3;                /* U+205F */
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;                /* U+3000 */
	return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(**(char *const *const *)a, **(char *const *const *)b); }

char **wg_header_list(char *const *pairs) {
	size_t n = 0;
	while (pairs[2 * n] && pairs[2 * n + 1]) n++;
	char **out = calloc(2 * n + 1, sizeof *out);
	char ***order = calloc(n + 1, sizeof *order); /* the pairs of out, to sort by name */
	int ok = out && order;
	for (size_t i = 0; ok && i < n; i++) {
		const char *name = pairs[2 * i], *end;
		size_t sp;
		while ((sp = space_len((const unsigned char *)name))) name += sp;
		end = name;
		for (const char *c = name; *c;) {
			sp = space_len((const unsigned char *)c);
			c += sp ? sp : 1;
			if (!sp) end = c;
		}
		out[2 * i] = malloc((size_t)(end - name) + 1);
		out[2 * i + 1] = strdup(pairs[2 * i + 1]);
		ok = out[2 * i] && out[2 * i + 1] && end > name && *name != ':';
		for (size_t k = 0; out[2 * i] && k < (size_t)(end - name); k++) {
			char c = name[k];
			out[2 * i][k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		if (out[2 * i]) out[2 * i][end - name] = 0;
		order[i] = &out[2 * i];
	}
	char **sorted = ok ? calloc(2 * n + 1, sizeof *sorted) : NULL;
	if (sorted) {
		qsort(order, n, sizeof *order, by_name);
		for (size_t i = 0; i < n; i++) {
			sorted[2 * i] = order[i][0];
			sorted[2 * i + 1] = order[i][1];
		}
		free(out);
		out = sorted;
	} else {
		if (out)
			for (size_t i = 0; i < 2 * n; i++) free(out[i]);
		free(out);
		out = NULL;
	}
	free(order);
	return out;
}

int wg_match(const char *p, const char *s) {
	const char *star = strchr(p, '*');
	if (!star) return strcmp(p, s) == 0;
	size_t pre = (size_t)(star - p);
	if (strncmp(s, p, pre) != 0) return 0;
	s += pre;
	p = star + 1;
	for (;;) {
		const char *next = strchr(p, '*');
		size_t lit = next ? (size_t)(next - p) : strlen(p), sl = strlen(s);
		if (!next) return sl >= lit && memcmp(s + sl - lit, p, lit) == 0; /* the last literal is anchored at the end */
		const char *i = s;
		while (*i && strncmp(i, p, lit) != 0) i++;
		if (strncmp(i, p, lit) != 0) return 0;
		s = i + lit;
		p = next + 1;
	}
}

void wg_builder_reset(wg_builder *b) { b->len = 0; }

char *wg_append_target(char *list, const wg_target *t) {
	sbuf b = {list, list ? strlen(list) : 0, list ? strlen(list) + 1 : 0, 0};
	if (b.len) sb_add(&b, ",");
	sb_add(&b, t->provider);
	sb_add(&b, "/");
	sb_add(&b, t->model);
	if (t->key && *t->key) {
		sb_add(&b, "#");
		sb_add(&b, t->key);
	}
	return sb_done(&b);
}

int wg_set_targets(const char *list) { return wg_set_attr(WG_ATTR_TARGETS, list); }

int wg_provider_stat_available(const wg_provider_stat *s) { return s->healthy && strcmp(s->breaker, "open") != 0; }

/* parse_i64 parses n bytes of a decimal integer with an optional sign, as Go's strconv.ParseInt(s, 10, 64). */
static int parse_i64(const char *s, size_t n, int64_t *out) {
	size_t i = 0;
	int neg = n > 0 && s[0] == '-';
	if (n > 0 && (s[0] == '-' || s[0] == '+')) i = 1;
	if (i >= n) return 0;
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return 0;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (limit - d) / 10) return 0;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

wg_provider_stat *wg_parse_provider_stats(const char *text, int *n) {
	size_t lines = 1, len = strlen(text);
	for (const char *c = text; *c; c++) lines += *c == '\n';
	/* The strings take at most the text's bytes plus three NULs a line. */
	wg_provider_stat *out = malloc(sizeof *out * lines + len + 3 * lines);
	*n = 0;
	if (!out) {
		*n = WG_ERR_TOO_LARGE;
		return NULL;
	}
	char *strs = (char *)(out + lines);
	for (const char *line = text; line; ) {
		const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
		const char *f[7];
		size_t fl[7], nf = 0;
		for (const char *c = line; c < end && nf < 7;) {
			size_t sp = space_len((const unsigned char *)c);
			if (sp) {
				c += sp;
				continue;
			}
			f[nf] = c;
			while (c < end && !space_len((const unsigned char *)c)) c++;
			fl[nf] = (size_t)(c - f[nf]);
			nf++;
		}
		line = eol ? eol + 1 : NULL;
		int64_t lat, ppm, req;
		if (nf < 7 || !parse_i64(f[4], fl[4], &lat) || !parse_i64(f[5], fl[5], &ppm) || !parse_i64(f[6], fl[6], &req)) continue;
		wg_provider_stat *s = &out[(*n)++];
		const char **dst[3] = {&s->provider, &s->key, &s->breaker};
		const int which[3] = {0, 1, 3};
		for (int k = 0; k < 3; k++) {
			memcpy(strs, f[which[k]], fl[which[k]]);
			strs[fl[which[k]]] = 0;
			*dst[k] = strs;
			strs += fl[which[k]] + 1;
		}
		s->healthy = fl[2] == 1 && f[2][0] == '1';
		s->latency_us = lat;
		s->error_rate = (double)ppm / 1e6;
		s->requests = req;
	}
	return out;
}

wg_provider_stat *wg_provider_stat_list(int *n) {
	char *text = wg_provider_stats();
	if (!text) {
		*n = last_error;
		return NULL;
	}
	wg_provider_stat *out = wg_parse_provider_stats(text, n);
	free(text);
	return out;
}

static const char *const kind_names[] = {"email", "phone", "card", "iban", "ssn", "ipv4", "ipv6", "api_key", "jwt", NULL};

const char *const *wg_builtin_kinds(void) { return kind_names; }

char *wg_kind_name(int32_t kind) {
	char buf[32];
	if (kind >= WG_KIND_EMAIL && kind <= WG_KIND_JWT) return strdup(kind_names[kind - 1]);
	if (kind >= WG_KIND_CUSTOM) snprintf(buf, sizeof buf, "custom_%d", (int)(kind - WG_KIND_CUSTOM));
	else snprintf(buf, sizeof buf, "kind_%d", (int)kind);
	return strdup(buf);
}

int32_t wg_parse_kind(const char *s) {
	for (int32_t k = 0; kind_names[k]; k++)
		if (strcmp(kind_names[k], s) == 0) return k + 1;
	return 0;
}

/* sb_strings appends "name":["a","b"] for a non-empty NULL-terminated list, with a comma before it unless first. */
static void sb_strings(sbuf *b, const char *name, const char *const *list) {
	if (!list || !list[0]) return;
	if (b->len > 1) sb_add(b, ",");
	sb_add(b, name);
	sb_add(b, ":[");
	for (int i = 0; list[i]; i++) {
		if (i) sb_add(b, ",");
		sb_quote(b, list[i]);
	}
	sb_add(b, "]");
}

char *wg_match_spec_json(const wg_match_spec *spec) {
	sbuf b = {0};
	sb_add(&b, "{");
	sb_strings(&b, "\"builtin\"", spec->builtin);
	if (spec->n_custom > 0) {
		sb_add(&b, b.len > 1 ? ",\"custom\":[" : "\"custom\":[");
		for (int i = 0; i < spec->n_custom; i++) {
			const wg_match_pattern *p = &spec->custom[i];
			sbuf f = {0};
			sb_add(&f, "{");
			if (p->regex && *p->regex) {
				sb_add(&f, "\"regex\":");
				sb_quote(&f, p->regex);
			}
			sb_strings(&f, "\"words\"", p->words);
			if (p->case_sensitive) sb_add(&f, f.len > 1 ? ",\"case_sensitive\":true" : "\"case_sensitive\":true");
			sb_add(&f, "}");
			if (i) sb_add(&b, ",");
			if (f.oom) b.oom = 1;
			else sb_add(&b, f.p);
			free(f.p);
		}
		sb_add(&b, "]");
	}
	const wg_redact_spec *r = spec->redact;
	if (r) {
		sb_add(&b, b.len > 1 ? ",\"redact\":{\"rules\":" : "\"redact\":{\"rules\":");
		sb_add(&b, r->rules ? "[" : "null"); /* as Go encodes a nil slice */
		for (int i = 0; r->rules && i < r->n_rules; i++) {
			sb_add(&b, i ? ",{\"kind\":" : "{\"kind\":");
			sb_quote(&b, r->rules[i].kind);
			sb_add(&b, ",\"action\":");
			sb_quote(&b, r->rules[i].action);
			sb_add(&b, ",\"label\":");
			sb_quote(&b, r->rules[i].label);
			sb_add(&b, "}");
		}
		if (r->rules) sb_add(&b, "]");
		if (r->hash_key && *r->hash_key) {
			sb_add(&b, ",\"hash_key\":");
			sb_quote(&b, r->hash_key);
		}
		sb_add(&b, "}");
	}
	sb_add(&b, "}");
	return sb_done(&b);
}

int wg_compile_matcher(const wg_match_spec *spec) {
	char *json = wg_match_spec_json(spec);
	if (!json) return WG_ERR_TOO_LARGE;
	int id = wg_match_compile(json);
	free(json);
	return id;
}

/* decode_redaction reads a report in the layout of pdk/ABI.md ("match_redact"): blocked, the count of kind
 * counts and each (kind, count), the count of pairs and each placeholder and value (a length and the bytes),
 * little-endian u32s. With out NULL it only checks the layout and sums the pairs' bytes in *bytes. */
static int decode_redaction(const unsigned char *b, uint32_t n, wg_redaction *out, size_t *bytes) {
	uint32_t i = 0;
	if (n < 8) return 0;
	uint32_t blocked = le32(b), kinds = le32(b + 4);
	i = 8;
	if (kinds > (n - i) / 8) return 0;
	wg_kind_count *counts = out ? (wg_kind_count *)(out + 1) : NULL;
	for (uint32_t k = 0; k < kinds; k++, i += 8)
		if (counts) counts[k] = (wg_kind_count){(int32_t)le32(b + i), (int32_t)le32(b + i + 4)};
	if (n - i < 4) return 0;
	uint32_t pairs = le32(b + i);
	i += 4;
	if (pairs > (n - i) / 8) return 0;
	wg_pair *ps = out ? (wg_pair *)(counts + kinds) : NULL;
	char *strs = out ? (char *)(ps + pairs) : NULL;
	for (uint32_t k = 0; k < pairs; k++) {
		for (int t = 0; t < 2; t++) {
			if (n - i < 4) return 0;
			uint32_t l = le32(b + i);
			i += 4;
			if (l > n - i) return 0;
			if (out) {
				memcpy(strs, b + i, l);
				strs[l] = 0;
				if (t == 0) ps[k].placeholder = strs, ps[k].placeholder_len = (int32_t)l;
				else ps[k].value = strs, ps[k].value_len = (int32_t)l;
				strs += l + 1;
			} else *bytes += l + 1;
			i += l;
		}
	}
	if (i != n) return 0;
	if (out) *out = (wg_redaction){(int32_t)blocked, (int32_t)kinds, counts, (int32_t)pairs, ps};
	return 1;
}

wg_redaction *wg_decode_redaction(const char *report, int32_t len) {
	const unsigned char *b = (const unsigned char *)report;
	size_t bytes = 0;
	if (len < 0 || !decode_redaction(b, (uint32_t)len, NULL, &bytes)) return NULL;
	uint32_t kinds = le32(b + 4), pairs = le32(b + 8 + 8 * kinds);
	wg_redaction *out = malloc(sizeof *out + sizeof(wg_kind_count) * kinds + sizeof(wg_pair) * pairs + bytes);
	if (out) decode_redaction(b, (uint32_t)len, out, NULL);
	return out;
}

wg_redaction *wg_redact(int obj, const char *path, int matcher) {
	int32_t len = 0;
	char *report = wg_match_redact(obj, path, matcher, &len);
	if (!report) return NULL;
	wg_redaction *r = wg_decode_redaction(report, len);
	free(report);
	if (!r) last_error = WG_ERR_INVALID;
	return r;
}
