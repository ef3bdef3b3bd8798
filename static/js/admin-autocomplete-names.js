// Select2 draws an admin autocomplete box as a read-only text box that has no name while it is
// empty (screen readers announce "text box" and nothing else): name each after its field, whose
// label the server puts in the box's placeholder (negotiations/admin_fields.py).
"use strict";
{
    function nameAutocompleteBoxes() {
        for (const box of document.querySelectorAll(".select2-selection__rendered:not([aria-label])")) {
            const select = box.closest(".select2-container")?.previousElementSibling;
            if (select && select.dataset.placeholder) {
                box.setAttribute("aria-label", select.dataset.placeholder);
            }
        }
    }
    // Boxes appear when Django's autocomplete.js starts Select2, on page load and on "Add another".
    document.addEventListener("DOMContentLoaded", () => {
        nameAutocompleteBoxes();
        new MutationObserver(nameAutocompleteBoxes).observe(document.body, { childList: true, subtree: true });
    });
}
