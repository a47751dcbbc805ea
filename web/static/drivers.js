// Ranked charts of the key-driver page, drawn from the embedded JSON; the tables below hold the same numbers.
(function () {
  'use strict';
  var source = document.getElementById('chart-data');
  if (!source || typeof Chart === 'undefined') return;
  var data = JSON.parse(source.textContent);
  Chart.defaults.color = '#1b1f24';
  Chart.defaults.animation = false;
  Chart.defaults.locale = document.documentElement.lang === 'nl' ? 'nl-BE' : 'en-GB';
  var figures = document.querySelectorAll('figure[data-chart="drivers"]');
  Array.prototype.forEach.call(figures, function (figure) {
    var c = data.charts[Number(figure.getAttribute('data-outcome'))][Number(figure.getAttribute('data-panel'))];
    if (!c) return;
    figure.hidden = false;
    new Chart(figure.querySelector('canvas'), {
      type: 'bar',
      data: {
        labels: c.labels,
        datasets: [
          { label: data.axis, data: c.weights, backgroundColor: '#0b5cab', barPercentage: 0.7, grouped: false, order: 2 },
          {
            label: data.interval,
            data: c.lower.map(function (lo, i) {
              return [lo, c.upper[i]];
            }),
            backgroundColor: 'rgba(27,31,36,0.55)',
            barPercentage: 0.15,
            grouped: false,
            order: 1,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { min: 0, title: { display: true, text: data.axis } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  });
})();
