#!/usr/bin/env node
// Real-VS-Code tests: code-server (VS Code 1.100 with a Node extension host) driven by Chromium.
//   a) extension-host tests: mocha inside the extension host (test/vscode/*.test.ts -> out/test/vscode)
//   b) UI smoke: test/ui/smoke.mjs clicks through the workbench and takes screenshots
//   c) Restricted Mode: a second code-server (own port CS_PORT+1, own user-data dir) with workspace
//      trust ON and the test folder never trusted, running only test/vscode/untrusted/*.test.ts
//
// usage: node scripts/vscode-tests.mjs [--only host|ui|untrusted]
// env:   EXT_DIR          extension under test (default: the repo root); needs dist/ (npm run build) and,
//                         for the host tests, out/test/vscode/index.js (npm run compile-tests)
//        CS_PORT          code-server port on 127.0.0.1 (default 18080); the untrusted one uses CS_PORT+1
//        TEST_TIMEOUT_MS  limit for the extension-host run (default 300000)
//        UI_TIMEOUT_MS    limit for each UI wait (default 60000)
//        CODE_SERVER_DIR  code-server install (default .work/code-server; installed when missing)
//        VERBOSE=1        echo the browser console
// The extension host inherits code-server's environment, which is this process's environment
// (AWS_ENDPOINT_URL, AWS_REGION, ... from `eval "$(bash scripts/backend.sh env)"`) plus EXT_TEST_LOG.
// Exit code: 0 all passed, 1 a test failed, 2 the harness itself failed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXT_DIR = path.resolve(process.env.EXT_DIR || REPO);
const PORT = Number(process.env.CS_PORT || 18080);
const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 300000);
const CS_DIR = path.resolve(process.env.CODE_SERVER_DIR || path.join(REPO, '.work/code-server'));
const CS_BIN = path.join(CS_DIR, 'node_modules/.bin/code-server');
const STATE_ROOT = path.join(REPO, '.work');
const SHOT_DIR = path.join(REPO, 'test-results/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
// Settings that remove the welcome page, walkthroughs, chat, telemetry and update checks.
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.openRepositoryInParentFolders': 'never',
};
// The Restricted Mode instance: trust is on, nothing is trusted, and no prompt or banner asks (a
// folder opened in a fresh browser profile starts untrusted; the choice lives in the browser's storage).
const UNTRUSTED_SETTINGS = {
  ...SETTINGS,
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

/** One code-server instance: its port and its own state folder (user data, extensions, workspace). */
function instance(name, port, trusted) {
  return {
    name,
    port,
    base: `http://127.0.0.1:${port}`,
    state: path.join(STATE_ROOT, name),
    settings: trusted ? SETTINGS : UNTRUSTED_SETTINGS,
    trusted,
  };
}

const log = (...a) => console.log('[vscode-tests]', ...a);

function parseArgs(argv) {
  let only = null;
  let tests = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = argv[++i];
    else if (a.startsWith('--only=')) only = a.slice(7);
    // Another extensionTestsPath entry (relative to EXT_DIR), e.g. the activation benchmark's probe.
    else if (a === '--tests') tests = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/vscode-tests.mjs [--only host|ui|untrusted] [--tests out/path/to/entry.js]');
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (only !== null && !['host', 'ui', 'untrusted'].includes(only))
    throw new Error(`--only takes host, ui or untrusted, not ${only}`);
  // --tests names another entry for the trusted host run (e.g. the activation benchmark's probe)
  const all = only === null && tests === null;
  return {
    host: all || only === 'host',
    ui: all || only === 'ui',
    untrusted: all || only === 'untrusted',
    tests: tests ?? 'out/test/vscode/index.js',
  };
}

// ---- processes this script started, stopped on every way out -------------------------------------
let server = null; // { pid, exited: Promise }
const browsers = new Set();
let cleaning = null;

async function stopServer() {
  if (!server) return;
  const { pid, exited } = server;
  server = null;
  const alive = () => {
    try {
      process.kill(-pid, 0); // any process left in code-server's process group (extension hosts, ...)?
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + 10000;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) {
    log(`code-server (process group ${pid}) did not stop on SIGTERM; sending SIGKILL`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await Promise.race([exited, sleep(2000)]);
  log(`code-server stopped in ${Date.now() - deadline + 10000} ms`);
}

async function cleanup() {
  if (!cleaning) {
    cleaning = (async () => {
      for (const b of browsers) await b.close().catch(() => {});
      browsers.clear();
      await stopServer();
    })();
  }
  return cleaning;
}

// last resort (e.g. an uncaught exception): never leave the server running
process.on('exit', () => {
  if (server) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    log(`${sig}: stopping code-server and Chromium`);
    await cleanup();
    process.exit(130);
  });
}

async function launchBrowser(profileDir, st) {
  fs.rmSync(profileDir, { recursive: true, force: true });
  fs.mkdirSync(profileDir, { recursive: true });
  const ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: st.xdg }, // Chromium's crash-report dir: not in ~/.config
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
    // signals are handled below (Playwright's own handlers would exit before code-server is stopped)
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  browsers.add(ctx);
  ctx.on('close', () => browsers.delete(ctx));
  return ctx;
}

// ---- code-server --------------------------------------------------------------------------------
function ensureCodeServer() {
  if (fs.existsSync(CS_BIN)) return;
  log(`code-server not found at ${CS_BIN}; running scripts/install-code-server.sh`);
  const r = spawnSync('bash', [path.join(REPO, 'scripts/install-code-server.sh')], {
    stdio: 'inherit',
    env: { ...process.env, CODE_SERVER_DIR: CS_DIR },
  });
  if (r.status !== 0) throw new Error('installing code-server failed');
}

async function healthy(base) {
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}

function prepareState(inst) {
  const STATE = inst.state;
  fs.rmSync(STATE, { recursive: true, force: true });
  const dirs = { ud: 'user-data', exts: 'extensions', ws: 'workspace', xdg: 'xdg', data: 'xdg-data' };
  for (const k of Object.keys(dirs)) fs.mkdirSync((dirs[k] = path.join(STATE, dirs[k])), { recursive: true });
  fs.mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
  // optional extra settings for the extension under test
  let extra = {};
  const extraFile = path.join(EXT_DIR, 'test/fixtures/settings.json');
  if (fs.existsSync(extraFile)) extra = JSON.parse(fs.readFileSync(extraFile, 'utf8'));
  fs.writeFileSync(path.join(dirs.ud, 'User/settings.json'), JSON.stringify({ ...inst.settings, ...extra }, null, 2));
  const fixture = path.join(EXT_DIR, 'test/fixtures/workspace');
  if (fs.existsSync(fixture)) fs.cpSync(fixture, dirs.ws, { recursive: true });
  return {
    ...dirs,
    ...inst,
    extTestLog: path.join(STATE, 'ext-test-output.txt'),
    csLog: path.join(STATE, 'code-server.log'),
  };
}

async function startServer(st) {
  if (await healthy(st.base)) throw new Error(`something already answers on ${st.base}; stop it or set CS_PORT`);
  const env = { ...process.env, EXT_TEST_LOG: st.extTestLog, XDG_CONFIG_HOME: st.xdg, XDG_DATA_HOME: st.data };
  // a VS Code terminal's variables would point the server at another instance
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_')) delete env[k];
  const out = fs.openSync(st.csLog, 'w');
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${st.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    // without it the workbench applies security.workspace.trust.* from the settings
    ...(st.trusted ? ['--disable-workspace-trust'] : []),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    st.ud,
    '--extensions-dir',
    st.exts,
    st.ws,
  ];
  const t0 = Date.now();
  // detached: own process group, so the server and its extension hosts are stopped together
  const child = spawn(CS_BIN, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exitInfo = null;
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    }),
  );
  server = { pid: child.pid, exited };
  while (!(await healthy(st.base))) {
    if (exitInfo) {
      server = null;
      throw new Error(`code-server exited (${JSON.stringify(exitInfo)}) before answering; see ${st.csLog}`);
    }
    if (Date.now() - t0 > 60000) throw new Error(`code-server did not answer /healthz within 60 s; see ${st.csLog}`);
    await sleep(100);
  }
  log(`code-server ${st.base} (${st.name}, pid ${child.pid}) up in ${Date.now() - t0} ms; log ${st.csLog}`);
}

