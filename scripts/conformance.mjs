#!/usr/bin/env node
// Runs the MCP conformance server suite (@modelcontextprotocol/conformance,
// pinned devDependency) against an MCP server and summarises the result.
//
//   node scripts/conformance.mjs [--url URL] [--suite all|active|pending] [--scenario NAME]
//                                [--report-only] [--output-dir DIR] [--verbose] [--timeout SECONDS]
//
// Without --url it starts fixtures/upstreams/conformance-server.mjs on an
// ephemeral 127.0.0.1 port and tests that. --suite defaults to `all` (the
// suite's own default, `active`, leaves out json-schema-2020-12 and
// server-sse-polling, which the fixture implements).
//
// Output: one line per scenario, then, as the very last line, a JSON summary
//   {"passed":N,"failed":M,"scenarios":{"<name>":{"passed":n,"failed":m,"warnings":w},...}}
// where N and M count checks (as the suite does).
// Exit code: 0 if no check failed (always 0 with --report-only, unless the run
// itself broke); 1 if a check failed; 2 if the run could not be carried out.

import { spawn } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(root, 'fixtures/upstreams/conformance-server.mjs');
const SERVER_START_TIMEOUT_MS = 15_000;

const children = new Set();
let temporaryDir; // removed on the way out

// Whatever way this script ends, the processes it started end with it, and
// its temporary directory goes too.
function cleanUp() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => process.exit(2)); // 'exit' runs cleanUp
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

class RunError extends Error {}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        suite: { type: 'string', default: 'all' },
        scenario: { type: 'string' },
        'report-only': { type: 'boolean', default: false },
        'output-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new RunError(err.message);
  }
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new RunError(`invalid --timeout: ${values.timeout}`);
  return { ...values, timeoutMs: timeoutSeconds * 1000 };
}

// Starts the fixture and resolves with the URL from its `listening <url>` line.
function startFixture(verbose) {
  const server = track(
    spawn(process.execPath, [FIXTURE, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const stderr = [];
  server.stderr.on('data', (chunk) => {
    if (verbose) process.stderr.write(chunk);
    else stderr.push(chunk);
  });
  return new Promise((resolvePromise, reject) => {
    const fail = (why) => {
      server.kill('SIGTERM');
      reject(new RunError(`fixture did not start: ${why}\n${Buffer.concat(stderr).toString()}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${SERVER_START_TIMEOUT_MS} ms`), SERVER_START_TIMEOUT_MS);
    server.once('error', (err) => fail(err.message));
    server.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    createInterface({ input: server.stdout }).once('line', (line) => {
      const match = /^listening (http:\/\/\S+)$/.exec(line);
      if (!match) return fail(`unexpected first line: ${line}`);
      clearTimeout(timer);
      server.removeAllListeners('exit');
      resolvePromise({ url: match[1], server });
    });
  });
}

// The suite's bin, from the pinned devDependency (no network at run time).
function conformanceBin() {
  const require = createRequire(import.meta.url);
  let manifestPath;
  try {
    manifestPath = require.resolve('@modelcontextprotocol/conformance/package.json');
  } catch {
    throw new RunError('@modelcontextprotocol/conformance is not installed; run `npm install`');
  }
  const manifest = require(manifestPath);
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.conformance;
  return join(dirname(manifestPath), bin);
}

// Runs the suite; its (long) output goes to a log file, and to stderr with --verbose.
function runSuite({ url, suite, scenario, outputDir, verbose, timeoutMs }) {
  const args = [conformanceBin(), 'server', '--url', url, '-o', outputDir];
  if (scenario) args.push('--scenario', scenario);
  else args.push('--suite', suite);

  const logPath = join(outputDir, 'suite.log');
  const log = createWriteStream(logPath);
  const child = track(spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      if (verbose) process.stderr.write(chunk);
    });
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new RunError(`suite did not finish within ${timeoutMs / 1000} s (log: ${logPath})`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new RunError(`could not run the suite: ${err.message}`));
    });
    // The suite exits 1 when a check fails; the verdict comes from checks.json, not from this.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      log.end(() => resolvePromise({ code, signal, logPath }));
    });
  });
}

// The suite writes <outputDir>/server-<scenario>-<ISO timestamp>/checks.json.
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

