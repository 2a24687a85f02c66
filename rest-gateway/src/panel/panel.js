// The panel's one script: it only improves pages that work without it.
// Search as you type on /admin/accounts: the same GET as the search form
// (so the address can be shared), its list swapped in place 300 ms after
// the last key or a new domain, the address bar following.
(function () {
  "use strict";
  var box = document.querySelector('[data-testid="accounts-search"]');
  if (!box || !box.form) {
    return;
  }
  var form = box.form;
  var timer = null;
  var asked = 0;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      // Every domain is the filter left empty: not worth an address.
      var query = new URLSearchParams(new FormData(form));
      if (query.get("domain") === "") {
        query.delete("domain");
      }
      var url = "/admin/accounts?" + query.toString();
      var mine = ++asked;
      fetch(url, { credentials: "same-origin" })
        .then(function (answer) {
          return answer.ok ? answer.text() : null;
        })
        .then(function (html) {
          // A slower answer to an older search never replaces a newer one.
          if (html === null || mine !== asked) {
            return;
          }
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("accounts");
          var current = document.getElementById("accounts");
          if (fresh && current) {
            current.replaceWith(fresh);
            history.replaceState(null, "", url);
          }
        })
        .catch(function () {});
    }, 300);
  }
  box.addEventListener("input", refresh);
  var domain = form.querySelector('[name="domain"]');
  if (domain) {
    domain.addEventListener("change", refresh);
  }
})();
