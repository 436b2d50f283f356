// What a portal's page does: connect to NCALayer with ncalayer-js-client and
// ask for signatures. The test calls these from puppeteer; each returns
// plain data (or the client's error) so the test can judge it in Node.
/* global NCALayerClient */

// Without the KAZTOKEN HTTP API: the test is about NCALayer's WebSocket.
function layerClient(url) {
  return new NCALayerClient(url, false);
}

async function attempt(f) {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return {
      ok: false,
      name: e && e.name,
      message: String(e && e.message),
      canceledByUser: Boolean(e && e.canceledByUser),
    };
  }
}

// Connects, then runs the requests the test names, in order, on one
// connection (NCALayer answers one page at a time).
window.runSigning = async (url, dataBase64, xml) => {
  const client = layerClient(url);
  const results = {};
  results.connect = await attempt(() => client.connect());
  if (!results.connect.ok) {
    return results;
  }
  results.cmsAttached = await attempt(() => client.createCMSSignatureFromBase64(
    NCALayerClient.fileStorageType,
    dataBase64,
    'SIGNATURE',
    true,
  ));
  results.basicsDetached = await attempt(() => client.basicsSignCMS(
    NCALayerClient.basicsStorageAll,
    dataBase64,
    NCALayerClient.basicsCMSParamsDetached,
    NCALayerClient.basicsSignerSignAny,
    'en',
  ));
  results.signXml = await attempt(() => client.signXml(
    NCALayerClient.fileStorageType,
    xml,
    'SIGNATURE',
  ));
  return results;
};

// Only the WebSocket's fate: open, or the error the browser gives a page
// (for the test without trust).
window.tryWebSocket = (url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); resolve('open'); };
  ws.onerror = () => resolve('error');
});
