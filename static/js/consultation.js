// The consultation page: progress per section, the side tested following the symptomatic
// side, background saving of the draft (debounced, with the version check), a warning before
// leaving with unsaved answers, and keeping the answers on this device when the session ends
// (restored after signing in again). No inline script: the CSP forbids it.
(function () {
  "use strict";

  var form = document.getElementById("assessment-form");
  if (!form) return;

  var statusEl = document.getElementById("save-status");
  var progressEl = document.getElementById("form-progress");
  var signedOut = document.getElementById("signed-out");
  var storageKey = form.dataset.draftKey;
  var AUTOSAVE_DELAY_MS = 1500;

  var timer = null;
  var inflight = null;
  var dirty = false;
  var submitting = false;
  var stopped = false; // signed out or a conflict: no more background saves

  // -- progress -------------------------------------------------------------------------

  function answeredNames(container) {
    var names = {};
    var answered = {};
    container.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.type === "hidden") return;
      names[el.name] = true;
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked && el.value !== "" : el.value.trim() !== "") {
        answered[el.name] = true;
      }
    });
    return { total: Object.keys(names).length, answered: Object.keys(answered).length };
  }

  function questionsOf(section) {
    // Only the questions themselves (a test's pain and side are details of its result).
    var counts = { total: 0, answered: 0 };
    section.querySelectorAll(".finding, .finding-input").forEach(function (block) {
      if (block.closest(".test-block") && !block.classList.contains("finding")) return;
      var c = answeredNames(block);
      counts.total += c.total ? 1 : 0;
      counts.answered += c.answered ? 1 : 0;
    });
    return counts;
  }

  function updateProgress() {
    var all = { total: 0, answered: 0 };
    form.querySelectorAll("[data-section]").forEach(function (section) {
      var c = questionsOf(section);
      all.total += c.total;
      all.answered += c.answered;
      var label = section.querySelector("[data-progress]");
      if (label) label.textContent = c.answered + " of " + c.total + " answered";
    });
    if (progressEl) progressEl.textContent = "Answered " + all.answered + " of " + all.total + " questions";
  }

  // -- side tested follows the symptomatic side --------------------------------------------

  function symptomaticSide() {
    var side = form.querySelector("[name=side]");
    var value = side ? side.value : "";
    return value === "bilateral" ? "both" : value;
  }

  function defaultSideTested(event) {
    var block = event.target.closest(".test-block");
    if (!block || event.target.type !== "radio" || event.target.value === "") return;
    var select = block.querySelector("select[name$=_side]");
    if (select && select.value === "" && symptomaticSide()) {
      select.value = symptomaticSide();
    }
  }

  // -- keeping the answers on this device ----------------------------------------------------

  function serialise() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function remember() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify({
        data: serialise(),
        lock: form.querySelector("[name=lock_version]").value,
      }));
    } catch (e) { /* storage full or refused: the server copy is what we have */ }
  }

  function forget() {
    try { sessionStorage.removeItem(storageKey); } catch (e) { /* nothing to forget */ }
  }

  function restore() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(storageKey) || "null"); } catch (e) { saved = null; }
    if (!saved) return false;
    var lock = form.querySelector("[name=lock_version]").value;
    if (saved.lock !== lock) {
      // Someone saved the draft since: their version is on the page; ours cannot be merged.
      forget();
      return false;
    }
    if (saved.data === serialise()) { forget(); return false; }
    var params = new URLSearchParams(saved.data);
    form.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "lock_version") return;
      var values = params.getAll(el.name);
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (values.length) {
        el.value = values[0];
      }
    });
    return true;
  }

  // -- saving in the background ----------------------------------------------------------------

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.dataset.state = kind || "";
  }

  function showSignedOut(message, loginUrl) {
    stopped = true;
    if (timer) { clearTimeout(timer); timer = null; }
    remember();
    if (!signedOut) return;
    if (message) signedOut.querySelector(".signed-out-text").textContent = message;
    if (loginUrl) signedOut.querySelector(".signed-out-login").href = loginUrl;
    signedOut.hidden = false;
    setStatus("Not saved: signed out", "error");
  }

  function adopt(answer) {
    form.querySelector("[name=lock_version]").value = answer.lock_version;
    if (answer.created) {
      // The first save made the draft: from now on the form edits it.
      var oldKey = storageKey;
      form.action = answer.edit_url;
      form.dataset.autosaveUrl = answer.autosave_url;
      storageKey = storageKey.replace(/:new$/, ":" + answer.edit_url.split("/")[2]);
      form.dataset.draftKey = storageKey;
      try { sessionStorage.removeItem(oldKey); } catch (e) { /* ignore */ }
      window.history.replaceState(null, "", answer.edit_url);
      var headers = JSON.parse(form.getAttribute("hx-headers") || "{}");
      headers["X-PHT-Page"] = answer.edit_url;
      form.setAttribute("hx-headers", JSON.stringify(headers));
      if (signedOut) signedOut.querySelector(".signed-out-login").href = "/accounts/login/?next=" + encodeURIComponent(answer.edit_url);
    }
  }

  function save() {
    timer = null;
    if (stopped || submitting) return Promise.resolve();
    if (inflight) { schedule(); return inflight; }
    var body = new FormData(form);
    var sent = serialise();
    setStatus("Saving…", "saving");
    inflight = fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-PHT-Background": "autosave", "X-PHT-Page": window.location.pathname, "X-CSRFToken": body.get("csrfmiddlewaretoken") },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 401) {
          showSignedOut(answer.message, answer.login_url);
        } else if (response.ok && answer.status === "saved") {
          adopt(answer);
          if (serialise() === sent) { dirty = false; forget(); }
          setStatus("Saved at " + answer.saved_at + (answer.disagreements ? " · " + answer.disagreements + " answer(s) to resolve" : ""), "saved");
        } else if (response.status === 409) {
          stopped = true;
          remember();
          setStatus("Not saved: " + (answer.message || "the draft changed elsewhere") + " Reload to see it.", "error");
        } else if (response.status === 403) {
          // A new session without the form's token (signed in again in another tab).
          showSignedOut("Your session changed. Your answers are kept on this device: reload the page to carry on.", window.location.pathname);
        } else {
          setStatus("Not saved yet: " + ((answer.errors || []).join("; ") || "check the highlighted answers."), "error");
        }
      });
    }).catch(function () {
      remember();
      setStatus("Not saved: no connection. Your answers are kept on this device; saving resumes when you change an answer.", "error");
    }).finally(function () { inflight = null; });
    return inflight;
  }

  function schedule() {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, AUTOSAVE_DELAY_MS);
  }

  function changed(event) {
    if (event && event.target && event.target.name === "csrfmiddlewaretoken") return;
    dirty = true;
    remember();
    updateProgress();
    if (!stopped) setStatus("Unsaved changes", "dirty");
    schedule();
  }

  form.addEventListener("change", function (event) { defaultSideTested(event); changed(event); });
  form.addEventListener("input", changed);

  form.addEventListener("submit", function (event) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (inflight) {
      // Let the background save finish first, so the form posts to the draft it made.
      event.preventDefault();
      var submitter = event.submitter;
      inflight.then(function () { form.requestSubmit(submitter); });
      return;
    }
    submitting = true;
    dirty = false;
    forget();
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The live panel (htmx) is refused when the session has ended: say so, keep the answers,
  // and leave the panel as it was (no error: the page explains what happened).
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 401) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      showSignedOut(answer.message, answer.login_url);
    }
  });

  if (restore()) {
    dirty = true;
    setStatus("Your unsaved answers were restored on this device; saving them…", "dirty");
    schedule();
    if (window.htmx) window.htmx.trigger(form, "change");
  }
  updateProgress();
})();
