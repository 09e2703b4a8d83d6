// Writes .gz and .br copies next to every compressible file of the built UI, so the server can send them
// precompressed (chosen by the request's Accept-Encoding q-values).
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = process.argv[2];
const compressible = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.map', '.txt', '.webmanifest', '.xml']);
let count = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (!compressible.has(extname(name))) continue;
    const data = readFileSync(p);
    if (data.length < 256) continue;
    writeFileSync(p + '.gz', gzipSync(data, { level: 9 }));
    writeFileSync(p + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    count++;
  }
}
walk(root);
console.log(`compress-web: ${count} files precompressed in ${root}`);
