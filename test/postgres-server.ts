import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// A real Postgres for the tests (like redisServer() in e2e/http-harness.ts): the server
// PROXYCART_TEST_POSTGRES_URL names (.ci/run starts one for the whole run), or else a
// throwaway cluster of this test file's own on a free loopback port. Each suite asks for a
// fresh database, so files and suites never see each other's rows.

export interface PostgresServer {
  /** The maintenance database (`postgres`) of the server, as a superuser. */
  url: string;
  /** A new, empty database on the server; its URL. */
  database(): Promise<string>;
  /** Stops the cluster this helper started (a server named by the environment is left alone). */
  stop(): Promise<void>;
}

export async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.PROXYCART_TEST_POSTGRES_URL;
  if (given) return serverAt(given, async () => {});
  const cluster = await startCluster();
  return serverAt(cluster.url, cluster.stop);
}

function serverAt(url: string, stop: () => Promise<void>): PostgresServer {
  return {
    url,
    async database() {
      const name = `proxycart_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const next = new URL(url);
      next.pathname = `/${name}`;
      return next.toString();
    },
    stop,
  };
}

/** Debian puts the server binaries in /usr/lib/postgresql/<major>/bin, off the PATH; the newest wins. */
export function postgresBin(tool: string): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', tool))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0]!, 'bin', tool) : tool;
}

async function startCluster(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'proxycart-pg-'));
  const data = join(dir, 'data');
  // Postgres refuses to run as root: as root, the cluster belongs to the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : postgresBin(tool), asRoot ? ['-u', 'postgres', '--', postgresBin(tool), ...args] : args, { cwd: dir, stdio: 'pipe' });
  // -N: no fsync at initdb either; trust is safe here because the server listens on loopback
  // and a socket in its own private folder only, and lives as long as the test file.
  run('initdb', ['-N', '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
