// The statement upload on the payments page: the chosen file goes up as the request body (streamed by the
// browser, never read whole into the page), with the session's CSRF token in a header; the server keeps it and
// answers with the address of its preview, where nothing is imported until the person confirms.
"use strict";
(function () {
  var zone = document.querySelector(".statement-drop");
  if (!zone) { return; }
  var input = zone.querySelector("input[type=file]"), bar = zone.querySelector("progress");
  var outcome = zone.querySelector(".outcome");
  function send(file) {
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", zone.dataset.upload + "?filename=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-CSRF-Token", zone.dataset.csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    bar.hidden = false; bar.value = 0; outcome.textContent = ""; outcome.classList.remove("bad");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = 100 * e.loaded / e.total; } };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { /* not JSON: the status says it */ }
      if (xhr.status === 200 && answer.preview) { window.location.assign(answer.preview); return; }
      outcome.textContent = answer.said || answer.message || xhr.statusText; outcome.classList.add("bad"); bar.hidden = true;
    };
    xhr.onerror = function () { outcome.textContent = zone.dataset.networkError; outcome.classList.add("bad"); };
    xhr.send(file);
  }
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault(); zone.classList.remove("over");
    if (e.dataTransfer.files.length) { send(e.dataTransfer.files[0]); }
  });
  input.addEventListener("change", function () { if (input.files.length) { send(input.files[0]); } });
}());
