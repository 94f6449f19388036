// Kefu: small progressive enhancements. Every screen works without this file.
(function () {
  "use strict";
  function syncNewCustomer() {
    var details = document.getElementById("new-customer");
    if (!details) return;
    var results = document.getElementById("customer-results");
    var picked = results ? results.querySelector("input[name=customer]:checked") : null;
    var searched = results && results.querySelector("[data-no-match]");
    // Open the new-customer section when nothing matched or the agent chose "new customer".
    if (searched || (picked && picked.value === "")) details.open = true;
    else if (picked) details.open = false;
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "customer") syncNewCustomer();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "customer-results") syncNewCustomer();
  });
})();
