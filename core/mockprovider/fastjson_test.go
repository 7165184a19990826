package mockprovider

import (
	"encoding/json"
	"reflect"
	"testing"
)

var chatBodies = []string{
	goldenRequest,
	`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	` { "model" : "m" , "stream" : true , "stream_options" : { "include_usage" : false, "x": [1, {"y": null}] } , "messages" : [ { "role" : "user" , "content" : [ {"type":"text","text":"a\nb"} ] , "name" : "bob" } ] , "n" : 2 , "max_tokens" : 10 , "max_completion_tokens" : 7 , "temperature" : -0.5e+3 } `,
	`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","content":"\u00e9\ud83d\ude00"}]}`,
	`{"model":"m","messages":[]}`,
	`{"model":"m","messages":[{}]}`,
	`{"model":"m"}`,
	`{}`,
	`{"model":"m","MESSAGES":[]}`,
	`{"model":"m","model":"n","messages":[]}`,
	`{"model":"m","messages":null}`,
	`{"model":"m","messages":[{"role":"user","Content":"x"}]}`,
	`{"model":"m","n":1.5,"messages":[]}`,
	`{"model":"m","n":01,"messages":[]}`,
	`{"model":"m","n":-3,"messages":[]}`,
	`{"model":"m","messages":[]} x`,
	`{"model":"m","messages":[],}`,
	`{"model":"\u006d","messages":[]}`,
	`{"model":"m","stream":tru}`,
	`{"model":"m","stream":"true"}`,
	`{"model":"m","k":[1,2,{"a":[true,false,null,"\x"]}]}`,
	`{"model":"m","k":1e5,"j":-0.0,"l":0.1E-2}`,
	`{"model":"m","k":.5}`,
	`[]`,
	``,
}

// TestFastParserAgreesWithEncodingJSON checks the fast path against
// encoding/json on hand-picked bodies; FuzzParseChatRequest explores more.
func TestFastParserAgreesWithEncodingJSON(t *testing.T) {
	fast := 0
	for _, body := range chatBodies {
		if checkFastParser(t, []byte(body)) {
			fast++
		}
	}
	if fast < 6 {
		t.Errorf("fast parser handled only %d bodies", fast)
	}
}

func FuzzParseChatRequest(f *testing.F) {
	for _, b := range chatBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastParser(t, body) })
}

// checkFastParser fails if the fast parser accepts body but encoding/json
// rejects it or decodes it differently. It reports whether the fast parser
// accepted body.
func checkFastParser(t *testing.T, body []byte) bool {
	t.Helper()
	var fast chatRequest
	p := fastParser{b: body}
	if !p.chatRequest(&fast) {
		return false
	}
	var slow chatRequest
	if err := json.Unmarshal(body, &slow); err != nil {
		t.Fatalf("fast parser accepted %q; encoding/json: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %+v\nslow %+v", body, fast, slow)
	}
	return true
}
