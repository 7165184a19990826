package pdk

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"gpt-4o", "gpt-4o", true},
		{"gpt-4o", "gpt-4o-mini", false},
		{"gpt-4o*", "gpt-4o-mini", true},
		{"gpt-4o*", "gpt-4", false},
		{"*-mini", "gpt-4o-mini", true},
		{"*-mini", "gpt-4o-mini-2024", false},
		{"gpt-*-mini", "gpt-4o-mini", true},
		{"gpt-*-mini", "gpt-mini", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "acb", false},
		{"a**c", "ac", true},
		{"*a*", "bab", true},
		{"*a*", "bbb", false},
		{"ab*ab", "ab", false},
		{"ab*ab", "abab", true},
		{"mistral-?", "mistral-3", false}, // only * is special
		{"mistral-?", "mistral-?", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
