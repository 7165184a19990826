package mockprovider

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// readBody reads the request body into a pooled buffer. On failure it has
// written the error response and returns nil; the caller must putBuf a
// non-nil result.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) *[]byte {
	p := getBuf()
	b := *p
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == nil {
			continue
		}
		*p = b
		if err == io.EOF {
			return p
		}
		putBuf(p)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge,
				"Request body too large: the limit is "+strconv.FormatInt(mbe.Limit, 10)+" bytes.",
				typeInvalidRequest, "", "request_too_large")
		} else {
			writeError(w, http.StatusBadRequest, "Could not read the request body: "+err.Error(), typeInvalidRequest, "", "")
		}
		return nil
	}
}

// writeDecodeError answers a body that json.Unmarshal rejected.
func writeDecodeError(w http.ResponseWriter, err error) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			writeError(w, http.StatusBadRequest,
				"Invalid type for the request body: expected an object, but got "+jsonKind(te.Value)+" instead.",
				typeInvalidRequest, "", "invalid_type")
			return
		}
		writeError(w, http.StatusBadRequest,
			"Invalid type for '"+te.Field+"': expected "+goKind(te.Type.String())+", but got "+jsonKind(te.Value)+" instead.",
			typeInvalidRequest, te.Field, "invalid_type")
		return
	}
	writeError(w, http.StatusBadRequest,
		"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
		typeInvalidRequest, "", "")
}

func jsonKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "a boolean"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	}
	return v
}

func goKind(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"), t == "json.RawMessage":
		return "an array"
	}
	return "an object"
}

// writeFault answers with the status of a fail-<status> directive.
func writeFault(w http.ResponseWriter, status int, model string) {
	typ, code := typeInvalidRequest, ""
	msg := "Mock failure with status " + strconv.Itoa(status) + " requested by model '" + model + "'."
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case status == http.StatusForbidden:
		typ = "permission_error"
	case status == http.StatusNotFound:
		code = "model_not_found"
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
		w.Header().Set("Retry-After", "1")
	case status >= 500:
		typ = typeServer
	}
	writeError(w, status, msg, typ, "", code)
}
