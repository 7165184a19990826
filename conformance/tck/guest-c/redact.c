/* The "redact" scenario: wg_match_compile and wg_match_redact (pdk/ABI.md,
 * "Redaction helper"): a matcher with redact rules rewrites the request in
 * one call, and the report is checked byte by byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

/* A report in the layout match_redact returns, built here to compare. */
typedef struct {
	char buf[2048];
	int32_t len;
} report;

static void put_u32(report *r, uint32_t v) {
	for (int i = 0; i < 4; i++) r->buf[r->len++] = (char)(v >> (8 * i));
}

/* make_report: blocked kind, n_counts (kind, replaced) pairs, then n_pairs
 * (placeholder, value) pairs. */
static void make_report(report *r, uint32_t blocked, int n_counts, const uint32_t *counts, int n_pairs, const char *const *pairs) {
	r->len = 0;
	put_u32(r, blocked);
	put_u32(r, (uint32_t)n_counts);
	for (int i = 0; i < 2 * n_counts; i++) put_u32(r, counts[i]);
	put_u32(r, (uint32_t)n_pairs);
	for (int i = 0; i < 2 * n_pairs; i++) {
		uint32_t n = (uint32_t)strlen(pairs[i]);
		put_u32(r, n);
		memcpy(r->buf + r->len, pairs[i], n);
		r->len += (int32_t)n;
	}
}

static void check_report(const char *what, char *got, int32_t n, const report *want) {
	if (!got) failf("%s: got NULL with %d", what, n);
	else value_n(what, got, n, want->buf, want->len);
}

/* Twelve addresses: a report over the PDK's first buffer of 256 bytes, so
 * wg_match_redact calls again with room for it. The report also shows that
 * the first call, too small, changed nothing: had it written the field, the
 * second would have found placeholders, not addresses. */
static void redact_many(int mask) {
	static char req[1024], masked[512], values[12][24], holders[12][16];
	const char *pairs[24];
	int o = snprintf(req, sizeof req, "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\""), m = 0;
	for (int i = 0; i < 12; i++) {
		snprintf(values[i], sizeof values[i], "user%d@example.com", i);
		snprintf(holders[i], sizeof holders[i], "[EMAIL_%d]", i + 1);
		pairs[2 * i] = holders[i];
		pairs[2 * i + 1] = values[i];
		o += snprintf(req + o, sizeof req - (size_t)o, "%s%s", i ? " " : "", values[i]);
		m += snprintf(masked + m, sizeof masked - (size_t)m, "%s%s", i ? " " : "", holders[i]);
	}
	snprintf(req + o, sizeof req - (size_t)o, "\"}]}");
	code("wg_set_body many addresses", wg_set_body(WG_REQUEST, req, strlen(req)), 0);
	report want;
	const uint32_t counts[] = {1, 12};
	make_report(&want, 0, 1, counts, 12, pairs);
	if (want.len <= 256) failf("redact_many: report of %d bytes fits the first buffer", want.len);
	int32_t n = 0;
	char *rep = wg_match_redact(WG_REQUEST, "messages.0.content", mask, &n);
	check_report("wg_match_redact of a report over 256 bytes", rep, n, &want);
	value("wg_match_redact rewrote twelve addresses", wg_message_content(0), masked);
}

static void expect_redaction(const char *what, wg_redaction *r, int32_t blocked, int n_counts, const int32_t *counts,
	int n_pairs, const char *const *pairs) {
	char w[128];
	if (!r) {
		failf("%s: NULL with %d", what, wg_last_error());
		return;
	}
	if (r->blocked != blocked) failf("%s: blocked %d, want %d", what, r->blocked, blocked);
	if (r->n_counts != n_counts) failf("%s: %d kinds, want %d", what, r->n_counts, n_counts);
	for (int i = 0; i < r->n_counts && i < n_counts; i++) {
		if (r->counts[i].kind != counts[2 * i] || r->counts[i].count != counts[2 * i + 1])
			failf("%s: kind count %d is (%d, %d), want (%d, %d)", what, i, r->counts[i].kind, r->counts[i].count,
				counts[2 * i], counts[2 * i + 1]);
	}
	if (r->n_pairs != n_pairs) failf("%s: %d pairs, want %d", what, r->n_pairs, n_pairs);
	for (int i = 0; i < r->n_pairs && i < n_pairs; i++) {
		const wg_pair *p = &r->pairs[i];
		snprintf(w, sizeof w, "%s: placeholder %d", what, i);
		value_n(w, strndup(p->placeholder, (size_t)p->placeholder_len), p->placeholder_len, pairs[2 * i], (int32_t)strlen(pairs[2 * i]));
		snprintf(w, sizeof w, "%s: value %d", what, i);
		value(w, strdup(p->value), pairs[2 * i + 1]);
	}
	free(r);
}

