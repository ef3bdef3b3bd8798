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
