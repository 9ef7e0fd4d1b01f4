// Composer enhancements: live counters and checks from the server, images
// uploaded as soon as they are picked, more parts for a thread. The form
// works without this script: it posts its fields and files as they are.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  var csrfInput = form.querySelector('input[name="csrf"]');
  var csrf = csrfInput ? csrfInput.value : "";
  var partsBox = document.getElementById("parts");
  var addButton = document.getElementById("add-part");
  var maxParts = 25; // publish.MaxParts
  var slotPattern = /^(part|counters|image|alt|media)-\d+/;

  // A pristine image slot (label and file input), to put back in a cloned
  // part where the original slot already holds an uploaded image.
  var fileSlotTemplate = null;
  var anyFile = form.querySelector(".media-slot input[type=file]");
  if (anyFile) {
    var label = form.querySelector('label[for="' + anyFile.id + '"]');
    fileSlotTemplate = { label: label ? label.cloneNode(true) : null, input: anyFile.cloneNode(false) };
  }

  function parts() { return Array.prototype.slice.call(partsBox.querySelectorAll("fieldset.part")); }
  function slots(part) { return Array.prototype.slice.call(part.querySelectorAll(".media-slot")); }
  function field(root, name) { return root.querySelector('[name="' + name + '"]'); }

  // request sends JSON or a FormData to url with the session's CSRF token
  // and returns the decoded answer; a refusal rejects with the server's
  // message.
  function request(url, body, signal) {
    var headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    if (!(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body, signal: signal })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) {
            var msg = data && data.error && data.error.message;
            throw new Error(msg || res.status + " " + res.statusText);
          }
          return data;
        });
      });
  }

  // draft reads the form as the check endpoint takes it, leaving out the
  // empty parts at the end, as the server does when the form is posted.
  function draft() {
    var list = parts().map(function (part) {
      var i = part.getAttribute("data-part");
      var p = { text: part.querySelector("textarea").value, media: [] };
      slots(part).forEach(function (slot) {
        var j = slot.getAttribute("data-slot");
        var media = field(slot, "media-" + i + "-" + j);
        if (media && media.value) {
          var alt = field(slot, "alt-" + i + "-" + j);
          p.media.push({ media_id: media.value, alt: alt ? alt.value.trim() : "" });
        }
      });
      return p;
    });
    while (list.length > 1 && list[list.length - 1].text.trim() === "" && list[list.length - 1].media.length === 0) {
      list.pop();
    }
    var accounts = [], variants = {};
    form.querySelectorAll('input[name="account"]:checked').forEach(function (box) {
      accounts.push(box.value);
      var v = document.getElementById("variant-" + box.value);
      if (v && v.value.trim() !== "" && list.length > 0) {
        // As the server reads the form: parts separated by a line "---",
        // images staying with the parts in the same place.
        variants[box.value] = v.value.replace(/\r\n/g, "\n").trim().split("\n---\n").map(function (piece, i) {
          return { text: piece.trim(), media: i < list.length ? list[i].media : [] };
        });
      }
    });
    var preview = field(form, "link_preview");
    return { content: { parts: list, variants: variants, link_preview: !!(preview && preview.checked) }, accounts: accounts };
  }

  // The report of the last check: problems and warnings, under the parts.
  var report = document.createElement("div");
  report.className = "check-report";
  report.id = "check-report";
  report.setAttribute("aria-live", "polite");
  var after = addButton || partsBox;
  after.parentNode.insertBefore(report, after.nextSibling);

  function setText(el, text) {
    if (el.textContent !== text) { el.textContent = text; }
  }

  function showReport(problems, warnings) {
    var key = JSON.stringify([problems, warnings]);
    if (report.getAttribute("data-key") === key) { return; }
    report.setAttribute("data-key", key);
    report.textContent = "";
    [["problems", problems], ["warnings", warnings]].forEach(function (kind) {
      if (kind[1].length === 0) { return; }
      var ul = document.createElement("ul");
      ul.className = kind[0];
      ul.id = "check-" + kind[0];
      kind[1].forEach(function (msg) {
        var li = document.createElement("li");
        li.textContent = msg;
        ul.appendChild(li);
      });
      report.appendChild(ul);
    });
  }

  // The card of the first link, as the networks will show it.
  var card = document.createElement("figure");
  card.className = "link-card";
  card.id = "link-card";
  card.hidden = true;
  report.parentNode.insertBefore(card, report.nextSibling);

  function showCard(c) {
    var key = JSON.stringify(c || null);
    if (card.getAttribute("data-key") === key) { return; }
    card.setAttribute("data-key", key);
    card.textContent = "";
    card.hidden = !c;
    if (!c) { return; }
    var caption = document.createElement("figcaption");
    caption.textContent = form.getAttribute("data-card-label") || "";
    card.appendChild(caption);
    if (c.image_url && c.image_url.indexOf("https://") === 0) {
      var img = document.createElement("img");
      img.src = c.image_url;
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      card.appendChild(img);
    }
    var title = document.createElement("strong");
    title.className = "card-title";
    title.textContent = c.title;
    card.appendChild(title);
    if (c.description) {
      var p = document.createElement("p");
      p.textContent = c.description;
      card.appendChild(p);
    }
    var host = document.createElement("small");
    try { host.textContent = new URL(c.url).host; } catch (e) { host.textContent = c.url; }
    card.appendChild(host);
  }

  // accountName is how a counter names an account: the network, as the
  // page writes it, and the handle when two chosen accounts share it.
  function accountNames(reports) {
    var perNetwork = {};
    reports.forEach(function (a) { perNetwork[a.network] = (perNetwork[a.network] || 0) + 1; });
    var names = {};
    reports.forEach(function (a) {
      var box = form.querySelector('input[name="account"][value="' + CSS.escape(a.account_id) + '"]');
      var span = box && box.parentNode.querySelector(".network");
      var name = span ? span.textContent.trim() : a.network;
      names[a.account_id] = perNetwork[a.network] > 1 ? "@" + a.handle.replace(/^@/, "") + " " + name : name;
    });
    return names;
  }

  function showCounters(reports) {
    var names = accountNames(reports);
    parts().forEach(function (part, i) {
      var out = part.querySelector("output.counters");
      if (!out) { return; }
      var items = [];
      reports.forEach(function (a) {
        var pr = a.parts && a.parts[i];
        if (pr) { items.push({ name: names[a.account_id], handle: a.handle, network: a.network, r: pr }); }
      });
      var key = JSON.stringify(items);
      if (out.getAttribute("data-key") === key) { return; }
      out.setAttribute("data-key", key);
      out.textContent = "";
      items.forEach(function (it) {
        var span = document.createElement("span");
        span.className = "counter " + it.network + (it.r.remaining < 0 ? " over" : "");
        span.setAttribute("data-remaining", it.r.remaining);
        span.setAttribute("data-count", it.r.count);
        span.title = "@" + it.handle.replace(/^@/, "") + ": " + it.r.remaining;
        span.textContent = it.name + " " + it.r.count + "/" + it.r.limit;
        out.appendChild(span);
        out.appendChild(document.createTextNode(" "));
      });
    });
  }

  var timer = null, inFlight = null, sequence = 0;

  function check() {
    var d = draft();
    var mine = ++sequence;
    if (inFlight) { inFlight.abort(); inFlight = null; }
    if (d.accounts.length === 0) {
      showCounters([]);
      showReport([], []);
      return;
    }
    inFlight = typeof AbortController === "function" ? new AbortController() : null;
    request(form.getAttribute("data-check"), d, inFlight ? inFlight.signal : undefined).then(function (rep) {
      if (mine !== sequence) { return; }
      var accounts = rep.accounts || [];
      var problems = [], warnings = [];
      accounts.forEach(function (a) {
        (a.problems || []).forEach(function (m) { if (problems.indexOf(m) < 0) { problems.push(m); } });
        (a.warnings || []).forEach(function (m) { if (warnings.indexOf(m) < 0) { warnings.push(m); } });
      });
      showCounters(accounts);
      showReport(problems, warnings);
      showCard(rep.link_card);
    }, function (err) {
      if (mine !== sequence || (err && err.name === "AbortError")) { return; }
      showReport([err.message], []);
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 150);
  }

  // Image slots after the first wait until the one before holds an image.
  function hasImage(slot) {
    if (slot.querySelector('input[type=hidden][name^="media-"]')) { return true; }
    var file = slot.querySelector("input[type=file]");
    return !!(file && file.files && file.files.length > 0);
  }

  function refreshSlots(part) {
    var list = slots(part);
    list.forEach(function (slot, j) {
      var show = j === 0 || hasImage(slot) || hasImage(list[j - 1]);
      slot.classList.toggle("js-more", !show);
    });
  }

  function upload(input) {
    var slot = input.closest(".media-slot");
    var part = input.closest("fieldset.part");
    if (!slot || !part || !input.files || input.files.length === 0) { return; }
    var old = slot.querySelector(".upload-error");
    if (old) { old.remove(); }
    var data = new FormData();
    data.append("file", input.files[0]);
    slot.classList.add("uploading");
    slot.setAttribute("aria-busy", "true");
    request(form.getAttribute("data-upload"), data).then(function (res) {
      var id = res.media && res.media.id;
      if (!id) { throw new Error("no media id in the answer"); }
      var i = part.getAttribute("data-part"), j = slot.getAttribute("data-slot");
      var img = document.createElement("img");
      img.src = form.getAttribute("data-media") + encodeURIComponent(id);
      img.alt = "";
      img.className = "thumb";
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "media-" + i + "-" + j;
      hidden.value = id;
      var label = slot.querySelector('label[for="' + input.id + '"]');
      if (label) { label.remove(); }
      input.replaceWith(img);
      img.after(hidden);
      refreshSlots(part);
      later();
    }).catch(function (err) {
      var p = document.createElement("p");
      p.className = "error upload-error";
      p.setAttribute("role", "alert");
      p.textContent = err.message;
      slot.appendChild(p);
    }).then(function () {
      slot.classList.remove("uploading");
      slot.removeAttribute("aria-busy");
    });
  }

  // renumber gives a cloned part the next index in its ids, names, labels
  // and headings.
  function renumber(part, i) {
    part.setAttribute("data-part", String(i));
    part.querySelectorAll("[id],[name],[for]").forEach(function (el) {
      ["id", "name", "for"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v && slotPattern.test(v)) {
          el.setAttribute(attr, v.replace(/^([a-z]+)-\d+/, "$1-" + i));
        }
      });
    });
    var legend = part.querySelector("legend");
    if (legend) { legend.textContent = legend.textContent.replace(/\d+/, String(i + 1)); }
    var hidden = part.querySelector("label.visually-hidden");
    if (hidden) { hidden.textContent = hidden.textContent.replace(/\d+/, String(i + 1)); }
  }

  function addPart() {
    var list = parts();
    if (list.length >= maxParts || list.length === 0) { return; }
    var part = list[0].cloneNode(true);
    part.querySelector("textarea").value = "";
    var out = part.querySelector("output.counters");
    if (out) { out.textContent = ""; out.removeAttribute("data-key"); }
    slots(part).forEach(function (slot, j) {
      slot.classList.remove("uploading");
      slot.removeAttribute("aria-busy");
      slot.querySelectorAll(".upload-error").forEach(function (e) { e.remove(); });
      var img = slot.querySelector("img.thumb");
      var media = slot.querySelector('input[type=hidden][name^="media-"]');
      if (img || media) {
        if (!fileSlotTemplate) { return; }
        var label = fileSlotTemplate.label ? fileSlotTemplate.label.cloneNode(true) : null;
        var input = fileSlotTemplate.input.cloneNode(false);
        var anchor = img || media;
        // renumber sets the part's index below.
        input.id = input.name = "image-0-" + j;
        if (label) { label.htmlFor = input.id; anchor.before(label); }
        anchor.before(input);
        if (img) { img.remove(); }
        if (media) { media.remove(); }
      }
      slot.querySelectorAll("input").forEach(function (inp) { inp.value = ""; });
    });
    renumber(part, list.length);
    partsBox.appendChild(part);
    refreshSlots(part);
    part.querySelector("textarea").focus();
    if (list.length + 1 >= maxParts && addButton) { addButton.disabled = true; }
  }

  form.addEventListener("input", function (e) {
    var t = e.target;
    if (t.tagName === "TEXTAREA" && (t.name === "part" || /^variant-/.test(t.name))) { later(); }
    if (t.tagName === "INPUT" && /^alt-/.test(t.name)) { later(); }
  });
  form.addEventListener("change", function (e) {
    var t = e.target;
    if (t.type === "file") {
      refreshSlots(t.closest("fieldset.part"));
      upload(t);
    } else if (t.name === "account" || t.name === "link_preview") {
      later();
    }
  });
  if (addButton) { addButton.addEventListener("click", addPart); }

  parts().forEach(refreshSlots);
  if (form.querySelector('input[name="account"]:checked')) { check(); }
})();
