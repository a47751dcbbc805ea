// Charts of the network view, drawn from the embedded JSON; the tables hold the same numbers.
(function () {
  'use strict';
  var source = document.getElementById('chart-data');
  if (!source || typeof Chart === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var PALETTE = ['#1b1f24', '#0b5cab', '#d95f02', '#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#a6761d'];
  Chart.defaults.color = '#1b1f24';
  Chart.defaults.animation = false;
  Chart.defaults.locale = document.documentElement.lang === 'nl' ? 'nl-BE' : 'en-GB';
  function canvas(name) {
    var figure = document.querySelector('figure[data-chart="' + name + '"]');
    if (!figure) return null;
    figure.hidden = false;
    return figure.querySelector('canvas');
  }
  var opts = {
    indexAxis: 'y',
    responsive: true,
    maintainAspectRatio: false,
    scales: { x: { min: 1, max: 5 } },
    plugins: { legend: { position: 'bottom' } },
  };
  new Chart(canvas('scopes'), {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.scopes.map(function (s, i) {
        return { label: s.label, data: s.means, backgroundColor: PALETTE[i % PALETTE.length] };
      }),
    },
    options: opts,
  });
  new Chart(canvas('spread'), {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        {
          label: 'min – max',
          data: data.spread.map(function (s) {
            return s && [s[0], s[4]];
          }),
          backgroundColor: 'rgba(11,92,171,0.2)',
          barPercentage: 0.5,
          grouped: false,
        },
        {
          label: 'Q1 – Q3',
          data: data.spread.map(function (s) {
            return s && [s[1], s[3]];
          }),
          backgroundColor: 'rgba(11,92,171,0.6)',
          barPercentage: 0.5,
          grouped: false,
        },
        {
          type: 'scatter',
          label: 'mediaan / median',
          data: data.spread.map(function (s, i) {
            return s && { x: s[2], y: data.labels[i] };
          }),
          pointStyle: 'line',
          rotation: 90,
          radius: 10,
          borderWidth: 3,
          borderColor: '#1b1f24',
        },
      ],
    },
    options: opts,
  });
  if (data.trend.waves.length > 1) {
    new Chart(canvas('trend'), {
      type: 'line',
      data: {
        labels: data.trend.waves,
        datasets: data.trend.series.map(function (s, i) {
          return { label: s.label, data: s.means, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 1, max: 5 } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }
})();
