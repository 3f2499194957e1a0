package app_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"agentbook/app"
)

func TestEmailSyntax(t *testing.T) {
	const (
		example    = "Enter an email address like name@example.com."
		localDots  = "The part before the @ can't start or end with a dot or have two dots in a row."
		domainDots = "The domain can't start or end with a dot or have two dots in a row."
		hyphen     = "A part of the domain can't start or end with a hyphen."
		tld        = "The domain must end in a top-level domain like .com."
		space      = "There is a space in this address."
		ipAddress  = "Use a domain name after the @, not an IP address."
		nameOrList = "Enter just the address, without a name or angle brackets, like name@example.com."
	)
	label63 := strings.Repeat("b", 63)
	tests := []struct {
		name    string
		address string
		want    string
	}{
		{"accepts a plain address", "jane@example.com", ""},
		{"accepts plus addressing", "jane+homes@example.com", ""},
		{"accepts a dotted local part and a subdomain", "jane.doe@mail.example.co.uk", ""},
		{"accepts an apostrophe in the local part", "o'brien@example.ie", ""},
		{"accepts every special character a dot-atom allows", "!#$%&'*+/=?^_`{|}~-@example.com", ""},
		{"accepts capital letters anywhere", "Jane.Doe@Example.COM", ""},
		{"accepts a local part of digits only", "12345@example.com", ""},
		{"accepts hyphens and digits inside domain labels", "a@1-800-my-office.com", ""},
		{"accepts a long top-level domain", "a@example.photography", ""},
		{"accepts an internationalised domain", "jose@exämple.com", ""},
		{"accepts accented letters in the local part", "müller@bücher.de", ""},
		{"accepts a Cyrillic address", "иван@пример.рф", ""},
		{"accepts a Chinese address with a Chinese top-level domain", "用户@例子.广告", ""},
		{"accepts a Devanagari domain with its vowel signs", "user@भारत.भारत", ""},
		{"accepts a top-level domain written in punycode", "a@example.xn--p1ai", ""},
		{"accepts a local part of exactly 64 characters", strings.Repeat("a", 64) + "@example.com", ""},
		{"accepts a domain label of exactly 63 characters", "a@" + label63 + ".com", ""},
		{"accepts an address of exactly 254 characters",
			strings.Repeat("a", 64) + "@" + label63 + "." + label63 + "." + strings.Repeat("c", 57) + ".com", ""},

		{"asks for an address when there is none", "", "Enter an email address."},
		{"asks for the @ and domain when there is no @", "jane.example.com", example},
		{"asks for the part before a leading @", "@example.com", "Add the part before the @, like name@example.com."},
		{"asks for the domain after a trailing @", "jane@", "Add the domain after the @, like name@example.com."},
		{"refuses a second @", "jane@doe@example.com", "An email address has only one @."},
		{"refuses a space inside the address", "ja ne@example.com", space},
		{"refuses a leading space", " jane@example.com", space},
		{"refuses a tab", "jane@example.com\t", space},
		{"refuses a no-break space pasted from a web page", "jane\u00a0doe@example.com", space},
		{"refuses a display name with the address in angle brackets", "Bob <bob@example.com>", nameOrList},
		{"refuses an address in angle brackets", "<bob@example.com>", nameOrList},
		{"refuses a list separated by commas", "a@example.com,b@example.com", "Enter one address only; this one has a comma."},
		{"refuses a list separated by semicolons", "a@example.com;b@example.com", "Enter one address only; this one has a semicolon."},
		{"refuses a quoted local part", `"john.doe"@example.com`, "Quotation marks can't be used in an email address."},
		{"refuses a local part starting with a dot", ".jane@example.com", localDots},
		{"refuses a local part ending with a dot", "jane.@example.com", localDots},
		{"refuses two dots in a row in the local part", "ja..ne@example.com", localDots},
		{"refuses a local part over 64 characters", strings.Repeat("a", 65) + "@example.com", "The part before the @ has at most 64 characters."},
		{"refuses an address over 254 characters", strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".com", "An email address has at most 254 characters."},
		{"names a parenthesis in the local part", "jane(work)@example.com", `The part before the @ can't contain "(".`},
		{"names a backslash in the local part", `jane\doe@example.com`, `The part before the @ can't contain "\".`},
		{"refuses a control character without printing it", "ja\x00ne@example.com", "The part before the @ has a character that can't be used in an email address."},
		{"refuses bytes that are not UTF-8", "ja\xffne@example.com", "The part before the @ has a character that can't be used in an email address."},
		{"refuses an IP-literal domain", "jane@[192.0.2.1]", ipAddress},
		{"refuses a bare IPv4 address as the domain", "jane@192.0.2.1", ipAddress},
		{"refuses a domain without a dot", "jane@localhost", "The domain after the @ needs a dot, like example.com."},
		{"refuses an empty domain label", "jane@example..com", domainDots},
		{"refuses a domain starting with a dot", "jane@.example.com", domainDots},
		{"refuses a domain ending with a dot", "jane@example.com.", domainDots},
		{"refuses a domain label starting with a hyphen", "jane@-example.com", hyphen},
		{"refuses a domain label ending with a hyphen", "jane@example-.com", hyphen},
		{"names an underscore in the domain", "jane@ex_ample.com", `The domain can't contain "_".`},
		{"refuses a one-letter top-level domain", "jane@example.c", tld},
		{"refuses an all-digit top-level domain", "jane@example.123", tld},
		{"refuses a domain label over 63 characters", "jane@" + strings.Repeat("b", 64) + ".com", "Each part of the domain has at most 63 characters."},
		{"refuses an internationalised label over 63 characters in its ASCII form", "jane@" + strings.Repeat("a", 58) + "ä.com", "Each part of the domain has at most 63 characters."},
		{"refuses a domain label starting with a combining accent", "jane@\u0301example.com", "This international domain name isn't valid."},
		{"refuses a punycode label that does not decode", "jane@xn--zz.com", "This international domain name isn't valid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.EmailSyntaxError(tt.address); got != tt.want {
				t.Errorf("EmailSyntaxError(%q) = %q, want %q", tt.address, got, tt.want)
			}
		})
	}
}