/* The typed side: wg_match_spec_json encodes the fixture's spec as pdk/go
 * does, and wg_redact returns the report decoded. */
static void redact_decoded(void) {
	const wg_redact_rule rules[] = {{"email", "mask", "EMAIL"}, {"ssn", "block", "SSN"}};
	const wg_redact_spec rs = {rules, 2, NULL};
	const char *builtin[] = {"email", "ssn", NULL};
	const wg_match_spec spec = {builtin, NULL, 0, &rs};
	value("wg_match_spec_json", wg_match_spec_json(&spec), TCK_REDACT_SPEC);
	int m = wg_compile_matcher(&spec);
	code("wg_compile_matcher", m < 0 ? m : 0, 0);

	code("wg_set_body the redact request again", wg_set_body(WG_REQUEST, TCK_REDACT_REQUEST, strlen(TCK_REDACT_REQUEST)), 0);
	const int32_t counts[] = {WG_KIND_EMAIL, 3};
	const char *const pairs[] = {"[EMAIL_1]", "ana@example.com", "[EMAIL_2]", "bo@example.org"};
	expect_redaction("wg_redact", wg_redact(WG_REQUEST, "", m), 0, 1, counts, 2, pairs);
	value("wg_redact rewrote the field", wg_get_string(WG_REQUEST, "messages.0.content"), TCK_REDACT_MASKED);
	if (wg_redact(WG_REQUEST, "n.x", m)) failf("wg_redact on a path that is no string: not NULL");
	code("wg_redact on a path that is no string", wg_last_error(), WG_ERR_NOT_FOUND);
	code("wg_set_body the blocked request again", wg_set_body(WG_REQUEST, TCK_REDACT_BLOCKED, strlen(TCK_REDACT_BLOCKED)), 0);
	expect_redaction("wg_redact of a blocked kind", wg_redact(WG_REQUEST, NULL, m), WG_KIND_SSN, 0, NULL, 0, NULL);

	/* A report cut short or with a byte too many is no report. */
	report good;
	const uint32_t gc[] = {1, 3};
	const char *const gp[] = {"[E_1]", "a@b.c"};
	make_report(&good, 0, 1, gc, 1, gp);
	good.buf[good.len] = 0;
	expect_redaction("wg_decode_redaction", wg_decode_redaction(good.buf, good.len), 0, 1, (const int32_t[]){1, 3}, 1, gp);
	if (wg_decode_redaction(good.buf, good.len + 1)) failf("wg_decode_redaction of a report with a byte too many: not NULL");
	if (wg_decode_redaction(good.buf, good.len - 1)) failf("wg_decode_redaction of a report cut short: not NULL");
	if (wg_decode_redaction(good.buf, 4)) failf("wg_decode_redaction of a blocked kind alone: not NULL");

	/* Custom patterns: a word list and a regular expression. */
	const char *words[] = {"Ana", NULL};
	const wg_match_pattern custom[] = {{NULL, words, 1}, {"b[o]+", NULL, 0}};
	const wg_match_spec cs = {NULL, custom, 2, NULL};
	value("wg_match_spec_json with custom patterns", wg_match_spec_json(&cs),
		"{\"custom\":[{\"words\":[\"Ana\"],\"case_sensitive\":true},{\"regex\":\"b[o]+\"}]}");
	int cm = wg_compile_matcher(&cs);
	code("wg_compile_matcher of custom patterns", cm < 0 ? cm : 0, 0);
	int n = 0;
	wg_span *spans = wg_match_find(cm, "ana Ana boo", 11, &n);
	if (!spans) failf("wg_match_find of custom patterns: NULL with %d", n);
	else if (n != 2 || spans[0].kind != WG_KIND_CUSTOM || spans[0].start != 4 || spans[1].kind != WG_KIND_CUSTOM + 1)
		failf("wg_match_find of custom patterns: %d findings, the first of kind %d at %d", n, n ? spans[0].kind : 0, n ? spans[0].start : 0);
	free(spans);
	const char *unknown[] = {"nope", NULL};
	const wg_match_spec us = {unknown, NULL, 0, NULL};
	code("wg_compile_matcher of an unknown kind", wg_compile_matcher(&us), WG_ERR_INVALID);

	/* Local, not in the fixture: how encoding/json writes pdk/go's zero values. */
	const wg_match_spec empty = {0};
	value("wg_match_spec_json of an empty spec", wg_match_spec_json(&empty), "{}");
	const wg_redact_spec no_rules = {NULL, 0, "k"};
	const char *none[] = {NULL};
	const wg_match_spec nr = {none, NULL, 0, &no_rules};
	value("wg_match_spec_json without rules", wg_match_spec_json(&nr), "{\"redact\":{\"rules\":null,\"hash_key\":\"k\"}}");
}

