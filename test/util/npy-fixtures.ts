/** Hand-made `.npy` bytes for tests, independent of src/util/npy.ts's encoder. */

/** Builds .npy bytes by hand: version, header dict, raw little/big-endian data. */
export function handNpy(descr: string, shape: string, fortran: boolean, body: Uint8Array, major = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = major === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(body, pre + h.length);
  return out;
}

/** Raw bytes of 16-bit words (e.g. IEEE binary16 bit patterns), little- or big-endian. */
export function words16(bits: readonly number[], littleEndian = true): Uint8Array {
  const b = new Uint8Array(2 * bits.length);
  const dv = new DataView(b.buffer);
  bits.forEach((w, i) => dv.setUint16(2 * i, w, littleEndian));
  return b;
}
