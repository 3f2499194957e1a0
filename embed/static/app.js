// agentbook's small behaviours on top of htmx. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // An error the server placed with HX-Retarget (an expired form, a contact removed elsewhere)
  // is shown; htmx would otherwise drop every 4xx/5xx response.
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var xhr = ev.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  // Inline row edit: Enter saves, Escape cancels.
  document.addEventListener("keydown", function (ev) {
    var row = ev.target.closest && ev.target.closest("tr[data-editing]");
    if (!row) return;
    // A key pressed the moment the row arrived may beat htmx to the row's buttons.
    if ((ev.key === "Escape" || ev.key === "Enter") && window.htmx) window.htmx.process(row);
    if (ev.key === "Escape") {
      ev.preventDefault();
      var cancel = row.querySelector(".cancel-btn");
      if (cancel) cancel.click();
    } else if (ev.key === "Enter" && ev.target.tagName === "INPUT") {
      ev.preventDefault();
      var save = row.querySelector(".save-btn");
      if (save) save.click();
    }
  });

  // Rows are handled after settling: until then htmx keeps the old row's class on the new one.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var el = ev.detail.elt;
    if (!el || !el.matches) return;
    // A row that turned into a form gets focus on its first field (unless the user is already in it).
    if (el.matches("tr[data-editing]") && !el.contains(document.activeElement)) {
      var first = el.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    }
  });

  document.addEventListener("htmx:afterSettle", function (ev) {
    var el = ev.detail.elt;
    if (!el || !el.matches) return;
    // After a Quick Add: ready for the next contact, or on the first field with an error.
    if (el.matches("form#quick-add")) {
      var bad = el.querySelector("[aria-invalid=true]");
      (bad || el.querySelector("#qa-first")).focus();
    }
  });

  // A row that came back from an edit (Save, Cancel, Escape) gives focus back to its Edit button.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var el = ev.detail.elt;
    if (el && el.matches && el.matches("tr.row:not([data-editing])") && !el.contains(document.activeElement)) {
      var btn = el.querySelector(".edit-btn");
      if (btn && (document.activeElement === document.body || !document.activeElement)) btn.focus();
    }
  });
})();

// Contact form: remove a row (✕) and make an email the primary by moving it first.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t.closest) return;
    var rm = t.closest(".row-remove");
    if (rm) {
      var row = rm.closest(".multi-row");
      var list = row && row.parentNode;
      if (row) row.remove();
      var next = list && list.querySelector("input:not([type=hidden])");
      if (next) next.focus();
      return;
    }
    var mp = t.closest(".make-primary");
    if (mp) {
      var erow = mp.closest(".email-row");
      if (erow && erow.parentNode) {
        erow.parentNode.insertBefore(erow, erow.parentNode.firstElementChild);
        var input = erow.querySelector("input[type=email]");
        if (input) input.focus();
      }
    }
  });
  // A row added with Add gets focus on its main field (not a label with suggestions), unless the
  // user has already moved into it.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var el = ev.detail.elt;
    if (el && el.classList && el.classList.contains("multi-rows")) {
      var rows = el.querySelectorAll(".multi-row");
      var last = rows[rows.length - 1];
      if (!last || last.contains(document.activeElement)) return;
      var first = last.querySelector("input:not([type=hidden]):not([list])");
      if (first) first.focus();
    }
  });
})();

// Row selection: shift-click selects or clears the range since the last box clicked.
(function () {
  "use strict";
  var last = null;
  document.addEventListener("click", function (ev) {
    var box = ev.target;
    if (!box.classList || !box.classList.contains("row-select")) return;
    if (ev.shiftKey && last && last !== box && document.contains(last)) {
      var boxes = Array.prototype.slice.call(document.querySelectorAll("#contact-rows .row-select"));
      var a = boxes.indexOf(last), b = boxes.indexOf(box);
      if (a >= 0 && b >= 0) {
        var lo = Math.min(a, b), hi = Math.max(a, b);
        for (var i = lo; i <= hi; i++) boxes[i].checked = box.checked;
      }
    }
    last = box;
  });
})();

