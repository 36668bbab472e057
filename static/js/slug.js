// Fills a new course's address name from its title as the trainer types it. Progressive:
// without this script the server makes the same name when the field is left empty. The
// transliteration table comes with the field (courses/keys.py), so both agree.
(function () {
  "use strict";
  var target = document.querySelector("input[data-slug-from]");
  var source = target && document.getElementById(target.getAttribute("data-slug-from"));
  if (!source) {
    return;
  }
  var table = JSON.parse(target.getAttribute("data-translit") || "{}");
  var max = parseInt(target.getAttribute("data-slug-max") || "60", 10);

  function slugify(text) {
    var out = "";
    var lower = text.toLowerCase();
    for (var i = 0; i < lower.length; i += 1) {
      var ch = lower.charAt(i);
      out += Object.prototype.hasOwnProperty.call(table, ch) ? table[ch] : ch;
    }
    var words = out.match(/[a-z0-9]+/g) || [];
    return words.join("-").slice(0, max).replace(/^-+|-+$/g, "");
  }

  // Follows the title until the trainer writes an address of their own; emptying the
  // field hands it back to the title.
  var follows = target.value === "" || target.value === slugify(source.value);
  source.addEventListener("input", function () {
    if (follows) {
      target.value = slugify(source.value);
    }
  });
  target.addEventListener("input", function () {
    follows = target.value === "";
  });
})();
