/* The "match" scenario: wg_match_scan, wg_match_text_fields and wg_match_find (pdk/ABI.md, "Matching
 * helpers"), as the Go guest's match.go plays it: the decoded fields rendered as the fixture writes them and
 * compared with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

/* TCK_MATCH_SPEC, compiled in wg_plugin_init. */
static int matcher = -1;

void init_match(void) {
	matcher = wg_match_compile(TCK_MATCH_SPEC);
	code("wg_match_compile in init", matcher < 0 ? matcher : 0, 0);
}

/* A rendering: the fixture's text form of fields and findings. */
typedef struct {
	char buf[2048];
	size_t len;
} rendering;

static void put(rendering *r, const char *s, size_t n) {
	if (r->len + n >= sizeof r->buf) n = sizeof r->buf - r->len - 1;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = 0;
}

/* render_spans writes one line per finding: start, end, kind and the bytes of text between them. */
static void render_spans(rendering *r, const char *text, int32_t text_len, const wg_span *spans, int n) {
	for (int i = 0; i < n; i++) {
		const wg_span *s = &spans[i];
		char line[64];
		put(r, line, (size_t)snprintf(line, sizeof line, "\t%d %d %d ", s->start, s->end, s->kind));
		if (s->start < 0 || s->start > s->end || s->end > text_len) put(r, "<outside the text>", 18);
		else put(r, text + s->start, (size_t)(s->end - s->start));
		put(r, "\n", 1);
	}
}

static void render(rendering *r, const wg_match_field *fs, int n) {
	r->len = 0;
	r->buf[0] = 0;
	for (int i = 0; i < n; i++) {
		put(r, fs[i].path, strlen(fs[i].path));
		put(r, "\t", 1);
		put(r, fs[i].text, (size_t)fs[i].text_len);
		put(r, "\n", 1);
		render_spans(r, fs[i].text, fs[i].text_len, fs[i].spans, fs[i].count);
	}
}

/* scanned checks what wg_match_scan or wg_match_text_fields returned, and frees it. */
static void scanned(const char *what, wg_match_field *fs, int n, const char *want) {
	if (!fs) {
		failf("%s: got NULL with %d", what, n);
		return;
	}
	rendering r;
	render(&r, fs, n);
	free(fs);
	value(what, strdup(r.buf), want);
}

/* refused checks that a match helper returned NULL with the code want, in *n and wg_last_error. */
static void refused(const char *what, void *got, int n, int want) {
	if (got) failf("%s: got a result, want NULL with %d", what, want);
	else if (n != want || wg_last_error() != want) failf("%s: got NULL with %d (wg_last_error %d), want %d", what, n, wg_last_error(), want);
	free(got);
}

