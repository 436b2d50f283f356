// The real-browser test of qoltanba as NCALayer (docs/ncalayer.md, "Trust"):
// headless Chromium (Debian's), whose only trust in qoltanba's local CA comes
// from `qoltanba layer trust` writing $HOME/.pki/nssdb (never
// --ignore-certificate-errors), loads a page over loopback HTTPS from a
// second origin (https://localhost:PORT, put on the layer's allow-list) that
// signs through `qoltanba layer serve` with the unchanged npm client
// ncalayer-js-client: with an RSA key file, the simulator ID card and the
// desktop keystore. The citizen's answers are typed on serve's terminal
// through the suite's harness (../harness.js). The signatures come back to
// Node and are verified by `openssl cms -verify` and `xmlsec1 --verify`
// against the reference RA's CAs.
//
// And the other way round: with a HOME whose NSS database does not trust the
// CA, the page does not load and a page's WebSocket to the layer does not
// open (nothing is asked on the terminal).
//
// Run by scripts/ncalayer-browser-test.sh (which installs Chromium,
// libnss3-tools and the pinned npm packages into tests/ncalayer/node_modules,
// and builds the binaries).
// Environment:
//   QOLTANBA_BIN_DIR       the binaries (harness.js; default target/debug)
//   QOLTANBA_NCALAYER_WORK a work directory prepared by the harness (reused)
//   CHROMIUM               the browser (default /usr/bin/chromium)
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const h = require('../harness');

const puppeteer = require('puppeteer-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CLIENT_JS = require.resolve('ncalayer-js-client');
const STEP_TIMEOUT_MS = 60_000;
const PICK = /Sign with which key\? Number \(1-\d+\)[^:]*: /;
const PASSWORD_PROMPT = "The key files' password: ";
const DOCUMENT = Buffer.from('Құжат: the document a portal asks to sign\n', 'utf8');
const XML = '<?xml version="1.0" encoding="UTF-8"?><application><iin>900101300001</iin><text>Өтініш</text></application>';

function log(line) {
  process.stdout.write(`browser: ${line}\n`);
}

// The static pages: page.html, page.js and the npm client, nothing else.
function pageHandler(req, res) {
  const files = {
    '/': [path.join(__dirname, 'page.html'), 'text/html; charset=utf-8'],
    '/page.js': [path.join(__dirname, 'page.js'), 'text/javascript; charset=utf-8'],
    '/ncalayer-client.js': [CLIENT_JS, 'text/javascript; charset=utf-8'],
  };
  const file = files[new URL(req.url, 'http://x').pathname];
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': file[1] }).end(fs.readFileSync(file[0]));
}

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, 'localhost', () => resolve(server.address().port));
  });
}

