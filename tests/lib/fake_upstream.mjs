// Starts tests/fakes/openrouter.mjs as a child process and talks to its control API.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endWithThisProcess } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function startFakeUpstream() {
  const proc = endWithThisProcess(spawn(process.execPath, [join(here, '..', 'fakes', 'openrouter.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  const url = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`fake upstream exited ${code}`)));
  });
  const control = async (path, body) => {
    const res = await fetch(`${url}/__control/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return res.json();
  };
  return {
    url,
    proc,
    baseUrl: `${url}/api/v1`,
    script: (scenarios) => control('script', scenarios),
    setDefaultScenario: (scenario) => control('default_scenario', scenario),
    setModels: (models) => control('models', models),
    setProviders: (providers) => control('providers', providers),
    setEndpoints: (byModel) => control('endpoints', byModel),
    requests: () => control('requests'),
    sent: () => control('sent'),
    closed: () => control('closed'),
    /** Resolves with the counts ({closed_early, finished, closed_at, requests}) once each count in `atLeast`
     *  has been reached, e.g. { closed_early: 1 }; throws with the counts after `timeoutMs`. */
    async waitFor(atLeast, timeoutMs = 10000) {
      const query = new URLSearchParams({ ...atLeast, timeout_ms: String(timeoutMs) });
      const res = await fetch(`${url}/__control/wait?${query}`);
      const counts = await res.json();
      if (res.status !== 200) throw new Error(`fake upstream: ${JSON.stringify(atLeast)} not reached within ${timeoutMs} ms: ${JSON.stringify(counts)}`);
      return counts;
    },
    reset: () => control('reset', {}),
    async stop() { proc.kill(); await new Promise((r) => proc.on('exit', r)); },
  };
}
