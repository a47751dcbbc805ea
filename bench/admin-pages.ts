/**
 * The admin console at network scale (issue 18): `/home` and `/admin/schools` over HTTP on a fresh
 * server, warmed up, then `samples` requests each. The benchmark measures them when the store holds
 * only the 1/10 network and again once the full one is there, so the ratio says whether a page
 * grows with the number of schools.
 */
import { signIn, startServer, timedGet } from './server.ts';
import { median, percentile } from './util.ts';

export const ADMIN_PAGES = ['/home', '/admin/schools'] as const;
export type AdminPagesRun = Record<(typeof ADMIN_PAGES)[number], { p50: number; p95: number; bytes: number; schools: number }>;

export async function adminPages(
  databaseUrl: string,
  admin: { email: string; password: string },
  samples: number,
  schools: number,
): Promise<AdminPagesRun> {
  const server = await startServer({ DATABASE_URL: databaseUrl });
  try {
    const cookie = await signIn(server.url, admin.email, admin.password);
    const result = {} as AdminPagesRun;
    for (const page of ADMIN_PAGES) {
      for (let i = 0; i < 3; i++) await timedGet(`${server.url}${page}`, cookie);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < samples; i++) {
        const r = await timedGet(`${server.url}${page}`, cookie);
        if (r.status !== 200) throw new Error(`${page} answered ${r.status}`);
        times.push(r.ms);
        bytes = r.bytes;
      }
      result[page] = { p50: median(times), p95: percentile(times, 95), bytes, schools };
    }
    return result;
  } finally {
    await server.stop();
  }
}
