package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go/aws-http-auth/credentials"
	"github.com/aws/smithy-go/aws-http-auth/sigv4"
)

// now is the clock of the signature. In Wasm, time.Now reads the host's
// wall clock through WASI's clock_time_get, which the host always provides
// (pdk/ABI.md, "Limits and capabilities"); tests fix it.
var now = time.Now

// signingService is Bedrock's SigV4 service name.
const signingService = "bedrock"

var signer = sigv4.New()

// parseKey splits the provider key: "ACCESS_KEY_ID:SECRET_ACCESS_KEY" or
// "ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN" signs with SigV4; any other
// key is a Bedrock API key, sent as a bearer token.
func parseKey(key string) (creds credentials.Credentials, sign bool) {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return creds, false
	}
	creds = credentials.Credentials{AccessKeyID: parts[0], SecretAccessKey: parts[1]}
	if len(parts) == 3 {
		creds.SessionToken = parts[2]
	}
	return creds, true
}

// sign returns the headers that sign a POST of body to url: authorization,
// x-amz-date and, with a session token, x-amz-security-token. The signed
// headers are host and the x-amz-* ones, as the AWS SDKs sign.
func sign(url string, body []byte, creds credentials.Credentials, region string, t time.Time) ([][2]string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("bad provider URL")
	}
	hash := sha256.Sum256(body)
	err = signer.SignRequest(&sigv4.SignRequestInput{
		Request: req, PayloadHash: hash[:], Credentials: creds,
		Service: signingService, Region: region, Time: t,
	})
	if err != nil {
		return nil, err
	}
	out := [][2]string{
		{"authorization", req.Header.Get("Authorization")},
		{"x-amz-date", req.Header.Get("X-Amz-Date")},
	}
	if tok := req.Header.Get("X-Amz-Security-Token"); tok != "" {
		out = append(out, [2]string{"x-amz-security-token", tok})
	}
	return out, nil
}

// escapeSegment escapes a path segment as the AWS SDKs do for a model id:
// everything but unreserved characters, so "anthropic.claude-v2:1" becomes
// "anthropic.claude-v2%3A1" (and an ARN's "/" and ":" are escaped too).
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// regionOf finds the region in a Bedrock runtime host name
// (bedrock-runtime.<region>.amazonaws.com, or the -fips one).
func regionOf(baseURL string) string {
	host := baseURL
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	host, _, _ = strings.Cut(host, "/")
	labels := strings.Split(host, ".")
	if len(labels) >= 4 && strings.HasPrefix(labels[0], "bedrock-runtime") && labels[2] == "amazonaws" {
		return labels[1]
	}
	return ""
}
