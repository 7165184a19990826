/* The request scenarios "basic" and "adapter": every read and write helper
 * of the PDK on the request, its headers and attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

static void check_int(const char *what, int r, long long got, long long want) {
	if (r != 0) failf("%s: result %d", what, r);
	else if (got != want) failf("%s: got %lld, want %lld", what, got, want);
}

/* Reads by path: raw, string, number, bool, presence, and the request's
 * message helpers. */
static void basic_reads(void) {
	long long n = 0;
	int b = -1;
	value("wg_get model", wg_get(WG_REQUEST, "model"), "\"tck-model\"");
	value("wg_get_string model", wg_get_string(WG_REQUEST, "model"), "tck-model");
	value("wg_request_model", wg_request_model(), "tck-model");
	value("wg_get_string unescaped", wg_get_string(WG_REQUEST, "messages.1.content"), "say \"hi\"\n");
	value("wg_get messages.#", wg_get(WG_REQUEST, "messages.#"), "2");
	check_int("wg_get_int messages.#", wg_get_int(WG_REQUEST, "messages.#", &n), n, 2);
	value("wg_get messages.#.role", wg_get(WG_REQUEST, "messages.#.role"), "[\"system\",\"user\"]");
	value("wg_get n\\.x", wg_get(WG_REQUEST, "n\\.x"), "1");
	value("wg_get_string of a non-string", wg_get_string(WG_REQUEST, "stream"), "false");
	check_int("wg_get_bool stream", wg_get_bool(WG_REQUEST, "stream", &b), b, 0);
	code("wg_request_stream", wg_request_stream(), 0);
	missing("wg_get missing", wg_get(WG_REQUEST, "missing.key"), WG_ERR_NOT_FOUND);
	code("wg_get_int missing", wg_get_int(WG_REQUEST, "missing.key", &n), WG_ERR_NOT_FOUND);
	code("wg_get_int of a string", wg_get_int(WG_REQUEST, "model", &n), WG_ERR_INVALID);
	code("wg_get_bool of a string", wg_get_bool(WG_REQUEST, "model", &b), WG_ERR_INVALID);
	code("wg_has model", wg_has(WG_REQUEST, "model"), 1);
	code("wg_has missing", wg_has(WG_REQUEST, "missing.key"), 0);

	code("wg_message_count", wg_message_count(), 2);
	value("wg_message_role 0", wg_message_role(0), "system");
	value("wg_message_role -1", wg_message_role(-1), "user");
	value("wg_message_content 1", wg_message_content(1), "say \"hi\"\n");
	if (wg_message_role(2) != NULL) failf("wg_message_role out of range: not NULL");
	code("wg_last_user_index", wg_last_user_index(), 1);
}

/* Writes by path, each read back. */
static void basic_writes(void) {
	long long n = 0;
	int b = 0;
	code("wg_request_set_model", wg_request_set_model("tck \"model\" 2"), 0);
	char *quoted = wg_json_string("tck \"model\" 2");
	value("wg_json_string", strdup(quoted), "\"tck \\\"model\\\" 2\"");
	value("wg_get after wg_request_set_model", wg_get(WG_REQUEST, "model"), quoted);
	free(quoted);
	code("wg_set append", wg_set(WG_REQUEST, "messages.-1", "{\"role\":\"user\",\"content\":\"added\"}"), 0);
	code("wg_message_count after append", wg_message_count(), 3);
	code("wg_last_user_index after append", wg_last_user_index(), 2);
	code("wg_set invalid JSON", wg_set(WG_REQUEST, "temperature", "not json"), WG_ERR_INVALID);
	code("wg_set on #", wg_set(WG_REQUEST, "messages.#", "1"), WG_ERR_INVALID);
	code("wg_set empty path", wg_set(WG_REQUEST, "", "1"), WG_ERR_INVALID);
	code("wg_delete", wg_delete(WG_REQUEST, "stream"), 0);
	missing("wg_get after wg_delete", wg_get(WG_REQUEST, "stream"), WG_ERR_NOT_FOUND);
	code("wg_delete missing", wg_delete(WG_REQUEST, "nothing.here"), 0);
	code("wg_set raw", wg_set(WG_REQUEST, "temperature", "0.5"), 0);

	code("wg_set_int", wg_set_int(WG_REQUEST, "tck_int", -42), 0);
	check_int("wg_get_int after wg_set_int", wg_get_int(WG_REQUEST, "tck_int", &n), n, -42);
	code("wg_set_bool", wg_set_bool(WG_REQUEST, "tck_bool", 1), 0);
	check_int("wg_get_bool after wg_set_bool", wg_get_bool(WG_REQUEST, "tck_bool", &b), b, 1);
	code("wg_set_string_n", wg_set_string_n(WG_REQUEST, "tck_str", "abc\"def", 4), 0);
	value("wg_get after wg_set_string_n", wg_get(WG_REQUEST, "tck_str"), "\"abc\\\"\"");
	code("wg_delete tck_int", wg_delete(WG_REQUEST, "tck_int"), 0);
	code("wg_delete tck_bool", wg_delete(WG_REQUEST, "tck_bool"), 0);
	code("wg_delete tck_str", wg_delete(WG_REQUEST, "tck_str"), 0);

	/* Content as text parts: the message helpers join the text parts. */
	code("wg_set content parts", wg_set(WG_REQUEST, "messages.0.content",
		"[{\"type\":\"text\",\"text\":\"be \"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},{\"type\":\"text\",\"text\":\"brief\"}]"), 0);
	value("wg_message_content of text parts", wg_message_content(0), "be brief");
	code("wg_set_message_content", wg_set_message_content(0, "be brief"), 0);
	value("wg_get after wg_set_message_content", wg_get(WG_REQUEST, "messages.0.content"), "\"be brief\"");
	code("wg_set_message_content out of range", wg_set_message_content(5, "x"), WG_ERR_NOT_FOUND);
}

