// Draws the dashboard's charts with the vendored Chart.js from the JSON data block the page
// carries (data, not script: the content security policy forbids inline scripts).
(function () {
  "use strict";
  var block = document.getElementById("dashboard-charts");
  if (!block || !window.Chart) {
    return;
  }
  var specs = JSON.parse(block.textContent);
  var palette = ["#15407a", "#27ae60", "#d68910", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#2e86c1"];
  window.Chart.defaults.font.family = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
  window.Chart.defaults.animation = false;

  specs.forEach(function (spec) {
    var canvas = document.getElementById("chart-" + spec.key);
    if (!canvas) {
      return;
    }
    var doughnut = spec.kind === "doughnut";
    var datasets = spec.datasets.map(function (set, index) {
      var colour = palette[index % palette.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: doughnut ? palette.slice(0, set.data.length) : colour,
        borderColor: doughnut ? "#fff" : colour,
        spanGaps: false,
        tension: 0.2,
      };
    });
    var unit = spec.unit || "";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (item) {
              var value = item.parsed && typeof item.parsed === "object" ? item.parsed.y : item.parsed;
              return (item.dataset.label || "") + "：" + value + unit;
            },
          },
        },
      },
    };
    if (!doughnut) {
      options.scales = {
        y: {
          beginAtZero: true,
          suggestedMax: unit === "%" ? 100 : undefined,
          ticks: {
            callback: function (value) {
              return value + unit;
            },
          },
        },
      };
    }
    new window.Chart(canvas, { type: spec.kind, data: { labels: spec.labels, datasets: datasets }, options: options });
    canvas.dataset.rendered = "true";
  });
})();
