// Copy buttons in the dashboard, and forms sent once per click. Without JavaScript the
// buttons stay hidden and the text can be selected by hand, so nothing depends on this file.
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
  // A double click on Add or Create posted the form twice: two webhooks, two surveys. The
  // second submit of a form is dropped until the page is left; the button is not disabled,
  // which would leave its name and value out of what the first submit sends.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    // A download (the privacy export) leaves the page where it is: it may be sent again.
    if (form.getAttribute("data-repeat")) return;
    if (form.getAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    form.setAttribute("aria-busy", "true");
  });
  // A phase link of the journey map that takes the focus while partly scrolled out of the
  // map's view: the browser leaves a partly visible element where it is, and the focus ring
  // with most of the link stays cut off. The whole card is brought into view.
  document.addEventListener("focusin", function (event) {
    var card = event.target.closest && event.target.closest("ol.map article.phase");
    if (card) card.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
  // Back to a page the browser kept (bfcache): its forms may be sent again.
  window.addEventListener("pageshow", function () {
    var sent = document.querySelectorAll("form[data-sent]");
    for (var i = 0; i < sent.length; i++) {
      sent[i].removeAttribute("data-sent");
      sent[i].removeAttribute("aria-busy");
    }
  });
  // From and To win over the period list on the server. A period chosen from the list clears
  // them (a week opened from the weekly report could not be left for "All time"), and a date
  // typed in shows the period as "Custom": the form never sends both.
  function periods(select) {
    var form = select.form, from = form.querySelector("input[name=from]");
    var to = form.querySelector("input[name=to]"), custom = select.querySelector("[data-custom]");
    if (!from || !to || !custom) return;
    select.addEventListener("change", function () {
      if (select.selectedOptions[0] === custom) return;
      from.value = "";
      to.value = "";
      custom.hidden = true;
    });
    function dated() {
      if (!from.value && !to.value) return;
      custom.hidden = false;
      custom.selected = true;
    }
    from.addEventListener("change", dated);
    to.addEventListener("change", dated);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[name=period]");
    for (var s = 0; s < selects.length; s++) periods(selects[s]);
    var buttons = document.querySelectorAll("button.copy[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  });
})();
