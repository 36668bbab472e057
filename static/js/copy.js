// Copy buttons: <button data-copy="ID" data-status="ID" data-done="text" hidden> copies the
// value of element ID. Without JavaScript the buttons stay hidden and the text, in a readonly
// textarea, is selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        if (status) {
          status.textContent = button.getAttribute("data-done");
        }
      };
      var byHand = function () {
        // The old way still works where the Clipboard API is missing or refused.
        source.focus();
        source.select();
        if (document.execCommand && document.execCommand("copy")) {
          done();
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, byHand);
      } else {
        byHand();
      }
    });
  });
})();
