/**
 * How much a change between two waves tells about one person (issue 15, hole 6; docs/analysis.md
 * §2.5). A school's n stable staff answer in both waves, one newcomer only in the second; an
 * attacker who assumes the stable staff "answered alike" takes the newcomer's theme score to be
 * sum(wave 2) − sum(wave 1). Answers follow `server/demo/synthetic.ts` (a person's level, item noise
 * sd 0.8, rounding onto 1..5, a theme of 5 items): each wave, a person's theme score varies around
 * their level. Prints the attacker's error against the naive guess (the network mean).
 *
 *   npx tsx bench/trend-risk.ts
 */
import { rng } from '../server/demo/synthetic.ts';

const random = rng(6);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const score = (level: number) => {
  let s = 0;
  for (let i = 0; i < 5; i++) s += Math.min(5, Math.max(1, Math.round(level + normal() * 0.8)));
  return s / 5;
};
const RUNS = 20_000;
console.log('| stable staff | attacker rmse | naive rmse | attacker within ±0.5 | naive within ±0.5 |');
console.log('|---|---|---|---|---|');
for (const stable of [4, 12, 25, 50]) {
  let se = 0;
  let naive = 0;
  let close = 0;
  let naiveClose = 0;
  for (let r = 0; r < RUNS; r++) {
    const school = 3.4 + normal() * 0.45;
    const levels = Array.from({ length: stable }, () => school + normal() * 0.55);
    const newcomer = school + normal() * 0.55;
    const truth = score(newcomer);
    const before = levels.reduce((a, l) => a + score(l), 0);
    const after = levels.reduce((a, l) => a + score(l), 0) + truth;
    const guess = after - before;
    se += (guess - truth) ** 2;
    naive += (3.4 - truth) ** 2;
    if (Math.abs(guess - truth) <= 0.5) close++;
    if (Math.abs(3.4 - truth) <= 0.5) naiveClose++;
  }
  const f = (x: number) => x.toFixed(2);
  console.log(
    `| ${stable} | ${f(Math.sqrt(se / RUNS))} | ${f(Math.sqrt(naive / RUNS))} | ${((100 * close) / RUNS).toFixed(0)} % | ${((100 * naiveClose) / RUNS).toFixed(0)} % |`,
  );
}
