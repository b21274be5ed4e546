// The entry form made quick on a phone: only the chosen kind's fields show,
// the bar with Publish stays above the on-screen keyboard, a photo from the
// camera or the gallery makes a photo entry, the event's tags are suggested,
// drafts appear in their list as they are saved, and on a wide screen the
// blog as readers see it sits beside the composer. Works on the composer and
// the edit form; without script every field shows and the form posts as is.
// window.ShowfloorDrafts = {add(entry), photoShown(file)} for desk.js.
(function () {
  "use strict";

  var form = document.getElementById("composer") || document.getElementById("edit-form");
  if (!form) return;

  // ---- the kind switch: fields of other kinds hide, nothing typed in them is lost

  function showKind() {
    var checked = form.querySelector("input[name=kind]:checked");
    form.dataset.kind = checked ? checked.value : "text";
  }
  // Switching kind goes straight to the field that kind needs next, when it is still empty.
  var NEXT_FIELD = { quote: ".speaker-search", embed: "input[name=embed_url]" };
  form.addEventListener("change", function (ev) {
    if (ev.target.name !== "kind") return;
    showKind();
    var next = form.querySelector(NEXT_FIELD[form.dataset.kind] || "none");
    var select = form.elements.speaker_id;
    var done = form.dataset.kind === "quote" ? select && select.value : next && next.value;
    if (next && !done && ev.isTrusted) next.focus();
  });
  showKind();

  // ---- photos: the camera or the gallery; either one makes a photo entry

  var photoInputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file][data-photo]"));
  var chosen = document.getElementById("photo-chosen");
  var chosenText = chosen ? chosen.textContent : "";

  photoInputs.forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      // One photo per entry: the other input lets go of its file.
      photoInputs.forEach(function (other) { if (other !== input) other.value = ""; });
      var image = form.querySelector("input[name=kind][value=image]");
      image.checked = true;
      showKind();
      sayChosen(input.files[0]);
      if (form.elements.alt && !form.elements.alt.value) form.elements.alt.focus();
    });
  });

  function sayChosen(file) {
    if (!chosen) return;
    chosen.textContent = file ? "Photo: " + file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)" : chosenText;
  }

  // ---- the bar above the on-screen keyboard (where the browser keeps the page behind it)

  var bar = document.getElementById("composer-bar");
  if (bar && window.visualViewport) {
    var vv = window.visualViewport;
    var lift = function () {
      var hidden = Math.max(0, window.innerHeight - vv.height - vv.offsetTop);
      bar.style.setProperty("--keyboard", hidden + "px");
    };
    vv.addEventListener("resize", lift);
    vv.addEventListener("scroll", lift);
    lift();
  }

  // ---- tag suggestions: the event's tags that start like the tag being typed

  var tags = form.elements.tags;
  var suggest = document.getElementById("tag-suggest");
  var known = [];
  try { known = JSON.parse(suggest ? suggest.dataset.tags : "[]") || []; } catch (e) { known = []; }
  var MAX_SUGGESTIONS = 6;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function typedTags() {
    return tags.value.split(",").map(function (t) { return t.trim(); });
  }

  function suggestTags() {
    var parts = typedTags();
    var current = fold(parts[parts.length - 1] || "");
    var have = parts.slice(0, -1).map(fold);
    var hits = known.filter(function (name) {
      var f = fold(name);
      return f.indexOf(current) === 0 && f !== current && have.indexOf(f) < 0;
    }).slice(0, MAX_SUGGESTIONS);
    suggest.textContent = "";
    hits.forEach(function (name) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.textContent = name;
      b.addEventListener("click", function () { takeTag(name); });
      suggest.appendChild(b);
    });
    suggest.hidden = hits.length === 0;
  }

  function takeTag(name) {
    var parts = typedTags().slice(0, -1).filter(Boolean);
    parts.push(name);
    tags.value = parts.join(", ") + ", ";
    tags.focus();
    suggestTags();
  }

  if (tags && suggest && known.length) {
    tags.addEventListener("input", suggestTags);
    tags.addEventListener("focus", suggestTags);
  }

  // ---- drafts and scheduled entries join their list as they are saved

  var drafts = document.getElementById("drafts");
  var draftList = document.getElementById("drafts-list");

  function addDraft(entry) {
    if (!draftList || document.getElementById("draft-" + entry.id)) return;
    var li = document.createElement("li");
    li.className = "desk-entry";
    li.id = "draft-" + entry.id;
    var line = document.createElement("p");
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = entry.status;
    line.append(badge, " ", entry.headline || entry.source.slice(0, 80));
    var actions = document.createElement("p");
    actions.className = "actions";
    var edit = document.createElement("a");
    edit.href = "/desk/entries/" + entry.id + "/edit";
    edit.textContent = "Edit";
    actions.append(edit, " ", publishNow(entry));
    li.append(line, actions);
    draftList.appendChild(li);
    drafts.hidden = false;
  }

  function publishNow(entry) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = "/desk/entries/" + entry.id + "/publish";
    f.className = "inline";
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = form.elements.csrf_token.value;
    var b = document.createElement("button");
    b.className = "link";
    b.textContent = "Publish now";
    f.append(token, b);
    return f;
  }

  window.ShowfloorDrafts = { add: addDraft, photoShown: sayChosen };

  // ---- on a wide screen: the blog as readers see it, following live by itself

  var pane = document.getElementById("reader-pane");
  var wide = window.matchMedia && window.matchMedia("(min-width: 70rem)");
  function frameReaderPage() {
    if (!pane || !wide || !wide.matches || pane.querySelector("iframe")) return;
    var frame = document.createElement("iframe");
    frame.src = pane.dataset.src;
    frame.title = "The blog as readers see it";
    frame.className = "reader-pane__frame";
    pane.appendChild(frame);
  }
  if (wide) {
    frameReaderPage();
    wide.addEventListener("change", frameReaderPage);
  }
})();
