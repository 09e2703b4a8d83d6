// nginx as a plain SSE reverse proxy (proxy_buffering off, keep-alive to the upstream) in a private prefix: the
// reference proxy of P2, and the proxy floor of P1 (its CPU per proxied turn). Needs nginx (apt-get install
// nginx-light; ./scripts/install-deps --bench). startNginx(upstreamPort) → { port, pid, stop() }.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { endWithThisProcess } from '../../tests/lib/children.mjs';

const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

const freePort = () => new Promise((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

export async function startNginx(upstreamPort) {
  if (!nginxBin) throw new Error('nginx is not installed: ./scripts/install-deps --bench (or apt-get install -y nginx-light)');
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-nginx-'));
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_buffer_size 16m; client_max_body_size 64m;  # request bodies stay in memory (workers cannot write our temp dir)
  client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream fake { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}`);
  const proc = endWithThisProcess(spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' }), 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // The worker (worker_processes 1) does the proxying; the master only supervises it.
  const masterPid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
  const children = (() => { try { return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).map(Number); } catch { return []; } })();
  return { port, pid: children[0] ?? masterPid, stop: () => { proc.kill('SIGQUIT'); rmSync(dir, { recursive: true, force: true }); } };
}

