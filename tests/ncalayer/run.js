// Prepare the citizens and the layer's home (its CA made by a first start),
// then run the suite with NODE_EXTRA_CA_CERTS naming that CA: Node reads the
// variable only when it starts.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const harness = require('./harness');

(async () => {
  const given = process.env.QOLTANBA_NCALAYER_WORK;
  const work = given || fs.mkdtempSync(path.join(os.tmpdir(), 'qoltanba-ncalayer-'));
  // A work directory prepared before (QOLTANBA_NCALAYER_WORK) is reused.
  const fx = fs.existsSync(path.join(work, 'fixtures.json')) ? harness.fixtures(work) : await harness.prepare(work);
  const layer = await harness.startLayer({ work, args: ['--key-file', fx.keyFiles.rsa.sign] });
  await layer.stop();
  const ca = layer.caPath;
  // Arguments: test files, and node --test flags (e.g. --test-name-pattern=…).
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('--'));
  let files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) files = [path.join(__dirname, 'suite.test.js')];
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...flags, ...files], {
    stdio: 'inherit',
    env: { ...process.env, QOLTANBA_NCALAYER_WORK: work, NODE_EXTRA_CA_CERTS: ca },
  });
  // A directory made here goes; a given one stays for the next run.
  if (!given) fs.rmSync(work, { recursive: true, force: true });
  process.exit(result.status === null ? 1 : result.status);
})().catch((e) => { console.error(e); process.exit(1); });
