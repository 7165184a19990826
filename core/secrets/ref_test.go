package secrets

import "testing"

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    Ref
		wantErr bool
	}{
		{in: "sk-literal", want: Ref{}},
		{in: "vault://secret/openai#api_key", want: Ref{Scheme: SchemeVault, Mount: "secret", Path: "openai", Field: "api_key"}},
		{in: "vault://kv/team/a/openai#key", want: Ref{Scheme: SchemeVault, Mount: "kv", Path: "team/a/openai", Field: "key"}},
		{in: "env://OPENAI_API_KEY", want: Ref{Scheme: SchemeEnv, Name: "OPENAI_API_KEY"}},
		{in: "file:///run/secrets/key", want: Ref{Scheme: SchemeFile, Name: "/run/secrets/key"}},
		{in: "file://relative/key", want: Ref{Scheme: SchemeFile, Name: "relative/key"}},
		{in: "vault://secret/openai", wantErr: true},
		{in: "vault://secret#f", wantErr: true},
		{in: "vault://secret/openai#", wantErr: true},
		{in: "vault://secret/../x#f", wantErr: true},
		{in: "env://", wantErr: true},
		{in: "env://A=B", wantErr: true},
		{in: "file://", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseRef(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		got.raw = ""
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestRefStringNeverShowsALiteral(t *testing.T) {
	r, _ := ParseRef("sk-literal-value")
	if s := r.String(); s != "[redacted]" {
		t.Fatalf("literal prints as %q", s)
	}
	r, _ = ParseRef("vault://secret/openai#api_key")
	if s := r.String(); s != "vault://secret/openai#api_key" {
		t.Fatalf("reference prints as %q", s)
	}
}