async function readResults(outputDir) {
  const scenarios = {};
  const failures = [];
  const entries = (await readdir(outputDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const name of entries) {
    const match = RESULT_DIR.exec(name);
    if (!match) continue;
    const scenario = match[1];
    let checks;
    try {
      checks = JSON.parse(await readFile(join(outputDir, name, 'checks.json'), 'utf8'));
    } catch {
      continue; // a scenario that crashed before writing its checks
    }
    const count = (status) => checks.filter((check) => check.status === status).length;
    scenarios[scenario] = { passed: count('SUCCESS'), failed: count('FAILURE'), warnings: count('WARNING') };
    for (const check of checks) {
      if (check.status === 'FAILURE' || check.status === 'WARNING') {
        failures.push({ scenario, status: check.status, id: check.id, message: check.errorMessage ?? check.description });
      }
    }
  }
  return { scenarios, failures };
}

function report({ scenarios, failures }) {
  const names = Object.keys(scenarios).sort();
  const width = Math.max(0, ...names.map((name) => name.length));
  for (const name of names) {
    const { passed, failed, warnings } = scenarios[name];
    const verdict = failed > 0 ? 'FAIL' : 'PASS';
    const extra = warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
    console.log(`${verdict}  ${name.padEnd(width)}  ${passed}/${passed + failed} checks${extra}`);
    for (const failure of failures.filter((f) => f.scenario === name)) {
      // Messages can embed whole response bodies: keep each on one short line.
      const message = String(failure.message).replace(/\s+/g, ' ').slice(0, 300);
      console.log(`      ${failure.status === 'FAILURE' ? 'failed' : 'warning'}: ${failure.id}: ${message}`);
    }
  }
  const total = (key) => names.reduce((sum, name) => sum + scenarios[name][key], 0);
  const summary = { passed: total('passed'), failed: total('failed'), scenarios };
  console.log(
    `${names.length} scenarios: ${names.filter((n) => scenarios[n].failed === 0).length} passed, ` +
      `${names.filter((n) => scenarios[n].failed > 0).length} failed; ` +
      `checks: ${summary.passed} passed, ${summary.failed} failed, ${total('warnings')} warnings`,
  );
  console.log(JSON.stringify(summary));
  return summary;
}

async function main() {
  const options = parseOptions();
  if (options.help) {
    console.log(
      'usage: node scripts/conformance.mjs [--url URL] [--suite all|active|pending] [--scenario NAME]\n' +
        '                                    [--report-only] [--output-dir DIR] [--verbose] [--timeout SECONDS]',
    );
    return 0;
  }

  // A given --output-dir is kept for inspection; a temporary one is removed.
  const keepOutput = options['output-dir'] !== undefined;
  const outputDir = keepOutput ? resolve(options['output-dir']) : await mkdtemp(join(tmpdir(), 'caracal-conformance-'));
  if (keepOutput) await mkdir(outputDir, { recursive: true });
  else temporaryDir = outputDir;

  let server;
  try {
    let url = options.url;
    if (!url) {
      ({ url, server } = await startFixture(options.verbose));
      console.log(`fixture listening on ${url}`);
    }
    console.log(`running conformance ${options.scenario ? `scenario ${options.scenario}` : `suite "${options.suite}"`} against ${url}`);

    const run = await runSuite({ ...options, url, outputDir });
    const results = await readResults(outputDir);
    if (Object.keys(results.scenarios).length === 0) {
      const log = await readFile(run.logPath, 'utf8').catch(() => '');
      throw new RunError(`the suite produced no results (exit ${run.signal ?? run.code}):\n${log.slice(-4000)}`);
    }
    if (keepOutput) console.log(`results kept in ${outputDir}`);
    const summary = report(results);
    return options['report-only'] || summary.failed === 0 ? 0 : 1;
  } finally {
    if (server) {
      server.kill('SIGTERM');
      await new Promise((done) => (server.exitCode !== null || server.signalCode !== null ? done() : server.once('exit', done)));
    }
    if (temporaryDir) {
      await rm(temporaryDir, { recursive: true, force: true });
      temporaryDir = undefined;
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`conformance: ${err instanceof RunError ? err.message : err?.stack ?? err}`);
    process.exitCode = 2;
  },
);