// The Advanced menu (a details element): Escape and a click outside close it; arrow keys move
// between its entries; choosing an entry closes it.
(function () {
  "use strict";
  function menu() { return document.getElementById("advanced"); }
  function items(m) { return Array.prototype.slice.call(m.querySelectorAll("[role=menuitem]")); }
  document.addEventListener("toggle", function (ev) {
    var m = ev.target;
    if (m && m.id === "advanced" && m.open) {
      var first = items(m)[0];
      if (first) first.focus();
    }
  }, true);
  document.addEventListener("keydown", function (ev) {
    var m = menu();
    if (!m || !m.open || !m.contains(ev.target)) return;
    var list = items(m), i = list.indexOf(document.activeElement);
    if (ev.key === "Escape") {
      ev.preventDefault();
      m.open = false;
      m.querySelector("summary").focus();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      var n = list.length, next = ev.key === "ArrowDown" ? (i + 1) % n : (i - 1 + n) % n;
      list[next].focus();
    }
  });
  document.addEventListener("click", function (ev) {
    var m = menu();
    if (!m || !m.open) return;
    if (!m.contains(ev.target) || (ev.target.closest && ev.target.closest("[role=menuitem]"))) m.open = false;
  });
})();

// Customize Contact List: SortableJS drags columns between Available and Selected and within
// Selected; the Add, Remove, Up and Down buttons do the same from the keyboard. Only the inputs of
// Selected are enabled, so the form sends the selected keys in their order.
(function () {
  "use strict";
  function init() {
    var avail = document.getElementById("available-columns");
    var sel = document.getElementById("selected-columns");
    if (!avail || !sel) return;
    var status = document.getElementById("columns-status");
    function sync() {
      Array.prototype.forEach.call(avail.querySelectorAll("input[name=column]"), function (i) { i.disabled = true; });
      Array.prototype.forEach.call(sel.querySelectorAll("input[name=column]"), function (i) { i.disabled = false; });
    }
    function label(li) { return li.querySelector(".column-label").textContent; }
    function say(li, where) {
      if (!status) return;
      var list = li.parentNode, pos = Array.prototype.indexOf.call(list.children, li) + 1;
      status.textContent = label(li) + " " + where + ", position " + pos + " of " + list.children.length + ".";
    }
    // put returns a column to Available at its place in the full list.
    function put(li) {
      var order = +li.dataset.order, before = null;
      Array.prototype.some.call(avail.children, function (o) {
        if (+o.dataset.order > order) { before = o; return true; }
        return false;
      });
      avail.insertBefore(li, before);
    }
    if (window.Sortable) {
      var opts = {
        group: "columns", handle: ".handle", animation: 120, forceFallback: true, fallbackTolerance: 3,
        onMove: function (ev) { return !(ev.dragged.classList.contains("locked") && ev.to === avail); },
        onSort: sync,
        onEnd: function (ev) { sync(); say(ev.item, ev.to === sel ? "in Selected Columns" : "in Available Columns"); }
      };
      window.Sortable.create(avail, Object.assign({ sort: false }, opts));
      window.Sortable.create(sel, opts);
    }
    document.getElementById("columns-form").addEventListener("click", function (ev) {
      var b = ev.target.closest && ev.target.closest("button");
      var li = b && b.closest(".column-item");
      if (!li) return;
      ev.preventDefault();
      var focusClass = null;
      if (b.classList.contains("col-add")) {
        sel.appendChild(li); focusClass = "col-remove"; say(li, "added to Selected Columns");
      } else if (b.classList.contains("col-remove")) {
        put(li); focusClass = "col-add"; say(li, "back in Available Columns");
      } else if (b.classList.contains("col-up") && li.previousElementSibling) {
        li.parentNode.insertBefore(li, li.previousElementSibling); focusClass = "col-up"; say(li, "moved up");
      } else if (b.classList.contains("col-down") && li.nextElementSibling) {
        li.parentNode.insertBefore(li.nextElementSibling, li); focusClass = "col-down"; say(li, "moved down");
      }
      sync();
      var f = focusClass && li.querySelector("." + focusClass);
      if (f) f.focus();
    });
    sync();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// Import and export: a button with data-confirm asks first; Export Contacts carries the list's
// current filter (the list changes it without reloading the page); the Other delimiter field
// shows only when Other is chosen.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t.closest) return;
    var b = t.closest("[data-confirm]");
    if (b && !window.confirm(b.getAttribute("data-confirm"))) {
      ev.preventDefault();
      return;
    }
    var exp = t.closest("#menu-export");
    if (exp) exp.setAttribute("href", "/contacts/export" + window.location.search);
  });
  function syncOther() {
    var sel = document.getElementById("import-delimiter");
    var other = document.getElementById("import-other");
    if (!sel || !other) return;
    var box = other.closest(".field");
    if (box) box.hidden = sel.value !== "other";
    other.required = sel.value === "other";
  }
  document.addEventListener("change", function (ev) {
    if (ev.target && ev.target.id === "import-delimiter") {
      syncOther();
      if (ev.target.value === "other") document.getElementById("import-other").focus();
    }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", syncOther);
  else syncOther();
})();
