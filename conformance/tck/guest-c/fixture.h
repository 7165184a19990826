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
#define TCK_PROVIDER_STATS "up 0 1 closed 120000 10000 3\nup 1 0 open 0 1000000 0\n"
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
#define TCK_BUILD_TEMPLATES "[S:ubrief,<u|\"\\\"hi\\\"\\n\"|?|say>]"
#define TCK_MATCH_SPEC "{\"builtin\":[\"email\"],\"custom\":[{\"regex\":\"TCK-[0-9]{3}\"},{\"words\":[\"blue moon\"]}]}"
#define TCK_MATCH_REQUEST "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"nothing to see\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"caf\\u00e9: ana@example.com\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://img.test/a.png\"}},{\"type\":\"text\",\"text\":\"ref TCK-042 \\u2192 Blue  Moon, bo@example.org\"}]},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"mail\",\"arguments\":\"{\\\"to\\\":\\\"ana@example.com\\\"}\"}}]}],\"n.x\":1}"
#define TCK_MATCH_RESPONSE "{\"id\":\"r2\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Gr\303\274\303\237e, TCK-123\"},\"finish_reason\":\"stop\"}]}"
#define TCK_MATCH_CHUNK "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"na\303\257ve \342\200\223 bo@example.org\"}},{\"index\":1,\"delta\":{\"content\":\"plain\"}}]}"
#define TCK_MATCH_TEXT "zo\303\253 \342\206\222 ana@example.com, TCK-007"
#define TCK_MATCH_FINDINGS "messages.1.content.0.text\011caf\303\251: ana@example.com\n\0117 22 1 ana@example.com\nmessages.1.content.2.text\011ref TCK-042 \342\206\222 Blue  Moon, bo@example.org\n\0114 11 256 TCK-042\n\01116 26 257 Blue  Moon\n\01128 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\011{\"to\":\"ana@example.com\"}\n\0117 22 1 ana@example.com\n"
#define TCK_MATCH_TEXT_FIELDS "messages.0.content\011nothing to see\nmessages.1.content.0.text\011caf\303\251: ana@example.com\n\0117 22 1 ana@example.com\nmessages.1.content.2.text\011ref TCK-042 \342\206\222 Blue  Moon, bo@example.org\n\0114 11 256 TCK-042\n\01116 26 257 Blue  Moon\n\01128 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\011{\"to\":\"ana@example.com\"}\n\0117 22 1 ana@example.com\n"
#define TCK_MATCH_RESPONSE_FINDINGS "choices.0.message.content\011Gr\303\274\303\237e, TCK-123\n\0119 16 256 TCK-123\n"
#define TCK_MATCH_CHUNK_FIELDS "choices.0.delta.content\011na\303\257ve \342\200\223 bo@example.org\n\01111 25 1 bo@example.org\nchoices.1.delta.content\011plain\n"
#define TCK_MATCH_TEXT_FINDINGS "\0119 24 1 ana@example.com\n\01126 33 256 TCK-007\n"

/* The hex SHA-256 of TCK_CANONICAL_REQUEST: what json_digest must return. */
#define TCK_CANONICAL_REQUEST_SHA256 "ca168c7719faaa55a010d226595d2030a7e25706e8c79029d552d4b24d292aa8"

#endif
