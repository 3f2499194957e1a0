// Package embed holds the static files compiled into the agentbook binary: vendored htmx and
// SortableJS (see vendor/VERSIONS.txt; vendor.sh fetches them from the npm registry) and the
// app's own CSS and JS in static/.
package embed

import "embed"

// Static holds vendor/ (served at /vendor/) and static/ (served at /static/).
//
//go:embed vendor static
var Static embed.FS
