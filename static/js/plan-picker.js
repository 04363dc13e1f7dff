// Plan editor: filter the exercise picker as the clinician types or picks a stage.
// Progressive enhancement only: without JavaScript the "Find" button does the same on the
// server. Ticked exercises always stay visible. No inline handlers (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  var search = document.querySelector("[data-picker-search]");
  var stage = document.querySelector("[data-picker-stage]");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-picker-item]"));
  var count = document.querySelector("[data-picker-count]");
  var none = document.querySelector("[data-picker-none]");
  if (!search || !stage || !items.length) {
    return;
  }

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = stage.value;
    var shown = 0;
    items.forEach(function (item) {
      var name = item.getAttribute("data-name");
      var stages = item.getAttribute("data-stages").split(" ");
      var ticked = item.querySelector("input[type=checkbox]").checked;
      var matches = words.every(function (word) { return name.indexOf(word) !== -1; }) &&
        (!wanted || stages.indexOf(wanted) !== -1);
      item.hidden = !(matches || ticked);
      if (!item.hidden) {
        shown += 1;
      }
    });
    if (count) {
      count.textContent = shown + " of " + items.length + " exercise" +
        (items.length === 1 ? "" : "s") + " shown.";
    }
    if (none) {
      none.hidden = shown > 0;
    }
  }

  search.addEventListener("input", filter);
  stage.addEventListener("change", filter);
  // Enter in the search box filters here instead of sending the form.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      filter();
    }
  });
});
