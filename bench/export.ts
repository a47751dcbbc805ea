/**
 * Export of a full sealed wave: the researcher zip over HTTP (`GET
 * /research/waves/:waveId/export.zip`, signed in as admin) against `COPY (SELECT …) TO STDOUT` of
 * the wave's raw answers, and the server's peak RSS growth while the zip streams out.
 */
import { spawn } from 'node:child_process';
import { sampleMemory } from './util.ts';

export const EXPORT_PATH = (waveId: string) => `/research/waves/${waveId}/export.zip`;

export interface ExportRun {
  status: number;
  ms: number;
  bytes: number;
  rssBefore: number;
  rssPeak: number;
  growth: number;
}

/** Downloads the zip completely; the server's RSS is sampled from before the request to the last byte. */
export async function downloadExport(baseUrl: string, cookie: string, waveId: string, pid: number): Promise<ExportRun> {
  const memory = sampleMemory(pid, 10);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${EXPORT_PATH(waveId)}`, { headers: { cookie, accept: '*/*' }, redirect: 'manual' });
  let bytes = 0;
  if (res.body) for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
  const ms = performance.now() - t0;
  const m = memory.stop();
  return { status: res.status, ms, bytes, rssBefore: m.before, rssPeak: m.peak, growth: m.peak - m.before };
}

/** Whether the export route is there yet (another engineer builds it): 404 for a route that does not exist. */
export async function exportRouteExists(baseUrl: string, cookie: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}${EXPORT_PATH('00000000-0000-4000-8000-000000000000')}`, { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  // An existing route answers 404 for an unknown wave too, but with the app's own message, not Fastify's "Route … not found".
  return !(res.status === 404 && /Route GET:.* not found/.test(body));
}

/**
 * The baseline: `psql -c "COPY (…) TO STDOUT"`, output counted and thrown away. psql, because node-pg
 * cannot read COPY TO STDOUT without another package; its start-up (~10 ms) is included.
 */
export async function copyBaseline(url: string, waveId: string): Promise<{ ms: number; bytes: number } | { unavailable: string }> {
  if (!/^[0-9a-f-]{36}$/.test(waveId)) throw new Error('bad wave id');
  const statement = `copy (select school_id, answers, background from response where wave_id = '${waveId}') to stdout`;
  return new Promise((resolve) => {
    const t0 = performance.now();
    let bytes = 0;
    let err = '';
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (bytes += c.length));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => resolve({ unavailable: `psql not found (${e.message})` }));
    child.on('exit', (code) => resolve(code === 0 ? { ms: performance.now() - t0, bytes } : { unavailable: `psql failed: ${err.trim()}` }));
  });
}
