// How the desk's outbox looks: each waiting item with its state, a photo's
// thumbnail and upload progress, and for a refused item the reason and what
// the reporter can do about it. The outbox (desk_outbox.js) owns the state;
// this only draws it and hands clicks back through `act`.
// window.ShowfloorOutboxView(act) returns {render, showProgress}; .button makes a link-style button.
(function () {
  "use strict";

  var LABELS = {
    queued: "Queued",
    sending: "Sending…",
    uploading: "Uploading photo…",
    attaching: "Attaching photo…",
    failed: "Not sent",
  };

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function errorText(text) {
    var err = el("p", "field-error", text);
    err.setAttribute("role", "alert");
    return err;
  }

  window.ShowfloorOutboxView = function (act) {
    var box = document.getElementById("outbox");
    var boxItems = document.getElementById("outbox-items");
    var boxStatus = document.getElementById("outbox-status");

    // status: {paused: "" | "login", note: "No connection. Retrying in 4 s." | ""}
    function render(outbox, status) {
      box.hidden = outbox.length === 0;
      boxItems.textContent = "";
      outbox.forEach(function (item) { boxItems.appendChild(itemView(item)); });
      boxStatus.textContent = "";
      if (status.paused === "login") {
        var link = el("a", "", "Log in again");
        link.href = "/login?next=/desk/";
        link.target = "_blank";
        boxStatus.append("Your session has expired. ", link, " — queued entries are kept and will be sent.");
      } else if (!navigator.onLine) {
        boxStatus.textContent = "Offline: entries are queued and go out when the connection returns.";
      } else {
        boxStatus.textContent = status.note || (outbox.length ? outbox.length + " waiting." : "");
      }
    }

    function itemView(item) {
      var li = el("li", "outbox__item outbox__item--" + item.state);
      li.dataset.key = item.key;
      if (item.photo && item.photo.thumb) li.append(thumb(item.photo));
      li.append(el("span", "badge", label(item)), " ", summary(item));
      if (item.state === "uploading") li.append(" ", progressBar(item));
      if (item.state === "failed") li.append(errorText(item.error), fixes(item));
      li.append(" ", button(item.entryId ? "Discard photo" : "Discard", function () { act.discard(item); }));
      return li;
    }

    function label(item) {
      if (item.entryId && item.state === "queued") return "Text sent · photo queued";
      if (item.entryId && item.state === "failed") return "Text sent · photo not sent";
      return LABELS[item.state];
    }

    function summary(item) {
      var b = item.body;
      var text = (b.headline ? b.headline + " — " : "") + b.source;
      if (!text && item.photo) text = "Photo: " + item.photo.name;
      return text.slice(0, 120);
    }

    function thumb(photo) {
      var img = el("img", "outbox__thumb");
      img.src = photo.thumb; // a small data: URL made when the photo was queued
      img.alt = photo.alt;
      return img;
    }

    function progressBar(item) {
      var bar = el("progress");
      bar.max = 1;
      bar.value = item.progress || 0;
      bar.setAttribute("aria-label", "Photo upload");
      return bar;
    }

    function showProgress(item) {
      var bar = boxItems.querySelector("li[data-key='" + item.key + "'] progress");
      if (bar) bar.value = item.progress;
    }

    // Before its text went out a refused item goes back to the composer;
    // afterwards only its photo is left to fix (the text is published).
    function fixes(item) {
      if (!item.entryId) return button("Edit", function () { act.edit(item); });
      if (item.mediaId) return button("Try again", function () { act.requeue(item); });
      return photoFixer(item);
    }

    function photoFixer(item) {
      var wrap = el("div", "outbox__fix");
      var file = field("file", "Another photo (or send the same again)");
      file.input.accept = "image/*";
      var alt = field("text", "Alt text");
      alt.input.maxLength = 500;
      alt.input.value = item.photo.alt;
      var msg = errorText("");
      var again = button("Send photo again", function () {
        act.retryPhoto(item, file.input.files[0], alt.input.value, function (why) { msg.textContent = why; });
      });
      again.className = "button button--quiet";
      wrap.append(file.label, alt.label, again, msg);
      return wrap;
    }

    function field(type, text) {
      var labelEl = el("label");
      var input = el("input");
      input.type = type;
      labelEl.append(text, " ", input);
      return { label: labelEl, input: input };
    }

    return { render: render, showProgress: showProgress };
  };

  window.ShowfloorOutboxView.button = button;
})();
