package search

import (
	"slices"
	"testing"
)

func TestTermsTokenizer(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"jose", []string{"jose"}},
		{"a/jose\x1fa/garcia\x1fa/gmail.com", []string{"a/jose", "a/garcia", "a/gmail.com"}},
		{"\x1fx\x1f\x1fy\x1f", []string{"x", "y"}},
	} {
		var got []string
		for i, tok := range (termsTokenizer{}).Tokenize([]byte(tt.in)) {
			got = append(got, string(tok.Term))
			if tok.Position != i+1 || tt.in[tok.Start:tok.End] != string(tok.Term) {
				t.Errorf("%q: token %d = %+v", tt.in, i, tok)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
