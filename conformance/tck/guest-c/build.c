/* The "build" scenario: json_build through wg_builder (pdk/ABI.md,
 * "Building bodies"): a shape query, a body built into the provider
 * request, and the failures. */
#include <stdlib.h>
#include <string.h>

#include "tck.h"

static void shape(void) {
	wg_builder b = {0};
	const wg_each_field fields[] = {{"role", WG_BUILD_CODE, "system,user"}, {"content", WG_BUILD_KIND, NULL}};
	wg_build_each(&b, WG_REQUEST, "messages", "|", fields, 2);
	int32_t n = -1;
	char *out = wg_build_output_n(&b, &n);
	value_n("wg_build_each shape to the guest", out, n, TCK_BUILD_SHAPE, (int32_t)strlen(TCK_BUILD_SHAPE));
	wg_builder_free(&b);
	if (b.prog || b.len || b.cap) failf("wg_builder_free: the builder is not empty");

	/* A role not among the names codes as 0: wg_build_output_n keeps it. */
	const wg_each_field other[] = {{"role", WG_BUILD_CODE, "user,assistant"}, {"content", WG_BUILD_KIND, NULL}};
	wg_build_each(&b, WG_REQUEST, "messages", "|", other, 2);
	out = wg_build_output_n(&b, &n);
	value_n("wg_build_each shape with a code 0", out, n, "\0s\1s", 4);
	wg_builder_free(&b);
}

static void body(void) {
	wg_builder b = {0};
	wg_build_lit(&b, "{\"m\":");
	wg_build_copy(&b, WG_REQUEST, "model", 0);
	wg_build_lit(&b, ",\"u\":");
	wg_build_base(&b, WG_REQUEST, "messages", 1);
	wg_build_copy(&b, WG_BUILD_BASE, "content", 0);
	wg_build_copy_or(&b, WG_REQUEST, "nope", 0, "x", "y", ",\"d\":1");
	wg_build_lit(&b, "}");
	value("wg_build_output of the body", wg_build_output(&b), TCK_BUILD_BODY);
	code("wg_build into the provider request", wg_build(&b, WG_UPSTREAM_REQUEST), 0);
	value("provider request after wg_build", wg_body(WG_UPSTREAM_REQUEST), TCK_BUILD_BODY);
	code("wg_build into the response in the request phase", wg_build(&b, WG_RESPONSE), WG_ERR_NOT_AVAILABLE);
	/* wg_builder_reset: the same builder, emptied but keeping its memory, makes the next program. */
	const unsigned char *prog = b.prog;
	int cap = b.cap;
	wg_builder_reset(&b);
	if (b.len != 0 || b.prog != prog || b.cap != cap) failf("wg_builder_reset: len %d, cap %d (was %d)", b.len, b.cap, cap);
	wg_build_lit(&b, "{\"m\":");
	wg_build_copy(&b, WG_REQUEST, "model", 0);
	wg_build_lit(&b, "}");
	value("wg_build_output after wg_builder_reset", wg_build_output(&b), "{\"m\":\"tck-model\"}");
	wg_builder_free(&b);
}

static void failures(void) {
	wg_builder b = {0};
	wg_build_lit(&b, "{");
	wg_build_copy(&b, WG_REQUEST, "nope", WG_BUILD_REQUIRED);
	wg_build_lit(&b, "}");
	code("wg_build with a required value missing", wg_build(&b, WG_UPSTREAM_REQUEST), WG_ERR_NOT_FOUND);
	missing("wg_build_output with a required value missing", wg_build_output(&b), WG_ERR_NOT_FOUND);
	wg_builder_free(&b);

	/* The builder cannot write a malformed program: hand one to wg_build. */
	unsigned char truncated[] = {2, WG_REQUEST}; /* copy without flags or path */
	const wg_builder bad = {truncated, sizeof truncated, sizeof truncated};
	code("wg_build of a malformed program", wg_build(&bad, WG_UPSTREAM_REQUEST), WG_ERR_INVALID);

	wg_build_lit(&b, "{");
	code("wg_build of invalid JSON into the request", wg_build(&b, WG_REQUEST), WG_ERR_INVALID);
	wg_builder_free(&b);
}

