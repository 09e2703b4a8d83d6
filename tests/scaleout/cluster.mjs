// The scale-out rig's deployment: a private PostgreSQL cluster this rig may stop and restart (never the one the
// other tests share), an S3-compatible store (s3rver), the fake OpenRouter, parley replicas on fixed ports and
// nginx in front of them with the configuration shipped in deploy/nginx/parley.conf.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import S3rver from 's3rver';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` (sync or async) every 50 ms until it returns truthy; throws naming `what` after `ms`. */
export async function until(probe, ms, what) {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// ---- PostgreSQL -------------------------------------------------------------------------------------------
const pgBin = process.env.PARLEY_PG_BIN || '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;
// PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
function pgCommand(tool, args) {
  const cmd = join(pgBin, tool);
  const runuser = existsSync('/usr/sbin/runuser') ? '/usr/sbin/runuser' : 'runuser';
  return asRoot ? [runuser, ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}
// The server pg_ctl starts inherits its standard streams: they go nowhere, or the call would wait for them.
function pg(tool, args) {
  const [cmd, argv] = pgCommand(tool, args);
  execFileSync(cmd, argv, { stdio: 'ignore' });
}

export async function startPostgres() {
  const base = join(repoRoot, 'tests', '.tmp', 'scaleout-pg');
  const data = join(base, 'data');
  try { pg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']); } catch { /* not running */ }
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  if (asRoot) {
    execFileSync('chown', ['postgres:postgres', base]);
    // The postgres user must reach the directory through its parents.
    for (let d = dirname(base); d !== '/'; d = dirname(d)) execFileSync('chmod', ['o+x', d]);
  }
  pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const log = join(base, 'server.log');
  const start = () => pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', opts, 'start']);
  start();
  const url = `postgresql://postgres@127.0.0.1:${port}/parley`;
  pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'parley']);
  return {
    url,
    psql: (sql) => execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim(),
    // A crash-like stop: every connection is cut without a goodbye from the server's side of the protocol.
    stop: () => pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start,
    restart: () => pg('pg_ctl', ['-D', data, '-l', log, '-m', 'immediate', '-w', '-t', '30', '-o', opts, 'restart']),
    destroy() {
      try { pg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already stopped */ }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

// ---- S3 (s3rver) ------------------------------------------------------------------------------------------
export const BUCKET = 'parley-attachments';
export async function startS3() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-scaleout-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3.run();
  return {
    url: `http://127.0.0.1:${port}`,
    object: (key) => s3.store.getObject(BUCKET, key).catch(() => null),
    async close() { await s3.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---- nginx ------------------------------------------------------------------------------------------------
// Debian's nginx-light installs into /usr/sbin, which a non-root PATH may lack.
const nginxBin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
// deploy/nginx/parley.conf as a user installs it, with this rig's replica ports and listen port, inside a
// minimal nginx.conf that keeps every file of nginx's own under a temporary directory.
export async function startNginx(replicaPorts) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-scaleout-nginx-'));
  const port = await freePort();
  let site = readFileSync(join(repoRoot, 'deploy', 'nginx', 'parley.conf'), 'utf8');
  const servers = replicaPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  site = site.replace(/^ {4}server 127\.0\.0\.1:8001[^\n]*\n {4}server 127\.0\.0\.1:8002[^\n]*$/m, servers);
  site = site.replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (!site.includes(`127.0.0.1:${replicaPorts[0]}`) || !site.includes(`listen 127.0.0.1:${port}`)) {
    throw new Error('deploy/nginx/parley.conf no longer has the upstream/listen lines this rig replaces');
  }
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`);
  execFileSync(nginxBin, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
  const proc = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => { try { await (await fetch(`${url}/health`)).text(); return true; } catch { return false; } }, 10000, 'nginx answering');
  return {
    url,
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      if (proc.exitCode === null) { proc.kill('SIGQUIT'); await new Promise((r) => proc.on('exit', r)); }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- parley replicas --------------------------------------------------------------------------------------
export { startFakeUpstream };

/** A replica with its own home and a fixed port, so it comes back at the same address after a kill. */
export async function makeReplica(name, env) {
  const home = mkdtempSync(join(tmpdir(), `parley-scaleout-${name}-`));
  const port = await freePort();
  const replica = {
    name, home, port, url: `http://127.0.0.1:${port}`, process: null, logs: '',
    async start(extraEnv = {}) {
      this.process = await startParley({ home, env: { ...env, ...extraEnv, PARLEY_PORT: String(port) }, timeoutMs: 20000 });
      return this;
    },
    // Everything this replica printed, over all its lives.
    output() { return this.logs + (this.process ? this.process.output() : ''); },
    async kill(signal = 'SIGKILL') {
      const p = this.process;
      this.process = null;
      this.logs += p.output();
      await p.stop(signal);
    },
    destroy() { rmSync(home, { recursive: true, force: true }); },
  };
  return replica;
}
