package app

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

// Resolver looks up DNS records; *net.Resolver satisfies it. Tests replace it.
// Verifier asks for fully qualified names, with a trailing dot ("example.com."), so that the
// system's search domains are never appended to a contact's domain.
type Resolver interface {
	// LookupMX returns the mail exchangers of name. An error for which *net.DNSError.IsNotFound
	// holds means the name does not exist or has no MX records.
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	// LookupHost returns the addresses of host, with the same IsNotFound convention.
	LookupHost(ctx context.Context, host string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Verdict is the outcome of checking an address.
type Verdict struct {
	// Status is EmailValid, EmailInvalid or EmailUnknown.
	Status string
	// Reason says, for an invalid address, why in words a user can read ("no such domain
	// example.invalid", "syntax: There is a space in this address."); for an unknown one, why
	// the check could not answer ("DNS lookup timed out"); it is empty for a valid one.
	Reason string
	// CheckedAt is when the answer was obtained: for a cached DNS answer, when it was looked up.
	CheckedAt time.Time
}

// Verifier checks addresses before mail is sent to them: the syntax, then (with DNS) that the
// domain exists and accepts mail. A network or DNS failure gives EmailUnknown, never EmailInvalid,
// so an office whose internet is down does not flag every contact. Definite answers are cached per
// domain, and concurrent checks of one domain share one lookup. Use it through a pointer; the zero
// value checks syntax only.
type Verifier struct {
	// Resolver does the lookups; nil means net.DefaultResolver.
	Resolver Resolver
	// DNS turns the domain check on; without it (--dns-check=false) a well-formed address is valid.
	DNS bool
	// Timeout bounds each lookup; 0 means 3s.
	Timeout time.Duration
	// TTL is how long valid and invalid answers are cached; 0 means 1h. Unknown ones are not cached.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Canary is a domain known to receive mail (agentbook serves with "gmail.com"). Before a
	// "no such domain" answer makes an address invalid, the resolver must find the canary's MX:
	// resolvers that answer "no such domain" for every name (a captive portal, a sinkhole, an
	// office network without internet) then give unknown instead of flagging every contact.
	// "" skips the check.
	Canary string

	mu       sync.Mutex
	cache    map[string]Verdict       // by ASCII lower-case domain; definite verdicts only
	inflight map[string]*domainLookup // lookups under way, by the same key
	trusted  canaryState
}

// canaryState remembers the last canary answer: trusted for 10 minutes, distrusted for one.
type canaryState struct {
	mu    sync.Mutex
	ok    bool
	until time.Time
}

// domainLookup is one lookup that several Verify calls may wait for.
type domainLookup struct {
	done    chan struct{}
	verdict Verdict // set before done is closed
}

// Default verifier settings and the size above which expired cache entries are swept.
const (
	defaultVerifyTimeout = 3 * time.Second
	defaultVerifyTTL     = time.Hour
	verifyCacheSweepAt   = 4096
)

// CheckSyntax checks only the form of address: EmailInvalid with a "syntax: …" reason, or
// EmailValid.
func (v *Verifier) CheckSyntax(address string) Verdict {
	if msg := EmailSyntaxError(strings.TrimSpace(address)); msg != "" {
		return Verdict{Status: EmailInvalid, Reason: "syntax: " + msg, CheckedAt: v.now()}
	}
	return Verdict{Status: EmailValid, CheckedAt: v.now()}
}

// Verify checks address: its syntax, then, when DNS is on, that its domain has a mail server
// (MX records, or an address record as the implicit MX of RFC 5321) and no null MX (RFC 7505).
// A timeout, a temporary DNS failure, any other lookup error or the end of ctx gives EmailUnknown.
func (v *Verifier) Verify(ctx context.Context, address string) Verdict {
	address = strings.TrimSpace(address)
	if sv := v.CheckSyntax(address); sv.Status != EmailValid || !v.DNS {
		return sv
	}
	domain := strings.ToLower(address[strings.LastIndexByte(address, '@')+1:])
	key, err := domainToASCII(domain)
	if err != nil { // EmailSyntaxError already converted it; kept for safety
		return Verdict{Status: EmailInvalid, Reason: "syntax: " + msgBadIDN, CheckedAt: v.now()}
	}
	return v.checkDomain(ctx, key, domain)
}

// checkDomain answers from the cache, joins a lookup of key under way, or starts one. The lookup
// runs on its own goroutine, bounded by Timeout but not by ctx, so that a caller that gives up
// does not cut short the answer other callers (and the cache) wait for.
func (v *Verifier) checkDomain(ctx context.Context, key, display string) Verdict {
	v.mu.Lock()
	if cached, ok := v.cache[key]; ok {
		if v.now().Sub(cached.CheckedAt) < v.ttl() {
			v.mu.Unlock()
			return cached
		}
		delete(v.cache, key)
	}
	call, ok := v.inflight[key]
	if !ok && ctx.Err() != nil {
		v.mu.Unlock()
		return Verdict{Status: EmailUnknown, Reason: lookupFailure(ctx.Err()), CheckedAt: v.now()}
	}
	if !ok {
		if v.inflight == nil {
			v.inflight = map[string]*domainLookup{}
		}
		call = &domainLookup{done: make(chan struct{})}
		v.inflight[key] = call
		go v.lookup(context.WithoutCancel(ctx), key, display, call)
	}
	v.mu.Unlock()
	select {
	case <-call.done:
		return call.verdict
	case <-ctx.Done():
		return Verdict{Status: EmailUnknown, Reason: lookupFailure(ctx.Err()), CheckedAt: v.now()}
	}
}

// lookup resolves key, stores a definite answer in the cache and wakes the waiters.
func (v *Verifier) lookup(ctx context.Context, key, display string, call *domainLookup) {
	verdict := v.resolve(ctx, key, display)
	v.mu.Lock()
	delete(v.inflight, key)
	if verdict.Status != EmailUnknown {
		if v.cache == nil {
			v.cache = map[string]Verdict{}
		}
		if len(v.cache) >= verifyCacheSweepAt {
			v.sweepLocked()
		}
		v.cache[key] = verdict
	}
	v.mu.Unlock()
	call.verdict = verdict
	close(call.done)
}

// sweepLocked drops expired cache entries; v.mu must be held.
func (v *Verifier) sweepLocked() {
	now, ttl := v.now(), v.ttl()
	for k, c := range v.cache {
		if now.Sub(c.CheckedAt) >= ttl {
			delete(v.cache, k)
		}
	}
}

// resolve does the DNS lookups for the ASCII domain key; display names it in reasons.
func (v *Verifier) resolve(ctx context.Context, key, display string) Verdict {
	verdict := func(status, reason string) Verdict {
		return Verdict{Status: status, Reason: reason, CheckedAt: v.now()}
	}
	r := v.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	fqdn := key + "."

	mctx, cancel := context.WithTimeout(ctx, v.timeout())
	mxs, err := r.LookupMX(mctx, fqdn)
	cancel()
	// LookupMX may return the valid records together with an error about invalid ones.
	var hosts, nulls int
	for _, mx := range mxs {
		switch {
		case mx == nil:
		case mx.Host == "." || mx.Host == "":
			nulls++
		default:
			hosts++
		}
	}
	switch {
	case hosts > 0:
		return verdict(EmailValid, "")
	case nulls > 0 && err == nil:
		return verdict(EmailInvalid, display+" accepts no mail (null MX)")
	case err != nil && !isNotFound(err):
		return verdict(EmailUnknown, lookupFailure(err))
	}
	mxNotFound := err != nil // else: the domain answered with no MX records

	hctx, cancel := context.WithTimeout(ctx, v.timeout())
	addrs, err := r.LookupHost(hctx, fqdn)
	cancel()
	switch {
	case err == nil && len(addrs) > 0:
		return verdict(EmailValid, "")
	case err != nil && !isNotFound(err):
		return verdict(EmailUnknown, lookupFailure(err))
	case !v.resolverTrusted(ctx, r):
		return verdict(EmailUnknown, "DNS finds no domain, not even "+v.Canary+": its answers are not trusted")
	case mxNotFound:
		// Go reports both "no such domain" and "no records of this type" as not found; with
		// neither MX nor address records the domain is, for mail, as good as missing.
		return verdict(EmailInvalid, "no such domain "+display)
	}
	return verdict(EmailInvalid, display+" has no mail server (no MX or A record)")
}

// resolverTrusted reports whether the resolver finds the canary domain's mail servers, so that
// its "not found" answers mean something. Without a Canary every resolver is trusted.
func (v *Verifier) resolverTrusted(ctx context.Context, r Resolver) bool {
	if v.Canary == "" {
		return true
	}
	c := &v.trusted
	c.mu.Lock()
	defer c.mu.Unlock()
	now := v.now()
	if now.Before(c.until) {
		return c.ok
	}
	cctx, cancel := context.WithTimeout(ctx, v.timeout())
	mxs, err := r.LookupMX(cctx, strings.TrimSuffix(v.Canary, ".")+".")
	cancel()
	c.ok = err == nil && len(mxs) > 0
	c.until = now.Add(time.Minute)
	if c.ok {
		c.until = now.Add(10 * time.Minute)
	}
	return c.ok
}

// isNotFound reports whether err is a definite "not found" answer, not a timeout or a failure.
func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound && !de.IsTimeout && !de.IsTemporary
}

// lookupFailure says in a few words why a lookup gave no definite answer.
func lookupFailure(err error) string {
	var de *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &de) && de.IsTimeout:
		return "DNS lookup timed out"
	case errors.Is(err, context.Canceled):
		return "the check was cancelled"
	case de != nil && de.IsTemporary:
		return "temporary DNS failure: " + de.Err
	case de != nil:
		return "DNS lookup failed: " + de.Err
	}
	return "DNS lookup failed: " + err.Error()
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) timeout() time.Duration {
	if v.Timeout > 0 {
		return v.Timeout
	}
	return defaultVerifyTimeout
}

func (v *Verifier) ttl() time.Duration {
	if v.TTL > 0 {
		return v.TTL
	}
	return defaultVerifyTTL
}

// domainToASCII returns the lower-case ASCII (A-label) form of a domain that EmailSyntaxError's
// label rules accept: ASCII domains as they are, internationalised ones (and "xn--" labels, which
// must decode) through IDNA's lookup profile.
func domainToASCII(domain string) (string, error) {
	lower := strings.ToLower(domain)
	if isASCII(lower) && !strings.HasPrefix(lower, "xn--") && !strings.Contains(lower, ".xn--") {
		return lower, nil
	}
	return idna.Lookup.ToASCII(lower)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// msgBadIDN is EmailSyntaxError's message for a domain that IDNA refuses.
const msgBadIDN = "This international domain name isn't valid."

// isIPAddress reports whether s is an IPv4 or IPv6 address rather than a domain name.
func isIPAddress(s string) bool { return net.ParseIP(s) != nil }

// isAlnumASCII reports whether r is an ASCII letter or digit.
func isAlnumASCII(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
