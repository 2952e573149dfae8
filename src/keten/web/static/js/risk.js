// The scenario builder's week-by-week impact chart: revenue lost as bars, parts short as a line.
// Drawn on load and again whenever htmx swaps in a new result.
(function () {
  "use strict";

  function draw(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll(".impact-chart[data-chart]").forEach(function (element) {
      var data = JSON.parse(element.dataset.chart);
      var traces = [
        {
          type: "bar",
          name: element.dataset.labelRevenue,
          x: data.x,
          y: data.revenue,
          marker: { color: "#b91c1c" },
          hovertemplate: "%{x}: € %{y:,.0f}<extra></extra>"
        },
        {
          type: "scatter",
          mode: "lines+markers",
          name: element.dataset.labelParts,
          x: data.x,
          y: data.parts,
          yaxis: "y2",
          line: { color: "#1e3a8a" },
          hovertemplate: "%{x}: %{y}<extra></extra>"
        }
      ];
      var layout = {
        separators: window.ketenSeparators(),
        height: 300,
        margin: { l: 70, r: 50, t: 10, b: 40 },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        legend: { orientation: "h", y: 1.12 },
        xaxis: { type: "date" },
        yaxis: { title: { text: element.dataset.labelRevenue }, rangemode: "tozero" },
        yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", showgrid: false }
      };
      window.Plotly.newPlot(element, traces, layout, { displayModeBar: false, responsive: true })
        .then(function () { element.dataset.ready = "true"; });
    });
  }

  // The scenario builder's node picker: typing narrows the list to the nodes whose kind, code or
  // name holds every word typed; chosen nodes always stay in view, and their number is shown.
  function filterPicker(picker) {
    var words = picker.querySelector(".picker-filter").value.toLowerCase().split(/\s+/).filter(Boolean);
    var chosen = 0;
    picker.querySelectorAll(".picker-item").forEach(function (item) {
      var checked = item.querySelector("input").checked;
      if (checked) { chosen += 1; }
      var text = item.dataset.text;
      item.hidden = !checked && !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    var count = picker.querySelector("[data-testid=scenario-chosen-count]");
    if (count) { count.textContent = count.textContent.replace(/^\d+/, String(chosen)); }
  }

  document.addEventListener("input", function (event) {
    var picker = event.target.closest(".picker");
    if (picker) { filterPicker(picker); }
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest(".picker");
    if (picker) { filterPicker(picker); }
  });

  window.addEventListener("load", function () { draw(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
