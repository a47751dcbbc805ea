// Draws the dashboard's charts from the JSON the server embedded; the tables already hold the
// same numbers, so without this script the page is complete.
(function () {
  'use strict';
  var source = document.getElementById('chart-data');
  if (!source || typeof Chart === 'undefined') return;
  var data = JSON.parse(source.textContent);
  // Diverging palette from "strongly disagree" to "strongly agree" (ColorBrewer RdBu, colour-blind safe).
  var SCALE_COLOURS = ['#b2182b', '#ef8a62', '#bababa', '#67a9cf', '#2166ac'];
  var INK = '#1b1f24';
  Chart.defaults.color = INK;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.locale = document.documentElement.lang === 'nl' ? 'nl-BE' : 'en-GB';
  var charts = [];

  // A label longer than the room beside the bars is shortened with an ellipsis rather than drawn
  // past the canvas's edge (on a phone, a question takes more than the whole width). A closing
  // "(…)" — the mark of a negatively worded question — is kept while there is room for some text.
  function fitLabel(value) {
    var label = this.getLabelForValue(value);
    var room = Math.max(10, Math.min(48, Math.floor((this.chart.width * 0.45) / 6.5)));
    if (label.length <= room) return label;
    var mark = / \([^()]*\)$/.exec(label);
    if (mark && room - mark[0].length >= 8) return label.slice(0, room - mark[0].length - 1) + '…' + mark[0];
    return label.slice(0, room - 1) + '…';
  }

  function show(figure) {
    figure.hidden = false;
    return figure.querySelector('canvas');
  }

  function themes(figure) {
    // A withheld value has no point at all: a null among a scatter's points stops Chart.js (every
    // point names its theme, so none needs a placeholder).
    var points = function (values) {
      return values
        .map(function (v, i) {
          return v === null ? null : { x: v, y: data.labels[i] };
        })
        .filter(function (p) {
          return p !== null;
        });
    };
    charts.push(
      new Chart(show(figure), {
        type: 'bar',
        data: {
          labels: data.labels,
          datasets: [
            {
              type: 'bar',
              label: data.legend.ci,
              data: data.ciLow.map(function (lo, i) {
                return lo === null ? null : [lo, data.ciHigh[i]];
              }),
              backgroundColor: 'rgba(11,92,171,0.25)',
              barPercentage: 0.35,
              grouped: false,
              order: 3,
            },
            {
              type: 'bar',
              label: data.legend.school,
              data: data.school,
              backgroundColor: '#0b5cab',
              barPercentage: 0.12,
              grouped: false,
              order: 2,
            },
            {
              type: 'scatter',
              label: data.legend.benchmark,
              data: points(data.benchmark),
              pointStyle: 'line',
              rotation: 90,
              radius: 12,
              borderWidth: 3,
              borderColor: '#d95f02',
              backgroundColor: '#d95f02',
              order: 1,
            },
            {
              type: 'scatter',
              label: data.legend.network,
              data: points(data.network),
              pointStyle: 'rectRot',
              radius: 6,
              borderColor: INK,
              backgroundColor: '#fff',
              borderWidth: 2,
              order: 0,
            },
          ],
        },
        options: {
          indexAxis: 'y',
          responsive: true,
          maintainAspectRatio: false,
          scales: { x: { min: 1, max: 5, ticks: { stepSize: 1 } }, y: { ticks: { autoSkip: false, callback: fitLabel } } },
          plugins: { legend: { position: 'bottom' } },
        },
      }),
    );
  }

  // % favourable per theme; the school's bar is coloured by what the comparison with the benchmark
  // group says, one dataset per verdict so that the legend names each colour (Okabe–Ito, colour-blind safe).
  function favourable(figure) {
    var f = data.favourable;
    var VERDICT = { higher: '#0072b2', alike: '#767676', lower: '#d55e00' };
    // A withheld value has no point at all: a null among a scatter's points stops Chart.js (every
    // point names its theme, so none needs a placeholder).
    var points = function (values) {
      return values
        .map(function (v, i) {
          return v === null ? null : { x: v, y: data.labels[i] };
        })
        .filter(function (p) {
          return p !== null;
        });
    };
    var bars = ['higher', 'alike', 'lower']
      .filter(function (kind) {
        return f.kind.indexOf(kind) >= 0;
      })
      .map(function (kind) {
        return {
          type: 'bar',
          label: f.legend[kind],
          data: f.school.map(function (v, i) {
            return f.kind[i] === kind ? v : null;
          }),
          backgroundColor: VERDICT[kind],
          barPercentage: 0.6,
          grouped: false,
          order: 2,
        };
      });
    charts.push(
      new Chart(show(figure), {
        type: 'bar',
        data: {
          labels: data.labels,
          datasets: bars
            .concat([
              {
                type: 'scatter',
                label: data.legend.benchmark,
                data: points(f.benchmark),
                pointStyle: 'line',
                rotation: 90,
                radius: 12,
                borderWidth: 3,
                borderColor: INK,
                backgroundColor: INK,
                order: 1,
              },
              {
                type: 'scatter',
                label: data.legend.network,
                data: points(f.network),
                pointStyle: 'rectRot',
                radius: 6,
                borderColor: INK,
                backgroundColor: '#fff',
                borderWidth: 2,
                order: 0,
              },
            ])
            .concat(
              f.previous.some(function (v) {
                return v !== null;
              })
                ? [
                    {
                      type: 'scatter',
                      label: f.legend.previous,
                      data: points(f.previous),
                      pointStyle: 'circle',
                      radius: 5,
                      borderColor: '#0b5cab',
                      backgroundColor: '#fff',
                      borderWidth: 2,
                      order: 0,
                    },
                  ]
                : [],
            ),
        },
        options: {
          indexAxis: 'y',
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: {
              min: 0,
              max: 100,
              ticks: {
                callback: function (v) {
                  return v + '%';
                },
              },
            },
            y: { ticks: { autoSkip: false, callback: fitLabel } },
          },
          plugins: { legend: { position: 'bottom', labels: { usePointStyle: true } } },
        },
      }),
    );
  }

  function items(figure) {
    var set = data.items[Number(figure.dataset.index)];
    charts.push(
      new Chart(show(figure), {
        type: 'bar',
        data: {
          labels: set.labels,
          datasets: data.scale.map(function (label, v) {
            return {
              label: label,
              data: set.percents.map(function (row) {
                return row[v];
              }),
              backgroundColor: SCALE_COLOURS[v],
            };
          }),
        },
        options: {
          indexAxis: 'y',
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: {
              stacked: true,
              min: 0,
              max: 100,
              ticks: {
                callback: function (v) {
                  return v + '%';
                },
              },
            },
            y: { stacked: true, ticks: { autoSkip: false, callback: fitLabel } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      }),
    );
  }

  function trend(figure) {
    var set = data.trends[Number(figure.dataset.index)];
    if (set.waves.length < 2) return;
    charts.push(
      new Chart(show(figure), {
        type: 'line',
        data: {
          labels: set.waves,
          datasets: [
            {
              label: data.legend.ci,
              data: set.high,
              borderColor: 'transparent',
              backgroundColor: 'rgba(11,92,171,0.15)',
              fill: '+1',
              pointRadius: 0,
            },
            {
              label: data.legend.ci,
              data: set.low,
              borderColor: 'transparent',
              backgroundColor: 'rgba(11,92,171,0.15)',
              fill: false,
              pointRadius: 0,
            },
            {
              label: data.legend.school,
              data: set.mean,
              borderColor: '#0b5cab',
              backgroundColor: '#0b5cab',
              spanGaps: false,
              pointStyle: set.significant.map(function (s) {
                return s ? 'triangle' : 'circle';
              }),
              pointRadius: set.significant.map(function (s) {
                return s ? 8 : 4;
              }),
            },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          scales: { y: { min: 1, max: 5 } },
          plugins: {
            legend: {
              labels: {
                filter: function (item) {
                  return item.datasetIndex !== 1;
                },
              },
            },
          },
        },
      }),
    );
  }

  var draw = { favourable: favourable, themes: themes, items: items, trend: trend };
  document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
    draw[figure.dataset.chart](figure);
  });
  // Printing lays the page out at the paper's width without telling the charts (Chart.js follows its
  // box only on the next animation frame, which does not come before the page is printed), so a chart
  // would keep its screen width and be cut. Give each its printed size first: `beforeprint` still sees
  // the screen layout, hence the fixed width (A4 less report.css's @page margins, in CSS px); the
  // print media query fires once the paper's layout is there, so its box may narrow that further.
  // dashboard.css scales a chart down to its box in print should this not happen.
  var PRINT_WIDTH = (182 * 96) / 25.4;
  var printMedia = window.matchMedia('print');
  function printSize() {
    charts.forEach(function (c) {
      var box = c.canvas.parentNode;
      var width = printMedia.matches ? Math.min(PRINT_WIDTH, box.clientWidth || PRINT_WIDTH) : PRINT_WIDTH;
      c.resize(Math.floor(width), box.clientHeight);
    });
  }
  function screenSize() {
    charts.forEach(function (c) {
      c.resize();
    });
  }
  window.addEventListener('beforeprint', printSize);
  window.addEventListener('afterprint', screenSize);
  printMedia.addEventListener('change', function (e) {
    (e.matches ? printSize : screenSize)();
  });
})();
