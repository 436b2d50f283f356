// ncalayer-js-client 1.5.6 (from npm) drives `qoltanba layer serve` over
// wss through its methods, answered on the serve's terminal as a citizen
// answers; the CMS signatures verified by `openssl cms -verify` (RSA,
// ECDSA) and by qoltanba's verifier (GOST). Run through run.js (npm test).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness');

const work = process.env.QOLTANBA_NCALAYER_WORK;
if (!work) throw new Error('run the suite through run.js (npm test): it prepares the keys and the CA');
const fx = h.fixtures(work);
const PORTAL = 'https://egov.kz';
const DOCUMENT = Buffer.from('Өтініш: 2024 жылғы шарт\n', 'utf8');

// The RA's root and issuing CAs as one PEM bundle for openssl.
const bundle = path.join(work, 'ca-bundle.pem');
fs.writeFileSync(bundle, fs.readdirSync(path.join(work, 'ra', 'ca'))
  .filter((f) => f.endsWith('.cer'))
  .map((f) => execFileSync('openssl', ['x509', '-inform', 'DER', '-in', path.join(work, 'ra', 'ca', f)], { encoding: 'utf8' }))
  .join(''));

function opensslVerify(cmsDer, content) {
  const dir = fs.mkdtempSync(path.join(work, 'v-'));
  const p7 = path.join(dir, 'sig.p7s');
  fs.writeFileSync(p7, cmsDer);
  const args = ['cms', '-verify', '-inform', 'DER', '-in', p7, '-CAfile', bundle, '-purpose', 'any', '-out', path.join(dir, 'out')];
  if (content) {
    fs.writeFileSync(path.join(dir, 'doc'), content);
    args.push('-content', path.join(dir, 'doc'), '-binary');
  }
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return fs.readFileSync(path.join(dir, 'out'));
}

function qoltanbaVerify(cmsDer, content) {
  const dir = fs.mkdtempSync(path.join(work, 'q-'));
  const p7 = path.join(dir, 'sig.p7s');
  fs.writeFileSync(p7, cmsDer);
  const args = ['--json', 'cabinet', 'verify', '--in', p7];
  if (content) { fs.writeFileSync(path.join(dir, 'doc'), content); args.push('--content', path.join(dir, 'doc')); }
  for (const f of fs.readdirSync(path.join(work, 'ra', 'ca')).filter((x) => x.endsWith('.cer'))) {
    args.push('--root', path.join(work, 'ra', 'ca', f));
  }
  return JSON.parse(execFileSync(h.binaries().qoltanba, args, { env: { ...process.env, QOLTANBA_DB: path.join(dir, 'db') }, encoding: 'utf8' }));
}

function pemOf(derFile) {
  return execFileSync('openssl', ['x509', '-inform', 'DER', '-in', derFile], { encoding: 'utf8' });
}

// xmlsec1 checks an XML signature against the RA's root and issuing CAs.
function xmlsecVerify(xml, issuing) {
  const dir = fs.mkdtempSync(path.join(work, 'x-'));
  fs.writeFileSync(path.join(dir, 'root.pem'), pemOf(path.join(work, 'ra', 'ca', 'root.cer')));
  fs.writeFileSync(path.join(dir, 'issuing.pem'), pemOf(path.join(work, 'ra', 'ca', issuing)));
  fs.writeFileSync(path.join(dir, 'signed.xml'), xml);
  execFileSync('xmlsec1', ['--verify', '--trusted-pem', 'root.pem', '--untrusted-pem', 'issuing.pem', 'signed.xml'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

const pem = (text) => Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

async function withLayer(args, body) {
  const layer = await h.startLayer({ work, args });
  try {
    await body(layer);
  } finally {
    await layer.stop();
  }
  assert.ok(!layer.output().includes(fx.password), 'the password never shows on the terminal');
  assert.ok(!layer.output().includes(fx.pin), 'the PIN never shows on the terminal');
  return layer;
}

const PICK = /Sign with which key\? Number \(1-\d+\)[^:]*: /;

test('connect: the greeting, and not KAZTOKEN', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    assert.equal(client.isKmd, false);
    assert.deepEqual(await client.getActiveTokens(), []);
    await client.changeLocale('kk');
    client.wsConnection.close();
  });
});

test('key file (RSA): createCMSSignatureFromBase64 attached and detached, verified by openssl', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    const pending = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.waitFor(`page:      ${PORTAL}`);
    await layer.waitFor('Өтініш');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const cms = Buffer.from(await pending, 'base64');
    assert.deepEqual(opensslVerify(cms), DOCUMENT);

    const detached = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', false);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    assert.deepEqual(opensslVerify(Buffer.from(await detached, 'base64'), DOCUMENT), DOCUMENT);

    // createCAdESFromBase64 and getKeyInfo.
    const cades = client.createCAdESFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    assert.deepEqual(opensslVerify(Buffer.from(await cades, 'base64')), DOCUMENT);
    const info = client.getKeyInfo('PKCS12');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const facts = await info;
    assert.match(facts.subjectDn, /ТЕСТОВ/);
    assert.ok(Number(facts.certNotAfter) > Date.now());
    client.wsConnection.close();
  });
});

