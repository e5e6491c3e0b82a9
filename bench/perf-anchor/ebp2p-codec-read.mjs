// Variant of the shared ebp2p codec adapter that reads what a user reads: every field of every item a decoded
// message carries (each inventory vector's type and hash bytes, each block transaction's inputs, outputs and
// witnesses, each header, address and locator hash), like for like with bcoin, which builds all of them.
// Reading the fields, not only the lists' lengths, keeps the comparison honest if any of them is ever made lazily.
import { load } from './_ebp2p-load.mjs';
const Frame = await load('Frame.js');
const ChainParams = await load('ChainParams.js');
const opts = { params: ChainParams.mainnet };
const count = (m) => m.inventory?.length ?? m.addresses?.length ?? m.headers?.length ?? m.locator?.length ?? m.transactions?.length;

let sink = 0;
const hashBytes = (h) => h[0] ^ h[31];
const readTx = (tx) => {
  let x = tx.version ^ tx.lockTime;
  const inputs = tx.inputs, outputs = tx.outputs;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i], witness = input.witness;
    x ^= hashBytes(input.prevout.hash) ^ input.prevout.index ^ input.script.length ^ input.sequence;
    for (let j = 0; j < witness.length; j++) x ^= witness[j].length;
  }
  for (let i = 0; i < outputs.length; i++) x ^= (outputs[i].value > 0n ? 1 : 0) ^ outputs[i].script.length;
  return x;
};
/** Reads every field of every item of a decoded message. */
const read = (m) => {
  let x = 0;
  const { inventory, transactions, tx, headers, addresses, locator } = m;
  if (inventory !== undefined) for (let i = 0; i < inventory.length; i++) x ^= inventory[i].type ^ hashBytes(inventory[i].hash);
  if (transactions !== undefined) for (let i = 0; i < transactions.length; i++) x ^= readTx(transactions[i]);
  if (tx !== undefined) x ^= readTx(tx);
  if (headers !== undefined) {
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      x ^= h.version ^ hashBytes(h.prevBlock) ^ hashBytes(h.merkleRoot) ^ h.time ^ h.bits ^ h.nonce;
    }
  }
  if (addresses !== undefined) {
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i];
      x ^= a.time ^ (a.services > 0n ? 1 : 0) ^ a.network ^ a.address[0] ^ a.port;
    }
  }
  if (locator !== undefined) for (let i = 0; i < locator.length; i++) x ^= hashBytes(locator[i]);
  sink ^= x;
};

export default function create() {
  const dec = new Frame.FrameDecoder(opts); const out = [];
  return {
    name: 'effect-bitcoin-p2p (everything read)',
    decodeMsg(raw) { out.length = 0; const err = dec.push(raw, out); if (err) throw err; const m = out[0].message; read(m); return m; },
    decodeStream(chunks) { const d = new Frame.FrameDecoder(opts); const o = []; let n = 0; for (const c of chunks) { o.length = 0; const err = d.push(c, o); if (err) throw err; n += o.length; for (const r of o) read(r.message); } return n; },
    encode: (m) => Frame.encode(ChainParams.mainnet.magic, m),
    count,
  };
}
