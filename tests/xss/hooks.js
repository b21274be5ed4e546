// Installed before any page script: records every dialog call and CSP violation in window.__xss.
(() => {
  const fired = (window.__xss = []);
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => { fired.push(name + "(" + args.join(",") + ")"); };
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    fired.push("CSP " + e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
  });
})();
