// What a portal's page does: connect to NCALayer with ncalayer-js-client and
// ask for signatures. The test drives it from puppeteer: it starts a request
// here, answers the citizen's prompts on `qoltanba layer serve`'s terminal,
// then collects the outcome (plain data, or the client's error).
/* global NCALayerClient */

const pending = {};

function outcome(promise) {
  return promise.then(
    (value) => ({ ok: true, value }),
    (e) => ({ ok: false, name: e && e.name, message: String(e && e.message) }),
  );
}

// A new client on `url` (without the KAZTOKEN HTTP API: the test is about
// NCALayer's WebSocket), connected; the version the layer greets with.
window.connectLayer = async (url) => {
  if (window.layer && window.layer.wsConnection) {
    window.layer.wsConnection.close();
  }
  window.layer = new NCALayerClient(url, false);
  return outcome(window.layer.connect());
};

// Starts `method` of the client with `args` (constants named "!!name" are
// the client's static ones, e.g. "!!basicsStorageAll"), under `name`.
window.startRequest = (name, method, args) => {
  const resolved = args.map((a) => (typeof a === 'string' && a.startsWith('!!') ? NCALayerClient[a.slice(2)] : a));
  pending[name] = outcome(window.layer[method](...resolved));
  return true;
};

window.requestOutcome = (name) => pending[name];

// Only the WebSocket's fate: open, or the error the browser gives a page
// (for the test without trust).
window.tryWebSocket = (url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); resolve('open'); };
  ws.onerror = () => resolve('error');
});
