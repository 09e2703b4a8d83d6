#!/usr/bin/env node
// Runs @modelcontextprotocol/server-everything with its HTTP transports bound to 127.0.0.1 only (its CLI
// listens on every interface). Usage: node everything_loopback.mjs sse|streamableHttp  (PORT from the env)
import net from 'node:net';
import { createRequire } from 'node:module';

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const port = Number(args[0]);
    const callback = args.find((a) => typeof a === 'function');
    return originalListen.call(this, { port, host: '127.0.0.1' }, callback);
  }
  return originalListen.apply(this, args);
};
const require = createRequire(import.meta.url);
const entry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
await import(entry);
