// The inbox, live: the page follows the server's "changed" events and
// reloads its list (or the open conversation) without a full page load;
// keys move through the list. Everything works without it.
(function () {
  "use strict";
  var root = document.getElementById("inbox") || document.getElementById("thread");
  if (!root) { return; }

  // Replace the parts of the page that change with those of a fresh copy.
  var parts = ["inbox-counters", "inbox-list", "items", "timer", "assignment", "notes", "tags"];
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var active = document.activeElement;
        parts.forEach(function (id) {
          var now = document.getElementById(id), next = doc.getElementById(id);
          if (!now || !next) { return; }
          // Never replace what the person is typing in.
          if (active && now.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) { return; }
          now.replaceWith(next);
        });
        mark();
      })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  if (window.EventSource && root.dataset.events) {
    var es = new EventSource(root.dataset.events);
    es.addEventListener("changed", function (e) {
      var mine = root.dataset.conversation;
      if (!mine || e.data === "*" || e.data.split(" ").indexOf(mine) >= 0) { refresh(); }
    });
  }

  // Saved replies fill the reply box, where they can still be edited.
  var saved = document.getElementById("saved"), text = document.getElementById("reply-text");
  if (saved && text) {
    saved.addEventListener("change", function () {
      var opt = saved.options[saved.selectedIndex];
      if (opt && opt.dataset.body) { text.value = opt.dataset.body; text.focus(); }
    });
  }

  // Keys: j/k move, Enter opens, e marks done (on a conversation), r
  // goes to the reply, ? shows the help.
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#conversations > li")); }
  function mark() {
    rows().forEach(function (li, i) { li.classList.toggle("selected", i === current); });
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"))) { return; }
    var list = rows();
    if ((e.key === "j" || e.key === "k") && list.length) {
      current = Math.max(0, Math.min(list.length - 1, current + (e.key === "j" ? 1 : -1)));
      mark();
      list[current].querySelector("a").focus();
      e.preventDefault();
    } else if (e.key === "e") {
      var done = document.getElementById("mark-done");
      if (done) { done.click(); e.preventDefault(); }
    } else if (e.key === "r" && text) {
      text.focus();
      e.preventDefault();
    } else if (e.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) { help.classList.toggle("highlight"); help.scrollIntoView(); }
    }
  });
})();
