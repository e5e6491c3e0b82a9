#!/usr/bin/env bash
# Installs bcoin 1.0.2 with its native hashing addon (bcrypto, patched for today's V8) into a scratch
# dir (default /tmp/perfanchors), so that `npm run bench` compares with bcoin at its fastest.
# The same steps as the shared perf-anchor harness (../shared/perf-anchor/setup.sh).
#   bash bench/setup-bcoin-native.sh
# - @noble/hashes@2.4.0, bcoin@1.0.2 (last npm release), bitcore-p2p@10.10.7
# - bitcore-p2p depends on a GitHub fork of `buffers` (unreachable here): overridden to npm buffers@0.1.1 + the fork's one-line fix
# - installed with --ignore-scripts (leveldown / secp256k1 native builds fail on Node 20 and are not needed);
#   then bcrypto@0.3.7 (bcoin's hash256) is patched for the current nan/V8 API and built natively, and mrmr built.
set -euo pipefail
DIR="${PERFANCHORS_DIR:-/tmp/perfanchors}"
mkdir -p "$DIR"
cd "$DIR"
cat > package.json <<'EOF'
{
  "name": "perfanchors",
  "private": true,
  "type": "commonjs",
  "dependencies": {
    "@noble/hashes": "2.4.0",
    "bcoin": "1.0.2",
    "bitcore-p2p": "10.10.7"
  },
  "overrides": {
    "nan": "^2.22.0",
    "buffers": "0.1.1"
  }
}
EOF
npm install --ignore-scripts --no-audit --no-fund 2>&1 | grep -v 'Unknown user config' || true
# bitpay's fork (v0.1.2-bitpay) differs from npm buffers@0.1.1 by one line: Buffer#get() (removed from Node) -> [i]
sed -i 's/return this.buffers\[pos.buf\].get(pos.offset);/return this.buffers[pos.buf][pos.offset];/' node_modules/buffers/index.js
B=node_modules/bcrypto
if [ ! -f "$B/build/Release/bcrypto.node" ]; then
  sed -i -E 's/target->Set\((Nan::New\("[A-Za-z0-9]+"\)\.ToLocalChecked\(\)), ([a-z]+)->GetFunction\(\)\);/Nan::Set(target, \1, Nan::GetFunction(\2).ToLocalChecked());/' $B/src/*.cc
  sed -i -E 's/([A-Za-z_]+\[[0-9]+\])->(Uint32Value|IntegerValue|BooleanValue|NumberValue|Int32Value)\(\)/Nan::To<__T_\2>(\1).FromJust()/g; s/__T_Uint32Value/uint32_t/g; s/__T_IntegerValue/int64_t/g; s/__T_BooleanValue/bool/g; s/__T_NumberValue/double/g; s/__T_Int32Value/int32_t/g' $B/src/*.cc
  sed -i -E 's/\bret->Set\(([0-9]+), /Nan::Set(ret, \1, /' $B/src/*.cc
  npm rebuild bcrypto --foreground-scripts >"$DIR/bcrypto-build.log" 2>&1 || true
fi
if [ ! -f node_modules/mrmr/build/Release/mrmr.node ]; then
  npm rebuild mrmr --foreground-scripts >"$DIR/mrmr-build.log" 2>&1 || true
fi
node -e "const h=require('bcrypto/lib/hash256'); console.log('bcrypto hash256 native =', h.native, '(2 = native addon; if it fails run benches with NODE_BACKEND=js)')"
echo "setup done in $DIR"
