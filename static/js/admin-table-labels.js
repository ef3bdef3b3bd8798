// On a phone the admin's tabular inlines and a record's change history are drawn as stacked
// rows (css/admin.css), with no header row: each cell carries its column's name, written
// before its value.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll(".inline-group .tabular table, table#change-history")) {
    const names = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
    // An inline's empty form is included: the rows "Add another" copies from it keep the names.
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.cells].forEach((cell, index) => {
        if (names[index]) cell.dataset.label = names[index];
      });
    }
  }
});
