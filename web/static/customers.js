// The entry form's live collision check (撞单): ~400 ms after the rep stops typing the name, telephone or fax,
// what is typed so far goes to the desk (the session's CSRF token in a header) and the answer, a fragment the
// server drew with every typed text escaped, replaces the box's content. An older answer never overwrites a newer.
"use strict";
(function () {
  var form = document.getElementById("entry");
  if (!form) { return; }
  var box = document.getElementById("live-check");
  var timer = null, asked = 0;
  function check() {
    var mine = ++asked;
    var body = new URLSearchParams();
    ["name", "phone", "fax"].forEach(function (f) { body.append(f, form.elements[f].value); });
    fetch(form.dataset.check, {method: "POST", body: body, credentials: "same-origin",
                               headers: {"X-CSRF-Token": form.dataset.csrf}})
      .then(function (answer) { return answer.text(); })
      .then(function (html) {
        if (mine !== asked) { return; }
        var parsed = new DOMParser().parseFromString(html, "text/html");
        box.replaceChildren.apply(box, Array.prototype.slice.call(parsed.body.childNodes));
      })
      .catch(function () { /* the check is a help: the entry itself is checked again on submit */ });
  }
  ["name", "phone", "fax"].forEach(function (f) {
    form.elements[f].addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  });
}());
