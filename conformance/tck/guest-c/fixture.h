/* Generated from conformance/tck/fixture by TestFixtureC (fixture_c_test.go); do not edit.
 * go test ./conformance/tck -run TestFixtureC -update-fixture-c rewrites it. */
#ifndef TCK_FIXTURE_H
#define TCK_FIXTURE_H

#define TCK_CONFIG_JSON "{\"tck\":\"v1\",\"n\":42}"
#define TCK_REQUEST_JSON "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"say \\\"hi\\\"\\n\"}],\"stream\":false,\"n.x\":1}"
#define TCK_RESPONSE_JSON "{\"id\":\"r1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}]}"
#define TCK_CHUNK_JSON "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"}}]}"
#define TCK_UP_RESPONSE_JSON "{\"up\":\"resp\",\"text\":\"raw\"}"
#define TCK_UP_CHUNK_JSON "{\"up\":\"chunk\",\"text\":\"lo\"}"
#define TCK_API_KEY "sk-tck-secret"
#define TCK_REQUEST_ID "tck-req-1"
#define TCK_SHORT_RESPONSE "{\"id\":\"short\",\"object\":\"chat.completion\",\"choices\":[]}"
#define TCK_ADAPTER_URL "http://upstream.test/v1/chat"
#define TCK_ADAPTER_RESPONSE "{\"id\":\"a1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"raw\"},\"finish_reason\":\"stop\"}]}"
#define TCK_CANONICAL_REQUEST "{\"messages\":[{\"content\":\"be brief\",\"role\":\"system\"},{\"content\":\"say \\\"hi\\\"\\n\",\"role\":\"user\"}],\"model\":\"tck-model\",\"n.x\":1}"
#define TCK_PROVIDER_STATS "up#0 healthy 120 0.01 3\nup#1 cooling 0 1 0\n"
#define TCK_SECRET_NAME "tck_key"
#define TCK_SECRET_VALUE "s3cret-tck"
#define TCK_ADAPTER_CHUNK_JSON "{\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}"
#define TCK_REDACT_SPEC "{\"builtin\":[\"email\",\"ssn\"],\"redact\":{\"rules\":[{\"kind\":\"email\",\"action\":\"mask\",\"label\":\"EMAIL\"},{\"kind\":\"ssn\",\"action\":\"block\",\"label\":\"SSN\"}]}}"
#define TCK_REDACT_TEXT "mail ana@example.com or \"ana@example.com\", cc bo@example.org"
#define TCK_REDACT_REQUEST "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"mail ana@example.com or \\\"ana@example.com\\\", cc bo@example.org\"}],\"n.x\":1}"
#define TCK_REDACT_MASKED "mail [EMAIL_1] or \"[EMAIL_1]\", cc [EMAIL_2]"
#define TCK_REDACT_BLOCKED "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"ssn 123-45-6789, ana@example.com\"}]}"
#define TCK_BUILD_BODY "{\"m\":\"tck-model\",\"u\":\"say \\\"hi\\\"\\n\",\"d\":1}"
#define TCK_BUILD_SHAPE "\001s\002s"

/* The hex SHA-256 of TCK_CANONICAL_REQUEST: what json_digest must return. */
#define TCK_CANONICAL_REQUEST_SHA256 "ca168c7719faaa55a010d226595d2030a7e25706e8c79029d552d4b24d292aa8"

#endif