test('declined: action.canceled and nothing signed; an AUTH key is not offered for SIGNATURE', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.auth], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    // The replies' messages in English from here on (the prompts stay in the citizen's language).
    await client.changeLocale('en');
    const declined = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, 'n');
    await assert.rejects(declined, (e) => e.message === '500: action.canceled');
    const wrongPurpose = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    // The page hears that no key fits; which key file, only the terminal says.
    await assert.rejects(wrongPurpose, (e) => /no key fits this request/.test(e.message) && !e.message.includes('key file'));
    assert.match(layer.output(), /No key in key file .* fits this request/);
    // AUTHENTICATION fits the AUTH key.
    const auth = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'AUTHENTICATION', true);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    assert.deepEqual(opensslVerify(Buffer.from(await auth, 'base64')), DOCUMENT);
    client.wsConnection.close();
  });
});

test('typed ahead: a line typed before the question is thrown away; the key that signs is shown', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    await client.changeLocale('en');
    // A line waiting in the terminal before any question (a page that
    // queues a request behind an open prompt counts on such a line).
    layer.type('1');
    await new Promise((r) => setTimeout(r, 300));
    const pending = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, 'n');
    await assert.rejects(pending, (e) => e.message === '500: action.canceled');
    assert.ok(!layer.output().includes("The key files' password"), 'the line typed ahead allowed nothing');
    // Allowed: the one key that fits is named before it signs.
    const allowed = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    await layer.waitFor(/signing with: ТЕСТОВ ТЕСТ \(IIN \d{12}\), [A-Z]+, [^,]+, until [-\d]+ — key file .+ \(PKCS12\)/);
    assert.deepEqual(opensslVerify(Buffer.from(await allowed, 'base64')), DOCUMENT);
    client.wsConnection.close();
  });
});

test('an unknown site: warned, and allowed from then on when the citizen says so', async () => {
  await withLayer(['--key-file', fx.keyFiles.p256.sign], async (layer) => {
    const client = await h.connect(layer, { origin: 'https://shop.example' });
    const pending = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.waitFor('This site is not on your list of portals');
    await layer.answer(PICK, '1');
    await layer.answer('Also allow this site from now on? y/N: ', 'y');
    await layer.answer("The key files' password: ", fx.password);
    assert.deepEqual(opensslVerify(Buffer.from(await pending, 'base64')), DOCUMENT);
    client.wsConnection.close();
  });
  const origins = execFileSync(h.binaries().qoltanba, ['layer', '--home', fx.layerHome, 'origins'], { encoding: 'utf8' });
  assert.match(origins, /^https:\/\/shop\.example$/m);
  execFileSync(h.binaries().qoltanba, ['layer', '--home', fx.layerHome, 'disallow', 'https://shop.example']);
});

test('key file (ECDSA): basics sign, many documents, extKeyUsageOids, outputCert; verified by openssl', async () => {
  await withLayer(['--key-file', fx.keyFiles.p256.sign, '--key-file', fx.keyFiles.p256.auth], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    const docs = [DOCUMENT, Buffer.from('second')];
    const pending = client.basicsSignCMS(['PKCS12'], docs.map((d) => d.toString('base64')),
      { decode: true, encapsulate: true, digested: false }, { extKeyUsageOids: ['1.3.6.1.5.5.7.3.4'] }, 'ru');
    await layer.waitFor('documents: 2');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const result = await pending;
    assert.ok(Array.isArray(result) && result.length === 2, 'body.result is an array');
    result.forEach((p, i) => assert.deepEqual(opensslVerify(pem(p)), docs[i]));
    // Detached, one document: still an array (basicsSign without forceSingleSignature).
    const one = client.basicsSign(['PKCS12'], 'cms', DOCUMENT.toString('base64'),
      { decode: true, encapsulate: false }, { extKeyUsageOids: [] }, 'en');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const [sig] = await one;
    assert.deepEqual(opensslVerify(pem(sig), DOCUMENT), DOCUMENT);
    // Declined through basics: cancelled by user.
    const declined = client.basicsSignCMS(['PKCS12'], DOCUMENT.toString('base64'), {}, { extKeyUsageOids: [] });
    await layer.answer(PICK, 'n');
    await assert.rejects(declined, (e) => e.canceledByUser === true);
    client.wsConnection.close();
  });
});

const XML = '<?xml version="1.0" encoding="UTF-8"?><application><iin>900101300001</iin><text>Өтініш</text></application>';

