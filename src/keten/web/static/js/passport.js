// The carbon footprint chart of a passport page: one horizontal bar per life-cycle stage.
(function () {
  "use strict";

  function drawCharts() {
    var charts = document.querySelectorAll(".passport-chart[data-chart]");
    if (!charts.length || !window.Plotly) { return; }
    charts.forEach(function (element) {
      var data = JSON.parse(element.dataset.chart);
      var trace = {
        type: "bar",
        orientation: "h",
        y: data.labels,
        x: data.values,
        marker: { color: "#0f766e" },
        text: data.values,
        texttemplate: "%{x:,.3s}",
        textposition: "auto",
        hovertemplate: "%{y}: %{x:,.0f} kg CO2e<extra></extra>"
      };
      var layout = {
        margin: { l: 150, r: 10, t: 10, b: 46 },
        height: 60 + 34 * data.labels.length,
        separators: data.separators,
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: { type: "linear", rangemode: "tozero", tickformat: ",~s", title: { text: data.axis }, gridcolor: "#e5e7eb" },
        yaxis: { autorange: "reversed" }
      };
      window.Plotly.newPlot(element, [trace], layout, { displayModeBar: false, responsive: true })
        .then(function () { element.dataset.ready = "true"; });
    });
  }

  window.addEventListener("load", drawCharts);
})();
