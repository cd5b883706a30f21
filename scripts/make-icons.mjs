// Draws the extension and task icons (ascending "steps" bars in Azure blue with a trend line) and
// writes them as PNGs using only node:zlib. Run `node scripts/make-icons.mjs` after changing the
// design; the PNGs are committed.
//   images/extension-icon.png          128x128, the marketplace icon
//   tasks/<Task>/icon.png               32x32, shown next to each task in the pipeline editor
import { deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- PNG encoding -------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** rgba: Uint8Array of size*size*4, straight (not premultiplied) alpha. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Drawing: shapes in unit coordinates (0..1, y down), 4x4 supersampling -----------------------
const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const AZURE = hex('#0078d4');
const AZURE_DARK = hex('#004e8c');
const AZURE_LIGHT = hex('#50e6ff');
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

function roundedRect(x0, y0, x1, y1, r) {
  return (x, y) => {
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
    const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
  };
}
function segment(ax, ay, bx, by, width) {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / len2));
    const dx = x - (ax + t * vx);
    const dy = y - (ay + t * vy);
    return dx * dx + dy * dy <= (width / 2) ** 2;
  };
}
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** layers: [{shape, color:[r,g,b]}], painted in order (later on top). */
function render(size, layers) {
  const S = 4;
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size;
          const y = (py + (sy + 0.5) / S) / size;
          let color = null;
          for (const layer of layers) if (layer.shape(x, y)) color = layer.color;
          if (color) { r += color[0]; g += color[1]; b += color[2]; a += 1; }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((255 * a) / (S * S));
      }
    }
  }
  return out;
}

/** Ascending bars (the steps), light to dark blue; with `trend`, a line through their tops. */
function design({ bars, trend, margin }) {
  const layers = [];
  const gap = 0.06;
  const width = (1 - 2 * margin - gap * (bars - 1)) / bars;
  const bottom = 1 - margin;
  const tops = [];
  for (let i = 0; i < bars; i++) {
    const x0 = margin + i * (width + gap);
    const top = bottom - (0.3 + (0.7 * i) / (bars - 1)) * (1 - 2 * margin - (trend ? 0.12 : 0));
    tops.push([x0 + width / 2, top]);
    layers.push({ shape: roundedRect(x0, top, x0 + width, bottom, width * 0.18), color: mix(AZURE_LIGHT, AZURE, 0.35 + (0.65 * i) / (bars - 1)) });
  }
  if (trend) {
    const lift = 0.1;
    const pts = tops.map(([x, y]) => [x, y - lift]);
    for (let i = 1; i < pts.length; i++) layers.push({ shape: segment(...pts[i - 1], ...pts[i], 0.035), color: AZURE_DARK });
    for (const [x, y] of pts) {
      layers.push({ shape: circle(x, y, 0.05), color: AZURE_DARK });
      layers.push({ shape: circle(x, y, 0.025), color: [255, 255, 255] });
    }
  }
  return layers;
}

function write(file, size, layers) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encodePng(size, render(size, layers)));
  console.log(`wrote ${file.slice(root.length + 1)} (${size}x${size})`);
}

write(join(root, 'images/extension-icon.png'), 128, design({ bars: 4, trend: true, margin: 0.1 }));
const tasksDir = join(root, 'tasks');
for (const task of readdirSync(tasksDir, { withFileTypes: true })) {
  if (task.isDirectory() && existsSync(join(tasksDir, task.name, 'task.json'))) {
    write(join(tasksDir, task.name, 'icon.png'), 32, design({ bars: 3, trend: false, margin: 0.06 }));
  }
}
