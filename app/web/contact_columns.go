package web

import (
	"net/http"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// Preference names.
const (
	prefColumns        = "list_columns"
	prefQuickAddHidden = "quick_add_hidden"
)

// columns returns the agent's list columns (nil: the default set).
func (s *Server) columns(c echo.Context) ([]string, error) {
	if s.opt.Prefs == nil {
		return nil, nil
	}
	var keys []string
	err := s.opt.Prefs.GetPref(c.Request().Context(), currentUser(c).ID, prefColumns, &keys)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil
	}
	return keys, err
}

// quickAddHidden reports whether the agent collapsed the Quick Add bar.
func (s *Server) quickAddHidden(c echo.Context) (bool, error) {
	if s.opt.Prefs == nil {
		return false, nil
	}
	var hidden bool
	err := s.opt.Prefs.GetPref(c.Request().Context(), currentUser(c).ID, prefQuickAddHidden, &hidden)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return false, nil
	}
	return hidden, err
}

// showColumnsPage: GET /contacts/columns — Customize Contact List.
func (s *Server) showColumnsPage(c echo.Context) error {
	keys, err := s.columns(c)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = views.DefaultColumns()
	}
	return render(c, http.StatusOK, views.ColumnsPage(views.ColumnsProps{PageProps: pageProps(c), Selected: views.ColumnKeys(views.ColumnsFor(keys))}))
}

// saveColumns: POST /contacts/columns with the selected keys in order (column=…&column=…), or
// reset=1 for the default set. Unknown keys are refused; Name is always kept.
func (s *Server) saveColumns(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return app.Errorf(app.EINVALID, "The form could not be read.")
	}
	keys := form["column"]
	if form.Get("reset") != "" {
		keys = views.DefaultColumns()
	}
	known := map[string]bool{}
	for _, col := range views.AllColumns() {
		known[col.Key] = true
	}
	for _, k := range keys {
		if !known[k] {
			p := views.ColumnsProps{PageProps: pageProps(c), Selected: views.ColumnKeys(views.ColumnsFor(keys)),
				Message: "There is no column " + k + "; choose from the lists below."}
			return render(c, http.StatusUnprocessableEntity, views.ColumnsPage(p))
		}
	}
	keys = views.ColumnKeys(views.ColumnsFor(keys))
	if err := s.opt.Prefs.PutPref(c.Request().Context(), currentUser(c).ID, prefColumns, keys); err != nil {
		return err
	}
	return redirect(c, "/contacts?done=columns")
}

// toggleQuickAdd: POST /contacts/quick-add/toggle (hidden=1 or hidden=0) — the Quick Add bar's
// Collapse button and the Advanced menu's Show/Hide Quick Add. htmx gets the bar (or its
// collapsed stand-in) back; a plain form post returns to the list.
func (s *Server) toggleQuickAdd(c echo.Context) error {
	hidden := c.FormValue("hidden") == "1"
	if err := s.opt.Prefs.PutPref(c.Request().Context(), currentUser(c).ID, prefQuickAddHidden, hidden); err != nil {
		return err
	}
	if !isHX(c) {
		return redirect(c, "/contacts")
	}
	return render(c, http.StatusOK, views.QuickAddToggled(views.QuickAddProps{CSRF: csrfToken(c), Hidden: hidden}))
}
