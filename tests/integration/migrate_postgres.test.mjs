// PostgreSQL migrations under an advisory lock (issue 20): replicas started together on a fresh database all
// come up, exactly one of them applies the migrations, and each version is recorded once. Uses the private
// PostgreSQL server that ./scripts/test starts (tests/lib/postgres.sh).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
