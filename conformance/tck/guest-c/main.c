/*
 * The ABI v1 conformance guest, written with the C PDK (pdk/c). It plays
 * the scenarios of the runner (conformance/tck/run.go; request header
 * x-tck-case) like the Go guest (conformance/tck/guest), but through the
 * PDK's typed helpers, and checks each helper's result inside the guest:
 * the first wrong one ends the hook with wg_error(500, "tck_failure", what
 * was wrong). The fixture values are in fixture.h, generated from
 * conformance/tck/fixture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

/* Once per instance: the config, and what init may and may not do. */
int32_t wg_plugin_init(const char *config) {
	reset();
	if (strstr(config, "\"refuse\"")) {
		char msg[256];
		snprintf(msg, sizeof msg, "refused by config: %s", config);
		return wg_fail(msg);
	}
	value("config given to wg_plugin_init", strdup(config), TCK_CONFIG_JSON);
	value("wg_config in init", wg_config(), TCK_CONFIG_JSON);
	value("wg_config_string", wg_config_string(config, "tck"), "v1");
	value("wg_config_raw", wg_config_raw(config, "n"), "42");
	if (wg_config_string(config, "n") != NULL) failf("wg_config_string of a number: not NULL");
	if (wg_config_strings(config, "tck") != NULL) failf("wg_config_strings of a string: not NULL");
	if (wg_config_raw(config, "none") != NULL) failf("wg_config_raw of a missing key: not NULL");
	missing("wg_body in init", wg_body(WG_REQUEST), WG_ERR_NOT_AVAILABLE);
	code("wg_set_attr in init", wg_set_attr("tck.init", "x"), WG_ERR_NOT_AVAILABLE);
	value("wg_secret in init", wg_secret(TCK_SECRET_NAME), TCK_SECRET_VALUE);
	missing("wg_secret of a name not granted", wg_secret("not_granted"), WG_ERR_DENIED);
	init_match();
	init_parity(config);
	wg_log(WG_LOG_DEBUG, "tck: init");
	if (failed()) return wg_fail(failure());
	return WG_HOOK_REQUEST | WG_HOOK_RESPONSE | WG_HOOK_CHUNK;
}

/* The scenario the runner asks for, read at the start of each hook. */
static char scenario[64];

static void read_scenario(void) {
	char *v = wg_header(WG_REQUEST, "X-TCK-Case");
	snprintf(scenario, sizeof scenario, "%s", v ? v : "basic");
	free(v);
}

static int tck_case(const char *name) { return strcmp(scenario, name) == 0; }

/* Scenarios of the failure cases: each must fail its own call. */
static int32_t hostile(void) {
	if (tck_case("malformed")) return WG_RESPOND; /* respond without send_response */
	if (tck_case("unknown-action")) return 7;
	if (tck_case("trap")) __builtin_trap();
	if (tck_case("loop")) {
		for (volatile int i = 0;; i++) {
		}
	}
	if (tck_case("membomb")) {
		static char *hold[1024];
		for (int i = 0; i < 1024; i++) {
			hold[i] = malloc(1 << 20);
			if (!hold[i]) abort(); /* out of memory pages: a trap, like Go's out-of-memory panic */
			memset(hold[i], i, 1 << 20);
		}
		return hold[1023][0];
	}
	return -1;
}

WG_ON_REQUEST {
	reset();
	read_scenario();
	int32_t h = hostile();
	if (h >= 0) return h;
	if (tck_case("basic")) {
		request_parity();
		request_basic();
	}
	else if (tck_case("adapter")) request_adapter();
	else if (tck_case("redact")) request_redact();
	else if (tck_case("build")) request_build();
	else if (tck_case("match")) request_match();
	else if (tck_case("metrics")) request_metrics();
	else if (tck_case("respond")) {
		int32_t a = wg_respond(200, TCK_SHORT_RESPONSE);
		code("wg_respond", a, WG_RESPOND);
		return finish(a);
	} else if (tck_case("error")) {
		int32_t a = wg_error(429, "rate_limit_error", "slow down");
		code("wg_error", a, WG_ERROR);
		return finish(a);
	} else if (tck_case("overlimit")) {
		char big[4097];
		memset(big, 'x', 4096);
		big[4096] = 0;
		code("wg_set_string over max_output_bytes", wg_set_string(WG_REQUEST, "big", big), WG_ERR_TOO_LARGE);
	} else if (tck_case("state")) {
		/* The previous request's attribute must not leak into this one. */
		missing("attribute of an earlier request", wg_attr("tck.out"), WG_ERR_NOT_FOUND);
	}
	return finish(WG_CONTINUE);
}