// fakeResolver answers from functions; a nil function fails the test when called.
type fakeResolver struct {
	t     *testing.T
	mx    func(ctx context.Context, name string) ([]*net.MX, error)
	host  func(ctx context.Context, name string) ([]string, error)
	calls atomic.Int32
}

func (f *fakeResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	f.calls.Add(1)
	if f.mx == nil {
		f.t.Errorf("unexpected LookupMX(%q)", name)
		return nil, errors.New("unexpected lookup")
	}
	return f.mx(ctx, name)
}

func (f *fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	f.calls.Add(1)
	if f.host == nil {
		f.t.Errorf("unexpected LookupHost(%q)", host)
		return nil, errors.New("unexpected lookup")
	}
	return f.host(ctx, host)
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// mxAnswer returns a LookupMX that expects the query fqdn and gives records and err.
func mxAnswer(t *testing.T, fqdn string, records []*net.MX, err error) func(context.Context, string) ([]*net.MX, error) {
	return func(_ context.Context, name string) ([]*net.MX, error) {
		if name != fqdn {
			t.Errorf("LookupMX(%q), want %q", name, fqdn)
		}
		return records, err
	}
}

// hostAnswer returns a LookupHost that expects the query fqdn and gives addrs and err.
func hostAnswer(t *testing.T, fqdn string, addrs []string, err error) func(context.Context, string) ([]string, error) {
	return func(_ context.Context, name string) ([]string, error) {
		if name != fqdn {
			t.Errorf("LookupHost(%q), want %q", name, fqdn)
		}
		return addrs, err
	}
}

func TestVerifierDomainCheck(t *testing.T) {
	mx := []*net.MX{{Host: "mx1.example.com.", Pref: 10}}
	addrs := []string{"192.0.2.10"}
	temporary := &net.DNSError{Err: "server misbehaving", Name: "example.com", IsTemporary: true}
	type mxFunc = func(context.Context, string) ([]*net.MX, error)
	type hostFunc = func(context.Context, string) ([]string, error)
	tests := []struct {
		name       string
		address    string
		mx         func(t *testing.T) mxFunc
		host       func(t *testing.T) hostFunc
		wantStatus string
		wantReason string
	}{
		{
			name: "accepts a domain with MX records", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", mx, nil) },
			wantStatus: app.EmailValid,
		},
		{
			name: "keeps the valid MX records that come with an error about invalid ones", address: "jane@example.com",
			mx: func(t *testing.T) mxFunc {
				return mxAnswer(t, "example.com.", mx, &net.DNSError{Err: "DNS response contained records which contain invalid names", Name: "example.com"})
			},
			wantStatus: app.EmailValid,
		},
		{
			name: "refuses a domain that publishes a null MX", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", []*net.MX{{Host: ".", Pref: 0}}, nil) },
			wantStatus: app.EmailInvalid, wantReason: "example.com accepts no mail (null MX)",
		},
		{
			name: "refuses a domain that does not exist", address: "jane@Example.INVALID",
			mx: func(t *testing.T) mxFunc { return mxAnswer(t, "example.invalid.", nil, notFound("example.invalid")) },
			host: func(t *testing.T) hostFunc {
				return hostAnswer(t, "example.invalid.", nil, notFound("example.invalid"))
			},
			wantStatus: app.EmailInvalid, wantReason: "no such domain example.invalid",
		},
		{
			name: "accepts a domain without MX records that has an address (implicit MX)", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", nil, notFound("example.com")) },
			host:       func(t *testing.T) hostFunc { return hostAnswer(t, "example.com.", addrs, nil) },
			wantStatus: app.EmailValid,
		},
		{
			name: "accepts an empty MX answer when the domain has an address", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", []*net.MX{}, nil) },
			host:       func(t *testing.T) hostFunc { return hostAnswer(t, "example.com.", addrs, nil) },
			wantStatus: app.EmailValid,
		},
		{
			name: "refuses an existing domain with neither MX nor address records", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", nil, nil) },
			host:       func(t *testing.T) hostFunc { return hostAnswer(t, "example.com.", nil, notFound("example.com")) },
			wantStatus: app.EmailInvalid, wantReason: "example.com has no mail server (no MX or A record)",
		},
		{
			name: "refuses an existing domain whose address answer is empty too", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", nil, nil) },
			host:       func(t *testing.T) hostFunc { return hostAnswer(t, "example.com.", []string{}, nil) },
			wantStatus: app.EmailInvalid, wantReason: "example.com has no mail server (no MX or A record)",
		},
		{
			name: "looks up an internationalised domain in its ASCII form", address: "jose@Exämple.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "xn--exmple-cua.com.", mx, nil) },
			wantStatus: app.EmailValid,
		},
		{
			name: "names an internationalised domain as written in the reason", address: "jose@exämple.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "xn--exmple-cua.com.", []*net.MX{{Host: "."}}, nil) },
			wantStatus: app.EmailInvalid, wantReason: "exämple.com accepts no mail (null MX)",
		},
		{
			name: "refuses a malformed address without any lookup", address: "jane@localhost",
			wantStatus: app.EmailInvalid, wantReason: "syntax: The domain after the @ needs a dot, like example.com.",
		},
		{
			name: "says unknown when the DNS server fails temporarily", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", nil, temporary) },
			wantStatus: app.EmailUnknown, wantReason: "temporary DNS failure: server misbehaving",
		},
		{
			name: "says unknown when a not-found answer is marked temporary", address: "jane@example.com",
			mx: func(t *testing.T) mxFunc {
				return mxAnswer(t, "example.com.", nil, &net.DNSError{Err: "no such host", IsNotFound: true, IsTemporary: true})
			},
			wantStatus: app.EmailUnknown, wantReason: "temporary DNS failure: no such host",
		},
		{
			name: "says unknown when the DNS error is a timeout", address: "jane@example.com",
			mx: func(t *testing.T) mxFunc {
				return mxAnswer(t, "example.com.", nil, &net.DNSError{Err: "i/o timeout", IsTimeout: true})
			},
			wantStatus: app.EmailUnknown, wantReason: "DNS lookup timed out",
		},
		{
			name: "says unknown when the network is unreachable", address: "jane@example.com",
			mx: func(t *testing.T) mxFunc {
				return mxAnswer(t, "example.com.", nil, errors.New("dial udp 192.0.2.53:53: connect: network is unreachable"))
			},
			wantStatus: app.EmailUnknown, wantReason: "DNS lookup failed: dial udp 192.0.2.53:53: connect: network is unreachable",
		},
		{
			name: "says unknown when the address lookup after a missing MX fails", address: "jane@example.com",
			mx:         func(t *testing.T) mxFunc { return mxAnswer(t, "example.com.", nil, notFound("example.com")) },
			host:       func(t *testing.T) hostFunc { return hostAnswer(t, "example.com.", nil, temporary) },
			wantStatus: app.EmailUnknown, wantReason: "temporary DNS failure: server misbehaving",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeResolver{t: t}
			if tt.mx != nil {
				r.mx = tt.mx(t)
			}
			if tt.host != nil {
				r.host = tt.host(t)
			}
			checked := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			v := &app.Verifier{Resolver: r, DNS: true, Now: func() time.Time { return checked }}
			got := v.Verify(context.Background(), tt.address)
			want := app.Verdict{Status: tt.wantStatus, Reason: tt.wantReason, CheckedAt: checked}
			if got != want {
				t.Errorf("Verify(%q) = %+v, want %+v", tt.address, got, want)
			}
		})
	}
}

