// Listening, live: when the server says new mentions arrived, the page
// fetches the explorer again (with its filters) and swaps in the fresh
// list of mentions. It waits while the person types or chooses in a form,
// and does nothing on an older page of mentions. Everything works without
// it.
(function () {
  "use strict";
  var root = document.getElementById("listening");
  if (!root || !window.EventSource || !root.dataset.events || !root.dataset.list) { return; }

  var busy = false, pending = false;

  // busyTyping is true while a field has the focus: the list is not
  // replaced under the person's hands.
  function busyTyping() {
    var a = document.activeElement;
    if (!a || a === document.body) { return false; }
    return a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT" || a.isContentEditable;
  }

  function refresh() {
    if (busy || busyTyping()) { pending = true; return; }
    busy = true;
    pending = false;
    fetch(root.dataset.list, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        if (busyTyping()) { pending = true; return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var now = document.getElementById("mentions-list"), next = doc.getElementById("mentions-list");
        if (now && next) { now.replaceWith(next); }
      })
      .catch(function () { pending = true; })
      .finally(function () { busy = false; });
  }

  // A refresh put off while typing happens once the field is left.
  document.addEventListener("focusout", function () {
    window.setTimeout(function () { if (pending) { refresh(); } }, 300);
  });

  var es = new EventSource(root.dataset.events);
  es.addEventListener("changed", refresh);
})();
