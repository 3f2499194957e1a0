package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// maxListingRows is the most listings one import may hold; a larger file is refused whole.
const maxListingRows = 5000

// errTooManyListings stops the counting pass of a file over maxListingRows.
var errTooManyListings = errors.New("too many listings")

// listingFieldLabels names the listing form's fields in a row's failure message, in the order
// the form shows them.
var listingFieldLabels = [][2]string{
	{"address", "Address"}, {"city", "City"}, {"postal_code", "Postal code"}, {"price", "Price"},
	{"beds", "Bedrooms"}, {"baths", "Bathrooms"}, {"area", "Living area"}, {"property_type", "Property type"},
	{"status", "Status"}, {"agent_id", "Listing agent"},
}

// showListingImport: GET /listings/import — the upload form.
func (s *Server) showListingImport(c echo.Context) error {
	return s.renderListingImport(c, http.StatusOK, views.ImportForm{}, nil)
}

func (s *Server) renderListingImport(c echo.Context, status int, f views.ImportForm, err error) error {
	p := views.ListingImportProps{PageProps: pageProps(c), Form: views.ImportForm{Delimiter: f.Delimiter, Other: f.Other},
		MaxSize: fmt.Sprintf("%d MB", s.importMax()>>20), MaxRows: maxListingRows}
	if err != nil {
		p.Message, p.Fields = app.ErrorMessage(err), app.ErrorFields(err)
		if m := p.Fields["delimiter"]; m != "" {
			p.Message = m
		}
	}
	return render(c, status, views.ListingImportPage(p))
}

// listingDelimiter reads the form's delimiter choice: 0 to detect it.
func listingDelimiter(f views.ImportForm) (rune, error) {
	d := f.Delimiter
	switch d {
	case "":
		return 0, nil
	case "other":
		d = f.Other
	}
	if len(d) == 1 && d[0] < utf8.RuneSelf && d != `"` && d != "\n" && d != "\r" {
		return rune(d[0]), nil
	}
	msg := "The delimiter is one plain character, such as ; or | (not a quote or a line break)."
	return 0, &app.Error{Code: app.EINVALID, Message: msg, Fields: map[string]string{"delimiter": msg}}
}

// fileProblem turns a file that cannot be read as listings into a message on the form.
func fileProblem(msg string) error {
	return &app.Error{Code: app.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
}

// importListings: POST /listings/import — add every listing of a CSV and show what happened.
// The file is read twice: once to refuse it whole (unreadable, no Address column, too many
// rows) before anything is written, then to add the listings one by one. A row that cannot
// be added is reported and the others are still added.
func (s *Server) importListings(c echo.Context) error {
	f, name, err := s.uploadedFile(c)
	form := importForm(c)
	if err != nil {
		if app.ErrorCode(err) == app.EINVALID {
			return s.renderListingImport(c, http.StatusUnprocessableEntity, form, err)
		}
		return err
	}
	defer f.Close()
	delim, err := listingDelimiter(form)
	if err != nil {
		return s.renderListingImport(c, http.StatusUnprocessableEntity, form, err)
	}

	rows := 0
	err = imports.ReadListings(f, delim, func(int, *app.Listing, string, string) error {
		if rows++; rows > maxListingRows {
			return errTooManyListings
		}
		return nil
	})
	var fe *imports.FileError
	switch {
	case errors.Is(err, errTooManyListings):
		err = fileProblem(fmt.Sprintf("The file has more than %d listings. Split it into files of at most %[1]d and import each.", maxListingRows))
	case errors.As(err, &fe):
		err = fileProblem(fe.Error())
	case err != nil:
		return err
	case rows == 0:
		err = fileProblem("The file has no listings below its first row of column names.")
	}
	if err != nil {
		return s.renderListingImport(c, http.StatusUnprocessableEntity, form, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("listing import: rewind upload: %w", err)
	}

	ctx, actor := c.Request().Context(), currentUser(c)
	res := views.ListingImportResultProps{PageProps: pageProps(c), FileName: name}
	agents := map[string]*app.User{} // by email key; nil for an email no agent has
	// A listing the office already has (same address and place) is not added again, so that
	// importing a file twice, or reloading the result page, adds nothing new.
	existing, err := s.opt.Listings.AllListings(ctx)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	place := func(l *app.Listing) string {
		return app.PlaceKey(l.Address) + "|" + app.PlaceKey(l.City) + "|" + app.PlaceKey(l.PostalCode)
	}
	for _, l := range existing {
		listed[place(l)] = true
	}
	err = imports.ReadListings(f, delim, func(row int, l *app.Listing, email, problem string) error {
		address := l.Address
		fail := func(reason string) {
			res.Failed = append(res.Failed, views.ListingImportFailure{Row: row, Address: address, Reason: reason})
		}
		if problem != "" {
			fail(problem)
			return nil
		}
		if email != "" {
			key := app.EmailKey(email)
			agent, seen := agents[key]
			if !seen {
				u, err := s.accounts.UserByEmail(ctx, email)
				if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
					return err
				}
				agent, agents[key] = u, u
			}
			if agent == nil {
				fail("No agent with email " + email + ".")
				return nil
			}
			l.AgentID = agent.ID
		}
		if listed[place(l)] {
			fail("Already listed: the office has a listing at this address.")
			return nil
		}
		saved, nr, err := s.opt.Listings.AddListing(ctx, actor, l)
		switch {
		case err == nil:
			listed[place(l)] = true
			res.Created++
			res.Queued += nr.Queued
		case app.ErrorCode(err) == app.EINVALID:
			fail(listingProblem(err))
		case saved != nil:
			// Stored, but its notifications could not be queued: the listing exists, so go on.
			res.Created++
			s.logger.Error("listing import: notify", "listing", saved.ID, "err", err)
		default:
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing import: %w", err)
	}
	return render(c, http.StatusOK, views.ListingImportResultPage(res))
}

// listingProblem writes a validation error of a listing as one sentence per field, each led
// by the field's label: "Price: Enter the asking price."
func listingProblem(err error) string {
	fields := app.ErrorFields(err)
	if len(fields) == 0 {
		return app.ErrorMessage(err)
	}
	var parts []string
	for _, fl := range listingFieldLabels {
		if m := fields[fl[0]]; m != "" {
			parts = append(parts, fl[1]+": "+m)
		}
	}
	var other []string
	for k := range fields {
		if !slices.ContainsFunc(listingFieldLabels, func(fl [2]string) bool { return fl[0] == k }) {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	for _, k := range other {
		label := strings.ReplaceAll(k, "_", " ")
		parts = append(parts, strings.ToUpper(label[:1])+label[1:]+": "+fields[k])
	}
	return strings.Join(parts, " ")
}
