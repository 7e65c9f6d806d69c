/* Autosave for the respondent's question pages.
 *
 * The form works without this script (every button posts it). With it, each answer is
 * saved as soon as it changes, through the same JSON API the form's answers go through,
 * so nothing is lost if the person closes the tab. It never stops the normal submit.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.question-form[data-token]");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var base = "/api/v1/respond/" + encodeURIComponent(form.getAttribute("data-token"));
  var section = form.getAttribute("data-section") || null;
  var statusLine = document.getElementById("autosave-status");
  var grewNote = document.getElementById("page-grew");
  var progressBar = document.getElementById("progress-bar");
  var progressText = document.getElementById("progress-text");
  // Saves run one after another, so an older answer can never land after a newer one.
  var queue = Promise.resolve();

  function say(text, failed) {
    if (!statusLine) {
      return;
    }
    statusLine.textContent = text;
    statusLine.classList.toggle("failed", Boolean(failed));
  }

  function inputsNamed(fieldset, name, onlyChecked) {
    var found = [];
    var inputs = fieldset.querySelectorAll("input, textarea");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].name === name && (!onlyChecked || inputs[i].checked)) {
        found.push(inputs[i]);
      }
    }
    return found;
  }

  /* The answer a question's inputs hold, as the API takes it: {value} or {error}. */
  function answerOf(fieldset) {
    var id = fieldset.getAttribute("data-question");
    var kind = fieldset.getAttribute("data-kind");
    var special = inputsNamed(fieldset, "special-" + id, true)[0];
    if (special && special.value) {
      return { value: special.value };
    }
    if (kind === "level" || kind === "choice") {
      var picked = inputsNamed(fieldset, "answer-" + id, true)[0];
      return { value: picked ? JSON.parse(picked.getAttribute("data-json")) : null };
    }
    if (kind === "checklist") {
      var ticked = inputsNamed(fieldset, "answer-" + id, true).map(function (box) {
        return box.value;
      });
      if (ticked.length) {
        return { value: ticked };
      }
      return { value: inputsNamed(fieldset, "none-" + id, true).length ? [] : null };
    }
    var input = inputsNamed(fieldset, "answer-" + id, false)[0];
    if (!input) {
      return { value: null };
    }
    if (input.validity && input.validity.badInput) {
      return { error: "please enter a number, for example 12 or 3.5" };
    }
    var typed = input.value.trim();
    if (kind === "text") {
      return { value: typed ? input.value : null };
    }
    if (!typed) {
      // An outcome answered with raw ratings elsewhere keeps them while the box stays empty.
      return fieldset.querySelector("#note-" + id) ? { skip: true } : { value: null };
    }
    if (kind === "outcome" && fieldset.getAttribute("data-entry") === "ratings") {
      var ratings = typed.split(/[,;]/).filter(function (part) {
        return part.trim() !== "";
      }).map(Number);
      if (ratings.some(function (r) { return !Number.isInteger(r); })) {
        return { error: "please enter whole numbers separated by commas" };
      }
      return { value: ratings };
    }
    var number = Number(typed);
    if (!isFinite(number)) {
      return { error: "please enter a number, for example 12 or 3.5" };
    }
    return { value: number };
  }

  function reasonOf(body) {
    var detail = body && body.detail;
    if (detail && detail.problems && detail.problems.length && detail.problems[0].message) {
      return detail.problems[0].message;
    }
    return (detail && detail.message) || "please try again";
  }

  function showProgress(progress) {
    if (!progress) {
      return;
    }
    if (progressBar) {
      progressBar.max = progress.required || 1;
      progressBar.value = progress.required ? progress.required_answered : 1;
    }
    if (progressText) {
      progressText.textContent =
        progress.required_answered + " of " + progress.required + " required questions answered";
    }
  }

  /* After a save, show and hide this page's questions as their conditions now say. */
  function applyConditions() {
    return fetch(base, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (view) {
        if (!view) {
          return;
        }
        var visible = {};
        var onPage = {};
        view.sections.forEach(function (s) {
          s.questions.forEach(function (q) {
            visible[q.id] = true;
            if (s.id === section) {
              onPage[q.id] = true;
            }
          });
        });
        var fieldsets = form.querySelectorAll("fieldset.question");
        for (var i = 0; i < fieldsets.length; i++) {
          var id = fieldsets[i].getAttribute("data-question");
          var shown = Boolean(visible[id]);
          fieldsets[i].hidden = !shown;
          // A hidden question's inputs are left out of the form post as well.
          fieldsets[i].disabled = !shown;
          delete onPage[id];
        }
        if (grewNote) {
          var added = Object.keys(onPage).length > 0;
          grewNote.hidden = !added;
          grewNote.textContent = added
            ? "Your answer added a follow-up question to this page. Choose \u201cSave and continue\u201d to see it."
            : "";
        }
      })
      .catch(function () {
        /* The page still works; the form post applies the conditions. */
      });
  }

  function save(fieldset) {
    var id = fieldset.getAttribute("data-question");
    var answer = answerOf(fieldset);
    if (answer.error) {
      say("Not saved: " + answer.error);
      return;
    }
    var body = { answers: {}, comments: {} };
    if (!answer.skip) {
      body.answers[id] = answer.value;
    }
    var comment = fieldset.querySelector("#comment-" + id);
    if (comment && (answer.value !== null || comment.value.trim() !== "")) {
      body.comments[id] = comment.value;
    }
    queue = queue
      .then(function () {
        say("Saving\u2026");
        return fetch(base + "/answers", {
          method: "PUT",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          credentials: "same-origin",
          body: JSON.stringify(body),
        });
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (!response.ok) {
              say("Not saved: " + reasonOf(data), true);
              return null;
            }
            say("Saved");
            showProgress(data && data.progress);
            return applyConditions();
          });
      })
      .catch(function () {
        say("Not saved: no connection. Your answers will be saved when you press a button below.", true);
      });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    var fieldset = target.closest ? target.closest("fieldset.question") : null;
    if (!fieldset) {
      return;
    }
    // "None of these" and the ticked items of a checklist exclude each other.
    if (target.type === "checkbox" && target.checked) {
      var boxes = fieldset.querySelectorAll('input[type="checkbox"]');
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i] !== target && boxes[i].hasAttribute("data-none") !== target.hasAttribute("data-none")) {
          boxes[i].checked = false;
        }
      }
    }
    save(fieldset);
  });
})();
