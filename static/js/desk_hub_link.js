// "Link to the event hub": one tap puts a Markdown link to the event's hub at the cursor of
// the text (or of a quote's context, where links belong) last typed in. Without this script
// the hub's address is shown beside the field to copy.
(function () {
  "use strict";

  var box = document.getElementById("hub-link");
  var button = document.getElementById("hub-link-button");
  if (!box || !button) return;
  var form = box.closest("form");
  var target = form.elements.source;

  ["source", "context"].forEach(function (name) {
    var field = form.elements[name];
    if (field) field.addEventListener("focus", function () { target = field; });
  });

  function markdownLink() {
    // Brackets in an event's name would end the link text early.
    var name = box.dataset.name.replace(/[[\]]/g, "");
    return "[" + name + "](" + box.dataset.url + ")";
  }

  function field() {
    // A quotation holds only the speaker's words: in a quote the link goes to the context.
    var quote = form.elements.kind && form.elements.kind.value === "quote";
    return quote && form.elements.context ? form.elements.context : target;
  }

  button.addEventListener("click", function () {
    var target = field();
    var start = target.selectionStart, end = target.selectionEnd;
    target.setRangeText(markdownLink(), start, end, "end");
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.focus();
  });

  button.hidden = false;
  document.getElementById("hub-link-address").hidden = true;
})();
