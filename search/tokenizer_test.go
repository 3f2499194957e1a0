package search

import (
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	index "github.com/blevesearch/bleve_index_api"
)

// TestTermsFieldAnalysesAsKeywords: a termsField gives the index what bleve's own analysis of
// one keyword token per term gives (document.TextField with the keyword analyzer per term).
func TestTermsFieldAnalysesAsKeywords(t *testing.T) {
	for _, terms := range [][]string{
		nil,
		{"jose"},
		{"ta/jose", "ta/garcia", "ta/gmail.com", "ta/jose", "pa/4155550100", "pa/0100", "ta/jose"},
		{"x", "", "y", "x"},
	} {
		var f termsField
		var toks analysis.TokenStream
		for _, term := range terms {
			f.add(term)
			if term != "" {
				toks = append(toks, &analysis.Token{Term: []byte(term), Type: analysis.AlphaNumeric})
			}
		}
		f.Analyze()
		want := analysis.TokenFrequency(toks, nil, termsOptions)
		if len(f.freqs) != len(want) {
			t.Errorf("%q: %d distinct terms, want %d", terms, len(f.freqs), len(want))
		}
		for k, w := range want {
			got, ok := f.freqs[k]
			if !ok || string(got.Term) != string(w.Term) || got.Frequency() != w.Frequency() || len(got.Locations) != 0 {
				t.Errorf("%q: term %q = %+v, want %+v", terms, k, got, w)
			}
		}
		if f.Options() != index.IndexField|index.SkipFreqNorm {
			t.Errorf("options %v", f.Options())
		}
	}
}
