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

  window.addEventListener("load", function () { draw(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
