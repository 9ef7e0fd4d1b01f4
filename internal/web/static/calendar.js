// Calendar enhancement: drag a scheduled post to another day to move it
// there at the same time. Without this script, the post's page has a form
// that does the same.
(function () {
  "use strict";
  var table = document.getElementById("calendar");
  if (!table) { return; }
  document.documentElement.classList.add("js");
  var base = table.getAttribute("data-reschedule");
  if (!base) { return; }
  var csrfInput = document.querySelector('input[type=hidden][name="csrf"]');
  var csrf = csrfInput ? csrfInput.value : "";

  // The alert region for a refused move, above the calendar.
  var alertBox = null;
  function showError(message) {
    if (!alertBox) {
      alertBox = document.createElement("p");
      alertBox.className = "error";
      alertBox.id = "calendar-error";
      alertBox.setAttribute("role", "alert");
      table.parentNode.insertBefore(alertBox, table);
    }
    alertBox.textContent = message;
    alertBox.hidden = false;
  }

  var dragged = null, from = null, busy = false;

  function dayOf(el) { return el && el.closest ? el.closest("td.day[data-date]") : null; }

  function clearTargets() {
    table.querySelectorAll("td.drop-target").forEach(function (td) { td.classList.remove("drop-target"); });
  }

  table.addEventListener("dragstart", function (e) {
    var entry = e.target.closest ? e.target.closest('li.entry[draggable="true"]') : null;
    if (!entry || busy) { return; }
    dragged = entry;
    from = dayOf(entry);
    entry.classList.add("dragging");
    if (e.dataTransfer) {
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", entry.getAttribute("data-post"));
    }
  });

  table.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearTargets();
  });

  table.addEventListener("dragover", function (e) {
    var td = dayOf(e.target);
    if (!dragged || !td) { return; }
    e.preventDefault();
    if (e.dataTransfer) { e.dataTransfer.dropEffect = td === from ? "none" : "move"; }
    if (td !== from && !td.classList.contains("drop-target")) {
      clearTargets();
      td.classList.add("drop-target");
    }
  });

  table.addEventListener("dragleave", function (e) {
    var td = dayOf(e.target);
    if (td && !td.contains(e.relatedTarget)) { td.classList.remove("drop-target"); }
  });

  table.addEventListener("drop", function (e) {
    var td = dayOf(e.target);
    if (!dragged || !td) { return; }
    e.preventDefault();
    clearTargets();
    var entry = dragged, origin = from;
    dragged = null;
    entry.classList.remove("dragging");
    if (td === origin) { return; }
    var list = td.querySelector("ul.entries");
    var next = entry.nextSibling, oldList = entry.parentNode;
    // Show the move at once; the reload shows what the server made of it.
    if (list) { list.appendChild(entry); }
    entry.classList.add("moving");
    busy = true;
    fetch(base + encodeURIComponent(entry.getAttribute("data-post")) + "/reschedule", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ date: td.getAttribute("data-date"), time: entry.getAttribute("data-time") })
    }).then(function (res) {
      if (res.ok) {
        window.location.reload();
        return;
      }
      return res.json().catch(function () { return {}; }).then(function (data) {
        throw new Error((data && data.error && data.error.message) || res.status + " " + res.statusText);
      });
    }).catch(function (err) {
      oldList.insertBefore(entry, next);
      entry.classList.remove("moving");
      busy = false;
      showError(err.message);
    });
  });
})();
