// The lesson editor's "insert an image" button: sends the chosen file to the course's files
// (the same checks as the files page) and writes its Markdown reference at the cursor.
// Progressive: without this script the block stays hidden and the files page does the job.
(function () {
  "use strict";
  var box = document.getElementById("media-insert");
  var textarea = box && document.getElementById(box.getAttribute("data-target"));
  var form = textarea && textarea.form;
  var token = form && form.querySelector("input[name=csrf_token]");
  if (!token || !window.fetch || !window.FormData) {
    return;
  }
  var button = box.querySelector("button");
  var input = box.querySelector("input[type=file]");
  var status = box.querySelector("[role=status]");

  function insert(markdown) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start);
    // An image is a paragraph of its own in most lessons: start it on a new line.
    var prefix = before === "" || before.slice(-1) === "\n" ? "" : "\n\n";
    textarea.setRangeText(prefix + markdown, start, end, "end");
    textarea.focus();
    var bracket = start + prefix.length + markdown.indexOf("]");
    if (markdown.charAt(0) === "!") {
      textarea.setSelectionRange(bracket, bracket); // ready to type the description
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function failed(message) {
    status.textContent = message || box.getAttribute("data-failed");
    status.classList.add("errors");
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    input.click();
  });
  input.addEventListener("change", function () {
    if (!input.files.length) {
      return;
    }
    var data = new FormData();
    data.append("csrf_token", token.value);
    data.append("file", input.files[0]);
    input.value = "";
    button.disabled = true;
    status.classList.remove("errors");
    status.textContent = box.getAttribute("data-uploading");
    fetch(box.getAttribute("data-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        return (json ? response.json() : Promise.resolve({})).then(function (body) {
          if (!response.ok) {
            throw new Error(body.error || "");
          }
          insert(body.markdown);
          var said = box.getAttribute("data-inserted").replace("{name}", body.filename);
          if (body.markdown.charAt(0) === "!") {
            said += " " + box.getAttribute("data-describe");
          }
          status.textContent = said;
          button.disabled = false;
        });
      })
      .catch(function (error) {
        failed(error.message);
      });
  });
  box.hidden = false;
})();
