// The shared harness's small codec rows by main-thread CPU, not wall clock: on a machine shared with other jobs a
// 100 ms wall-clock sample measures the neighbours as much as the codec (the same build's ping row read 1.14-1.89x
// bcoin across processes at load 8-11). Same frames (the harness's corpus), same calls as the harness makes for
// each side: ours through the shared adapter's loop (one FrameDecoder fed one framed message; Frame.encode of the
// message it decoded), bcoin through its Parser.feed and Framer.packet(cmd, packet.toRaw()). Rounds interleave the
// two, in alternating order; each row prints the median µs per message over rounds and bcoin/ours, and the same
// from each side's fastest round.
//
//   npm run bench:build
//   EBP2P_DIST=$PWD/dist/bench/src node bench/perf-anchor/cpu-codec.mjs decode ping,pong,version
//   EBP2P_DIST=$PWD/dist/bench/src node bench/perf-anchor/cpu-codec.mjs encode version,addr-1000 [rounds]
//
// Needs the harness's scratch install (bcoin 1.0.2 with its native hashing; PERFANCHORS_DIR, default
// /tmp/perfanchors) and the shared folder (PERF_ANCHOR_DIR, default /work/shared/perf-anchor).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from './_ebp2p-load.mjs';

const anchors = process.env.PERFANCHORS_DIR ?? '/tmp/perfanchors';
const shared = process.env.PERF_ANCHOR_DIR ?? '/work/shared/perf-anchor';
const requireDep = createRequire(path.join(anchors, 'package.json'));
const { buildCorpus } = await import(pathToFileURL(path.join(shared, 'corpus.mjs')).href);
const Frame = await load('Frame.js');
const ChainParams = await load('ChainParams.js');
const Parser = requireDep('bcoin/lib/net/parser');
const Framer = requireDep('bcoin/lib/net/framer');

const [mode = 'decode', only = 'ping,pong,version', roundsArg = '15'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const corpus = buildCorpus();
let sink = 0;

/** Our decoder and bcoin's parser, each fed one framed message per call, as the harness does. */
const decoders = (raw) => {
  const decoder = new Frame.FrameDecoder({ params: ChainParams.mainnet });
  const out = [];
  const parser = new Parser('main');
  let last = null;
  parser.on('packet', (p) => { last = p; });
  parser.on('error', (e) => { throw e; });
  return {
    ours: () => { out.length = 0; const error = decoder.push(raw, out); if (error) throw error; sink ^= out.length; },
    bcoin: () => { parser.feed(raw); sink ^= last ? 1 : 0; last = null; },
  };
};

/** Each side encodes the message its own decoder made of the frame, as the harness's encode mode does. */
const encoders = (raw) => {
  const out = [];
  new Frame.FrameDecoder({ params: ChainParams.mainnet }).push(raw, out);
  const message = out[0].message;
  const parser = new Parser('main');
  let packet = null;
  parser.on('packet', (p) => { packet = p; });
  parser.feed(raw);
  const framer = new Framer('main');
  return {
    ours: () => { sink ^= Frame.encode(ChainParams.mainnet.magic, message).length; },
    bcoin: () => { sink ^= framer.packet(packet.cmd, packet.toRaw()).length; },
  };
};

const cpuUs = () => { const c = process.cpuUsage(); return c.user + c.system; };
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

for (const name of only.split(',')) {
  const raw = corpus.by[name]?.raw;
  if (raw === undefined) throw new Error(`no row ${name}; rows: ${Object.keys(corpus.by).join(', ')}`);
  const sides = mode === 'encode' ? encoders(raw) : decoders(raw);
  // About 20 ms of work per side per round, found from a first timing.
  const t0 = cpuUs();
  for (let i = 0; i < 200; i++) sides.ours();
  const n = Math.max(50, Math.round((20_000 * 200) / Math.max(1, cpuUs() - t0)));
  const times = { ours: [], bcoin: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['ours', 'bcoin'] : ['bcoin', 'ours'];
    for (const side of order) {
      const f = sides[side];
      const c0 = cpuUs();
      for (let i = 0; i < n; i++) f();
      times[side].push((cpuUs() - c0) / n);
    }
  }
  const ours = median(times.ours);
  const bcoin = median(times.bcoin);
  // The fastest round of each too: CPU time is inflated by contention (a busy sibling thread, a stolen vCPU), never deflated.
  const oursMin = Math.min(...times.ours);
  const bcoinMin = Math.min(...times.bcoin);
  console.log(
    `${mode} ${name.padEnd(10)} median: ours ${ours.toFixed(3)} µs, bcoin ${bcoin.toFixed(3)} µs, bcoin/ours ${(bcoin / ours).toFixed(2)}` +
      ` | fastest round: ours ${oursMin.toFixed(3)}, bcoin ${bcoinMin.toFixed(3)}, bcoin/ours ${(bcoinMin / oursMin).toFixed(2)}`
  );
}
if (sink === 0.5) console.log(sink);
