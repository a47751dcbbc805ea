/** Packed sums as stored (`wave_school_sums`, `wave_school_breakdowns`): little-endian doubles, whatever the machine's byte order. */
export function sumsToBytes(packed: Float64Array): Uint8Array {
  const bytes = new Uint8Array(packed.length * 8);
  const view = new DataView(bytes.buffer);
  packed.forEach((x, i) => view.setFloat64(i * 8, x, true));
  return bytes;
}

const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function sumsFromBytes(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0) throw new RangeError(`stored sums have ${bytes.length} bytes, not a multiple of 8`);
  const out = new Float64Array(bytes.length / 8);
  // Every dashboard unpacks a few of these: on a little-endian machine the bytes are copied as they are.
  if (littleEndian) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