static void kinds(void) {
	wg_builder b = {0}, item = {0};
	wg_build_kind(&b, WG_REQUEST, "messages.0.content");
	wg_build_kind(&b, WG_REQUEST, "nope");
	char want[] = {WG_KIND_STRING, WG_KIND_MISSING, 0};
	value("wg_build_kind", wg_build_output(&b), want);

	/* An item (the first message) and a path relative to it. */
	wg_build_item(&item, WG_REQUEST, "messages", 0);
	wg_build_copy(&item, WG_BUILD_ITEM, "role", WG_BUILD_TEXT);
	value("wg_build_item", wg_build_output(&item), "system");
	wg_build_append(&b, &item);
	value("wg_build_append", wg_build_output(&b), "susystem");
	wg_builder_free(&b);
	wg_builder_free(&item);
}

/* The templates (opcodes 8-12): a map over the messages with a switch per
 * role, a group, prev and next, cut, and fail. */
static void templates(void) {
	wg_builder fail = {0}, system = {0}, next = {0}, said = {0}, nope = {0}, q = {0}, obj = {0}, say = {0};
	wg_builder kind = {0}, prefix = {0}, user = {0}, role = {0}, t = {0}, only = {0};
	wg_build_fail(&fail);
	wg_build_lit(&system, "S:");
	wg_build_kind(&system, WG_BUILD_PREV, "role");
	wg_build_cut(&system, WG_BUILD_BASE, "content", WG_BUILD_TEXT, "be ", "");
	wg_build_kind(&next, WG_BUILD_NEXT, "role");
	wg_build_cut(&said, WG_BUILD_BASE, "content", 0, "say ", "");
	wg_build_copy(&nope, WG_BUILD_BASE, "nope", 0);
	wg_build_lit(&q, "?");
	wg_build_lit(&obj, "obj");
	wg_build_lit(&say, "say");
	const char *ao[] = {"ao"}, *sayn[] = {"say"}, *roles[] = {"system", "user"}, *users[] = {"user"};
	const wg_builder *objs[] = {&obj}, *says[] = {&say}, *per[] = {&system, &user}, *none[] = {NULL};
	wg_build_switch(&kind, WG_BUILD_BASE, "content", WG_SWITCH_KIND, &q, 1, ao, objs);
	wg_build_switch(&prefix, WG_BUILD_BASE, "content", WG_SWITCH_PREFIX, NULL, 1, sayn, says);
	const wg_builder *parts[] = {&next, &said, &nope, &kind, &prefix};
	wg_build_group(&user, "<", "|", ">", 5, parts);
	wg_build_switch(&role, WG_BUILD_BASE, "role", WG_SWITCH_TEXT, &fail, 2, roles, per);
	wg_build_map(&t, WG_REQUEST, "messages", "[", ",", "]", &role);
	value("wg_build templates", wg_build_output(&t), TCK_BUILD_TEMPLATES);
	wg_build_switch(&only, WG_BUILD_BASE, "role", WG_SWITCH_TEXT, &fail, 1, users, none);
	wg_builder_free(&t);
	wg_build_map(&t, WG_REQUEST, "messages", "", "", "", &only);
	code("wg_build_fail", wg_build(&t, WG_UPSTREAM_REQUEST), WG_ERR_NOT_FOUND);
	wg_builder *all[] = {&fail, &system, &next, &said, &nope, &q, &obj, &say, &kind, &prefix, &user, &role, &t, &only};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) wg_builder_free(all[k]);
}

void request_build(void) {
	shape();
	body();
	failures();
	kinds();
	templates();
}