func TestVerifierWithoutDNS(t *testing.T) {
	t.Run("a well-formed address is valid without any lookup", func(t *testing.T) {
		v := &app.Verifier{Resolver: &fakeResolver{t: t}, DNS: false}
		if got := v.Verify(context.Background(), "jane@example.invalid"); got.Status != app.EmailValid || got.Reason != "" {
			t.Errorf("Verify = %+v, want valid", got)
		}
	})
	t.Run("a malformed address is still invalid", func(t *testing.T) {
		v := &app.Verifier{Resolver: &fakeResolver{t: t}, DNS: false}
		got := v.Verify(context.Background(), "Bob <bob@example.com>")
		if got.Status != app.EmailInvalid || !strings.HasPrefix(got.Reason, "syntax: ") {
			t.Errorf("Verify = %+v, want invalid with a syntax reason", got)
		}
	})
	t.Run("the zero Verifier checks syntax only", func(t *testing.T) {
		var v app.Verifier
		if got := v.Verify(context.Background(), "jane@example.invalid"); got.Status != app.EmailValid {
			t.Errorf("Verify = %+v, want valid", got)
		}
	})
	t.Run("CheckSyntax never looks anything up", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		v := &app.Verifier{Resolver: &fakeResolver{t: t}, DNS: true, Now: func() time.Time { return now }}
		if got := v.CheckSyntax("jane@example.com"); got != (app.Verdict{Status: app.EmailValid, CheckedAt: now}) {
			t.Errorf("CheckSyntax = %+v, want valid at %v", got, now)
		}
		want := app.Verdict{Status: app.EmailInvalid, Reason: "syntax: There is a space in this address.", CheckedAt: now}
		if got := v.CheckSyntax("ja ne@example.com"); got != want {
			t.Errorf("CheckSyntax = %+v, want %+v", got, want)
		}
	})
}

