package store_test

import (
	"context"
	"fmt"
	"testing"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store"
)

// BenchmarkCreateContactDisk measures one contact write on disk with and without fsync on
// commit: the price of "a write the user was told succeeded survives kill -9".
//
//	go test -run '^$' -bench CreateContactDisk ./store
func BenchmarkCreateContactDisk(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("fsync=%v", sync), func(b *testing.B) {
			st, err := store.Open(store.Options{Dir: b.TempDir(), NoSync: !sync, Terms: search.Terms})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: "Bench", LastName: fmt.Sprint(i),
					Emails: []app.Email{{Address: fmt.Sprintf("b%d@example.com", i)}}, Status: app.StatusActive, Version: 1}
				if err := st.CreateContacts(ctx, []*app.Contact{c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
