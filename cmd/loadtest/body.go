package main

import "encoding/json"

// chatBody returns a realistic non-streaming chat completion request of
// about 2 KB: a system prompt and a few user and assistant turns.
func chatBody(model string) []byte {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	req := struct {
		Model       string    `json:"model"`
		Messages    []message `json:"messages"`
		Temperature float64   `json:"temperature"`
		MaxTokens   int       `json:"max_tokens"`
		Stream      bool      `json:"stream"`
		User        string    `json:"user"`
	}{
		Model:       model,
		Temperature: 0.2,
		MaxTokens:   256,
		User:        "loadtest-user-0001",
		Messages: []message{
			{"system", "You are a senior site reliability engineer helping a team operate an HTTP gateway in front of several large language model providers. " +
				"Answer precisely, prefer short paragraphs and bullet lists, and say when you are unsure. Never invent configuration keys, metric names or flags; " +
				"if a setting is not known, suggest how to find it in the documentation instead."},
			{"user", "We put a reverse proxy in front of our model providers last week. Since then the p99 latency of chat completions went up by about 40 ms " +
				"during business hours, while the p50 did not move. What should we look at first?"},
			{"assistant", "A stable p50 with a worse p99 usually points at queuing rather than at slower work. First check connection reuse to the upstream: " +
				"if the proxy opens new TLS connections under load, the handshakes land in the tail. Then look at the number of idle keep-alive connections, " +
				"request buffering, and whether retries are enabled for timeouts, since a retried request pays twice."},
			{"user", "Keep-alive is on and the pool has 64 idle connections per upstream. Retries are enabled for 429 and 5xx with a 200 ms backoff. " +
				"We also added a plugin that redacts e-mail addresses from prompts. Could the plugin be the cause?"},
			{"assistant", "It could, if it runs on every request and scans large prompts. Measure it in isolation: replay a sample of real prompts through the " +
				"pipeline with and without the plugin and compare the latency distributions. Also check the retry rate; with a 200 ms backoff, even one percent of " +
				"retried requests is enough to move the p99 by tens of milliseconds."},
			{"user", "Retries are at 0.3 percent. Give me a short checklist to confirm or rule out the redaction plugin, with the metrics to compare " +
				"and the thresholds that would convince you either way. Keep it to five items or fewer."},
		},
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	return b
}