// blockUntilDone is a LookupMX that waits for its context to end.
func blockUntilDone(ctx context.Context, _ string) ([]*net.MX, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// verifyOrHang runs Verify and fails the test if it has not returned within a generous limit.
func verifyOrHang(t *testing.T, ctx context.Context, v *app.Verifier, address string) app.Verdict {
	t.Helper()
	done := make(chan app.Verdict, 1)
	go func() { done <- v.Verify(ctx, address) }()
	select {
	case got := <-done:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("Verify did not return")
		return app.Verdict{}
	}
}

func TestVerifierTimeout(t *testing.T) {
	t.Run("a lookup that hangs is cut off by Timeout and gives unknown", func(t *testing.T) {
		v := &app.Verifier{Resolver: &fakeResolver{t: t, mx: blockUntilDone}, DNS: true, Timeout: 50 * time.Millisecond}
		got := verifyOrHang(t, context.Background(), v, "jane@example.com")
		if got.Status != app.EmailUnknown || got.Reason != "DNS lookup timed out" {
			t.Errorf("Verify = %+v, want unknown: DNS lookup timed out", got)
		}
	})
	t.Run("a caller's deadline ends the wait before Timeout", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		r := &fakeResolver{t: t, mx: func(ctx context.Context, _ string) ([]*net.MX, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil, errors.New("released")
		}}
		v := &app.Verifier{Resolver: r, DNS: true, Timeout: time.Hour}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		got := verifyOrHang(t, ctx, v, "jane@example.com")
		if got.Status != app.EmailUnknown || got.Reason != "DNS lookup timed out" {
			t.Errorf("Verify = %+v, want unknown: DNS lookup timed out", got)
		}
	})
	t.Run("a cancelled caller gets unknown", func(t *testing.T) {
		v := &app.Verifier{Resolver: &fakeResolver{t: t, mx: blockUntilDone}, DNS: true, Timeout: 50 * time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got := verifyOrHang(t, ctx, v, "jane@example.com")
		if got.Status != app.EmailUnknown || got.Reason != "the check was cancelled" {
			t.Errorf("Verify = %+v, want unknown: the check was cancelled", got)
		}
	})
}

func TestVerifierCache(t *testing.T) {
	mxOK := func(context.Context, string) ([]*net.MX, error) {
		return []*net.MX{{Host: "mx.example.com.", Pref: 10}}, nil
	}
	t.Run("a second check of the same domain makes no lookup", func(t *testing.T) {
		r := &fakeResolver{t: t, mx: mxOK}
		v := &app.Verifier{Resolver: r, DNS: true}
		for _, a := range []string{"jane@example.com", "bob@EXAMPLE.com"} {
			if got := v.Verify(context.Background(), a); got.Status != app.EmailValid {
				t.Errorf("Verify(%q) = %+v, want valid", a, got)
			}
		}
		if n := r.calls.Load(); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})
	t.Run("an invalid answer is cached too", func(t *testing.T) {
		r := &fakeResolver{t: t,
			mx:   func(context.Context, string) ([]*net.MX, error) { return nil, notFound("example.invalid") },
			host: func(context.Context, string) ([]string, error) { return nil, notFound("example.invalid") }}
		v := &app.Verifier{Resolver: r, DNS: true}
		for range 2 {
			if got := v.Verify(context.Background(), "jane@example.invalid"); got.Status != app.EmailInvalid {
				t.Errorf("Verify = %+v, want invalid", got)
			}
		}
		if n := r.calls.Load(); n != 2 { // one MX and one host lookup, once
			t.Errorf("%d lookups, want 2", n)
		}
	})
	t.Run("the answer is looked up again once TTL has passed", func(t *testing.T) {
		r := &fakeResolver{t: t, mx: mxOK}
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		now := start
		v := &app.Verifier{Resolver: r, DNS: true, TTL: time.Hour, Now: func() time.Time { return now }}
		v.Verify(context.Background(), "jane@example.com")
		now = start.Add(59 * time.Minute)
		if got := v.Verify(context.Background(), "jane@example.com"); got.CheckedAt != start {
			t.Errorf("cached verdict checked at %v, want the lookup time %v", got.CheckedAt, start)
		}
		if n := r.calls.Load(); n != 1 {
			t.Errorf("%d lookups within TTL, want 1", n)
		}
		now = start.Add(61 * time.Minute)
		if got := v.Verify(context.Background(), "jane@example.com"); got.CheckedAt != now {
			t.Errorf("fresh verdict checked at %v, want %v", got.CheckedAt, now)
		}
		if n := r.calls.Load(); n != 2 {
			t.Errorf("%d lookups after TTL, want 2", n)
		}
	})
	t.Run("an unknown answer is not cached", func(t *testing.T) {
		var fail atomic.Bool
		fail.Store(true)
		r := &fakeResolver{t: t, mx: func(ctx context.Context, name string) ([]*net.MX, error) {
			if fail.Load() {
				return nil, &net.DNSError{Err: "server misbehaving", IsTemporary: true}
			}
			return mxOK(ctx, name)
		}}
		v := &app.Verifier{Resolver: r, DNS: true}
		if got := v.Verify(context.Background(), "jane@example.com"); got.Status != app.EmailUnknown {
			t.Errorf("first Verify = %+v, want unknown", got)
		}
		fail.Store(false)
		if got := v.Verify(context.Background(), "jane@example.com"); got.Status != app.EmailValid {
			t.Errorf("second Verify = %+v, want valid", got)
		}
		if n := r.calls.Load(); n != 2 {
			t.Errorf("%d lookups, want 2", n)
		}
	})
}

func TestVerifierConcurrency(t *testing.T) {
	t.Run("concurrent checks of one domain share one lookup", func(t *testing.T) {
		r := &fakeResolver{t: t, mx: func(context.Context, string) ([]*net.MX, error) {
			time.Sleep(50 * time.Millisecond)
			return []*net.MX{{Host: "mx.example.com.", Pref: 10}}, nil
		}}
		v := &app.Verifier{Resolver: r, DNS: true}
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]app.Verdict, 10)
		for i := range results {
			wg.Go(func() {
				<-start
				results[i] = v.Verify(context.Background(), "user"+string(rune('a'+i))+"@example.com")
			})
		}
		close(start)
		wg.Wait()
		for i, got := range results {
			if got.Status != app.EmailValid {
				t.Errorf("goroutine %d: Verify = %+v, want valid", i, got)
			}
		}
		if n := r.calls.Load(); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})
	t.Run("a caller that gives up does not spoil the answer for the others", func(t *testing.T) {
		release, started := make(chan struct{}), make(chan struct{})
		r := &fakeResolver{t: t, mx: func(context.Context, string) ([]*net.MX, error) {
			close(started)
			<-release
			return []*net.MX{{Host: "mx.example.com.", Pref: 10}}, nil
		}}
		v := &app.Verifier{Resolver: r, DNS: true}
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan app.Verdict, 1)
		go func() { first <- v.Verify(ctx, "jane@example.com") }()
		<-started
		cancel()
		if got := <-first; got.Status != app.EmailUnknown {
			t.Errorf("cancelled Verify = %+v, want unknown", got)
		}
		second := make(chan app.Verdict, 1)
		go func() { second <- v.Verify(context.Background(), "bob@example.com") }()
		close(release)
		if got := <-second; got.Status != app.EmailValid {
			t.Errorf("second Verify = %+v, want valid", got)
		}
		if n := r.calls.Load(); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})
}

