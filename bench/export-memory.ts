/**
 * Memory benchmark of the researcher export (issue 7): a network-wide wave of 165,000 synthetic
 * responses in 3,700 schools on a PostgreSQL server, sealed with `closeWave`, exported as the zip
 * (themes.csv, items.csv, codebook.csv, datapackage.json) to a sink that discards the bytes.
 *
 *   npx tsx bench/export-memory.ts [--responses 165000] [--schools 3700] [--keep]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ (default) names the server.
 *
 * The parent creates a dedicated database, fills and seals it, then measures in a fresh child
 * process (so generating the data does not inflate or pre-warm the heap being measured): baseline
 * RSS after start-up and a forced GC, peak RSS while `loadWaveResults` loads the wave, RSS after it
 * (and a GC), peak RSS while the zip streams out; sampled every 2 ms and checked against the
 * kernel's maximum RSS. The database is dropped at the end (unless --keep). Results go to
 * docs/exports.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../server/db/connect.ts';
import { startArguments } from './server.ts';
import { generateMasterKeyText, parseMasterKey } from '../server/encryption/master-key.ts';
import { WaveKeys } from '../server/encryption/wave-keys.ts';

const MB = 1024 * 1024;
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// ---- child: measure ----------------------------------------------------------------------------

async function measure(url: string, waveId: string): Promise<void> {
  const { loadWaveResults } = await import('../server/results/wave-results.ts');
  const { waveZip, textStream } = await import('../server/research/zip.ts');
  const { driverReport } = await import('../server/research/drivers.ts');
  const { csvChunks } = await import('../server/research/csv.ts');
  const { columnsOf, exportScopes, itemRows } = await import('../server/research/wave-export.ts');
  const { groupResults } = await import('../server/results/wave-results.ts');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  // Warm up the connection and the modules on a query that loads nothing of the wave.
  await store.db.selectFrom('wave').select('id').where('id', '=', waveId).execute();
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak) peak = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, 2);

  const t0 = performance.now();
  const results = await loadWaveResults(store.db, waveId);
  const loadMs = performance.now() - t0;
  const peakLoad = peak;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  const afterLoad = process.memoryUsage().rss;
  peak = afterLoad;

  let bytes = 0;
  const sink = () =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done();
      },
    });

  // Control: items.csv (the largest file) through the same CSV pipeline, but with the network's
  // report reused for every scope — what the export code itself costs, without computing reports.
  const scopes = exportScopes(results);
  const network = await groupResults(store.db, results, scopes[0]!.group);
  async function* reusedRows() {
    for (const s of scopes) yield* itemRows(results, { ...s, report: network });
  }
  const t2 = performance.now();
  await pipeline(textStream(csvChunks(columnsOf(results, 'items.csv'), reusedRows(), 'standard')), sink());
  const controlMs = performance.now() - t2;
  const peakControl = peak;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  const beforeExport = process.memoryUsage().rss;
  peak = beforeExport;
  bytes = 0;

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t1 = performance.now();
  // As the route: the driver report first (nothing to analyse for a wave without outcome items).
  await pipeline(waveZip(store.db, results, 'standard', await driverReport(store.db, results)), sink());
  const exportMs = performance.now() - t1;
  loop.disable();
  const peakExport = peak;
  const zipBytes = bytes;
  gc();
  await new Promise((r) => setTimeout(r, 100));
  const heapAfter = process.memoryUsage().heapUsed;
  // Again, as a second download of the same wave in the same process would.
  const beforeSecond = process.memoryUsage().rss;
  peak = beforeSecond;
  const t3 = performance.now();
  await pipeline(waveZip(store.db, results, 'standard', await driverReport(store.db, results)), sink());
  const secondMs = performance.now() - t3;
  const peakSecond = peak;
  clearInterval(timer);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  await store.close();
  const respondents = [...results.schools.values()].reduce((a, s) => a + s.respondents, 0);
  process.stdout.write(
    JSON.stringify({
      schools: results.schools.size,
      respondents,
      zipBytes,
      baseline,
      peakLoad,
      afterLoad,
      peakControl,
      controlMs: Math.round(controlMs),
      beforeExport,
      peakExport,
      peakHeap,
      heapAfter,
      beforeSecond,
      peakSecond,
      secondMs: Math.round(secondMs),
      maxLoopDelayMs: Math.round(loop.max / 1e6),
      maxRss,
      loadMs: Math.round(loadMs),
      exportMs: Math.round(exportMs),
    }) + '\n',
  );
}

// ---- parent: generate, seal, measure, drop ------------------------------------------------------

async function generate(url: string, schools: number, responses: number): Promise<string> {
  const { migrateToLatest } = await import('../server/db/migrate.ts');
  const { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE } = await import('../surveys/load.ts');
  const { publishQuestionnaire } = await import('../server/questionnaires.ts');
  const { createWave, openWave } = await import('../server/waves.ts');
  const { closeWave } = await import('../server/sealing/sealing.ts');
  const { rng, schoolEffect, syntheticResponse } = await import('../server/demo/synthetic.ts');
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  try {
    await migrateToLatest(store.db);
    const q = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
    const questionnaireId = await publishQuestionnaire(store.db, q);
    const random = rng(165_000);
    // School sizes vary (a few tiny schools, so R1/R3 have work to do); they add up to `responses`.
    const weights = Array.from({ length: schools }, (_, i) => (i % 50 === 0 ? 0.05 : 0.3 + random() * 1.7));
    const total = weights.reduce((a, w) => a + w, 0);
    const sizes = weights.map((w) => Math.max(1, Math.floor((w / total) * responses)));
    for (let rest = responses - sizes.reduce((a, n) => a + n, 0), i = 1; rest > 0; i = (i + 1) % schools) {
      if (i % 50 === 0) continue;
      sizes[i]! += 1;
      rest--;
    }
    const groups = ['basisonderwijs', 'secundair', 'buitengewoon onderwijs'];
    const ids: string[] = [];
    for (let i = 0; i < schools; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, schools - i) }, (_, j) => ({
        name: `Bench school ${i + j + 1}`,
        benchmark_group: groups[(i + j) % 10 < 6 ? 0 : (i + j) % 10 < 9 ? 1 : 2]!,
        municipality: 'Bench',
        staff_count: sizes[i + j]!,
      }));
      const inserted = await store.db.insertInto('school').values(rows).returning('id').execute();
      ids.push(...inserted.map((r) => r.id));
    }
    const waveId = await createWave(store.db, { name: 'Bench network wave', questionnaireId, schoolIds: ids, k: 5 });
    await openWave(store.db, waveId);
    let batch: Array<{ wave_id: string; school_id: string; answers: (number | null)[]; background: string }> = [];
    const flush = async () => {
      if (!batch.length) return;
      await store.db.insertInto('response').values(batch).execute();
      batch = [];
    };
    for (const [i, id] of ids.entries()) {
      const effect = schoolEffect(q, random);
      for (let r = 0; r < sizes[i]!; r++) {
        const s = syntheticResponse(q, effect, random);
        batch.push({ wave_id: waveId, school_id: id, answers: s.answers, background: JSON.stringify(s.background) });
        if (batch.length === 5000) await flush();
      }
    }
    await flush();
    // Plaintext rows straight into the open wave (the path a wave opened before encryption takes):
    // this bench measures exports, and sealing opens these as it opens boxes.
    await closeWave(store.db, new WaveKeys(store.db, parseMasterKey(generateMasterKeyText())), waveId);
    // As the admin's close does: the per-school sums are stored once, right after sealing.
    const { storeSealedResults } = await import('../server/results/wave-results.ts');
    await storeSealedResults(store.db, waveId);
    return waveId;
  } finally {
    await store.close();
  }
}

function runChild(url: string, waveId: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_FLAGS: extra V8/Node flags for the measured process, e.g. "--max-old-space-size=256".
    // The server's own V8 flags (from `npm start`), so the figures are the server's.
    const flags = [
      ...startArguments().filter((a) => a.startsWith('--') && a !== '--import'),
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ];
    const child = spawn(
      process.execPath,
      [...flags, '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--measure', url, waveId],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`measuring child exited with ${code}`)),
    );
  });
}

async function main() {
  if (args[0] === '--measure') return measure(args[1]!, args[2]!);
  if (args[0] === '--reuse') {
    // Measure again on a database kept by an earlier --keep run: --reuse <database url> <wave id>.
    const m = await runChild(args[1]!, args[2]!);
    return report(m);
  }
  const server = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/';
  const schools = arg('schools', 3700);
  const responses = arg('responses', 165_000);
  const name = `sp_bench_export_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(server, name);
  await admin(server, `create database ${name}`);
  try {
    const t0 = performance.now();
    const waveId = await generate(url, schools, responses);
    console.log(
      `generated and sealed ${responses} responses in ${schools} schools in ${((performance.now() - t0) / 1000).toFixed(1)} s (database ${name})`,
    );
    report(await runChild(url, waveId));
  } finally {
    if (!args.includes('--keep')) await admin(server, `drop database if exists ${name} with (force)`);
  }
}

function report(m: Record<string, number>): void {
  const mb = (x: number) => `${(x / MB).toFixed(1)} MB`;
  console.log(`wave: ${m.schools} schools, ${m.respondents} responses; zip ${mb(m.zipBytes!)}`);
  console.log(`baseline RSS (after start-up + GC):          ${mb(m.baseline!)}`);
  console.log(`peak RSS while loading (loadWaveResults):   ${mb(m.peakLoad!)}  (+${mb(m.peakLoad! - m.baseline!)}, ${m.loadMs} ms)`);
  console.log(`RSS after loading (+ GC; results cached):   ${mb(m.afterLoad!)}  (+${mb(m.afterLoad! - m.baseline!)})`);
  console.log(
    `control: items.csv, one reused report:      ${mb(m.peakControl!)}  (+${mb(m.peakControl! - m.afterLoad!)} over after-load, ${m.controlMs} ms)`,
  );
  console.log(
    `peak RSS while streaming the zip:            ${mb(m.peakExport!)}  (+${mb(m.peakExport! - m.beforeExport!)} over its start, ${m.exportMs} ms)`,
  );
  console.log(`longest event-loop stall during the zip:     ${m.maxLoopDelayMs} ms`);
  console.log(
    `second zip of the same wave (same process):  ${mb(m.peakSecond!)}  (+${mb(m.peakSecond! - m.beforeSecond!)} over its start, ${m.secondMs} ms)`,
  );
  console.log(`peak RSS overall / kernel maxRSS:            ${mb(Math.max(m.peakLoad!, m.peakExport!))} / ${mb(m.maxRss!)}`);
  console.log(`growth over baseline (peak − baseline):      ${mb(Math.max(m.peakLoad!, m.peakExport!, m.maxRss!) - m.baseline!)}`);
  console.log(`peak V8 heap used / after export + GC:       ${mb(m.peakHeap!)} / ${mb(m.heapAfter!)}`);
}

await main();
