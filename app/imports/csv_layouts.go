package imports

import "strings"

// The header recognisers. Each takes a folded header name (see fold) and says what the column
// fills. Google and Outlook exports always write their whole fixed header, so they are told
// apart by names no hand-made file would carry.

// isGoogle reports a Google Contacts header: numbered "E-mail 1 - Value" style columns.
func isGoogle(folded []string) bool {
	return hasMatch(folded, func(f string) bool {
		p, n, s := splitNum(f)
		switch p {
		case "email", "phone", "address", "website":
			return n > 0 && (s == "value" || s == "formatted")
		}
		return false
	}) || has(folded, "givenname") && has(folded, "familyname") && has(folded, "groupmembership") ||
		has(folded, "fileas") && has(folded, "organizationname") && has(folded, "phoneticfirstname")
}

// isOutlook reports an Outlook header: several of the columns Outlook always writes.
func isOutlook(folded []string) bool {
	n := 0
	for _, f := range folded {
		switch f {
		case "emailaddress", "email2address", "emaildisplayname", "emailtype", "givenyomi", "surnameyomi",
			"businessstreet", "businesscity", "businesspostalcode", "businesscountryregion",
			"homestreet", "homecity", "homepostalcode", "homecountryregion", "businessphone", "homephone",
			"mobilephone", "jobtitle", "companymainphone", "othercountryregion":
			n++
		}
	}
	return n >= 5
}

// googleColumn reads both Google layouts: "E-mail 1 - Label"/"E-mail 1 - Value" (current) and
// "E-mail 1 - Type"/"E-mail 1 - Value" (legacy), with numbered slots.
func googleColumn(f string) column {
	switch f {
	case "firstname", "givenname":
		return column{t: tFirst}
	case "middlename", "additionalname":
		return column{t: tMiddle}
	case "lastname", "familyname":
		return column{t: tLast}
	case "name":
		return column{t: tFull}
	case "organizationname":
		return column{t: tCompany}
	case "organizationtitle":
		return column{t: tTitle}
	case "notes":
		return column{t: tNotes}
	case "birthday":
		return column{t: tBirthday}
	case "labels", "groupmembership":
		return column{t: tGroups}
	}
	p, n, s := splitNum(f)
	if n == 0 {
		return column{}
	}
	slot := n - 1
	switch p {
	case "email":
		switch s {
		case "label", "type":
			return column{t: tEmailLabel, slot: slot}
		case "value":
			return column{t: tEmail, slot: slot}
		}
	case "phone":
		switch s {
		case "label", "type":
			return column{t: tPhoneLabel, slot: slot}
		case "value":
			return column{t: tPhone, slot: slot}
		}
	case "address":
		switch s {
		case "label", "type":
			return column{t: tAddrLabel, slot: slot}
		case "formatted":
			return column{t: tFormatted, slot: slot}
		case "street":
			return column{t: tStreet, slot: slot}
		case "extendedaddress":
			return column{t: tExtended, slot: slot}
		case "pobox":
			return column{t: tPOBox, slot: slot}
		case "city":
			return column{t: tCity, slot: slot}
		case "region":
			return column{t: tRegion, slot: slot}
		case "postalcode":
			return column{t: tPostal, slot: slot}
		case "country":
			return column{t: tCountry, slot: slot}
		}
	case "organization":
		if n == 1 && s == "name" {
			return column{t: tCompany}
		}
		if n == 1 && s == "title" {
			return column{t: tTitle}
		}
	}
	return column{}
}

// outlookColumn reads Outlook.com's and desktop Outlook's CSV. Outlook's "Title" is the
// honorific (Mr., Dr.), not read; its "Job Title" is the contact's title. Phones are ordered
// primary, mobile, work, home, then the rest; addresses home, work, other.
func outlookColumn(f string) column {
	switch f {
	case "firstname":
		return column{t: tFirst}
	case "middlename":
		return column{t: tMiddle}
	case "lastname":
		return column{t: tLast}
	case "company":
		return column{t: tCompany}
	case "jobtitle":
		return column{t: tTitle}
	case "notes":
		return column{t: tNotes}
	case "birthday":
		return column{t: tBirthday}
	case "categories":
		return column{t: tGroups}
	}
	if rest, ok := strings.CutPrefix(f, "email"); ok {
		slot := 0
		if rest != "" && rest[0] >= '2' && rest[0] <= '9' {
			slot, rest = int(rest[0]-'1'), rest[1:]
		}
		switch rest {
		case "address":
			return column{t: tEmail, slot: slot}
		case "type":
			return column{t: tEmailType, slot: slot}
		case "displayname":
			return column{t: tEmailDisplay, slot: slot}
		}
		return column{}
	}
	phones := []struct{ name, label string }{
		{"primaryphone", "Main"}, {"mobilephone", "Mobile"}, {"businessphone", "Work"},
		{"businessphone2", "Work"}, {"companymainphone", "Work"}, {"homephone", "Home"},
		{"homephone2", "Home"}, {"carphone", "Car"}, {"otherphone", "Other"},
		{"assistantsphone", "Assistant"}, {"callback", "Other"}, {"radiophone", "Other"},
		{"isdn", "Other"}, {"ttytddphone", "Other"}, {"telex", "Other"}, {"pager", "Pager"},
		{"businessfax", "Fax"}, {"homefax", "Fax"}, {"otherfax", "Fax"},
	}
	for i, p := range phones {
		if f == p.name {
			return column{t: tPhone, slot: i, label: p.label}
		}
	}
	addrs := []struct{ prefix, label string }{{"home", "Home"}, {"business", "Work"}, {"other", "Other"}}
	for i, a := range addrs {
		rest, ok := strings.CutPrefix(f, a.prefix)
		if !ok {
			continue
		}
		c := column{slot: i, label: a.label}
		switch rest {
		case "street", "street2", "street3":
			c.t = tStreet
		case "addresspobox":
			c.t = tPOBox
		case "city":
			c.t = tCity
		case "state":
			c.t = tRegion
		case "postalcode":
			c.t = tPostal
		case "countryregion", "country":
			c.t = tCountry
		}
		return c
	}
	return column{}
}

