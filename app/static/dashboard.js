// Copy buttons in the dashboard. Without JavaScript the buttons stay hidden and the text
// can be selected by hand, so nothing depends on this file.
(function () {
  "use strict";
  function copy(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value !== undefined ? target.value : target.textContent;
    var status = button.parentNode.querySelector(".copy-status");
    function done(message) {
      if (status) status.textContent = message;
      button.textContent = message;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); },
        function () { done("Press Ctrl+C to copy"); });
    } else {
      if (target.select) target.select();
      done("Selected: press Ctrl+C to copy");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button.copy[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  });
})();
