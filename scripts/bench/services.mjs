// The stores the ledger benchmarks run on, each able to hand out a fresh, empty store:
// SQLite (a new file), Redis (a redis-server of the benchmark's own, AOF on as the README
// asks, a new logical database each time) and Postgres (the test suite's own throwaway
// server, a new database each time). A backend whose server is not installed is left out
// and said so.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSource } from './import-source.mjs';

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'proxycart-bench-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--databases', '64'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await new Promise((done, fail) => {
    proc.stdout.on('data', (chunk) => chunk.toString().includes('Ready to accept connections') && done());
    proc.on('error', fail);
    proc.on('exit', (code) => fail(new Error(`redis-server exited ${code}`)));
  });
  let db = 0;
  return { name: 'redis', freshStore: async () => `redis://127.0.0.1:${port}/${++db}`, stop: async () => proc.kill('SIGKILL') };
}

async function startPostgres() {
  const { postgresServer } = await importSource('test/postgres-server.ts', 'bench-postgres');
  const server = await postgresServer();
  return { name: 'postgres', freshStore: () => server.database(), stop: () => server.stop() };
}

export async function startServices() {
  const backends = [
    {
      name: 'sqlite',
      freshStore: async () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'proxycart-bench-sqlite-')), 'state.sqlite')}`,
      stop: async () => {},
    },
  ];
  const missing = [];
  for (const [name, start] of [
    ['redis', startRedis],
    ['postgres', startPostgres],
  ]) {
    try {
      backends.push(await start());
    } catch (error) {
      missing.push(`${name}: not measured (${error.message.split('\n')[0]})`);
    }
  }
  return { backends, missing, stop: () => Promise.all(backends.map((b) => b.stop())) };
}
