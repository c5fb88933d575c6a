// The script of every desk page: a form is sent once however often it is tapped, and a scan dropped on an
// order's page goes up as the request body (streamed by the browser, never read whole into a page), with the
// session's CSRF token in a header and progress shown.
"use strict";
(function () {
  function upload(zone, file) {
    var bar = zone.querySelector("progress"), outcome = zone.querySelector(".outcome");
    var url = zone.dataset.upload + "?filename=" + encodeURIComponent(file.name) +
      "&key=" + encodeURIComponent(zone.dataset.key);
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("X-CSRF-Token", zone.dataset.csrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    bar.hidden = false; bar.value = 0; outcome.textContent = ""; outcome.classList.remove("bad");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = 100 * e.loaded / e.total; } };
    xhr.onload = function () {
      if (xhr.status === 200) { bar.value = 100; window.location.assign(window.location.pathname + "?done=scan"); return; }
      var message = xhr.statusText;
      try { var answer = JSON.parse(xhr.responseText); message = answer.said || answer.message; }
      catch (ignored) { /* not JSON: the status says it */ }
      outcome.textContent = message; outcome.classList.add("bad"); bar.hidden = true;
    };
    xhr.onerror = function () { outcome.textContent = zone.dataset.networkError; outcome.classList.add("bad"); };
    xhr.send(file);
  }
  // A second tap while the first one's answer is on its way sends nothing (it would take a step twice, or issue
  // two forms); a page shown again from the history is free to send once more.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1"; form.classList.add("sending");
      // A send stopped by the person (Esc, the stop button) leaves the page as it was: free it again later.
      window.setTimeout(function () { delete form.dataset.sent; form.classList.remove("sending"); }, 15000);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent; form.classList.remove("sending");
    });
  });
  document.querySelectorAll(".drop").forEach(function (zone) {
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault(); zone.classList.remove("over");
      if (e.dataTransfer.files.length) { upload(zone, e.dataTransfer.files[0]); }
    });
    zone.querySelector("input[type=file]").addEventListener("change", function (e) {
      if (e.target.files.length) { upload(zone, e.target.files[0]); }
    });
  });
})();
