// keten's behaviour in the browser: CSRF header on htmx requests, BOM tree nodes that open and
// close, the supplier map. Loaded as a file so the content security policy needs no inline script.
(function () {
  "use strict";

  // The reader's decimal mark and thousands separator, as keten.ui.format writes them on the page.
  function separators() {
    var meta = document.querySelector('meta[name="number-separators"]');
    return meta ? meta.content : ".\u202f";
  }
  window.ketenSeparators = separators;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  // Work that takes a while (a calculation over a large chain, a report) says so while it runs: a
  // form marked data-busy shows its spinner and message, and its button cannot be pressed twice.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-busy]");
    if (!form) { return; }
    form.classList.add("is-busy");
    form.setAttribute("aria-busy", "true");
    var status = form.querySelector(".busy");
    if (status) { status.textContent = form.dataset.busy; }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      // Disabled after the submit is under way, so the button's own name and value still go.
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // A node's children are fetched once by htmx (hx-trigger="click once"); every click toggles them.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".tree .toggle");
    if (!toggle) { return; }
    var node = toggle.closest("li");
    var children = node.querySelector(":scope > .children");
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (children) { children.hidden = !open; }
  });

  function drawMaps() {
    var maps = document.querySelectorAll(".choropleth[data-map]");
    if (!maps.length || !window.Plotly) { return; }
    maps.forEach(function (element) {
      var data = JSON.parse(element.dataset.map);
      var trace = {
        type: "choropleth",
        locationmode: "ISO-3",
        locations: data.locations,
        z: data.values,
        text: data.names,
        hovertemplate: "%{text}: %{z} " + data.label + "<extra></extra>",
        colorscale: [[0, "#dbeafe"], [0.5, "#3b82f6"], [1, "#1e3a8a"]],
        marker: { line: { color: "#ffffff", width: 0.5 } },
        colorbar: { thickness: 10, len: 0.6, outlinewidth: 0 }
      };
      var layout = {
        separators: separators(),
        margin: { l: 0, r: 0, t: 0, b: 0 },
        height: 340,
        paper_bgcolor: "rgba(0,0,0,0)",
        geo: {
          projection: { type: "natural earth" },
          showframe: false,
          showcoastlines: false,
          showland: true,
          landcolor: "#eef1f5",
          countrycolor: "#ffffff",
          showcountries: true,
          bgcolor: "rgba(0,0,0,0)",
          lataxis: { range: [-58, 85] }
        }
      };
      window.Plotly.newPlot(element, [trace], layout, {
        displayModeBar: false,
        responsive: true,
        topojsonURL: "/static/vendor/"
      }).then(function () { element.dataset.ready = "true"; });
    });
  }

  window.addEventListener("load", drawMaps);
})();
