// The harness of the Node suite (and of the browser test beside it): test
// citizens made by the reference RA, `qoltanba layer serve` in a pseudo-
// terminal (util-linux `script`) answered as a citizen answers it, and
// ncalayer-js-client connected to it. Node trusts the layer's local CA
// through NODE_EXTRA_CA_CERTS, which run.js sets before the suite starts.
//
// Stable interface (the browser test uses it):
//   binaries()                          -> {qoltanba, ra, cardSim}
//   prepare(work)                       -> fixtures (writes work/fixtures.json)
//   fixtures(work)                      -> what prepare wrote
//   startLayer({work, args, env})       -> Layer
//     layer.port, layer.url, layer.caPath, layer.output()
//     layer.answer(pattern, text)       waits for pattern in the terminal, types text + Enter
//     layer.waitFor(pattern)            waits for pattern in the terminal
//     layer.type(text)                  types text + Enter at once
//     layer.stop()
//   connect(layer, {origin})            -> a connected NCALayerClient
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const PASSWORD = 'Curr3ntPass';
const PIN = '123456';
const CAN = '654321';
const RA_PASSPHRASE = 'Operat0rPass';

function binaries() {
  const dir = process.env.QOLTANBA_BIN_DIR || path.join(ROOT, 'target', 'debug');
  const bin = (name) => {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) {
      throw new Error(`${p} is missing: cargo build -p qoltanba-cli -p qoltanba-ra -p qoltanba-card-sim (or set QOLTANBA_BIN_DIR)`);
    }
    return p;
  };
  return { qoltanba: bin('qoltanba'), ra: bin('qoltanba-ra'), cardSim: bin('qoltanba-card-sim') };
}

function run(binary, args, env = {}) {
  return execFileSync(binary, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// An IIN with a valid control digit (the test kit's citizen::iin, in JS).
function iin(seq) {
  for (let k = 0; ; k += 1) {
    const eleven = `9001013${String((seq + k * 7919) % 10000).padStart(4, '0')}`;
    const d = [...eleven].map(Number);
    const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let c = d.reduce((s, x, i) => s + x * w1[i], 0) % 11;
    if (c === 10) c = d.reduce((s, x, i) => s + x * w2[i], 0) % 11;
    if (c !== 10) return eleven + c;
  }
}

async function prepare(work) {
  const bins = binaries();
  fs.mkdirSync(work, { recursive: true });
  const file = (name, text) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const pass = file('ra.pass', RA_PASSPHRASE);
  const pw = file('key.pw', PASSWORD);
  const pinFile = file('card.pin', PIN);
  const canFile = file('card.can', CAN);
  const pukFile = file('card.puk', '12345678');
  const ra = path.join(work, 'ra');
  run(bins.ra, ['init', '--dir', ra, '--listen', `127.0.0.1:${await freePort()}`, '--passphrase-file', pass, '--key-file-profile', 'nca']);
  const enroll = (seq, algorithm, extra) => JSON.parse(run(bins.ra, [
    'enroll', '--dir', ra, '--iin', iin(seq), '--surname', 'ТЕСТОВ', '--name', 'ТЕСТ',
    '--phone', '+77011234567', '--email', 't@example.kz', '--algorithm', algorithm,
    '--passphrase-file', pass, '--out', path.join(work, `keys-${seq}`), ...extra,
  ]));
  const keyFiles = {};
  for (const [seq, algorithm] of [[1, 'rsa'], [2, 'p256'], [3, 'gost2015']]) {
    const printed = enroll(seq, algorithm, ['--password-file', pw]);
    const files = printed.keys.map((k) => k.file);
    keyFiles[algorithm] = {
      sign: files.find((f) => /RSA_|GOST512_|SIGN|sign/.test(path.basename(f)) && !/AUTH/.test(path.basename(f))) || files[1],
      auth: files.find((f) => /AUTH/.test(path.basename(f))) || files[0],
      all: files,
    };
  }
  const card = path.join(work, 'card.sim');
  run(bins.cardSim, ['new', '--profile', 'ref', '--pin-file', pinFile, '--can-file', canFile, '--puk-file', pukFile, card]);
  enroll(4, 'p256', ['--card-simulator', card, '--card-pin-file', pinFile, '--can-file', canFile]);
  const keystore = await renewIntoKeystore(bins, work, ra, pass, pw, enroll(5, 'p256', ['--password-file', pw]));
  const fixtures = {
    keystore,
    work, password: PASSWORD, pin: PIN, can: CAN, keyFiles, card,
    caCerts: [path.join(ra, 'ca')],
    layerHome: path.join(work, 'layer'),
  };
  fs.writeFileSync(path.join(work, 'fixtures.json'), JSON.stringify(fixtures, null, 2));
  return fixtures;
}

// The desktop keystore with certified keys in it: a renewal of citizen 5's
// key files into it against the RA (`qoltanba renew --keystore`), the
// one-time code read from the RA's outbox.
async function renewIntoKeystore(bins, work, ra, pass, pw, enrolled) {
  const keystore = path.join(work, 'keystore');
  const db = path.join(work, 'renewal.db');
  const serve = spawn(bins.ra, ['serve', '--stop-on-stdin-eof', '--dir', ra, '--passphrase-file', pass], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      serve.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (\S+)/);
        if (m) resolve(m[1]);
      });
      serve.once('exit', (code) => reject(new Error(`qoltanba-ra serve exited with ${code}`)));
    });
    const renew = (extra) => {
      const args = ['--json', 'renew', '--confirm', '--server', url, '--ca-cert', path.join(ra, 'tls', 'ca.pem'), '--password-file', pw, ...extra];
      try {
        return { code: 0, out: run(bins.qoltanba, args, { QOLTANBA_DB: db, HOME: work }) };
      } catch (e) {
        return { code: e.status, out: e.stdout };
      }
    };
    const started = renew(['--keystore', keystore, '--keys', ...enrolled.keys.map((k) => k.file)]);
    if (started.code !== 4) throw new Error(`the renewal did not ask for the code: ${started.out}`);
    const number = JSON.parse(started.out).needs_code;
    const code = execFileSync('python3', ['-c', `
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ? ORDER BY id DESC LIMIT 1",
    ("qoltanba: application %s,%%" % sys.argv[2],)).fetchone()
print(row[0].rsplit(' ', 1)[1])`, path.join(ra, 'ra.db'), String(number)], { encoding: 'utf8' }).trim();
    const done = renew(['--resume', '--code', code]);
    if (done.code !== 0) throw new Error(`the renewal did not finish: ${done.out}`);
    return keystore;
  } finally {
    serve.stdin.end();
  }
}

