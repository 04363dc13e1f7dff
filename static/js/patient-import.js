// Patient import: keep the progress bar up to date while the import runs in the background.
// Polls the import's progress (counts only) every second; once it has finished, reloads the
// page to show the result. Without JavaScript the page's "Refresh" link does the same.
document.addEventListener("DOMContentLoaded", function () {
  var section = document.querySelector("[data-import-progress]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-import-progress");
  var bar = section.querySelector("progress");
  var fields = {
    processed: section.querySelector("[data-import-processed]"),
    percent: section.querySelector("[data-import-percent]"),
    created: section.querySelector("[data-import-created]")
  };
  var status = document.querySelector("[data-import-status]");

  function show(progress) {
    bar.value = progress.percent;
    bar.textContent = progress.percent + " %";
    fields.processed.textContent = progress.processed;
    fields.percent.textContent = progress.percent;
    fields.created.textContent = progress.created;
    if (status) {
      status.textContent = progress.status_label;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 500);
});
