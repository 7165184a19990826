package mockprovider_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/wasmgate/wasmgate/core/mockprovider"
)

// Start serves the mock on a free loopback port; URL is the base URL an
// OpenAI client or a gateway provider would be configured with.
func Example() {
	srv, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-mock"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	body := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello, mock!"}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-mock")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()

	var out struct {
		Choices []struct {
			Message struct{ Content string }
		}
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, out.Choices[0].Message.Content)
	fmt.Println("tokens:", out.Usage.PromptTokens, out.Usage.CompletionTokens)
	// Output:
	// 200 Mock reply to: Hello, mock!
	// tokens: 8 5
}

// A model name can ask for a failure, here a rate limit.
func Example_faultInjection() {
	s, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Post(s.URL()+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"mock-fail-429","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), e.Error.Code)
	// Output:
	// 429 1 rate_limit_exceeded
}
