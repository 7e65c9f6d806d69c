/* Report branding page: a colour picker beside the "#rrggbb" field, and a live cover preview.
 *
 * The form works without this script (the text field is what is posted). With it, the picker
 * appears and stays in step with the text field both ways, and the preview follows the name
 * and colour being typed; nothing is saved until the form is submitted. The preview changes
 * SVG attributes only (fill, text), never inline styles, which the page's CSP forbids.
 */
(function () {
  "use strict";

  var text = document.getElementById("field-accent_color");
  var picker = document.getElementById("accent-picker");
  var nameField = document.getElementById("field-name");
  if (!text || !picker) {
    return;
  }
  // An empty field means the default: the report's colour, the workspace's name.
  var defaultAccent = picker.getAttribute("data-default") || picker.value;
  var nameTargets = document.querySelectorAll("[data-brand-name]");
  var workspaceName = nameTargets.length ? nameTargets[0].getAttribute("data-brand-name") : "";
  var hex = /^#[0-9a-fA-F]{6}$/;

  function showAccent(color) {
    var targets = document.querySelectorAll("[data-accent-fill]");
    for (var i = 0; i < targets.length; i += 1) {
      targets[i].setAttribute("fill", color);
    }
  }

  picker.hidden = false;
  picker.addEventListener("input", function () {
    text.value = picker.value;
    showAccent(picker.value);
  });
  text.addEventListener("input", function () {
    var value = text.value.trim();
    if (hex.test(value)) {
      picker.value = value.toLowerCase();
      showAccent(value.toLowerCase());
    } else if (value === "") {
      showAccent(defaultAccent);
    }
  });
  if (nameField) {
    nameField.addEventListener("input", function () {
      var value = nameField.value.trim() || workspaceName;
      if (value.length > 40) {
        value = value.slice(0, 39) + "\u2026";
      }
      for (var i = 0; i < nameTargets.length; i += 1) {
        nameTargets[i].textContent = value;
      }
    });
  }
})();
