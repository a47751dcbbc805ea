import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import yazl from 'yazl';
import type { Database } from '../db/schema.ts';
import type { WaveResults } from '../results/wave-results.ts';
import type { Dialect } from './csv.ts';
import { dataPackageJson } from './datapackage.ts';
import { PACKAGE_FILES, waveCsv, type PackageFile } from './wave-export.ts';
import { driversCsv } from './drivers-csv.ts';
import type { DriverReport } from './drivers.ts';

/** A text generator as a byte stream that pulls one chunk at a time (backpressure, flat memory). */
export function textStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(
    (async function* () {
      for await (const c of chunks) yield Buffer.from(c, 'utf8');
    })(),
    { objectMode: false },
  );
}

/**
 * Every file of a sealed wave in one zip, streamed: each CSV is generated only when the zip writer
 * reaches it, so at most one batch of rows is in memory. The driver analysis is not made here: its
 * report comes computed (`driverReport`, cached per wave), so the zip of a wave whose drivers.csv
 * was downloaded reads no respondent again. Entries carry the wave's creation time, so the same
 * wave always gives the same bytes.
 */
export function waveZip(db: Kysely<Database>, results: WaveResults, dialect: Dialect, drivers: DriverReport): Readable {
  const csv = (file: PackageFile) =>
    file === 'drivers.csv' ? driversCsv(drivers, results.layout, results.wave.k, dialect) : waveCsv(db, results, file, dialect);
  const zip = new yazl.ZipFile();
  const mtime = results.wave.createdAt;
  const output = zip.outputStream as Readable;
  const fail = (err: Error) => output.destroy(err);
  // yazl reports its own failures on the ZipFile and pipes entry streams without listening for
  // their errors: both must end the download rather than crash the process or hang it.
  zip.on('error', fail);
  let current: Readable | null = null;
  // A client that goes away stops the export: the entry being generated is destroyed.
  output.on('close', () => current?.destroy());
  for (const file of PACKAGE_FILES) {
    zip.addReadStreamLazy(file, { mtime, mode: 0o100644 }, (cb) => {
      if (output.destroyed) return;
      let stream: Readable;
      try {
        stream = textStream(csv(file));
      } catch (err) {
        return cb(err, null as never);
      }
      stream.on('error', fail);
      current = stream;
      cb(null, stream);
    });
  }
  zip.addBuffer(Buffer.from(dataPackageJson(results, dialect), 'utf8'), 'datapackage.json', { mtime, mode: 0o100644 });
  zip.end();
  return output;
}
