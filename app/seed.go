package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

var (
	seedFirst = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra
Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian
Melissa George Deborah Timothy Stephanie Ronald Dorothy Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia Jacob
Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry Anna Justin Pamela Scott Nicole
Brandon Samantha Benjamin Katherine Samuel Christine Gregory Helen Alexander Debra Patrick Rachel Frank Carolyn
Raymond Janet Jack Maria Dennis Olivia Jerry Heather Tyler Diane José Zoë Renée André Chloé Günter Ingrid Sören Aurélie
Mateo Lucía Sofía Hiroshi Yuki Wei Priya Arjun Fatima Omar Aisha Kwame Amara Liam Noah Ava Mia Ethan Lucas Harper`)
	seedLast = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales
Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross
Foster Jiménez Müller Núñez O'Brien Dubois Schäfer Björk Søren Kowalski Nakamura Tanaka Chen Wang Singh Okafor Mensah`)
	seedCompanies = strings.Fields(`Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Tyrell Cyberdyne Soylent
Oscorp Aperture Gringotts Monarch Pied-Piper Dunder-Mifflin Sterling Bluth Prestige Massive Virtucon Zorg Gekko`)
	seedCities = strings.Fields(`Springfield Riverside Fairview Franklin Greenville Bristol Clinton Madison Georgetown
Salem Arlington Ashland Burlington Manchester Oxford Dover Milton Newport Auburn Dayton Lexington Jackson Hudson Kingston`)
	seedRegions  = strings.Fields(`CA TX FL NY PA IL OH GA NC MI WA AZ MA CO OR`)
	seedDomains  = strings.Fields(`gmail.com yahoo.com outlook.com icloud.com hotmail.com proton.me aol.com comcast.net`)
	seedGroups   = []string{"Buyers", "Sellers", "Past Clients", "Investors", "Open House", "Sphere", "Vendors", "Referrals"}
	seedLabels   = []string{"Home", "Work", "Other"}
	seedPhoneLab = []string{"Mobile", "Home", "Work"}
)

// SeedContacts returns n synthetic contacts for ownerID with realistic names, 1–3 emails,
// phones, cities and companies; each is put in 0–2 of groupIDs. The same seed gives the same set.
func SeedContacts(ownerID string, n int, groupIDs []string, seed uint64, now time.Time) []*Contact {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]*Contact, n)
	for i := range out {
		first, last := seedFirst[r.IntN(len(seedFirst))], seedLast[r.IntN(len(seedLast))]
		local := strings.ToLower(Fold(first) + "." + strings.ReplaceAll(Fold(last), "'", ""))
		c := &Contact{ID: NewID(), OwnerID: ownerID, FirstName: first, LastName: last,
			Status: StatusActive, CreatedAt: now, UpdatedAt: now, Version: 1}
		ne := 1 + r.IntN(3)
		for j := 0; j < ne; j++ {
			c.Emails = append(c.Emails, Email{
				Address: fmt.Sprintf("%s%d@%s", local, r.IntN(100000), seedDomains[r.IntN(len(seedDomains))]),
				Label:   seedLabels[j%len(seedLabels)], Notify: j == 0 || r.IntN(2) == 0, Status: EmailUnknown})
		}
		for j := 0; j < 1+r.IntN(2); j++ {
			c.Phones = append(c.Phones, Phone{Number: fmt.Sprintf("(%03d) %03d-%04d", 200+r.IntN(700), 200+r.IntN(700), r.IntN(10000)),
				Label: seedPhoneLab[j]})
		}
		if r.IntN(3) > 0 {
			c.Company = seedCompanies[r.IntN(len(seedCompanies))]
			c.Title = []string{"Manager", "Engineer", "Director", "Owner", "Consultant", "Teacher"}[r.IntN(6)]
		}
		c.Addresses = []Address{{Label: "Home", Street: fmt.Sprintf("%d %s St", 1+r.IntN(9999), seedLast[r.IntN(len(seedLast))]),
			City: seedCities[r.IntN(len(seedCities))], Region: seedRegions[r.IntN(len(seedRegions))],
			PostalCode: fmt.Sprintf("%05d", 10000+r.IntN(89999)), Country: "US"}}
		if len(groupIDs) > 0 {
			for j := r.IntN(3); j > 0; j-- {
				g := groupIDs[r.IntN(len(groupIDs))]
				if len(c.GroupIDs) == 0 || c.GroupIDs[0] != g {
					c.GroupIDs = append(c.GroupIDs, g)
				}
			}
		}
		c.Normalize()
		out[i] = c
	}
	return out
}

// Seed creates n synthetic contacts for the agent (and the demo groups they use), streaming
// them to the store and the index in batches, and returns how many it created.
func (s *ContactService) Seed(ctx context.Context, ownerID string, n int) (int, error) {
	if n <= 0 || n > 1_000_000 {
		return 0, &Error{Code: EINVALID, Message: "n must be between 1 and 1,000,000.", Fields: map[string]string{"n": "between 1 and 1,000,000"}}
	}
	groups, err := s.Store.Groups(ctx, ownerID)
	if err != nil {
		return 0, err
	}
	have := map[string]string{}
	for _, g := range groups {
		have[Fold(g.Name)] = g.ID
	}
	var gids []string
	for _, name := range seedGroups {
		id, ok := have[Fold(name)]
		if !ok {
			g, err := s.CreateGroup(ctx, ownerID, name)
			if err != nil {
				return 0, err
			}
			id = g.ID
		}
		gids = append(gids, id)
	}
	const batch = 2500
	w := s.NewBulkWriter(ctx, ownerID)
	done := 0
	now := s.Now().UTC()
	seed := uint64(now.UnixNano())
	var werr error
	for done < n && werr == nil {
		k := min(batch, n-done)
		if werr = w.Queue(ContactBatch{Create: SeedContacts(ownerID, k, gids, seed+uint64(done), now)}); werr == nil {
			done += k
		}
	}
	if ierr := w.Close(); werr == nil {
		werr = ierr
	}
	return done, werr
}
