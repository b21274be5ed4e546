// Audit writers' content as the browser parsed it: allowlisted HTML elements and attributes,
// URLs resolving to allowed protocols, no disguising characters; plus the page's own integrity.
({ selectors, tags, attributes, protocols, disguise }) => {
  const problems = [];
  const hidden = new RegExp(disguise);
  const where = (el) => (el.closest("[id]") || {}).id || "?";
  for (const box of document.querySelectorAll(selectors)) {
    for (const el of box.querySelectorAll("*")) {
      const tag = el.localName;
      if (el.namespaceURI !== "http://www.w3.org/1999/xhtml" || !tags.includes(tag)) {
        problems.push(`<${el.tagName}> (${el.namespaceURI}) in #${where(el)}`);
      }
      for (const attr of el.attributes) {
        if (attr.name.startsWith("on") || !(attributes[tag] || []).includes(attr.name)) {
          problems.push(`${attr.name} on <${tag}> in #${where(el)}`);
        }
        if (hidden.test(attr.value)) problems.push(`hidden character in ${attr.name} in #${where(el)}`);
      }
      // An href the URL parser rejects reads as protocol ":" and goes nowhere.
      if (tag === "a" && el.protocol !== ":" && !protocols.includes(el.protocol)) {
        problems.push(`link to ${el.href} in #${where(el)}`);
      }
    }
    if (hidden.test(box.textContent)) problems.push(`hidden character in text of #${where(box)}`);
  }
  if (document.baseURI !== location.href) problems.push(`base URI moved to ${document.baseURI}`);
  for (const s of document.scripts) {
    const ours = s.src.startsWith(location.origin + "/") || s.type === "application/json" || s.type === "application/ld+json";
    if (!ours) problems.push(`script ${s.src || s.textContent.slice(0, 60)}`);
  }
  if (document.querySelector("meta[http-equiv], iframe, object, embed, frame")) problems.push("active element on the page");
  const global = window.Showfloor;
  if (global instanceof Node || global instanceof HTMLCollection) problems.push("window.Showfloor clobbered");
  return problems;
};
