// Swagger UI leaves some controls of an opened operation without a name (the parameter
// pickers, the response examples' picker) and its code examples unreachable by keyboard
// although they scroll: name each after its parameter or its visible caption, and let the
// examples take the focus. Swagger UI redraws as operations open, so this runs on every change.
"use strict";
{
    function nameSwaggerControls() {
        for (const select of document.querySelectorAll("tr[data-param-name] select:not([aria-label])")) {
            select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
        }
        for (const select of document.querySelectorAll(".examples-select-element:not([aria-label])")) {
            const caption = select.closest(".examples-select")?.querySelector(".examples-select__section-label");
            select.setAttribute("aria-label", caption ? caption.textContent.trim() : select.options[0]?.text || "");
        }
        for (const example of document.querySelectorAll(".swagger-ui pre:not([tabindex])")) {
            example.setAttribute("tabindex", "0");
        }
    }
    document.addEventListener("DOMContentLoaded", () => {
        new MutationObserver(nameSwaggerControls).observe(document.body, { childList: true, subtree: true });
    });
}
