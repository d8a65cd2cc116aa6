/* Keyboard shortcuts for the search page. The pages work without this file; it only adds:
   "/" focuses the search box, "j" / "k" move to the next / previous result (its link gets the
   focus, Enter opens it), Escape leaves the search box. Keys typed into a form field are left alone. */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(button|submit|reset|checkbox|radio)$/i.test(el.type));
  }

  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("ol.hits > li.hit h2 a"));
  }

  function move(step) {
    var links = resultLinks();
    if (!links.length) return false;
    var active = document.activeElement;
    var at = -1;
    for (var i = 0; i < links.length; i++) {
      var hit = links[i].closest("li.hit");
      if (links[i] === active || (hit && hit.contains(active))) { at = i; break; }
    }
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : at + step;
    if (next < 0 || next >= links.length) return true;  // stay on the first or last result
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    var box = document.getElementById("q");
    if (event.key === "Escape") {
      if (box && active === box) box.blur();
      return;
    }
    if (isTyping(active)) return;
    if (event.key === "/" && box) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if ((event.key === "j" || event.key === "k") && !event.shiftKey) {
      if (move(event.key === "j" ? 1 : -1)) event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // The shortcuts exist only with JavaScript, so only then are they announced.
    var hint = document.getElementById("keys-hint");
    if (hint && document.querySelector("ol.hits")) hint.hidden = false;
    // Browsers without ::details-content: open the filter panel on wide screens.
    var panel = document.querySelector(".facets-panel");
    if (panel && window.matchMedia("(min-width: 761px)").matches &&
        !(window.CSS && CSS.supports && CSS.supports("selector(::details-content)"))) {
      panel.open = true;
    }
  });
})();