void request_redact(void) {
	int32_t n = 0;
	int plain = wg_match_compile("{\"builtin\":[\"email\"]}");
	code("wg_match_compile without redact rules", plain < 0 ? plain : 0, 0);
	char *rep = wg_match_redact(WG_REQUEST, NULL, plain, &n);
	if (rep) failf("wg_match_redact with a matcher without rules: not NULL");
	code("wg_match_redact with a matcher without rules", n, WG_ERR_INVALID);
	code("wg_last_error after a failed wg_match_redact", wg_last_error(), WG_ERR_INVALID);
	free(rep);
	code("wg_match_compile with an unknown action",
		wg_match_compile("{\"builtin\":[\"email\"],\"redact\":{\"rules\":[{\"kind\":\"email\",\"action\":\"erase\",\"label\":\"EMAIL\"}]}}"),
		WG_ERR_INVALID);
	int mask = wg_match_compile(TCK_REDACT_SPEC);
	code("wg_match_compile with redact rules", mask < 0 ? mask : 0, 0);

	code("wg_set_body the redact request", wg_set_body(WG_REQUEST, TCK_REDACT_REQUEST, strlen(TCK_REDACT_REQUEST)), 0);
	report want;
	const uint32_t counts[] = {1, 3};
	const char *const pairs[] = {"[EMAIL_1]", "ana@example.com", "[EMAIL_2]", "bo@example.org"};
	make_report(&want, 0, 1, counts, 2, pairs);
	rep = wg_match_redact(WG_REQUEST, "", mask, &n);
	check_report("wg_match_redact report", rep, n, &want);
	value("wg_match_redact rewrote the field", wg_get_string(WG_REQUEST, "messages.0.content"), TCK_REDACT_MASKED);

	rep = wg_match_redact(WG_REQUEST, "n.x", mask, &n);
	if (rep) failf("wg_match_redact on a path that is no string: not NULL");
	code("wg_match_redact on a path that is no string", n, WG_ERR_NOT_FOUND);
	free(rep);

	code("wg_set_body the blocked request", wg_set_body(WG_REQUEST, TCK_REDACT_BLOCKED, strlen(TCK_REDACT_BLOCKED)), 0);
	make_report(&want, 5, 0, NULL, 0, NULL);
	rep = wg_match_redact(WG_REQUEST, NULL, mask, &n);
	check_report("wg_match_redact reports the blocked kind", rep, n, &want);
	value("a blocked request is not written", wg_body(WG_REQUEST), TCK_REDACT_BLOCKED);

	redact_many(mask);
	redact_decoded();
	code("wg_set_body the request back", wg_set_body(WG_REQUEST, TCK_REQUEST_JSON, strlen(TCK_REQUEST_JSON)), 0);
	code("wg_set_attr tck.redact", wg_set_attr("tck.redact", "checked"), 0);
}
