/*
 * The checks of the C conformance guest: what a wrong result looks like in
 * the failure message the runner prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tck.h"

static char first[1024];

void reset(void) { first[0] = 0; }
int failed(void) { return first[0] != 0; }
const char *failure(void) { return first; }

void failf(const char *format, ...) {
	if (failed()) return;
	va_list ap;
	va_start(ap, format);
	vsnprintf(first, sizeof first, format, ap);
	va_end(ap);
	if (!first[0]) strcpy(first, "check failed");
}

/* quote writes s (n bytes) as a readable literal: printable ASCII as it
 * is, anything else escaped; long values cut. */
static const char *quote(char *out, size_t size, const char *s, int32_t n) {
	size_t o = 0;
	out[o++] = '"';
	for (int32_t i = 0; i < n && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') o += (size_t)snprintf(out + o, size - o, "\\%c", c);
		else if (c == '\n') o += (size_t)snprintf(out + o, size - o, "\\n");
		else if (c < 0x20 || c >= 0x7f) o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = 0;
	return out;
}

void code(const char *what, int got, int want) {
	if (got != want) failf("%s: got %d, want %d", what, got, want);
}

void value_n(const char *what, char *got, int32_t n, const char *want, int32_t want_n) {
	char a[256], b[256];
	if (!got) failf("%s: got NULL (wg_last_error %d), want %s", what, wg_last_error(), quote(b, sizeof b, want, want_n));
	else if (n != want_n || memcmp(got, want, (size_t)n) != 0)
		failf("%s: got %s, want %s", what, quote(a, sizeof a, got, n), quote(b, sizeof b, want, want_n));
	free(got);
}

/* value checks a string a PDK helper returned, and frees it. */
void value(const char *what, char *got, const char *want) {
	value_n(what, got, got ? (int32_t)strlen(got) : 0, want, (int32_t)strlen(want));
}

/* missing checks that a helper returned NULL for the reason want
 * (wg_last_error), and frees what it returned otherwise. */
void missing(const char *what, char *got, int want) {
	int err = wg_last_error();
	char a[256];
	if (got) failf("%s: got %s, want NULL with %d", what, quote(a, sizeof a, got, (int32_t)strlen(got)), want);
	else if (err != want) failf("%s: got NULL with %d, want %d", what, err, want);
	free(got);
}

/* finish ends a hook: its action, or an error naming the first failed check. */
int32_t finish(int32_t ok) {
	if (!failed()) return ok;
	char msg[sizeof first];
	strcpy(msg, first);
	reset();
	return wg_error(500, "tck_failure", msg);
}

/* WG_IMPORT_MODULE: a wrong module name would leave these imports unresolved and the guest would not load. */
#define IMPORT(name) __attribute__((import_module(WG_IMPORT_MODULE), import_name(name)))
IMPORT("send_response") int32_t tck_send_response(int32_t status, const char *ptr, int32_t len);
IMPORT("send_error") int32_t tck_send_error(int32_t status, const char *type, int32_t type_len, const char *msg, int32_t msg_len);

int32_t raw_send_response(int status, const char *body) {
	return tck_send_response(status, body, (int32_t)strlen(body));
}

int32_t raw_send_error(int status, const char *type, const char *message) {
	return tck_send_error(status, type, (int32_t)strlen(type), message, (int32_t)strlen(message));
}
