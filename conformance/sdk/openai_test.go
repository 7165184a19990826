package sdk

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

func client(t *testing.T) openai.Client {
	return openai.NewClient(option.WithBaseURL(gatewayURL(t)+"/v1"), option.WithAPIKey("sk-client"), option.WithMaxRetries(0))
}

var models = []string{"gpt-mock", "claude-mock"}

var weather = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name:        "get_weather",
	Description: openai.String("Current weather of a city"),
	Parameters: shared.FunctionParameters{"type": "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
})

func TestGoChat(t *testing.T) {
	c := client(t)
	for _, model := range models {
		resp, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
			Model:    model,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("hello there")},
		})
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		if got := resp.Choices[0].Message.Content; got != "Mock reply to: hello there" || resp.Choices[0].FinishReason != "stop" {
			t.Errorf("%s: %q %q", model, got, resp.Choices[0].FinishReason)
		}
		if resp.Usage.CompletionTokens != 5 || resp.Usage.PromptTokens == 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+5 {
			t.Errorf("%s: usage %+v", model, resp.Usage)
		}
	}
}

func TestGoStream(t *testing.T) {
	c := client(t)
	for _, model := range models {
		stream := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
			Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("stream this please")},
		})
		var acc openai.ChatCompletionAccumulator
		chunks := 0
		for stream.Next() {
			acc.AddChunk(stream.Current())
			chunks++
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		// Usage comes on the last chunk although the client did not ask.
		if got := acc.Choices[0].Message.Content; got != "Mock reply to: stream this please" || chunks < 5 || acc.Usage.CompletionTokens != 6 {
			t.Errorf("%s: %q after %d chunks, usage %+v", model, got, chunks, acc.Usage)
		}
	}
}

// TestGoTools: a tool call, buffered and streamed (through the Anthropic
// adapter, input_json_delta events become the OpenAI client's tool-call
// argument deltas), then the tool's result answered.
func TestGoTools(t *testing.T) {
	c := client(t)
	for _, model := range models {
		params := openai.ChatCompletionNewParams{Model: model, Tools: []openai.ChatCompletionToolUnionParam{weather},
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Paris")}}
		resp, err := c.Chat.Completions.New(context.Background(), params)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		calls := resp.Choices[0].Message.ToolCalls
		if len(calls) != 1 || calls[0].Function.Name != "get_weather" || calls[0].Function.Arguments != `{"city":"Paris"}` ||
			resp.Choices[0].FinishReason != "tool_calls" || calls[0].ID == "" {
			t.Fatalf("%s: %+v", model, resp.Choices[0])
		}

		stream := c.Chat.Completions.NewStreaming(context.Background(), params)
		var acc openai.ChatCompletionAccumulator
		var finished []openai.FinishedChatCompletionToolCall
		for stream.Next() {
			acc.AddChunk(stream.Current())
			if tc, ok := acc.JustFinishedToolCall(); ok {
				finished = append(finished, tc)
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("%s stream: %v", model, err)
		}
		sc := acc.Choices[0].Message.ToolCalls
		if len(sc) != 1 || sc[0].Function.Name != "get_weather" || sc[0].Function.Arguments != `{"city":"Paris"}` || sc[0].ID == "" ||
			acc.Choices[0].FinishReason != "tool_calls" || len(finished) != 1 || finished[0].Arguments != `{"city":"Paris"}` {
			t.Fatalf("%s stream: %+v finished %+v", model, acc.Choices[0], finished)
		}

		params.Messages = append(params.Messages, resp.Choices[0].Message.ToParam(), openai.ToolMessage("18 degrees, clear", calls[0].ID))
		resp, err = c.Chat.Completions.New(context.Background(), params)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		if resp.Choices[0].Message.Content != "Mock reply to: Paris" || resp.Choices[0].FinishReason != "stop" {
			t.Errorf("%s after the tool: %+v", model, resp.Choices[0])
		}
	}
}

func TestGoEmbeddings(t *testing.T) {
	c := client(t)
	resp, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "text-embedding-3-small", Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
		Dimensions: openai.Int(16),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[1].Embedding) != 16 || resp.Data[1].Index != 1 {
		t.Fatalf("%+v", resp)
	}
}

// TestGoErrors: upstream errors reach the SDK with the provider's status,
// from either upstream format.
func TestGoErrors(t *testing.T) {
	c := client(t)
	for _, prefix := range []string{"gpt", "claude"} {
		for _, status := range FaultStatuses {
			model := fmt.Sprintf("%s-fail-%d", prefix, status)
			_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
				Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Message == "" {
				t.Errorf("%s: %v", model, err)
			}
			if status == 429 && apiErr != nil && apiErr.Response.Header.Get("Retry-After") != "1" {
				t.Errorf("%s: Retry-After %q", model, apiErr.Response.Header.Get("Retry-After"))
			}
		}
	}
	// The gateway's own 404 for a model it does not know.
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "nope", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
}