func TestVerifierCanary(t *testing.T) {
	ctx := context.Background()
	sinkhole := func(_ context.Context, name string) ([]*net.MX, error) { return nil, notFound(name) }
	noHost := func(_ context.Context, name string) ([]string, error) { return nil, notFound(name) }

	t.Run("a resolver that finds no domain at all makes a missing domain unknown, not invalid", func(t *testing.T) {
		r := &fakeResolver{t: t, mx: sinkhole, host: noHost}
		v := &app.Verifier{Resolver: r, DNS: true, Canary: "gmail.com"}
		got := v.Verify(ctx, "ann@example.com")
		if got.Status != app.EmailUnknown || !strings.Contains(got.Reason, "not trusted") {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("a resolver that finds the canary is trusted to say a domain is missing", func(t *testing.T) {
		mx := func(ctx context.Context, name string) ([]*net.MX, error) {
			if name == "gmail.com." {
				return []*net.MX{{Host: "gmail-smtp-in.l.google.com.", Pref: 5}}, nil
			}
			return sinkhole(ctx, name)
		}
		r := &fakeResolver{t: t, mx: mx, host: noHost}
		v := &app.Verifier{Resolver: r, DNS: true, Canary: "gmail.com"}
		if got := v.Verify(ctx, "ann@nowhere.example"); got.Status != app.EmailInvalid {
			t.Fatalf("%+v", got)
		}
		before := r.calls.Load()
		v.Verify(ctx, "bob@elsewhere.example")
		if n := r.calls.Load() - before; n != 2 {
			t.Errorf("the canary answer is remembered: %d lookups for a second domain, want 2", n)
		}
	})
}