void request_match(void) {
	int n = 0;
	scanned("wg_match_scan of every text field", wg_match_scan(WG_REQUEST, "", matcher, &n), n, TCK_MATCH_FINDINGS);
	scanned("wg_match_text_fields", wg_match_text_fields(WG_REQUEST, matcher, &n), n, TCK_MATCH_TEXT_FIELDS);
	const char *args = "messages.2.tool_calls.0.function.arguments";
	scanned("wg_match_scan of a path", wg_match_scan(WG_REQUEST, args, matcher, &n), n, strstr(TCK_MATCH_FINDINGS, args));
	scanned("wg_match_scan of a path without findings", wg_match_scan(WG_REQUEST, "messages.0.content", matcher, &n), n, "");
	refused("wg_match_scan of a path that is no string", wg_match_scan(WG_REQUEST, "n.x", matcher, &n), n, WG_ERR_NOT_FOUND);
	refused("wg_match_scan of a missing path", wg_match_scan(WG_REQUEST, "no.such.path", matcher, &n), n, WG_ERR_NOT_FOUND);
	int other = wg_match_compile("{\"builtin\":[\"ipv4\"]}");
	code("wg_match_compile in a hook", other < 0 ? other : 0, 0);
	scanned("wg_match_scan with another matcher (no e-mail)", wg_match_scan(WG_REQUEST, NULL, other, &n), n, "");
	refused("wg_match_scan with a matcher not compiled", wg_match_scan(WG_REQUEST, "", matcher + 1000, &n), n, WG_ERR_INVALID);
	refused("wg_match_scan with a negative matcher", wg_match_scan(WG_REQUEST, "", -1, &n), n, WG_ERR_INVALID);
	refused("wg_match_scan of the response in the request phase", wg_match_scan(WG_RESPONSE, "", matcher, &n), n, WG_ERR_NOT_AVAILABLE);

	wg_span *spans = wg_match_find(matcher, TCK_MATCH_TEXT, strlen(TCK_MATCH_TEXT), &n);
	if (!spans) failf("wg_match_find: got NULL with %d", n);
	else {
		rendering r = {.len = 0};
		render_spans(&r, TCK_MATCH_TEXT, (int32_t)strlen(TCK_MATCH_TEXT), spans, n);
		free(spans);
		value("wg_match_find", strdup(r.buf), TCK_MATCH_TEXT_FINDINGS);
	}
	spans = wg_match_find(matcher, "nothing here", 12, &n);
	if (!spans || n != 0) failf("wg_match_find without findings: got %d findings", n);
	free(spans);
	refused("wg_match_find with a matcher not compiled", wg_match_find(matcher + 1000, "x", 1, &n), n, WG_ERR_INVALID);

	const char *bad[][2] = {
		{"an unknown kind", "{\"builtin\":[\"nope\"]}"},
		{"a bad regular expression", "{\"custom\":[{\"regex\":\"(\"}]}"},
		{"an unknown key", "{\"builtin\":[\"email\"],\"bogus\":1}"},
		{"a spec that is not JSON", "builtin: email"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "wg_match_compile with %s", bad[i][0]);
		code(what, wg_match_compile(bad[i][1]), WG_ERR_INVALID);
	}
	code("wg_set_attr tck.match", wg_set_attr("tck.match", "request"), 0);
}

void response_match(void) {
	int n = 0;
	scanned("wg_match_scan of the response", wg_match_scan(WG_RESPONSE, "", matcher, &n), n, TCK_MATCH_RESPONSE_FINDINGS);
	scanned("wg_match_scan of the request in the response phase", wg_match_scan(WG_REQUEST, "", matcher, &n), n, TCK_MATCH_FINDINGS);
	refused("wg_match_scan of the chunk in the response phase", wg_match_scan(WG_CHUNK, "", matcher, &n), n, WG_ERR_NOT_AVAILABLE);
	code("wg_set_attr tck.match", wg_set_attr("tck.match", "response"), 0);
}

void chunk_match(void) {
	int n = 0;
	scanned("wg_match_text_fields of the chunk", wg_match_text_fields(WG_CHUNK, matcher, &n), n, TCK_MATCH_CHUNK_FIELDS);
	refused("wg_match_scan of the upstream chunk outside the adapter", wg_match_scan(WG_UPSTREAM_CHUNK, "", matcher, &n), n,
		WG_ERR_NOT_AVAILABLE);
	/* The instance's last hook: fill it up to its 64 matchers (init's and the request phase's; refused specs
	 * count for nothing). */
	int compiled = 2, r = 0;
	for (; compiled <= 64; compiled++)
		if ((r = wg_match_compile("{\"builtin\":[\"email\"]}")) < 0) break;
	code("wg_match_compile past 64 matchers", r, WG_ERR_TOO_LARGE);
	code("matchers compiled before WG_ERR_TOO_LARGE", compiled, 64);
	wg_span *spans = wg_match_find(matcher, "x ana@example.com", 17, &n);
	if (!spans || n != 1 || spans[0].start != 2 || spans[0].end != 17 || spans[0].kind != WG_KIND_EMAIL)
		failf("wg_match_find after the limit: got %d findings, want 2-17 of kind %d", n, WG_KIND_EMAIL);
	free(spans);
	code("wg_set_attr tck.match", wg_set_attr("tck.match", "chunk"), 0);
}
