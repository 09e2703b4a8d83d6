// PostgreSQL migrations under an advisory lock (issue 20): replicas started together on a fresh database all
// come up, exactly one of them applies the migrations, and each version is recorded once. Uses the private
// PostgreSQL server that ./scripts/test starts (tests/lib/postgres.sh).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, parleyBin } from '../lib/parley.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const psql = (url, sql) => execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim();
const created = [];

function freshDatabase(tag) {
  const name = `parley_migrate_${tag}_${process.pid}_${Date.now()}`;
  psql(baseUrl, `CREATE DATABASE ${name}`);
  created.push(name);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

after(() => {
  for (const name of created) psql(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

test('replicas starting together on a fresh database migrate it once', { skip: !baseUrl && 'PARLEY_TEST_POSTGRES_URL is not set' }, async () => {
  const url = freshDatabase('race');
  const replicas = await Promise.all([1, 2, 3].map(() => startParley({ env: { PARLEY_DATABASE_URL: url } })));
  try {
    for (const r of replicas) assert.equal((await fetch(`${r.url}/health`)).status, 200);
    const appliers = replicas.filter((r) => /Applied 3 database migration\(s\)/.test(r.output()));
    assert.equal(appliers.length, 1, replicas.map((r) => r.output()).join('\n-----\n'));
    for (const r of replicas) assert.doesNotMatch(r.output(), /Cannot open|duplicate key|failed/i);
    assert.equal(psql(url, 'SELECT string_agg(version::text, \',\' ORDER BY version) FROM schema_migrations'), '1,2,3');
    // The lock is released once migrated: it is not held by any session now.
    assert.equal(psql(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7243001"), '0');
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
  }
});

test('a replica waits for the migration lock before touching the schema', { skip: !baseUrl && 'PARLEY_TEST_POSTGRES_URL is not set' }, async () => {
  const url = freshDatabase('lock');
  // Another session holds the migrations' advisory lock (as a replica in the middle of migrating would).
  const holder = spawn('psql', [url, '-XAtq'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const said = (pattern) => new Promise((resolve) => {
    let out = '';
    holder.stdout.on('data', (d) => { out += d; if (pattern.test(out)) resolve(); });
  });
  const locked = said(/^locked$/m);
  holder.stdin.write("SELECT pg_advisory_lock(7243001); SELECT 'locked';\n");
  await locked;
  const pending = startParley({ env: { PARLEY_DATABASE_URL: url }, timeoutMs: 30000 });
  try {
    // parley's session is seen waiting for the advisory lock...
    for (const start = Date.now(); ;) {
      assert.ok(Date.now() - start < 15000, 'parley never waited for the advisory lock');
      const waiting = psql(url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'");
      if (waiting === '1') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // ...before it created anything, schema_migrations included.
    assert.equal(psql(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), '0');
  } finally {
    holder.stdin.end("SELECT pg_advisory_unlock(7243001);\n");
  }
  const p = await pending;
  try {
    assert.equal((await fetch(`${p.url}/health`)).status, 200);
    assert.match(p.output(), /Applied 3 database migration\(s\)/);
  } finally {
    await p.stop();
  }
});

test('migrate --dry-run on PostgreSQL lists the pending migrations and creates nothing', { skip: !baseUrl && 'PARLEY_TEST_POSTGRES_URL is not set' }, () => {
  const url = freshDatabase('dry');
  const out = execFileSync(parleyBin, ['migrate', '--dry-run'], { env: { ...process.env, PARLEY_DATABASE_URL: url }, encoding: 'utf8' });
  assert.match(out, /schema version 0; this parley's is 3/);
  assert.match(out, /3 migration\(s\) would run/);
  assert.match(out, /^ {2}3 {2}api_keys/m);
  assert.equal(psql(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), '0');
  assert.match(execFileSync(parleyBin, ['migrate'], { env: { ...process.env, PARLEY_DATABASE_URL: url }, encoding: 'utf8' }), /Applied 3 migration/);
  assert.match(execFileSync(parleyBin, ['migrate', '--dry-run'], { env: { ...process.env, PARLEY_DATABASE_URL: url }, encoding: 'utf8' }), /No migration would run/);
});

test('doctor on a PostgreSQL home checks the database without printing its password', { skip: !baseUrl && 'PARLEY_TEST_POSTGRES_URL is not set' }, () => {
  const url = new URL(freshDatabase('doctor'));
  execFileSync(parleyBin, ['migrate'], { env: { ...process.env, PARLEY_DATABASE_URL: url.toString() } });
  url.password = 'pg-secret-password-42';  // the test server trusts local connections: any password works
  const r = spawnSync(parleyBin, ['doctor'], { env: { ...process.env, PARLEY_DATABASE_URL: url.toString(), PARLEY_HOME: mkdtempSync(join(tmpdir(), 'parley-pgdoc-')) }, encoding: 'utf8' });
  const out = r.stdout + r.stderr;
  assert.match(out, /\[ok\] {3}database: PostgreSQL database .*: schema version 3, up to date/);
  assert.match(out, /\[ok\] {3}storage \(local\): put, get and delete/);
  assert.ok(!out.includes('pg-secret-password-42'), out);
});