static void basic_headers(void) {
	value("wg_header case-insensitive", wg_header(WG_REQUEST, "X-TENANT"), "acme");
	missing("wg_header missing", wg_header(WG_REQUEST, "x-none"), WG_ERR_NOT_FOUND);
	code("wg_set_header", wg_set_header(WG_REQUEST, "X-Tck", "set"), 0);
	value("wg_header after wg_set_header", wg_header(WG_REQUEST, "x-tck"), "set");
	code("wg_delete_header", wg_delete_header(WG_REQUEST, "x-tenant"), 0);
	missing("wg_header after wg_delete_header", wg_header(WG_REQUEST, "x-tenant"), WG_ERR_NOT_FOUND);
	code("wg_set_header bad name", wg_set_header(WG_REQUEST, "bad name", "v"), WG_ERR_INVALID);
	code("wg_set_header CRLF value", wg_set_header(WG_REQUEST, "x-bad", "a\r\nb: c"), WG_ERR_INVALID);
	missing("response headers in the request phase", wg_header(WG_RESPONSE, ":status"), WG_ERR_NOT_AVAILABLE);
	code("wg_response_status in the request phase", wg_response_status(), 0);
}

static void basic_attrs(void) {
	value("wg_attr request id", wg_attr(WG_ATTR_REQUEST_ID), TCK_REQUEST_ID);
	value("wg_attr tck.in", wg_attr("tck.in"), "from-host");
	missing("wg_attr missing", wg_attr("tck.none"), WG_ERR_NOT_FOUND);
	code("wg_set_attr reserved", wg_set_attr(WG_ATTR_MODEL, "x"), WG_ERR_DENIED);
	code("wg_set_attr empty name", wg_set_attr("", "x"), WG_ERR_INVALID);
	code("wg_set_attr", wg_set_attr("tck.out", "request-ok"), 0);
	value("wg_attr after wg_set_attr", wg_attr("tck.out"), "request-ok");
	code("wg_set_attr tmp", wg_set_attr("tck.tmp", "v"), 0);
	code("wg_delete_attr", wg_delete_attr("tck.tmp"), 0);
	missing("wg_attr after wg_delete_attr", wg_attr("tck.tmp"), WG_ERR_NOT_FOUND);
	missing("provider key outside the adapter", wg_attr(WG_ATTR_PROVIDER_API_KEY), WG_ERR_DENIED);
	value("wg_secret in a hook", wg_secret(TCK_SECRET_NAME), TCK_SECRET_VALUE);

	/* A value longer than the PDK's first buffer: the helper reads again. */
	char long_value[601];
	memset(long_value, 'v', 600);
	long_value[600] = 0;
	code("wg_set_attr long", wg_set_attr("tck.long", long_value), 0);
	value("wg_attr of a value over the first buffer", wg_attr("tck.long"), long_value);
	code("wg_delete_attr long", wg_delete_attr("tck.long"), 0);
}

