// The task list's bulk 催办: "select all" on the page, and the selected-tasks button enabled only
// when a task is selected (with their number on it).
(function () {
  "use strict";
  var form = document.getElementById("bulk-urge");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=task_ids][form=bulk-urge]"));
  var all = document.querySelector("input[data-select-all]");
  var button = form.querySelector("[data-needs-selection]");
  var count = form.querySelector("[data-selected-count]");

  function update() {
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    button.disabled = chosen === 0;
    count.textContent = chosen ? "（" + chosen + "）" : "";
    if (all) { all.checked = chosen > 0 && chosen === boxes.length; all.indeterminate = chosen > 0 && chosen < boxes.length; }
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  update();
}());
