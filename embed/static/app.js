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