test('key file (RSA): signXml, signXmls, basics xml verified by xmlsec1; createCAdESFromBase64Hash by openssl', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    const one = client.signXml('PKCS12', XML, 'SIGNATURE', '', '');
    await layer.waitFor('root element <application>');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const signed = await one;
    assert.match(signed, /<ds:Signature/);
    xmlsecVerify(signed, 'rsa.cer');

    const many = client.signXmls('PKCS12', [XML, '<other>2</other>'], 'SIGNATURE', '', '');
    await layer.waitFor('documents: 2');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const signedMany = await many;
    assert.equal(signedMany.length, 2);
    signedMany.forEach((x) => xmlsecVerify(x, 'rsa.cer'));

    const basics = client.basicsSignXML(['PKCS12'], XML, {}, { extKeyUsageOids: [] }, 'ru');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const [basicsXml] = await basics;
    xmlsecVerify(basicsXml, 'rsa.cer');

    // XML that does not parse: an error, not a signature.
    const bad = client.signXml('PKCS12', '<this>is not a valid XML', 'SIGNATURE', '', '');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    await assert.rejects(bad, /^NCALayerError: 500: /);

    const hash = require('node:crypto').createHash('sha256').update(DOCUMENT).digest('base64');
    const overHash = client.createCAdESFromBase64Hash('PKCS12', hash, 'SIGNATURE');
    await layer.waitFor('the hash of a document');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    assert.deepEqual(opensslVerify(Buffer.from(await overHash, 'base64'), DOCUMENT), DOCUMENT);
    client.wsConnection.close();
  });
});

test('CAdES-T: basics with a tsaProfile and serve --tsa: the TSA\'s token in the signature, read by openssl and qoltanba', async () => {
  const tsa = await h.startTsa(fs.mkdtempSync(path.join(work, 'tsa-')));
  try {
    await withLayer(['--key-file', fx.keyFiles.rsa.sign, '--tsa', tsa.url('ok')], async (layer) => {
      const client = await h.connect(layer, { origin: PORTAL });
      const pending = client.basicsSignCMS(['PKCS12'], DOCUMENT.toString('base64'),
        { decode: true, encapsulate: true, digested: false, tsaProfile: {} }, { extKeyUsageOids: [] }, 'ru');
      await layer.answer(PICK, '1');
      await layer.answer("The key files' password: ", fx.password);
      // basicsSignCMS unwraps a single document's array (forceSingleSignature).
      const signed = await pending;
      assert.equal(typeof signed, 'string');
      const der = pem(signed);
      assert.deepEqual(opensslVerify(der), DOCUMENT);
      // The signatureTimeStampToken (id-aa-signatureTimeStampToken) is in the
      // unsigned attributes; openssl ts checks it against the TSA's CA.
      const dir = fs.mkdtempSync(path.join(work, 't-'));
      fs.writeFileSync(path.join(dir, 'sig.p7s'), der);
      const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(dir, 'sig.p7s')], { encoding: 'utf8' });
      assert.match(printed, /id-smime-aa-timeStampToken|1\.2\.840\.113549\.1\.9\.16\.2\.14/);
      const check = qoltanbaVerify(der);
      assert.ok(check.timestamped_at, `qoltanba reads the time-stamp: ${JSON.stringify(check)}`);
      client.wsConnection.close();
    });
  } finally {
    tsa.stop();
  }
});

test('key file (ECDSA): signXml verified by xmlsec1', async () => {
  await withLayer(['--key-file', fx.keyFiles.p256.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    const one = client.signXml('PKCS12', XML, 'SIGNATURE', '', '');
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    xmlsecVerify(await one, 'ecdsa.cer');
    client.wsConnection.close();
  });
});

test('the desktop keystore (as PKCS12): the SIGN key chosen among its keys; verified by openssl', async () => {
  await withLayer(['--keystore', fx.keystore], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    assert.deepEqual(await client.getActiveTokens(), [], 'a keystore is not a hardware token');
    const pending = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.waitFor('desktop keystore');
    await layer.answer(PICK, '1');
    assert.deepEqual(opensslVerify(Buffer.from(await pending, 'base64')), DOCUMENT);
    // Any key: the citizen chooses among both.
    const any = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'ANY', true);
    await layer.answer(PICK, '1');
    await layer.answer(/Which certificate\? Number \(1-2\), or n to refuse: /, '2');
    assert.deepEqual(opensslVerify(Buffer.from(await any, 'base64')), DOCUMENT);
    const xml = client.signXml('PKCS12', XML, 'SIGNATURE', '', '');
    await layer.answer(PICK, '1');
    xmlsecVerify(await xml, 'ecdsa.cer');
    client.wsConnection.close();
  });
});