static void response_adapter(void) {
	missing("provider key in the response phase", wg_attr(WG_ATTR_PROVIDER_API_KEY), WG_ERR_DENIED);
	value("upstream :status", wg_header(WG_UPSTREAM_RESPONSE, WG_HEADER_STATUS), "200");
	code("wg_upstream_status", wg_upstream_status(), 200);
	value("upstream response header", wg_header(WG_UPSTREAM_RESPONSE, "X-Up"), "1");
	value("upstream response body", wg_body(WG_UPSTREAM_RESPONSE), TCK_UP_RESPONSE_JSON);
	code("wg_set_body upstream response", wg_set_body(WG_UPSTREAM_RESPONSE, "{}", 2), WG_ERR_NOT_AVAILABLE);
	code("wg_set_body response", wg_set_body(WG_RESPONSE, TCK_ADAPTER_RESPONSE, strlen(TCK_ADAPTER_RESPONSE)), 0);
}

WG_ON_RESPONSE {
	reset();
	read_scenario();
	if (tck_case("match")) {
		response_match();
		return finish(WG_CONTINUE);
	}
	if (tck_case("adapter")) {
		response_adapter();
		return finish(WG_CONTINUE);
	}
	value("wg_body response", wg_body(WG_RESPONSE), TCK_RESPONSE_JSON);
	value("wg_response_content", wg_response_content(), "hello");
	value("wg_get_string response content", wg_get_string(WG_RESPONSE, "choices.0.message.content"), "hello");
	code("wg_response_set_content", wg_response_set_content("hello, tck"), 0);
	value("wg_response_content after set", wg_response_content(), "hello, tck");
	value("response :status", wg_header(WG_RESPONSE, ":status"), "200");
	code("wg_response_status", wg_response_status(), 200);
	code("wg_response_set_status", wg_response_set_status(201), 0);
	code("wg_response_status after set", wg_response_status(), 201);
	code("wg_response_set_status out of range", wg_response_set_status(99), WG_ERR_INVALID);
	code("response header", wg_set_header(WG_RESPONSE, "x-tck-resp", "1"), 0);
	code("request read only in the response phase", wg_request_set_model("x"), WG_ERR_NOT_AVAILABLE);
	value("request as the request phase left it", wg_request_model(), "tck \"model\" 2");
	value("attribute from the request phase", wg_attr("tck.out"), "request-ok");
	response_parity();
	code("wg_set_attr in the response phase", wg_set_attr("tck.resp", "ok"), 0);
	missing("chunk in the response phase", wg_body(WG_CHUNK), WG_ERR_NOT_AVAILABLE);
	missing("wg_chunk_content in the response phase", wg_chunk_content(), WG_ERR_NOT_AVAILABLE);
	missing("wg_provider_stats in the response phase", wg_provider_stats(), WG_ERR_NOT_AVAILABLE);
	missing("upstream response outside the adapter", wg_body(WG_UPSTREAM_RESPONSE), WG_ERR_NOT_AVAILABLE);
	return finish(WG_CONTINUE);
}

WG_ON_CHUNK {
	reset();
	read_scenario();
	if (tck_case("match")) {
		chunk_match();
		return finish(WG_CONTINUE);
	}
	if (tck_case("adapter")) {
		value("upstream chunk", wg_body(WG_UPSTREAM_CHUNK), TCK_UP_CHUNK_JSON);
		value("upstream chunk path", wg_get_string(WG_UPSTREAM_CHUNK, "text"), "lo");
		code("wg_set_body chunk", wg_set_body(WG_CHUNK, TCK_ADAPTER_CHUNK_JSON, strlen(TCK_ADAPTER_CHUNK_JSON)), 0);
		return finish(WG_CONTINUE);
	}
	if (tck_case("drop")) {
		code("wg_chunk_drop", wg_chunk_drop(), 0);
		return finish(WG_CONTINUE);
	}
	if (tck_case("chunk-error")) {
		int32_t a = wg_error(502, "upstream_error", "cut");
		code("wg_error in the chunk phase", a, WG_ERROR);
		return finish(a);
	}
	value("wg_body chunk", wg_body(WG_CHUNK), TCK_CHUNK_JSON);
	value("wg_chunk_content", wg_chunk_content(), "hel");
	code("wg_chunk_set_content", wg_chunk_set_content("HEL"), 0);
	value("wg_get_string chunk content after set", wg_get_string(WG_CHUNK, "choices.0.delta.content"), "HEL");
	/* raw: wg_respond returns the action, not the host's result. */
	code("send_response in the chunk phase", raw_send_response(200, "{}"), WG_ERR_NOT_AVAILABLE);
	code("response header in the chunk phase", wg_set_header(WG_RESPONSE, "x-late", "1"), 0);
	chunk_parity();
	code("response body in the chunk phase", wg_set_string(WG_RESPONSE, "id", "x"), WG_ERR_NOT_AVAILABLE);
	code("request read only in the chunk phase", wg_set_string(WG_REQUEST, "model", "x"), WG_ERR_NOT_AVAILABLE);
	value("attribute from the request phase in a chunk", wg_attr("tck.out"), "request-ok");
	return finish(WG_CONTINUE);
}
