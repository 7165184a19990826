// The conformance fixture (conformance/tck/fixture), copied for the Rust
// guest. Generated: conformance/tck/fixture_rust_test.go checks it and
// rewrites it with -update-rust-fixture. Do not edit.

pub const CONFIG_JSON: &str = "{\"tck\":\"v1\",\"n\":42}";
pub const REQUEST_JSON: &str = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"say \\\"hi\\\"\\n\"}],\"stream\":false,\"n.x\":1}";
pub const RESPONSE_JSON: &str = "{\"id\":\"r1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}]}";
pub const CHUNK_JSON: &str = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"}}]}";
pub const UP_RESPONSE_JSON: &str = "{\"up\":\"resp\",\"text\":\"raw\"}";
pub const UP_CHUNK_JSON: &str = "{\"up\":\"chunk\",\"text\":\"lo\"}";
pub const API_KEY: &str = "sk-tck-secret";
pub const REQUEST_ID: &str = "tck-req-1";
pub const SHORT_RESPONSE: &str = "{\"id\":\"short\",\"object\":\"chat.completion\",\"choices\":[]}";
pub const ADAPTER_URL: &str = "http://upstream.test/v1/chat";
pub const ADAPTER_RESPONSE: &str = "{\"id\":\"a1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"raw\"},\"finish_reason\":\"stop\"}]}";
pub const CANONICAL_REQUEST: &str = "{\"messages\":[{\"content\":\"be brief\",\"role\":\"system\"},{\"content\":\"say \\\"hi\\\"\\n\",\"role\":\"user\"}],\"model\":\"tck-model\",\"n.x\":1}";
pub const PROVIDER_STATS: &str = "up 0 1 closed 120000 10000 3\nup 1 0 open 0 1000000 0\n";
pub const SECRET_NAME: &str = "tck_key";
pub const SECRET_VALUE: &str = "s3cret-tck";
pub const ADAPTER_CHUNK_JSON: &str = "{\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}";
pub const REDACT_SPEC: &str = "{\"builtin\":[\"email\",\"ssn\"],\"redact\":{\"rules\":[{\"kind\":\"email\",\"action\":\"mask\",\"label\":\"EMAIL\"},{\"kind\":\"ssn\",\"action\":\"block\",\"label\":\"SSN\"}]}}";
pub const REDACT_TEXT: &str = "mail ana@example.com or \"ana@example.com\", cc bo@example.org";
pub const REDACT_REQUEST: &str = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"mail ana@example.com or \\\"ana@example.com\\\", cc bo@example.org\"}],\"n.x\":1}";
pub const REDACT_MASKED: &str = "mail [EMAIL_1] or \"[EMAIL_1]\", cc [EMAIL_2]";
pub const REDACT_BLOCKED: &str = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"ssn 123-45-6789, ana@example.com\"}]}";
pub const BUILD_BODY: &str = "{\"m\":\"tck-model\",\"u\":\"say \\\"hi\\\"\\n\",\"d\":1}";
pub const BUILD_SHAPE: &str = "\x01s\x02s";
pub const BUILD_TEMPLATES: &str = "[S:ubrief,<u|\"\\\"hi\\\"\\n\"|?|say>]";
pub const MATCH_SPEC: &str = "{\"builtin\":[\"email\"],\"custom\":[{\"regex\":\"TCK-[0-9]{3}\"},{\"words\":[\"blue moon\"]}]}";
pub const MATCH_REQUEST: &str = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"nothing to see\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"caf\\u00e9: ana@example.com\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://img.test/a.png\"}},{\"type\":\"text\",\"text\":\"ref TCK-042 \\u2192 Blue  Moon, bo@example.org\"}]},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"mail\",\"arguments\":\"{\\\"to\\\":\\\"ana@example.com\\\"}\"}}]}],\"n.x\":1}";
pub const MATCH_RESPONSE: &str = "{\"id\":\"r2\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Grüße, TCK-123\"},\"finish_reason\":\"stop\"}]}";
pub const MATCH_CHUNK: &str = "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"naïve – bo@example.org\"}},{\"index\":1,\"delta\":{\"content\":\"plain\"}}]}";
pub const MATCH_TEXT: &str = "zoë → ana@example.com, TCK-007";
pub const MATCH_FINDINGS: &str = "messages.1.content.0.text\tcafé: ana@example.com\n\t7 22 1 ana@example.com\nmessages.1.content.2.text\tref TCK-042 → Blue  Moon, bo@example.org\n\t4 11 256 TCK-042\n\t16 26 257 Blue  Moon\n\t28 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\t{\"to\":\"ana@example.com\"}\n\t7 22 1 ana@example.com\n";
pub const MATCH_TEXT_FIELDS: &str = "messages.0.content\tnothing to see\nmessages.1.content.0.text\tcafé: ana@example.com\n\t7 22 1 ana@example.com\nmessages.1.content.2.text\tref TCK-042 → Blue  Moon, bo@example.org\n\t4 11 256 TCK-042\n\t16 26 257 Blue  Moon\n\t28 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\t{\"to\":\"ana@example.com\"}\n\t7 22 1 ana@example.com\n";
pub const MATCH_RESPONSE_FINDINGS: &str = "choices.0.message.content\tGrüße, TCK-123\n\t9 16 256 TCK-123\n";
pub const MATCH_CHUNK_FIELDS: &str = "choices.0.delta.content\tnaïve – bo@example.org\n\t11 25 1 bo@example.org\nchoices.1.delta.content\tplain\n";
pub const MATCH_TEXT_FINDINGS: &str = "\t9 24 1 ana@example.com\n\t26 33 256 TCK-007\n";

// The hex SHA-256 of CANONICAL_REQUEST: what json_digest of the request
// without "stream" returns.
pub const CANONICAL_REQUEST_SHA256: &str = "ca168c7719faaa55a010d226595d2030a7e25706e8c79029d552d4b24d292aa8";