// agentbookColumn reads the columns WriteCSV writes.
func agentbookColumn(f string) column {
	switch f {
	case "firstname":
		return column{t: tFirst}
	case "middlename":
		return column{t: tMiddle}
	case "lastname":
		return column{t: tLast}
	case "company":
		return column{t: tCompany}
	case "title":
		return column{t: tTitle}
	case "groups":
		return column{t: tGroups}
	case "notes":
		return column{t: tNotes}
	case "birthday":
		return column{t: tBirthday}
	case "status":
		return column{t: tStatus}
	case "reverseprospecting":
		return column{t: tReverse}
	}
	p, n, s := splitNum(f)
	if n == 0 {
		return column{}
	}
	slot := n - 1
	switch p + "/" + s {
	case "email/":
		return column{t: tEmail, slot: slot}
	case "email/label":
		return column{t: tEmailLabel, slot: slot}
	case "email/notify":
		return column{t: tEmailNotify, slot: slot}
	case "phone/":
		return column{t: tPhone, slot: slot}
	case "phone/label":
		return column{t: tPhoneLabel, slot: slot}
	case "address/label":
		return column{t: tAddrLabel, slot: slot}
	case "address/street":
		return column{t: tStreet, slot: slot}
	case "address/city":
		return column{t: tCity, slot: slot}
	case "address/region":
		return column{t: tRegion, slot: slot}
	case "address/postalcode":
		return column{t: tPostal, slot: slot}
	case "address/country":
		return column{t: tCountry, slot: slot}
	}
	return column{}
}

// genericColumn recognises a column of any other CSV by its name alone. Email, phone and
// address names may be numbered ("Email 2", "Address Line 2") or start with a label word
// ("Work Email", "Home Phone", "Mailing City"). The common German and French names that
// European spreadsheets carry (Vorname, Nachname, PLZ, Prénom, Ville…) are known too.
func genericColumn(f string, folded []string) column {
	switch f {
	case "firstname", "givenname", "first", "forename", "fname", "vorname", "prenom":
		return column{t: tFirst}
	case "middlename", "middle", "additionalname", "middleinitial":
		return column{t: tMiddle}
	case "lastname", "surname", "familyname", "last", "lname", "nachname", "familienname", "nom":
		return column{t: tLast}
	case "name", "fullname", "contactname", "displayname", "contact", "clientname":
		return column{t: tFull}
	case "company", "organization", "organisation", "employer", "businessname", "companyname",
		"organizationname", "organisationname", "firma", "unternehmen", "societe", "entreprise":
		return column{t: tCompany}
	case "title":
		if has(folded, "jobtitle") {
			return column{} // then Title is the honorific
		}
		return column{t: tTitle}
	case "jobtitle", "position", "role", "occupation":
		return column{t: tTitle}
	case "groups", "group", "tags", "tag", "labels", "label", "categories", "category", "gruppen", "kategorien":
		return column{t: tGroups}
	case "notes", "note", "comments", "comment", "description", "remarks", "notizen", "notiz", "bemerkungen":
		return column{t: tNotes}
	case "birthday", "birthdate", "dob", "dateofbirth", "geburtstag", "geburtsdatum", "datedenaissance":
		return column{t: tBirthday}
	case "status":
		return column{t: tStatus}
	case "reverseprospecting":
		return column{t: tReverse}
	}
	base, label := f, ""
	for _, p := range []struct{ prefix, label string }{
		{"home", "Home"}, {"work", "Work"}, {"business", "Work"}, {"office", "Work"},
		{"personal", "Personal"}, {"private", "Home"}, {"other", "Other"}, {"primary", ""},
		{"main", "Main"}, {"mailing", "Mailing"},
	} {
		if rest, ok := strings.CutPrefix(f, p.prefix); ok && rest != "" {
			base, label = rest, p.label
			break
		}
	}
	switch strings.TrimRight(base, "0123456789") {
	case "email", "emailaddress", "mail", "emails", "emailadresse", "courriel":
		return column{t: tEmail, label: label}
	case "phone", "telephone", "tel", "phonenumber", "telephonenumber", "telefon", "telefonnummer":
		return column{t: tPhone, label: label}
	case "mobile", "cell", "mobilephone", "cellphone", "cellular", "mobilenumber", "cellnumber", "mobil", "handy",
		"portable":
		return column{t: tPhone, label: "Mobile"}
	case "fax", "faxnumber":
		return column{t: tPhone, label: "Fax"}
	case "street", "address", "streetaddress", "addressline", "addressstreet", "strasse", "adresse":
		return column{t: tStreet, label: label}
	case "city", "town", "locality", "ort", "stadt", "ville":
		return column{t: tCity, label: label}
	case "state", "province", "region", "county", "stateprovince", "stateorprovince":
		return column{t: tRegion, label: label}
	case "zip", "zipcode", "postalcode", "postcode", "zippostalcode", "plz", "codepostal":
		return column{t: tPostal, label: label}
	case "country", "countryregion", "land", "pays":
		return column{t: tCountry, label: label}
	}
	return column{}
}
