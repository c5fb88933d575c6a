// The scans' batch page: each file dropped or chosen gets its check before filing (type, size, SHA-256 computed
// here where the browser offers crypto.subtle, and its order's state from the desk), then "file all" sends each
// accepted file, one after the other, as the body of the order page's own upload (streamed by the browser, never
// read whole into the page for sending), with the session's CSRF token in a header and a fresh key per file.
"use strict";
(function () {
  var zone = document.getElementById("scan-batch");
  if (!zone) { return; }
  var t = zone.dataset, list = document.getElementById("scan-list"), body = list.querySelector("tbody");
  var picker = document.getElementById("scan-orders"), button = document.getElementById("file-all");
  var summary = document.getElementById("scan-summary"), rows = [], busy = false;
  var TYPES = {pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png",
               tif: "image/tiff", tiff: "image/tiff"};
  var ACCEPTED = ["application/pdf", "image/jpeg", "image/png", "image/tiff"];

  function cell(tr) { var td = document.createElement("td"); tr.appendChild(td); return td; }
  function say(td, text, bad) { td.textContent = text; td.classList.toggle("bad", !!bad); td.classList.toggle("good", bad === false); }
  function typeOf(file) {
    if (ACCEPTED.indexOf(file.type) >= 0) { return file.type; }
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    return file.type ? null : (TYPES[ext] || null);
  }
  function numberIn(name) {
    var found = /([A-Za-z]{2})(\d{6})/.exec(name);
    return found ? found[1].toUpperCase() + found[2] : "";
  }
  function freshKey() {
    var bytes = new Uint8Array(18), out = "", abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    if (window.crypto && window.crypto.getRandomValues) { window.crypto.getRandomValues(bytes); }
    else { for (var i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(Math.random() * 256); } }
    for (var j = 0; j < bytes.length; j++) { out += abc.charAt(bytes[j] & 63); }
    return "batch-" + out;
  }
  function size(n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1e3)) + " KB"; }
  function refresh() {
    var ready = rows.filter(function (r) { return r.accepted() && !r.done; }).length;
    button.disabled = busy || ready === 0;
  }

  function sha(row) {
    if (!row.size_ok) { say(row.sha, "—"); return; }
    if (!(window.crypto && window.crypto.subtle && window.isSecureContext)) { say(row.sha, t.tShaLater); return; }
    say(row.sha, t.tShaBusy);
    row.file.arrayBuffer().then(function (buffer) { return window.crypto.subtle.digest("SHA-256", buffer); })
      .then(function (digest) {
        var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        row.sha.textContent = hex; row.sha.title = hex; row.sha.classList.add("hash");
      })
      .catch(function () { say(row.sha, t.tShaLater); });
  }
  function check(row) {
    var number = row.select.value;
    row.state_ok = false;
    if (!number) { say(row.state, t.tNoOrder, true); refresh(); return; }
    say(row.state, t.tChecking);
    var asked = number;
    fetch(t.check + "?number=" + encodeURIComponent(number), {credentials: "same-origin"})
      .then(function (answer) { return answer.json(); })
      .then(function (found) {
        if (row.select.value !== asked) { return; }
        if (!found.found) { say(row.state, found.title + ": " + found.message, true); }
        else { row.state_ok = found.awaiting; say(row.state, found.says, !found.awaiting); }
        refresh();
      })
      .catch(function () { say(row.state, t.tNetwork, true); refresh(); });
  }
  function add(file) {
    var tr = document.createElement("tr"), row = {file: file, done: false, state_ok: false};
    tr.className = "scan-row";
    cell(tr).textContent = file.name;
    var where = cell(tr);
    row.select = picker.content.querySelector("select").cloneNode(true);
    var number = numberIn(file.name);
    if (number && !Array.prototype.some.call(row.select.options, function (o) { return o.value === number; })) {
      var extra = document.createElement("option"); extra.value = number; extra.textContent = number;
      row.select.appendChild(extra);
    }
    row.select.value = number;
    where.appendChild(row.select);
    row.type = cell(tr); row.size = cell(tr); row.sha = cell(tr); row.state = cell(tr); row.outcome = cell(tr);
    row.mime = typeOf(file);
    say(row.type, row.mime ? t.tTypeOk : t.tTypeBad, !row.mime);
    row.size_ok = file.size > 0 && file.size <= Number(t.max);
    say(row.size, size(file.size) + " · " + (row.size_ok ? t.tSizeOk : t.tSizeBad), !row.size_ok);
    row.bar = document.createElement("progress"); row.bar.max = 100; row.bar.value = 0; row.bar.hidden = true;
    row.words = document.createElement("span");
    row.outcome.appendChild(row.bar); row.outcome.appendChild(row.words);
    row.accepted = function () { return row.mime && row.size_ok && row.state_ok; };
    row.select.addEventListener("change", function () { check(row); });
    body.appendChild(tr); list.hidden = false; rows.push(row);
    sha(row); check(row);
  }
  function take(files) {
    Array.prototype.forEach.call(files, add);
    summary.textContent = ""; refresh();
  }
  function upload(row) {
    return new Promise(function (done) {
      var number = row.select.value;
      var url = t.upload + encodeURIComponent(number) + "/scan?filename=" + encodeURIComponent(row.file.name) +
        "&key=" + encodeURIComponent(freshKey());
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("X-CSRF-Token", t.csrf);
      xhr.setRequestHeader("Content-Type", row.mime);
      row.bar.hidden = false; row.bar.value = 0; row.words.textContent = " " + t.tFiling;
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { row.bar.value = 100 * e.loaded / e.total; } };
      xhr.onload = function () {
        row.bar.hidden = true;
        if (xhr.status === 200) {
          row.done = true; row.select.disabled = true;
          say(row.outcome, t.tFiled, false);
          fetch(t.check + "?number=" + encodeURIComponent(number), {credentials: "same-origin"})
            .then(function (answer) { return answer.json(); })
            .then(function (found) { if (found.found) { say(row.outcome, t.tFiled + " → " + found.state, false); } })
            .catch(function () { /* filed; the state is on the order's page */ })
            .then(function () { done(true); });
          return;
        }
        var message = t.tRefused + ": " + xhr.statusText;
        try { var answer = JSON.parse(xhr.responseText); message = answer.said || answer.message || message; }
        catch (ignored) { /* the status says it */ }
        say(row.outcome, message, true); done(false);
      };
      xhr.onerror = function () { row.bar.hidden = true; say(row.outcome, t.tNetwork, true); done(false); };
      xhr.send(row.file);
    });
  }
  button.addEventListener("click", function () {
    var todo = rows.filter(function (r) { return r.accepted() && !r.done; });
    if (!todo.length) { summary.textContent = t.tNone; return; }
    busy = true; refresh();
    rows.forEach(function (r) {
      if (r.done || r.accepted()) { return; }
      var why = [r.type, r.size, r.state].filter(function (td) { return td.classList.contains("bad"); })[0];
      say(r.outcome, t.tRefused + (why ? ": " + why.textContent : ""), true);
    });
    todo.reduce(function (chain, row) { return chain.then(function () { return upload(row); }); }, Promise.resolve())
      .then(function () { busy = false; refresh(); });
  });
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault(); zone.classList.remove("over");
    if (e.dataTransfer.files.length) { take(e.dataTransfer.files); }
  });
  document.getElementById("scan-files").addEventListener("change", function (e) {
    if (e.target.files.length) { take(e.target.files); e.target.value = ""; }
  });
}());
