// What every page needs of a script (the pages work without it):
// - on a phone a table's rows stack as cards, each cell labelled with its column's heading,
//   read here from the table's header, so no template has to repeat it;
// - a form with data-confirm asks before it is sent (with data-confirm-if-empty="field", only
//   when that field is empty);
// - a page sent in answer to a form (a refusal, a conflict) shows the page's own address, so
//   that reloading it reads the page instead of sending the form again;
// - a list of people whose options name their department (data-department) offers only the
//   people of the departments chosen in the same form (its lead department and co-departments);
// - a form with data-deadline-from/-until asks before sending a deadline outside those dates;
// - a [data-fill-all] block writes one date into the rows that have a lead department and no date yet.
(function () {
  "use strict";
  var address = document.querySelector('meta[name="page-address"]');
  var path = address ? address.getAttribute("content") : "";
  if (path.charAt(0) === "/" && path.charAt(1) !== "/" && window.history.replaceState) {
    try { window.history.replaceState(null, "", path + window.location.hash); } catch (ignored) { /* keep the page working */ }
  }
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        var head = heads[index];
        if (head && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", head.getAttribute("data-label") || head.textContent.trim());
        }
      });
    });
  });

  document.querySelectorAll("select").forEach(function (select) {
    var people = select.querySelectorAll("option[data-department]");
    if (!people.length || !select.form) { return; }
    var form = select.form;
    var chosen = function () {
      var ids = {};
      form.querySelectorAll("select[name$=lead_department], input[name$=co_departments]:checked").forEach(function (el) {
        if (el.value) { ids[el.value] = true; }
      });
      return ids;
    };
    var follow = function () {
      var ids = chosen();
      people.forEach(function (option) {
        var offered = ids[option.getAttribute("data-department")] === true;
        option.hidden = !offered;
        option.disabled = !offered;
        if (!offered && option.selected) { select.value = ""; }
      });
    };
    form.addEventListener("change", function (event) {
      if (event.target !== select) { follow(); }
    });
    follow();
  });

  document.querySelectorAll("form[data-deadline-from]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var from = form.getAttribute("data-deadline-from"), until = form.getAttribute("data-deadline-until");
      // Only dates typed or filled in now: a deadline the task already had asks nothing.
      var outside = [];
      form.querySelectorAll("input[name$=deadline]").forEach(function (input) {
        var value = input.value;
        if (value && value !== input.defaultValue && (value < from || value > until) && outside.indexOf(value) < 0) {
          outside.push(value);
        }
      });
      if (outside.length && !window.confirm(form.getAttribute("data-deadline-confirm").replace("%s", outside.join("、")))) {
        event.preventDefault();
      }
    });
  });

  document.querySelectorAll("[data-fill-all]").forEach(function (block) {
    var name = block.getAttribute("data-fill-all");
    block.hidden = false;
    block.querySelector("[data-fill-button]").addEventListener("click", function () {
      var value = block.querySelector("[data-fill-value]").value;
      if (!value) { return; }
      block.closest("form").querySelectorAll("tbody tr").forEach(function (row) {
        var lead = row.querySelector("select[name$='-lead_department']");
        var input = row.querySelector("input[name$='-" + name + "']");
        if (input && !input.value && lead && lead.value) { input.value = value; }
      });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var field = form.getAttribute("data-confirm-if-empty");
      if (field && form.elements[field] && form.elements[field].value.trim() !== "") { return; }
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
}());