// The independent GOST peer (gostcrypto) checks a GOST CMS: tests/ncalayer/gost_cms.py.
function gostPeerVerify(cmsDer, content) {
  const dir = fs.mkdtempSync(path.join(work, 'g-'));
  fs.writeFileSync(path.join(dir, 'sig.p7s'), cmsDer);
  const args = [path.join(__dirname, 'gost_cms.py'), path.join(dir, 'sig.p7s')];
  if (content) { fs.writeFileSync(path.join(dir, 'doc'), content); args.push(path.join(dir, 'doc')); }
  execFileSync('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('key file (GOST 2015): CMS and CAdES verified by the GOST peer and by qoltanba', async () => {
  await withLayer(['--key-file', fx.keyFiles.gost2015.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    const pending = client.createCMSSignatureFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const attached = Buffer.from(await pending, 'base64');
    gostPeerVerify(attached);
    assert.equal(qoltanbaVerify(attached).chains_to_trusted_root, true);
    // The peer does say no: the same signature over another document.
    assert.throws(() => gostPeerVerify(attached, Buffer.from('another document')));

    const cades = client.createCAdESFromBase64('PKCS12', DOCUMENT.toString('base64'), 'SIGNATURE', false);
    await layer.answer(PICK, '1');
    await layer.answer("The key files' password: ", fx.password);
    const detached = Buffer.from(await cades, 'base64');
    gostPeerVerify(detached, DOCUMENT);
    assert.equal(qoltanbaVerify(detached, DOCUMENT).chains_to_trusted_root, true);
    client.wsConnection.close();
  });
});

test('the simulator ID card: getActiveTokens, CMS, basics CMS and signXml, CAN and PIN asked each time', async () => {
  await withLayer(['--simulator', fx.card], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    assert.deepEqual(await client.getActiveTokens(), ['AKKZIDCardStore']);
    const pending = client.createCMSSignatureFromBase64('AKKZIDCardStore', DOCUMENT.toString('base64'), 'SIGNATURE', true);
    await layer.answer(PICK, '1');
    await layer.answer(/CAN[^\n]*: /, fx.can);
    await layer.answer(/PIN: /, fx.pin);
    assert.deepEqual(opensslVerify(Buffer.from(await pending, 'base64')), DOCUMENT);

    // No extKeyUsageOids: both of the card's keys fit; the citizen picks the SIGN one.
    const basics = client.basicsSignCMS(['AKKZIDCardStore'], DOCUMENT.toString('base64'),
      { decode: true, encapsulate: false }, { extKeyUsageOids: [] }, 'kk');
    await layer.answer(PICK, '1');
    await layer.answer(/CAN[^\n]*: /, fx.can);
    await layer.answer(/PIN: /, fx.pin);
    await layer.waitFor(/\d\) ТЕСТОВ ТЕСТ \(IIN \d{12}\), AUTH, ECDSA-P256, until [-\d]+ — ID card slot-\d+-auth/);
    await layer.answer(/Which certificate\? Number \(1-2\), or n to refuse: /, '2');
    assert.deepEqual(opensslVerify(pem(await basics), DOCUMENT), DOCUMENT);

    const xml = client.signXml('AKKZIDCardStore', XML, 'SIGNATURE', '', '');
    await layer.answer(PICK, '1');
    await layer.answer(/CAN[^\n]*: /, fx.can);
    await layer.answer(/PIN: /, fx.pin);
    xmlsecVerify(await xml, 'ecdsa.cer');
    client.wsConnection.close();
  });
});

test('getActiveTokens lists only hardware that is there', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign, '--simulator', path.join(work, 'no-such-card.sim')], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    assert.deepEqual(await client.getActiveTokens(), []);
    client.wsConnection.close();
  });
});

test('bad requests get NCALayer\'s replies; several pages at once; an http site is refused unasked', async () => {
  await withLayer(['--key-file', fx.keyFiles.rsa.sign], async (layer) => {
    const client = await h.connect(layer, { origin: PORTAL });
    await assert.rejects(client.getKeyInfo(1), /argument type mismatch\. Method: getKeyInfo/);
    await assert.rejects(client.changeLocale(2), /argument type mismatch\. Method: changeLocale/);
    await assert.rejects(client.getKeyInfo('AKKaztokenStore'), /нет ключей хранилища AKKaztokenStore/);
    // A second page (another tab) is served while the first stays connected.
    const second = await h.connect(layer, { origin: 'https://elicense.kz' });
    assert.deepEqual(await second.getActiveTokens(), []);
    second.wsConnection.close();
    // A plain-http site never reaches the citizen; the terminal says why.
    await assert.rejects(h.connect(layer, { origin: 'http://shop.example' }), /Ошибка взаимодействия с NCALayer/);
    await layer.waitFor('http://shop.example');
    // The first page still works.
    assert.deepEqual(await client.getActiveTokens(), []);
    client.wsConnection.close();
  });
});