void request_basic(void) {
	value("wg_body request", wg_body(WG_REQUEST), TCK_REQUEST_JSON);
	value("wg_config in a hook", wg_config(), TCK_CONFIG_JSON);
	value("wg_json_digest of the request without stream", wg_json_digest(WG_REQUEST, "stream"), TCK_CANONICAL_REQUEST_SHA256);
	missing("wg_json_digest of the response in the request phase", wg_json_digest(WG_RESPONSE, ""), WG_ERR_NOT_AVAILABLE);
	value("wg_provider_stats", wg_provider_stats(), TCK_PROVIDER_STATS);
	missing("wg_cache_call without the cache capability", wg_cache_call("{\"op\":\"get\",\"key\":\"k\"}"), WG_ERR_DENIED);

	basic_reads();
	basic_writes();
	basic_headers();
	basic_attrs();

	const int objs[] = {WG_RESPONSE, WG_CHUNK, WG_UPSTREAM_REQUEST, WG_UPSTREAM_RESPONSE, WG_UPSTREAM_CHUNK};
	const char *names[] = {"response", "chunk", "upstream request", "upstream response", "upstream chunk"};
	for (int i = 0; i < 5; i++) {
		char what[96];
		snprintf(what, sizeof what, "wg_body %s in the request phase of a plugin", names[i]);
		missing(what, wg_body(objs[i]), WG_ERR_NOT_AVAILABLE);
	}
	code("wg_set_body invalid JSON", wg_set_body(WG_REQUEST, "{not json", 9), WG_ERR_INVALID);
	code("wg_set_body response in the request phase", wg_set_body(WG_RESPONSE, "{}", 2), WG_ERR_NOT_AVAILABLE);

	/* The host's refusals of send_*: raw imports, since wg_respond and
	 * wg_error return the action (and log a refusal), as pdk/go does. */
	char long_type[66];
	memset(long_type, 't', 65);
	long_type[65] = 0;
	code("send_response status 100", raw_send_response(100, "{}"), WG_ERR_INVALID);
	code("send_response not JSON", raw_send_response(200, "nope"), WG_ERR_INVALID);
	code("send_error status 200", raw_send_error(200, "x", "m"), WG_ERR_INVALID);
	code("send_error empty type", raw_send_error(400, "", "m"), WG_ERR_INVALID);
	code("send_error long type", raw_send_error(400, long_type, "m"), WG_ERR_INVALID);
	/* A refused wg_respond still returns its action; the runner checks that
	 * the host kept no short-circuit after these. */
	code("wg_respond refused", wg_respond(100, "{}"), WG_RESPOND);
	code("wg_error refused", wg_error(200, "x", "m"), WG_ERROR);
	wg_log(WG_LOG_INFO, "tck: request checked");
}

void request_adapter(void) {
	value("adapter reads the provider key", wg_attr(WG_ATTR_PROVIDER_API_KEY), TCK_API_KEY);
	value("upstream :method default", wg_header(WG_UPSTREAM_REQUEST, ":method"), "POST");
	value("wg_upstream_method", wg_upstream_method(), "POST");
	value("wg_upstream_url unset", wg_upstream_url(), "");
	code("wg_upstream_set_url", wg_upstream_set_url(TCK_ADAPTER_URL), 0);
	value("upstream :url after set", wg_header(WG_UPSTREAM_REQUEST, WG_HEADER_URL), TCK_ADAPTER_URL);
	value("wg_upstream_url", wg_upstream_url(), TCK_ADAPTER_URL);
	code("wg_upstream_set_method", wg_upstream_set_method("PUT"), 0);
	value("upstream :method after set", wg_header(WG_UPSTREAM_REQUEST, WG_HEADER_METHOD), "PUT");
	value("wg_upstream_method after set", wg_upstream_method(), "PUT");
	code("wg_upstream_set_method back", wg_upstream_set_method("POST"), 0);
	code("wg_upstream_status in the request phase", wg_upstream_status(), 0);
	code("upstream header", wg_set_header(WG_UPSTREAM_REQUEST, "Authorization", "Bearer " TCK_API_KEY), 0);
	value("unset upstream body reads as the request", wg_get_string(WG_UPSTREAM_REQUEST, "model"), "tck-model");
	code("wg_set_string upstream", wg_set_string(WG_UPSTREAM_REQUEST, "model", "up-model"), 0);
	value("canonical request untouched by upstream writes", wg_request_model(), "tck-model");
}
