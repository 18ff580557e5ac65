// The trace viewer: shows one step's full state beside the chart.
// The trace's data is the JSON in #trace-data (written by chart::html);
// nothing is fetched.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var steps = data.steps;
  var current = 0;
  var slider = document.getElementById("slider");
  slider.max = String(steps.length - 1);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // Scrolls the selected row of the chart into view, once the page has
  // its layout.
  function reveal(block) {
    var band = document.querySelector("#chart .band.selected");
    if (band && band.scrollIntoView && document.readyState === "complete") {
      band.scrollIntoView({ block: block, inline: "nearest" });
    }
  }

  function show(n) {
    current = Math.max(0, Math.min(steps.length - 1, n));
    var step = steps[current];
    slider.value = String(current);
    document.getElementById("position").textContent =
      "step " + current + " of " + (steps.length - 1);
    document.getElementById("heading").textContent = step.heading;
    var detail = document.getElementById("detail");
    detail.replaceChildren();
    step.detail.forEach(function (line) { detail.appendChild(el("li", null, line)); });
    var state = document.getElementById("state");
    state.replaceChildren();
    step.groups.forEach(function (group) {
      state.appendChild(el("h3", group.crashed ? "crashed" : null,
        group.name + (group.crashed ? " (crashed)" : "")));
      var table = el("table");
      group.rows.forEach(function (row) {
        var tr = el("tr", row.changed ? "changed" : null);
        tr.appendChild(el("td", "name", row.name));
        var td = el("td", "value", row.value);
        if (row.old !== undefined && row.old !== null) {
          td.appendChild(el("span", "old", row.old));
        }
        tr.appendChild(td);
        table.appendChild(tr);
      });
      if (group.rows.length === 0) {
        var empty = el("tr");
        empty.appendChild(el("td", "name", "(empty)"));
        table.appendChild(empty);
      }
      state.appendChild(table);
    });
    document.querySelectorAll("#chart .band").forEach(function (band) {
      band.classList.toggle("selected", band.getAttribute("data-step") === String(current));
    });
    reveal("nearest");
    if (history.replaceState) {
      history.replaceState(null, "", "#step=" + current);
    }
  }

  document.getElementById("first").onclick = function () { show(0); };
  document.getElementById("prev").onclick = function () { show(current - 1); };
  document.getElementById("next").onclick = function () { show(current + 1); };
  document.getElementById("last").onclick = function () { show(steps.length - 1); };
  slider.oninput = function () { show(Number(slider.value)); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "ArrowDown" || e.key === "j") {
      show(current + 1); e.preventDefault();
    } else if (e.key === "ArrowLeft" || e.key === "ArrowUp" || e.key === "k") {
      show(current - 1); e.preventDefault();
    } else if (e.key === "Home") {
      show(0); e.preventDefault();
    } else if (e.key === "End") {
      show(steps.length - 1); e.preventDefault();
    }
  });
  // A click anywhere in a step's row of the chart selects that step.
  var svg = document.querySelector("#chart svg");
  if (svg) {
    svg.addEventListener("click", function (e) {
      var pt = svg.createSVGPoint();
      pt.x = e.clientX; pt.y = e.clientY;
      var at = pt.matrixTransform(svg.getScreenCTM().inverse());
      document.querySelectorAll("#chart .band").forEach(function (band) {
        var y = Number(band.getAttribute("y"));
        var h = Number(band.getAttribute("height"));
        if (at.y >= y && at.y < y + h) {
          show(Number(band.getAttribute("data-step")));
        }
      });
    });
  }
  var m = /step=(\d+)/.exec(location.hash);
  show(m ? Number(m[1]) : 0);
  window.addEventListener("load", function () { reveal("center"); });
})();
