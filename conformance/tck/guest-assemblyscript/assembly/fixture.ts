// The conformance fixture (conformance/tck/fixture) for the AssemblyScript
// guest. Generated: conformance/tck/fixture_assemblyscript_test.go keeps it
// equal to the Go constants.

export const ConfigJSON = "{\"tck\":\"v1\",\"n\":42}";
export const RequestJSON = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"say \\\"hi\\\"\\n\"}],\"stream\":false,\"n.x\":1}";
export const ResponseJSON = "{\"id\":\"r1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}]}";
export const ChunkJSON = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"}}]}";
export const UpResponseJSON = "{\"up\":\"resp\",\"text\":\"raw\"}";
export const UpChunkJSON = "{\"up\":\"chunk\",\"text\":\"lo\"}";
export const APIKey = "sk-tck-secret";
export const RequestID = "tck-req-1";
export const ShortResponse = "{\"id\":\"short\",\"object\":\"chat.completion\",\"choices\":[]}";
export const AdapterURL = "http://upstream.test/v1/chat";
export const AdapterResponse = "{\"id\":\"a1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"raw\"},\"finish_reason\":\"stop\"}]}";
export const CanonicalRequest = "{\"messages\":[{\"content\":\"be brief\",\"role\":\"system\"},{\"content\":\"say \\\"hi\\\"\\n\",\"role\":\"user\"}],\"model\":\"tck-model\",\"n.x\":1}";
export const CanonicalRequestDigest = "ca168c7719faaa55a010d226595d2030a7e25706e8c79029d552d4b24d292aa8";
export const ProviderStats = "up 0 1 closed 120000 10000 3\nup 1 0 open 0 1000000 0\n";
export const SecretName = "tck_key";
export const SecretValue = "s3cret-tck";
export const AdapterChunkJSON = "{\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}";
export const RedactSpec = "{\"builtin\":[\"email\",\"ssn\"],\"redact\":{\"rules\":[{\"kind\":\"email\",\"action\":\"mask\",\"label\":\"EMAIL\"},{\"kind\":\"ssn\",\"action\":\"block\",\"label\":\"SSN\"}]}}";
export const RedactText = "mail ana@example.com or \"ana@example.com\", cc bo@example.org";
export const RedactRequest = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"mail ana@example.com or \\\"ana@example.com\\\", cc bo@example.org\"}],\"n.x\":1}";
export const RedactMasked = "mail [EMAIL_1] or \"[EMAIL_1]\", cc [EMAIL_2]";
export const RedactBlocked = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"user\",\"content\":\"ssn 123-45-6789, ana@example.com\"}]}";
export const BuildBody = "{\"m\":\"tck-model\",\"u\":\"say \\\"hi\\\"\\n\",\"d\":1}";
export const BuildShape = "\u0001s\u0002s";
export const BuildTemplates = "[S:ubrief,<u|\"\\\"hi\\\"\\n\"|?|say>]";
export const MatchSpec = "{\"builtin\":[\"email\"],\"custom\":[{\"regex\":\"TCK-[0-9]{3}\"},{\"words\":[\"blue moon\"]}]}";
export const MatchRequest = "{\"model\":\"tck-model\",\"messages\":[{\"role\":\"system\",\"content\":\"nothing to see\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"caf\\u00e9: ana@example.com\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://img.test/a.png\"}},{\"type\":\"text\",\"text\":\"ref TCK-042 \\u2192 Blue  Moon, bo@example.org\"}]},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"mail\",\"arguments\":\"{\\\"to\\\":\\\"ana@example.com\\\"}\"}}]}],\"n.x\":1}";
export const MatchResponse = "{\"id\":\"r2\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Grüße, TCK-123\"},\"finish_reason\":\"stop\"}]}";
export const MatchChunk = "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"naïve – bo@example.org\"}},{\"index\":1,\"delta\":{\"content\":\"plain\"}}]}";
export const MatchText = "zoë → ana@example.com, TCK-007";
export const MatchFindings = "messages.1.content.0.text\tcafé: ana@example.com\n\t7 22 1 ana@example.com\nmessages.1.content.2.text\tref TCK-042 → Blue  Moon, bo@example.org\n\t4 11 256 TCK-042\n\t16 26 257 Blue  Moon\n\t28 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\t{\"to\":\"ana@example.com\"}\n\t7 22 1 ana@example.com\n";
export const MatchTextFields = "messages.0.content\tnothing to see\nmessages.1.content.0.text\tcafé: ana@example.com\n\t7 22 1 ana@example.com\nmessages.1.content.2.text\tref TCK-042 → Blue  Moon, bo@example.org\n\t4 11 256 TCK-042\n\t16 26 257 Blue  Moon\n\t28 42 1 bo@example.org\nmessages.2.tool_calls.0.function.arguments\t{\"to\":\"ana@example.com\"}\n\t7 22 1 ana@example.com\n";
export const MatchResponseFindings = "choices.0.message.content\tGrüße, TCK-123\n\t9 16 256 TCK-123\n";
export const MatchChunkFields = "choices.0.delta.content\tnaïve – bo@example.org\n\t11 25 1 bo@example.org\nchoices.1.delta.content\tplain\n";
export const MatchTextFindings = "\t9 24 1 ana@example.com\n\t26 33 256 TCK-007\n";
