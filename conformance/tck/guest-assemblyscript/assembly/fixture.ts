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
export const ProviderStats = "up#0 healthy 120 0.01 3\nup#1 cooling 0 1 0\n";
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
