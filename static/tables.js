// On a phone a table's rows stack as cards: each cell is labelled with its column's heading,
// read here from the table's header, so no template has to repeat it.
(function () {
  "use strict";
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        var head = heads[index];
        if (head && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", head.textContent.trim()); }
      });
    });
  });
}());
