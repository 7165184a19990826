/* The ABI v1 conformance guest on the C PDK: shared checks and scenarios. */
#ifndef TCK_H
#define TCK_H

#include <stdint.h>

#include "fixture.h"
#include "wasmgate.h"

/* Checks (checks.c). The first failed check of a hook is kept; finish
 * reports it with wg_error(500, "tck_failure", ...). */
void failf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void reset(void);
int failed(void);
const char *failure(void);
void code(const char *what, int got, int want);
void value(const char *what, char *got, const char *want);
void value_n(const char *what, char *got, int32_t n, const char *want, int32_t want_n);
void missing(const char *what, char *got, int want);
int32_t finish(int32_t ok);

/* The raw send_* imports, for the host's result codes, which the PDK's
 * wg_respond and wg_error deliberately do not return (checks.c). */
int32_t raw_send_response(int status, const char *body);
int32_t raw_send_error(int status, const char *type, const char *message);

/* Scenarios. */
void request_basic(void);    /* hooks.c */
void request_adapter(void);  /* hooks.c */
void request_build(void);    /* build.c */
void request_redact(void);   /* redact.c */
void request_metrics(void);  /* metrics.c */
void init_match(void);       /* scan.c: match_scan and match_text */
void request_match(void);
void response_match(void);
void chunk_match(void);
void init_parity(const char *config); /* parity.c: the helpers for parity with pdk/go */
void request_parity(void);
void response_parity(void);
void chunk_parity(void);

#endif
