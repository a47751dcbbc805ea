/** Packed sums as stored (`wave_school_sums`, `wave_school_breakdowns`): little-endian doubles, whatever the machine's byte order. */
export function sumsToBytes(packed: Float64Array): Uint8Array {
  const bytes = new Uint8Array(packed.length * 8);
  const view = new DataView(bytes.buffer);
  packed.forEach((x, i) => view.setFloat64(i * 8, x, true));
  return bytes;
}

export function sumsFromBytes(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0) throw new RangeError(`stored sums have ${bytes.length} bytes, not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
}