async function launch(home, profile) {
  const args = [`--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check'];
  // Chromium's sandbox needs user namespaces, which a root CI container lacks.
  if (process.getuid && process.getuid() === 0) {
    args.push('--no-sandbox');
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args,
    // Chromium reads $HOME/.pki/nssdb: this HOME is the whole of its trust
    // in qoltanba's CA.
    env: { ...process.env, HOME: home },
    acceptInsecureCerts: false,
  });
}

// The RA's root and issuing CAs, PEM, for openssl and xmlsec1.
function caFiles(work) {
  const dir = path.join(work, 'ra', 'ca');
  const pemOf = (f) => execFileSync('openssl', ['x509', '-inform', 'DER', '-in', path.join(dir, f)], { encoding: 'utf8' });
  const out = fs.mkdtempSync(path.join(work, 'browser-ca-'));
  const cers = fs.readdirSync(dir).filter((f) => f.endsWith('.cer'));
  const bundle = path.join(out, 'bundle.pem');
  fs.writeFileSync(bundle, cers.map(pemOf).join(''));
  const each = {};
  for (const f of cers) {
    each[f] = path.join(out, f.replace(/\.cer$/, '.pem'));
    fs.writeFileSync(each[f], pemOf(f));
  }
  return { bundle, each, dir: out };
}

// `openssl cms -verify` of what the page got back: bare Base64 DER
// (commonUtils) or PEM "-----BEGIN CMS-----" (basics, as the real NCALayer
// answers); the signed content must be the page's document.
function verifyCms(dir, name, signature, ca, { detached }) {
  const sig = path.join(dir, `${name}.p7s`);
  const pem = signature.startsWith('-----BEGIN CMS-----');
  fs.writeFileSync(sig, pem ? signature : Buffer.from(signature, 'base64'));
  const args = ['cms', '-verify', '-binary', '-inform', pem ? 'PEM' : 'DER', '-in', sig, '-CAfile', ca, '-purpose', 'any'];
  if (detached) {
    const content = path.join(dir, `${name}.data`);
    fs.writeFileSync(content, DOCUMENT);
    args.push('-content', content);
  }
  const out = execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(out, DOCUMENT, `${name}: the signed content is the page's document`);
  log(`${name}: openssl cms -verify: Verification successful`);
}

function verifyXml(dir, name, signed, cas, issuing) {
  assert.match(signed, /<ds:Signature/);
  const file = path.join(dir, `${name}.xml`);
  fs.writeFileSync(file, signed);
  execFileSync('xmlsec1', ['--verify', '--trusted-pem', cas.each['root.cer'], '--untrusted-pem', cas.each[issuing], file],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  log(`${name}: xmlsec1 --verify: OK`);
}

// One request from the page: started in the page, answered on the layer's
// terminal by `answers` (as the citizen types), its outcome back in Node.
async function request(page, layer, name, method, args, answers) {
  await page.evaluate((n, m, a) => window.startRequest(n, m, a), name, method, args);
  await answers(layer);
  const result = await page.evaluate((n) => window.requestOutcome(n), name);
  assert.equal(result.ok, true, `${name}: ${JSON.stringify(result)}`);
  return result.value;
}

async function withLayer(work, args, page, origin, body) {
  const layer = await h.startLayer({ work, args });
  try {
    const greeting = await page.evaluate((url) => window.connectLayer(url), layer.url);
    assert.deepEqual(greeting, { ok: true, value: '1.4' }, JSON.stringify(greeting));
    await body(layer);
    // Every request was shown with the page's origin, which is allowed.
    assert.ok(layer.output().includes(origin), layer.output());
    assert.ok(!/not on the allow-list|unknown site/i.test(layer.output()), layer.output());
  } finally {
    await page.evaluate(() => window.layer && window.layer.wsConnection && window.layer.wsConnection.close());
    await layer.stop();
  }
  const fx = h.fixtures(work);
  assert.ok(!layer.output().includes(fx.password), 'the password never shows on the terminal');
  assert.ok(!layer.output().includes(fx.pin), 'the PIN never shows on the terminal');
}

async function main() {
  const work = process.env.QOLTANBA_NCALAYER_WORK || fs.mkdtempSync(path.join(os.tmpdir(), 'qoltanba-ncalayer-'));
  const fx = fs.existsSync(path.join(work, 'fixtures.json')) ? h.fixtures(work) : await h.prepare(work);
  const { qoltanba } = h.binaries();
  const scratch = fs.mkdtempSync(path.join(work, 'browser-'));
  const cas = caFiles(work);
  const cleanups = [];
  let origin = null;
  try {
    // A HOME of its own for the browser, trusting the layer's CA through
    // `qoltanba layer trust` (which makes the CA on first use).
    const home = path.join(scratch, 'home');
    fs.mkdirSync(home);
    const env = { ...process.env, HOME: home, QOLTANBA_LANG: 'en' };
    const trusted = execFileSync(qoltanba, ['layer', '--home', fx.layerHome, 'trust'], { env, encoding: 'utf8' });
    log(trusted.split('\n')[0]);

    // The page's origin: HTTPS on localhost with the layer's own server
    // certificate (it names localhost): a second origin on this computer.
    const current = path.join(fx.layerHome, 'current');
    const pages = https.createServer({
      cert: fs.readFileSync(path.join(current, 'server.pem')),
      key: fs.readFileSync(path.join(current, 'server-key.pem')),
    }, pageHandler);
    origin = `https://localhost:${await listen(pages)}`;
    cleanups.push(() => pages.close());
    execFileSync(qoltanba, ['layer', '--home', fx.layerHome, 'allow', origin], { env });

    const browser = await launch(home, path.join(scratch, 'profile'));
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const response = await page.goto(`${origin}/`);
    assert.equal(response.status(), 200);
    log(`the page ${origin} loaded over HTTPS`);
    const b64 = DOCUMENT.toString('base64');
    const withPassword = async (layer) => {
      await layer.answer(PICK, '1');
      await layer.answer(PASSWORD_PROMPT, fx.password);
    };

    // A key file (RSA): commonUtils CMS, basics CMS, signXml.
    await withLayer(work, ['--key-file', fx.keyFiles.rsa.sign], page, origin, async (layer) => {
      const attached = await request(page, layer, 'key file: createCMSSignatureFromBase64', 'createCMSSignatureFromBase64',
        ['PKCS12', b64, 'SIGNATURE', true], withPassword);
      verifyCms(scratch, 'keyfile-cms', attached, cas.bundle, { detached: false });
      const basics = await request(page, layer, 'key file: basicsSignCMS', 'basicsSignCMS',
        ['!!basicsStorageAll', b64, '!!basicsCMSParamsDetached', '!!basicsSignerSignAny', 'en'], withPassword);
      verifyCms(scratch, 'keyfile-basics', Array.isArray(basics) ? basics[0] : basics, cas.bundle, { detached: true });
      const xml = await request(page, layer, 'key file: signXml', 'signXml',
        ['PKCS12', XML, 'SIGNATURE', '', ''], withPassword);
      verifyXml(scratch, 'keyfile-signxml', xml, cas, 'rsa.cer');
    });

    // The simulator ID card (ECDSA P-256): CAN and PIN asked by qoltanba.
    await withLayer(work, ['--simulator', fx.card], page, origin, async (layer) => {
      const cms = await request(page, layer, 'ID card: createCMSSignatureFromBase64', 'createCMSSignatureFromBase64',
        ['AKKZIDCardStore', b64, 'SIGNATURE', true], async (l) => {
          await l.answer(PICK, '1');
          await l.answer(/CAN[^\n]*: /, fx.can);
          await l.answer(/PIN: /, fx.pin);
        });
      verifyCms(scratch, 'card-cms', cms, cas.bundle, { detached: false });
    });

    // The desktop keystore (offered as PKCS12; its keys need no password).
    await withLayer(work, ['--keystore', fx.keystore], page, origin, async (layer) => {
      const cms = await request(page, layer, 'keystore: createCMSSignatureFromBase64', 'createCMSSignatureFromBase64',
        ['PKCS12', b64, 'SIGNATURE', true], (l) => l.answer(PICK, '1'));
      verifyCms(scratch, 'keystore-cms', cms, cas.bundle, { detached: false });
    });
    await browser.close();
    cleanups.pop();

    // Without trust: a HOME whose NSS database has never heard of the CA.
    const stranger = path.join(scratch, 'stranger');
    fs.mkdirSync(stranger);
    const untrusting = await launch(stranger, path.join(scratch, 'profile-untrusting'));
    cleanups.push(() => untrusting.close());
    const page2 = await untrusting.newPage();
    page2.setDefaultTimeout(STEP_TIMEOUT_MS);
    await assert.rejects(page2.goto(`${origin}/`), /ERR_CERT_AUTHORITY_INVALID/);
    log('without trust: the https page is refused (ERR_CERT_AUTHORITY_INVALID)');
    // A plain-HTTP page of this computer cannot open the layer's WebSocket
    // either: the browser refuses the layer's certificate.
    const plain = http.createServer(pageHandler);
    const plainPort = await listen(plain);
    cleanups.push(() => plain.close());
    await page2.goto(`http://localhost:${plainPort}/`);
    const layer = await h.startLayer({ work, args: ['--key-file', fx.keyFiles.rsa.sign] });
    cleanups.push(() => layer.stop());
    const fate = await page2.evaluate((url) => window.tryWebSocket(url), layer.url);
    assert.equal(fate, 'error');
    assert.ok(!PICK.test(layer.output()), 'nothing was asked for an untrusting browser');
    log('without trust: the page\'s WebSocket to the layer does not open');
    log('ok');
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        // eslint-disable-next-line no-await-in-loop
        await cleanup();
      } catch (e) {
        /* already gone */
      }
    }
    // Only what this test made; a prepared work directory stays.
    if (origin) {
      execFileSync(qoltanba, ['layer', '--home', fx.layerHome, 'disallow', origin], { stdio: 'ignore' });
    }
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(cas.dir, { recursive: true, force: true });
    if (!process.env.QOLTANBA_NCALAYER_WORK) {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`browser: FAILED: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