// A real RFC 3161 TSA on loopback: `openssl ts -reply` behind the test
// kit's testkit/peers/tsa_peer.py, its CA and TSA certificate made here with
// the openssl binary (as testkit::tsa makes them). {url(mode), caPem, stop()}.
async function startTsa(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key');
  ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/C=KZ/CN=TEST TSA ROOT', '-days', '30', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'tsa.key');
  fs.writeFileSync(path.join(dir, 'tsa.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n');
  ssl('req', '-new', '-key', 'tsa.key', '-subj', '/C=KZ/CN=TEST TSA', '-out', 'tsa.csr');
  ssl('x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-days', '10', '-set_serial', '77', '-extfile', 'tsa.ext', '-out', 'tsa.pem');
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const section = (name, digests) => `[ ${name} ]\nserial = ${dir}/serial\ncrypto_device = builtin\n`
    + `signer_cert = ${dir}/tsa.pem\nsigner_key = ${dir}/tsa.key\nsigner_digest = sha256\n`
    + `default_policy = 1.2.3.4.1\ndigests = ${digests}\naccuracy = secs:1, millisecs:500\nordering = yes\n`
    + 'tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n\n';
  fs.writeFileSync(path.join(dir, 'tsa.cnf'), section('tsa_ok', 'sha256, sha512') + section('tsa_reject', 'sha384'));
  const child = spawn('python3', [path.join(ROOT, 'testkit', 'peers', 'tsa_peer.py'), path.join(dir, 'tsa.cnf')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/^(\d+)\n/); if (m) resolve(m[1]); });
    child.once('exit', (code) => reject(new Error(`tsa_peer.py exited with ${code}`)));
  });
  return {
    url: (mode = 'ok') => `http://127.0.0.1:${port}/${mode}`,
    caPem: path.join(dir, 'ca.pem'),
    stop: () => child.kill(),
  };
}

