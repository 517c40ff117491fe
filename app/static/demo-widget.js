// The /demo/widget page: open the widget for a phase, anonymously or as a signed customer.
(function () {
  'use strict';
  var status = document.getElementById('demo-status');
  function open(phase) {
    if (!window.Phasewise) {
      status.textContent = 'The widget is still loading; try again in a moment.';
      return;
    }
    var who = document.querySelector('input[name=who]:checked');
    var lang = document.querySelector('input[name=lang]:checked');
    var options = { phase: phase, locale: lang ? lang.value : 'nl', force: true };
    if (who && who.value === 'signed') {
      options.customerId = who.dataset.customerId;
      options.customerSig = who.dataset.customerSig;
    }
    window.Phasewise.close();
    window.Phasewise.show(options).then(function (shown) {
      status.textContent = shown ? '' :
        'No survey now: the contact budget says this customer was asked recently (the server answered 204).';
    });
  }
  document.querySelectorAll('.demo-phase').forEach(function (button) {
    button.addEventListener('click', function () { open(button.dataset.phase); });
  });
})();
