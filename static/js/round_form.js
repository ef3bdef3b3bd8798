/* The round form's rows, in the page: a "More … rows" button adds one blank chapter, note or
   source row (copied from the part's <template>, numbered after the last one), and a row added
   this way, or any blank one, can be removed again. Without this script the same buttons submit
   the form, which comes back with more blank rows and nothing lost; saved chapter rows are
   removed by ticking their box either way. */
(function () {
  var form = document.querySelector("form.round-form");
  if (!form) return;

  function showRemoveButtons(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-remove-row]"), function (button) {
      button.hidden = false;
    });
  }

  function addRow(part) {
    var total = form.querySelector('[name="' + part + '-TOTAL_FORMS"]');
    var template = document.getElementById(part + "-empty-row");
    var container = document.getElementById(part + "-rows");
    if (!total || !template || !container) return;
    var index = parseInt(total.value, 10) || 0;
    // Django's formset numbers rows from 0; the labels count from 1.
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    container.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var row = container.lastElementChild;
    showRemoveButtons(row);
    var first = row.querySelector("select, textarea, input:not([type=hidden])");
    if (first) first.focus();
  }

  function removeRow(button) {
    var row = button.closest(".chapter-row, .note-row, .source-row");
    var container = row && row.parentElement;
    if (!row || !container) return;
    // The formset's count stays: a missing row number is read as a blank row, which is ignored.
    row.remove();
    var part = container.id.replace(/-rows$/, "");
    var add = form.querySelector('[data-add-row="' + part + '"]');
    if (add) add.focus();
  }

  showRemoveButtons(form);
  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add.getAttribute("data-add-row"));
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      removeRow(remove);
    }
  });
})();
