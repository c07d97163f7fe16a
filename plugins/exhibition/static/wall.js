// The wall refreshes itself: every few seconds it asks for the approved contributions of each
// question and redraws the list. Text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var seconds = parseInt(main.getAttribute("data-refresh"), 10) || 10;

  function item(c, anonymous, paper, known) {
    var li = document.createElement("li");
    li.className = "wall-item" + (c.highlighted ? " highlighted" : "") + (known[c.id] ? "" : " new");
    li.setAttribute("data-id", String(c.id));
    var quote = document.createElement("blockquote");
    quote.textContent = c.text;
    quote.dir = "auto";  // a German answer on an Arabic wall keeps its direction
    var by = document.createElement("p");
    by.className = "by";
    var name = document.createElement("bdi");
    name.textContent = c.name || anonymous;
    by.appendChild(name);
    if (c.on_paper) { by.appendChild(document.createTextNode(" · " + paper)); }
    li.appendChild(quote);
    li.appendChild(by);
    return li;
  }

  function refresh(list) {
    return fetch(list.getAttribute("data-feed"), { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (rows) {
        if (!rows) { return; }
        // Redraw only on a change: the list is a live region, and every redrawn item would be read out again.
        var shown = Array.prototype.map.call(list.children, function (li) {
          return [li.getAttribute("data-id"), li.classList.contains("highlighted")];
        });
        var wanted = rows.map(function (c) { return [String(c.id), Boolean(c.highlighted)]; });
        if (JSON.stringify(shown) === JSON.stringify(wanted)) { return; }
        var known = {};
        Array.prototype.forEach.call(list.children, function (li) { known[li.getAttribute("data-id")] = true; });
        var anonymous = list.getAttribute("data-anonymous");
        var paper = list.getAttribute("data-paper");
        var fresh = document.createDocumentFragment();
        rows.forEach(function (c) { fresh.appendChild(item(c, anonymous, paper, known)); });
        list.replaceChildren(fresh);
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function tick() {
    var lists = document.querySelectorAll("ul[data-feed]");
    Promise.all(Array.prototype.map.call(lists, refresh)).then(function () {
      window.setTimeout(tick, seconds * 1000);
    });
  }
  window.setTimeout(tick, seconds * 1000);
})();