function fixtures(work) {
  return JSON.parse(fs.readFileSync(path.join(work, 'fixtures.json'), 'utf8'));
}

async function waitForPort(port, child, deadline) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qoltanba layer serve exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

class Layer {
  constructor(child, port, home) {
    this.child = child;
    this.port = port;
    this.url = `wss://127.0.0.1:${port}`;
    this.caPath = null;
    this.home = home;
    this.text = '';
    this.consumed = 0;
    this.waiters = [];
    child.stdout.on('data', (d) => { this.text += d.toString('utf8'); this.poke(); });
    child.stderr.on('data', (d) => { this.text += d.toString('utf8'); this.poke(); });
  }

  output() { return this.text; }

  poke() { for (const w of this.waiters.slice()) w(); }

  // Wait until `pattern` appears in the terminal after what earlier waits consumed.
  waitFor(pattern, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const rest = this.text.slice(this.consumed);
        const m = typeof pattern === 'string' ? (rest.includes(pattern) ? [pattern] : null) : rest.match(pattern);
        if (m) {
          this.consumed += rest.indexOf(m[0]) + m[0].length;
          this.waiters = this.waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`the terminal never showed ${pattern}; it shows:\n${this.text.slice(this.consumed)}`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  // Type text + Enter now, whatever the terminal shows (a line typed ahead).
  type(text) {
    this.child.stdin.write(`${text}\r`);
  }

  // Answer a prompt as the citizen types it.
  async answer(pattern, text) {
    await this.waitFor(pattern);
    // A secret prompt prints its question first and turns the echo off
    // right after; a person never types within that instant, a test must wait.
    await new Promise((r) => setTimeout(r, 150));
    this.child.stdin.write(`${text}\r`);
  }

  // SIGTERM to the pseudo-terminal's whole process group (script and
  // qoltanba), SIGKILL if it is still there after 5 s: a failed test never
  // leaves a server behind or hangs the suite.
  stop() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) { resolve(); return; }
      const group = (signal) => { try { process.kill(-this.child.pid, signal); } catch (e) { /* gone */ } };
      const timer = setTimeout(() => group('SIGKILL'), 5000);
      this.child.once('exit', () => { clearTimeout(timer); resolve(); });
      group('SIGTERM');
    });
  }
}

// `qoltanba layer serve ARGS` in a pseudo-terminal, on a free port.
async function startLayer({ work, args = [], env = {} }) {
  const bins = binaries();
  const fx = fixtures(work);
  const port = await freePort();
  const quote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
  const command = [bins.qoltanba, '--json', 'layer', '--home', fx.layerHome, 'serve', '--listen', `127.0.0.1:${port}`, ...args]
    .map(quote).join(' ');
  const childEnv = {
    ...process.env,
    QOLTANBA_LANG: 'en',
    QOLTANBA_DB: path.join(work, 'device.db'),
    HOME: work,
    ...env,
  };
  // Secrets come from the prompt only, as the citizen types them.
  for (const name of ['QOLTANBA_PASSWORD', 'QOLTANBA_PIN', 'QOLTANBA_CAN', 'QOLTANBA_TOKEN_PIN']) delete childEnv[name];
  // A process group of its own, so that stop() reaches qoltanba too.
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const layer = new Layer(child, port, fx.layerHome);
  await waitForPort(port, child, Date.now() + 60000);
  // `--json` prints where the local CA is once it listens.
  const [, ca] = await layer.waitFor(/"ca":\s*"([^"]+)"/);
  layer.caPath = ca;
  return layer;
}

// A connected ncalayer-js-client; `origin` is sent as a browser sends it.
async function connect(layer, { origin } = {}) {
  const WS = require('ws');
  const withOrigin = class extends WS {
    constructor(url) { super(url, origin ? { origin } : {}); }
  };
  // ncalayer-client.js takes the global WebSocket when there is one.
  global.WebSocket = withOrigin;
  delete require.cache[require.resolve('ncalayer-js-client')];
  const { NCALayerClient } = require('ncalayer-js-client');
  const client = new NCALayerClient(layer.url, false);
  await client.connect();
  return client;
}

module.exports = { binaries, prepare, fixtures, startLayer, connect, startTsa, iin, PASSWORD, PIN, CAN };
