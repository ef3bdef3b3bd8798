/* Optional: leave empty fields out of filter URLs so shared links stay short.
   Every page works without this script. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("filter-form")) return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && field.type !== "checkbox" && field.type !== "submit" && !field.multiple && field.value === "") {
      field.disabled = true;
    }
  });
});
/* Re-enable the fields if the page is restored from the back/forward cache. */
window.addEventListener("pageshow", function () {
  Array.prototype.forEach.call(document.querySelectorAll(".filter-form [disabled]"), function (field) {
    field.disabled = false;
  });
});
/* Suggestions for a box that takes comma-separated slugs (the agreement filter): as the user
   types, fill its <datalist> from the box's data-suggest-url with the agreements matching the
   last segment; each suggestion keeps the segments typed before it. Without this script the
   box still takes slugs typed by hand. */
(function () {
  var DELAY_MS = 200;
  var MIN_LENGTH = 2;
  var timers = new WeakMap();
  var latest = new WeakMap();

  function split(value) {
    var parts = value.split(",");
    var last = parts.pop().trim();
    var earlier = parts.map(function (part) { return part.trim(); }).filter(Boolean);
    return { earlier: earlier, last: last };
  }

  function fill(list, earlier, rows) {
    var options = rows.map(function (row) {
      var option = document.createElement("option");
      option.value = earlier.concat([row.slug]).join(", ");
      option.label = row.name;
      option.textContent = row.name;
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  function suggest(input) {
    var list = input.list;
    if (!list) return;
    var typed = split(input.value);
    if (typed.last.length < MIN_LENGTH) {
      fill(list, [], []);
      return;
    }
    var url = new URL(input.dataset.suggestUrl, window.location.href);
    url.searchParams.set("q", typed.last);
    latest.set(input, url.href);
    fetch(url.href, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) {
        // A slower, older answer must not replace the suggestions for newer text.
        if (latest.get(input) === url.href) fill(list, typed.earlier, rows);
      })
      .catch(function () { /* suggestions are optional; typing slugs still works */ });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.dataset || !input.dataset.suggestUrl) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { suggest(input); }, DELAY_MS));
  });
})();
