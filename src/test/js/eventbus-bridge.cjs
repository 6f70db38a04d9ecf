// Drives /eventbus with the stock Vert.x event bus client (@vertx/eventbus-bridge-client.js).
// Env: PORT, TOKEN, PROJECT. Exits 0 and prints "ok" when every check passed.
const EventBus = require('@vertx/eventbus-bridge-client.js');

const { PORT, TOKEN, PROJECT } = process.env;
const fail = (msg) => { console.error(msg); process.exit(1); };
setTimeout(() => fail('timed out'), 20000);

const eb = new EventBus(`http://127.0.0.1:${PORT}/eventbus`);
eb.enableReconnect(false);
eb.onopen = () => {
  const headers = { token: TOKEN };
  // A refused send has no reply address on the wire: the client reports it through onerror.
  eb.onerror = (err) => {
    if (!err || err.body !== 'rejected') fail(`unexpected error ${JSON.stringify(err)}`);
    eb.onerror = (e) => fail(`refused: ${JSON.stringify(e)}`);
    eb.registerHandler(`events.workspace.${PROJECT}.main`, headers, (e, msg) => {
      if (e) fail(`subscription failed: ${JSON.stringify(e)}`);
      if (msg.body.event === 'changed' && msg.body.path === 'from-bridge.txt') {
        console.log('ok');
        eb.close();
        process.exit(0);
      }
    });
    eb.send('allocator', { op: 'register', project: PROJECT, branch: 'main', holder: 'tab' }, headers, (e, reply) => {
      if (e) fail(`register failed: ${JSON.stringify(e)}`);
      if (reply.body.address !== `workspace.${PROJECT}.main`) fail(`bad address ${JSON.stringify(reply.body)}`);
      const write = { op: 'write', path: 'from-bridge.txt', content: Buffer.from('hello').toString('base64') };
      // the subscription is in place once the register round trip is back: write until the event comes
      const tick = () => eb.send(reply.body.address, write, headers, (we) => {
        if (we) fail(`write failed: ${JSON.stringify(we)}`);
        setTimeout(tick, 200);
      });
      tick();
    });
  };
  eb.send('allocator', { op: 'register', project: PROJECT, branch: 'main', holder: 'tab' }, {}, () => {
    fail('a register without a token was answered');
  });
};
