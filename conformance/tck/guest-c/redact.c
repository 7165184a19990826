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
	code("wg_set_body the request back", wg_set_body(WG_REQUEST, TCK_REQUEST_JSON, strlen(TCK_REQUEST_JSON)), 0);
	code("wg_set_attr tck.redact", wg_set_attr("tck.redact", "checked"), 0);
}