// ---- a) extension-host tests --------------------------------------------------------------------
const remote = (st, p) => `vscode-remote://127.0.0.1:${st.port}${p}`;

async function runHostTests(st, tests) {
  const testsPath = path.resolve(EXT_DIR, tests);
  if (!fs.existsSync(testsPath)) {
    console.log(`FAIL extension-host tests: ${testsPath} is missing (run: npm run compile-tests)`);
    return { passed: 0, failed: 1 };
  }
  const t0 = Date.now();
  const ctx = await launchBrowser(path.join(st.state, 'chromium-host'), st);
  const page = ctx.pages()[0] || (await ctx.newPage());
  let done;
  const exited = new Promise((r) => (done = r));
  // the workbench calls window.codeAutomationExit(code) when the test module's run() settles
  await page.exposeFunction('codeAutomationExit', (code) => done(code));
  const errors = [];
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error') errors.push(t);
    if (process.env.VERBOSE) console.log('[browser]', t.replace(/%c/g, '').replace(/\s*color: [^ ]+ ?/g, ' '));
  });
  const payload = [
    ['extensionDevelopmentPath', remote(st, EXT_DIR)],
    ['extensionTestsPath', remote(st, testsPath)],
  ];
  const url = `${st.base}/?folder=${encodeURIComponent(st.ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(`extension-host tests (${st.name}): ${path.relative(REPO, testsPath) || testsPath}`);
  await page.goto(url);
  let timer;
  const code = await Promise.race([
    exited,
    new Promise((r) => (timer = setTimeout(() => r('timeout'), TEST_TIMEOUT_MS))),
    server.exited.then(() => 'code-server exited'),
  ]);
  clearTimeout(timer);
  await ctx.close().catch(() => {});

  const report = fs.existsSync(st.extTestLog) ? fs.readFileSync(st.extTestLog, 'utf8') : '';
  console.log(`---- extension-host test report (${st.name}) ----`);
  process.stdout.write(report ? (report.endsWith('\n') ? report : report + '\n') : '(no report written)\n');
  console.log('------------------------------------');
  const m = report.match(/^(\d+) passed, (\d+) failed\s*$/m);
  let passed = m ? Number(m[1]) : 0;
  let failed = m ? Number(m[2]) : 0;
  if (code !== 0 && failed === 0) failed = 1; // crashed, timed out, or no summary line
  if (m && passed === 0 && failed === 0) {
    // e.g. an EXT_TEST_GREP that matches none of this run's tests: nothing was checked
    console.log('FAIL extension-host run had no tests to run');
    failed = 1;
  }
  if (code === 'timeout') console.log(`FAIL extension-host tests did not finish within ${TEST_TIMEOUT_MS} ms`);
  else if (code !== 0 && !m) console.log(`FAIL extension-host run ended with ${code} and no summary`);
  const noise = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|Failed to load resource|test\(s\) failed/;
  const relevant = errors.filter((e) => !noise.test(e));
  if (code !== 0 && !m && relevant.length) {
    console.log('browser console errors (last 10):');
    for (const e of relevant.slice(-10)) console.log('  ' + e.slice(0, 400));
  }
  log(`extension-host tests: exit ${code} after ${Date.now() - t0} ms: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

