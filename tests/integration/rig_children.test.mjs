// The test and bench rigs (tests/lib/parley.mjs, tests/lib/fake_upstream.mjs, used by every integration test and
// bench script): a script that fails with an uncaught exception after starting a parley and a fake upstream leaves
// neither running. Before tests/lib/children.mjs they went on running after the script had ended, holding their
// ports and the pipe of a shell pipeline around the script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lib/parley.mjs';

const script = `
import { startParley } from ${JSON.stringify(join(repoRoot, 'tests', 'lib', 'parley.mjs'))};
import { startFakeUpstream } from ${JSON.stringify(join(repoRoot, 'tests', 'lib', 'fake_upstream.mjs'))};
const up = await startFakeUpstream();
const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-rig-0123456789' },
  files: { 'data/mcp_servers.json': '{"servers":[]}' } });
console.log(JSON.stringify({ parley: p.proc.pid, fake: up.proc.pid }));
throw new Error('the script fails before it stops them');
`;

// Running: in /proc and not a zombie (an ended child of a parent that is gone waits there until it is reaped).
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('a script that fails after starting parley and the fake upstream leaves neither running', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  // 'exit', not 'close': processes left running would hold the pipes open, and the streams would never end.
  const code = await new Promise((resolve) => child.on('exit', resolve));
  await new Promise((r) => setImmediate(r)); // output already read is delivered before the exit event's turn ends
  assert.notEqual(code, 0);
  assert.match(err, /the script fails before it stops them/);
  const pids = JSON.parse(out.trim().split('\n').pop());
  const left = [];
  try {
    // SIGKILL was sent as the script exited; it lands at once, but the kernel may still be tearing them down.
    for (const deadline = Date.now() + 5000; Date.now() < deadline && (running(pids.parley) || running(pids.fake));) {
      await new Promise((r) => setImmediate(r));
    }
    for (const [name, pid] of Object.entries(pids)) if (running(pid)) left.push(`${name} (pid ${pid})`);
    assert.deepEqual(left, [], `still running: ${left.join(', ')}`);
  } finally {
    for (const pid of Object.values(pids)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});
