/**
 * Row 4b of `npm run bench` alone, for trying changes: on a database left by `npm run bench -- --keep`,
 * fresh servers (as `npm start` runs them) each serve the first download of a full wave's export.zip
 * and print the server's RSS before and at its peak. `REPEAT` servers (default 2); `NODE_ARGS` adds
 * node options (`--trace-gc`, say); `SHOW=1` prints each server's output.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/schoolpols_bench SCHOOLPOLS_KEY=… npx tsx bench/export-probe.ts
 */
import { randomBytes } from 'node:crypto';
import { openStore } from '../server/db/connect.ts';
import { createUser } from '../server/staff/users.ts';
import { signIn, startServer } from './server.ts';
import { downloadExport } from './export.ts';
const url = process.env['DATABASE_URL']!;
const store = await openStore({ databaseUrl: url });
const wave = await store.db.selectFrom('wave').select('id').where('name', '=', 'Bench bevraging 3').executeTakeFirstOrThrow();
const admin = { email: `x-${randomBytes(4).toString('hex')}@bench.invalid`, password: randomBytes(18).toString('base64url') };
await createUser(store.db, { email: admin.email, role: 'admin', password: admin.password });
await store.close();
const args = process.env['NODE_ARGS']?.split(/\s+/).filter(Boolean) ?? [];
for (let i = 0; i < Number(process.env['REPEAT'] ?? 2); i++) {
  const server = await startServer({ DATABASE_URL: url }, args);
  const cookie = await signIn(server.url, admin.email, admin.password);
  const r = await downloadExport(server.url, cookie, wave.id, server.pid);
  console.log(
    `status ${r.status}, ${r.ms.toFixed(0)} ms, before ${(r.rssBefore / 2 ** 20).toFixed(0)} MB, peak ${(r.rssPeak / 2 ** 20).toFixed(0)} MB, growth +${(r.growth / 2 ** 20).toFixed(0)} MB`,
  );
  if (process.env['SHOW']) process.stderr.write(server.output());
  await server.stop();
}