// ---- main ---------------------------------------------------------------------------------------
async function main() {
  const parts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const pkgJson = path.join(EXT_DIR, 'package.json');
  if (!fs.existsSync(pkgJson)) throw new Error(`${pkgJson} not found (EXT_DIR=${EXT_DIR})`);
  const main = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).main;
  if (main && !fs.existsSync(path.resolve(EXT_DIR, main)) && !fs.existsSync(path.resolve(EXT_DIR, main + '.js')))
    throw new Error(`${path.resolve(EXT_DIR, main)} is missing (run: npm run build)`);
  if (!process.env.AWS_ENDPOINT_URL)
    log('note: AWS_ENDPOINT_URL is not set (eval "$(bash scripts/backend.sh env)" to use the local backend)');
  ensureCodeServer();

  const totals = { passed: 0, failed: 0 };
  const add = (r) => {
    totals.passed += r.passed;
    totals.failed += r.failed;
  };
  if (parts.host || parts.ui) {
    const st = prepareState(instance('vscode-state', PORT, true));
    await startServer(st);
    if (parts.host) add(await runHostTests(st, parts.tests));
    if (parts.ui) {
      const { runSmoke } = await import(pathToFileURL(path.join(REPO, 'test/ui/smoke.mjs')).href);
      add(
        await runSmoke({
          baseUrl: st.base,
          extDir: EXT_DIR,
          folder: st.ws,
          shotDir: SHOT_DIR,
          launch: () => launchBrowser(path.join(st.state, 'chromium-ui'), st),
        }),
      );
    }
    await cleanup();
    cleaning = null;
  }
  if (parts.untrusted) {
    const st = prepareState(instance('vscode-state-untrusted', PORT + 1, false));
    await startServer(st);
    add(await runHostTests(st, 'out/test/vscode/untrusted/index.js'));
    await cleanup();
    cleaning = null;
  }
  await cleanup();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  return totals.failed ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e) => {
    console.error('[vscode-tests] HARNESS FAILED:', e && e.message ? e.message : e);
    await cleanup();
    console.log('0 passed, 1 failed');
    process.exit(2);
  });
