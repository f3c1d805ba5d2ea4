/* Progressive enhancement for the programme pages (the pages work without it).
 * - Dots: the dot forms are sent with fetch and the counts updated in place.
 * - Live board: the now/next fragment is fetched every few seconds and swapped in. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function updateDots(left) {
    var status = document.querySelector(".dots-left");
    if (!status) { return; }
    status.dataset.dotsLeft = String(left);
    var count = status.querySelector(".dots-left-count");
    if (count) { count.textContent = String(left); }
    document.querySelectorAll(".dot-form").forEach(function (form) {
      var add = form.querySelector(".dot-add");
      if (add && left === 0) { add.disabled = true; }
      if (add && left > 0 && form.dataset.blocked !== "1") { add.disabled = false; }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("dot-form")) { return; }
    var submitter = event.submitter;
    if (!submitter || !window.fetch) { return; }
    event.preventDefault();
    var body = new FormData(form);
    body.append("action", submitter.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrfToken(form)}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      var card = form.closest(".proposal");
      if (!result.ok) {
        window.alert(result.data.error || "Error");
        window.location.reload();
        return;
      }
      var data = result.data;
      card.querySelector(".dot-count-value").textContent = String(data.dots);
      card.classList.toggle("has-my-dot", data.mine > 0);
      var stacking = document.querySelector(".dots-left").dataset.stacking === "1";
      form.dataset.blocked = (data.mine > 0 && !stacking) ? "1" : "0";
      form.querySelector(".dot-add").disabled = data.dots_left === 0 || form.dataset.blocked === "1";
      form.querySelector(".dot-remove").disabled = data.mine === 0;
      var mine = card.querySelector(".mine");
      if (mine) { mine.hidden = data.mine === 0; }
      updateDots(data.dots_left);
    }).catch(function () { form.submit(); });
  });

  var live = document.getElementById("board-live");
  if (live && window.fetch) {
    var url = live.dataset.refreshUrl;
    var seconds = parseInt(live.dataset.refreshSeconds, 10) || 10;
    window.setInterval(function () {
      fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        live.innerHTML = html;
        live.dataset.refreshedAt = new Date().toISOString();
      }).catch(function () { /* keep the last board; try again at the next tick */ });
    }, seconds * 1000);
  }
}());
