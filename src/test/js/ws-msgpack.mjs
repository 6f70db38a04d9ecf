// Drives /ws with a stock MessagePack library and Node's own WebSocket, as a browser would.
// Env: PORT, TOKEN_A, TOKEN_B, PROJECT. Exits 0 and prints "ok" when every check passed.
import { encode, decode } from '@msgpack/msgpack';

const { PORT, TOKEN_A, TOKEN_B, PROJECT } = process.env;
setTimeout(() => { console.error('timed out'); process.exit(1); }, 20000);

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}/ws`);
    ws.binaryType = 'arraybuffer';
    const pending = new Map();
    const events = [];
    let next = 1;
    ws.onmessage = (e) => {
      const m = decode(new Uint8Array(e.data));
      if (m.id !== undefined && pending.has(m.id)) {
        pending.get(m.id)(m);
        pending.delete(m.id);
      } else {
        events.push(m);
      }
    };
    ws.onerror = reject;
    ws.onopen = () => resolve({
      ws,
      events,
      call(op, args = {}) {
        const id = next++;
        return new Promise((r) => { pending.set(id, r); ws.send(encode({ id, op, ...args })); });
      },
    });
  });
}

async function ok(client, op, args) {
  const r = await client.call(op, args);
  if (!r.ok) throw new Error(`${op} failed: ${JSON.stringify(r.error)}`);
  return r.result;
}

async function event(client, name) {
  for (let i = 0; i < 200; i++) {
    const e = client.events.find((x) => x.event === name);
    if (e) return e;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${name} event`);
}

const a = await connect();
const b = await connect();
await ok(a, 'auth', { token: TOKEN_A });
await ok(b, 'auth', { token: TOKEN_B });
await ok(b, 'open', { project: PROJECT, branch: 'main' });
await ok(a, 'open', { project: PROJECT, branch: 'main' });
const bytes = new Uint8Array(256).map((_, i) => i);
const { blob } = await ok(a, 'write', { path: 'stock/bytes.bin', content: bytes });
const changed = await event(b, 'changed');
if (changed.path !== 'stock/bytes.bin' || changed.blob !== blob) throw new Error(`bad event ${JSON.stringify(changed)}`);
const read = await ok(b, 'read', { path: 'stock/bytes.bin' });
if (!(read.content instanceof Uint8Array) || read.content.length !== 256 || read.content[255] !== 255) {
  throw new Error('content did not come back as the same binary');
}
const refused = await a.call('open', { project: 'no-such-project', branch: 'main' });
if (refused.ok || refused.error.code !== 'not_found') throw new Error(`expected not_found, got ${JSON.stringify(refused)}`);
a.ws.close();
b.ws.close();
console.log('ok');
process.exit(0);
