// Print buttons (<button data-print>): the Content-Security-Policy forbids inline onclick handlers.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
