/* Drag and drop on the organisers' grid (Wagtail admin), with the browser's own HTML5
 * drag and drop: drop a session's title (or a proposal not in the grid yet) on a cell and
 * the page posts the same form as the cell chooser ("move" or "place", the proposal, the
 * cell "room id:slot id"). The server's services decide: a taken cell, a host in two
 * places, a pinned session or missing equipment come back as the page's error message.
 * Without JavaScript (or with the keyboard) the cell chooser under each session works. */
(function () {
  "use strict";

  var grid = document.querySelector("[data-grid-dnd]");
  var form = document.getElementById("grid-dnd-form");
  if (!grid || !form || !("draggable" in document.createElement("span"))) { return; }
  var help = document.getElementById("grid-dnd-help");
  if (help) { help.hidden = false; }

  var dragged = null;

  function clearTargets() {
    grid.querySelectorAll(".is-drop-target").forEach(function (td) {
      td.classList.remove("is-drop-target");
    });
  }

  document.querySelectorAll("[data-drag-proposal]").forEach(function (handle) {
    handle.addEventListener("dragstart", function (event) {
      dragged = handle;
      handle.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", handle.textContent.trim());
    });
    handle.addEventListener("dragend", function () {
      handle.classList.remove("is-dragging");
      clearTargets();
      dragged = null;
    });
  });

  function cellOf(target) {
    var td = target.closest ? target.closest("td[data-cell]") : null;
    return td && grid.contains(td) ? td : null;
  }

  grid.addEventListener("dragover", function (event) {
    var td = cellOf(event.target);
    if (!dragged || !td) { return; }
    event.preventDefault();  // allows the drop
    event.dataTransfer.dropEffect = "move";
    if (!td.classList.contains("is-drop-target")) {
      clearTargets();
      td.classList.add("is-drop-target");
    }
  });

  grid.addEventListener("dragleave", function (event) {
    var td = cellOf(event.target);
    if (td && !td.contains(event.relatedTarget)) { td.classList.remove("is-drop-target"); }
  });

  grid.addEventListener("drop", function (event) {
    var td = cellOf(event.target);
    if (!dragged || !td) { return; }
    event.preventDefault();
    clearTargets();
    if (td.contains(dragged)) { return; }  // dropped where it already is
    form.elements.action.value = dragged.dataset.dragAction;
    form.elements.proposal.value = dragged.dataset.dragProposal;
    form.elements.cell.value = td.dataset.cell;
    dragged = null;
    form.submit();
  });
})();
