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
/* "More filters" is folded to keep the panel short on phones; wider screens have the room. */
(function () {
  function unfold() {
    if (!window.matchMedia("(min-width: 40rem)").matches) return;
    Array.prototype.forEach.call(document.querySelectorAll(".filter-form details.more-filters"), function (more) {
      more.open = true;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", unfold);
  else unfold();
})();
/* "Show N results" counts the filters applied now: once the form is changed, Apply is the way. */
function hideStaleResultsLink(event) {
  var target = event.target;
  // Typing in a picker's box changes nothing until a value is picked (the picker then says so).
  if (!target.closest || target.classList.contains("picker-input")) return;
  var form = target.closest("form.filter-form");
  if (!form) return;
  Array.prototype.forEach.call(form.querySelectorAll(".to-results"), function (link) {
    link.hidden = true;
  });
}
document.addEventListener("input", hideStaleResultsLink);
document.addEventListener("change", hideStaleResultsLink);
/* Pickers: type a name or a code, pick from the list, see each choice as a chip you can remove.
   They stand in for the filter form's multiple <select>s (party, host country) and for the
   agreement box (comma-separated slugs, suggestions from its data-suggest-url); the original
   field stays in the form, hidden, and carries the values, so the URL parameters are the same
   (party=PER&party=CHL, agreement=a, b). Without this script those fields work as they are. */
(function () {
  var MAX_OPTIONS = 10;
  var MIN_FETCH_LENGTH = 2;
  var DELAY_MS = 150;
  var counter = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* The choices of a <select multiple>: matched by name or code, best first. */
  function selectSource(select) {
    var options = Array.prototype.slice.call(select.options);
    return {
      chosen: function () {
        return options.filter(function (o) { return o.selected; }).map(function (o) {
          return { value: o.value, label: o.text };
        });
      },
      add: function (value) { options.forEach(function (o) { if (o.value === value) o.selected = true; }); },
      remove: function (value) { options.forEach(function (o) { if (o.value === value) o.selected = false; }); },
      find: function (text, done) {
        var typed = fold(text.trim());
        if (!typed) return done([]);
        var ranked = [];
        options.forEach(function (o) {
          if (o.selected || !o.value) return;
          var label = fold(o.text);
          var code = fold(o.value);
          var rank = code === typed ? 0 : label.indexOf(typed) === 0 ? 1 : code.indexOf(typed) === 0 ? 2 :
            label.indexOf(" " + typed) >= 0 ? 3 : label.indexOf(typed) >= 0 ? 4 : -1;
          if (rank >= 0) ranked.push({ rank: rank, value: o.value, label: o.text });
        });
        ranked.sort(function (a, b) { return a.rank - b.rank; });
        done(ranked.slice(0, MAX_OPTIONS));
      },
    };
  }

  /* The agreement box: its value lists slugs; names come from data-names, then from the
     suggestions. */
  function slugListSource(input) {
    var names = {};
    try { names = JSON.parse(input.dataset.names || "{}"); } catch (error) { names = {}; }
    var latest = null;
    function slugs() {
      return input.value.split(",").map(function (part) { return part.trim(); }).filter(Boolean);
    }
    function store(values) { input.value = values.join(", "); }
    return {
      chosen: function () {
        return slugs().map(function (slug) { return { value: slug, label: names[slug] || slug }; });
      },
      add: function (value, label) {
        names[value] = label;
        var values = slugs();
        if (values.indexOf(value) < 0) values.push(value);
        store(values);
      },
      remove: function (value) { store(slugs().filter(function (slug) { return slug !== value; })); },
      find: function (text, done) {
        var typed = text.trim();
        if (typed.length < MIN_FETCH_LENGTH) return done([]);
        var url = new URL(input.dataset.suggestUrl, window.location.href);
        url.searchParams.set("q", typed);
        latest = url.href;
        fetch(url.href, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (rows) {
            if (latest !== url.href) return; // an older answer: newer text is being looked up
            var chosen = slugs();
            done(rows.filter(function (row) { return chosen.indexOf(row.slug) < 0; }).map(function (row) {
              return { value: row.slug, label: row.name };
            }));
          })
          .catch(function () { done([]); });
      },
    };
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function enhance(field, source, words) {
    var id = field.id || "picker" + ++counter;
    var label = field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    var wrapper = element("div", { class: "picker" });
    var chips = element("ul", { class: "picker-chips" });
    var box = element("input", {
      type: "text",
      id: id + "_picker",
      class: "picker-input",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": id + "_picker_options",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: words.placeholder,
    });
    var list = element("ul", { id: id + "_picker_options", class: "picker-options", role: "listbox" });
    list.hidden = true;
    if (label) {
      label.htmlFor = box.id;
      list.setAttribute("aria-label", label.textContent.trim());
      chips.setAttribute("aria-label", label.textContent.trim() + ": " + words.chosen);
    }
    var help = field.getAttribute("aria-describedby");
    if (help) {
      box.setAttribute("aria-describedby", help);
      var helpText = document.getElementById(help);
      // Help written for the plain field ("slugs separated by commas") that the picker words for itself.
      if (helpText && helpText.dataset.pickerHelp) helpText.textContent = helpText.dataset.pickerHelp;
    }
    var found = [];
    var active = -1;
    var timer = null;

    function drawChips() {
      chips.replaceChildren.apply(chips, source.chosen().map(function (choice) {
        var chip = element("li", { class: "picker-chip" });
        chip.appendChild(element("span", {}, choice.label));
        var remove = element("button", { type: "button", "aria-label": words.remove + " " + choice.label }, "×");
        remove.addEventListener("click", function () {
          source.remove(choice.value);
          changed();
          drawChips();
          box.focus();
        });
        chip.appendChild(remove);
        return chip;
      }));
      chips.hidden = !chips.children.length;
    }

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && list.children[index]) {
        box.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }

    function changed() {
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function pick(choice) {
      source.add(choice.value, choice.label);
      changed();
      box.value = "";
      close();
      drawChips();
      box.focus();
    }

    function show(choices) {
      found = choices;
      if (!box.value.trim()) return close();
      var options = choices.map(function (choice, i) {
        var option = element("li", { id: box.id + "_option_" + i, role: "option", class: "picker-option", "aria-selected": "false" }, choice.label);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          pick(choice);
        });
        return option;
      });
      if (!options.length) options = [element("li", { class: "picker-empty", role: "option", "aria-disabled": "true" }, words.none)];
      list.replaceChildren.apply(list, options);
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      highlight(choices.length ? 0 : -1);
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { source.find(box.value, show); }, DELAY_MS);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && found.length) {
        event.preventDefault();
        if (list.hidden) show(found);
        highlight((active + 1) % found.length);
      } else if (event.key === "ArrowUp" && found.length) {
        event.preventDefault();
        highlight((active - 1 + found.length) % found.length);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault(); // pick, do not submit the form
        pick(found[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      } else if (event.key === "Backspace" && !box.value) {
        var chosen = source.chosen();
        if (chosen.length) {
          source.remove(chosen[chosen.length - 1].value);
          changed();
          drawChips();
        }
      }
    });
    box.addEventListener("blur", close);

    field.hidden = true;
    field.classList.add("picker-source");
    field.parentNode.insertBefore(wrapper, field);
    wrapper.appendChild(chips);
    wrapper.appendChild(box);
    wrapper.appendChild(list);
    drawChips();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form.filter-form"), function (form) {
      var words = {
        placeholder: form.dataset.pickerPlaceholder || "",
        remove: form.dataset.pickerRemove || "Remove",
        chosen: form.dataset.pickerChosen || "chosen",
        none: form.dataset.pickerNone || "",
      };
      Array.prototype.forEach.call(form.querySelectorAll("select[multiple]"), function (select) {
        enhance(select, selectSource(select), words);
      });
      Array.prototype.forEach.call(form.querySelectorAll("input[data-suggest-url]"), function (input) {
        enhance(input, slugListSource(input), words);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
