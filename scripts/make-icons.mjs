#!/usr/bin/env node
// Draws parley's app icons (web/public/icons/*.png: the manifest's 192 and 512 px icons, a maskable one with
// the safe-zone padding, and the 180 px apple-touch-icon) with no image tool: a speech bubble on the accent
// colour, rasterised with 4×4 supersampling and written as PNG with node's zlib. Run it after changing the
// drawing; the PNGs are checked in, so building the UI needs nothing extra.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'public', 'icons');
const ACCENT = [0x3f, 0x5e, 0xe8];
const WHITE = [0xff, 0xff, 0xff];

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r), cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inTriangle = (x, y, [ax, ay], [bx, by], [cx, cy]) => {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by), d2 = s(x, y, bx, by, cx, cy), d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};

// The drawing in unit coordinates (0..1). `pad` shrinks the bubble into the maskable safe zone.
function colourAt(u, v, { rounded, pad }) {
  if (rounded && !inRoundRect(u, v, 0, 0, 1, 1, 0.22)) return null;
  const k = 1 - 2 * pad;
  const x = (u - pad) / k, y = (v - pad) / k;
  const bubble = inRoundRect(x, y, 0.2, 0.24, 0.8, 0.68, 0.12) || inTriangle(x, y, [0.32, 0.6], [0.5, 0.6], [0.28, 0.82]);
  const dot = [0.36, 0.5, 0.64].some((cx) => (x - cx) ** 2 + (y - 0.46) ** 2 <= 0.045 ** 2);
  return bubble && !dot ? WHITE : ACCENT;
}

function draw(size, opts) {
  const rgba = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
        const c = colourAt((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size, opts);
        if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1; }
      }
      const i = (py * size + px) * 4;
      if (a) { rgba[i] = Math.round(r / a); rgba[i + 1] = Math.round(g / a); rgba[i + 2] = Math.round(b / a); }
      rgba[i + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return png(size, rgba);
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'icon-192.png'), draw(192, { rounded: true, pad: 0 }));
writeFileSync(join(out, 'icon-512.png'), draw(512, { rounded: true, pad: 0 }));
writeFileSync(join(out, 'maskable-512.png'), draw(512, { rounded: false, pad: 0.1 }));
writeFileSync(join(out, 'apple-touch-icon.png'), draw(180, { rounded: false, pad: 0 }));
console.log(`icons written to ${out}`);
