/**
 * Real mainnet headers of the Bitcoin family, as they travel on the wire
 * (sources next to each). Shared by the preset and wire-format tests.
 */

/** Litecoin mainnet block 1 (the header of the block published with block 1's bytes). */
export const LTC_BLOCK_1 =
  "01000000e2bf047e7e5a191aa4ef34d314979dc9986e0f19251edaba5940fd1fe365a712f6509b1757baa71bc746e17cb4d0ed22e8935f71e2d0724336789021a40639fabfed8f4ef0ff0f1e7f270400"

/**
 * LBRY mainnet block 1: 112 bytes. Its hash is lbrycrd's `BIP34Hash`
 * (BIP34Height = 1) in chainparams.cpp.
 */
export const LBRY_BLOCK_1 = [
  "00000020", // version 0x20000000
  "63f4346a4db34fdfce29a70f5e8d11f065f6b91602b7036c7f22f3a03b28899c", // prev: genesis
  "ba888e2f9c037f831046f8ad09f6d378f79c728d003b177a64d29621f481da5d", // merkle root
  "0100000000000000000000000000000000000000000000000000000000000000", // claim-trie root
  "3c406b57", // time
  "46e1001f", // bits
  "5b4f0000" // nonce
].join("")

/**
 * Dogecoin mainnet block 371,337, the first merge-mined block (a checkpoint
 * in Dogecoin's chainparams.cpp), as it travels in `headers`: 80-byte header,
 * AuxPoW proof (parent coinbase, parent hash, two merkle branches with their
 * indexes, the parent's 80-byte header), then the transaction count 0.
 */
export const DOGE_371337 = [
  "02016200", // version 0x00620102: chain id 0x62, AuxPoW bit 8, version 2
  "0d6f03470d329026cd1fc720c0609cd378ca8691a117bd1aa46f01fb09b1a846", // prev
  "8a15bf6f0b0e83f2e5036684169eafb9406468d4f075c999fb5b2a78fbb827ee", // merkle root
  "41fb1154", "8441361b", "00000000", // time, bits, nonce
  // AuxPoW: the parent (Litecoin) coinbase
  "01000000", "01", "0000000000000000000000000000000000000000000000000000000000000000", "ffffffff",
  "38", "0345bf09fabe6d6d980ba42120410de0554d42a5b5ee58167bcd86bf7591f429005f24da45fb51cf0800000000000000cdb1f1ff0e000000",
  "ffffffff", "01", "800c0c2a01000000", "19", "76a914aa3750aa18b8a0f3f0590731e1fab934856680cf88ac", "00000000",
  "a90e290fd02fe65a6cea22aad85439ef021c2a20d18bd0032a5bba0ae441df45", // parent block hash
  "03", // coinbase branch: 3 hashes, index 0
  "a979a636db2450363972d211aee67b71387a3daaa3051be0fd260c5acd4739cd",
  "52a418d29d8a0e56c8714c95a0dc24e1c9624480ec497fe2441941f3fee8f948",
  "1a3370c334178415c83d1d0c2deeec727c2330617a47691fc5e79203669312d1",
  "00000000",
  "03", // chain branch: 3 hashes, index 0
  "6fa40307b3a439538195245b0de56a2c1db6ba3a64f8bdd2071d00bc48c841b5",
  "e77b98e5c7d6f06f92dec5cf6d61277ecb9a0342406f49f34c51ee8ce4abd678",
  "038129485de14238bd1ca12cd2de12ff0e383aee542d90437cd664ce139446a0",
  "00000000",
  // parent header (80 bytes)
  "02000000d2ec7dfeb7e8f43fe77aba3368df95ac2088034420402730ee0492a2084217083411b3fc91033bfdeea339bc11b9efc986e161c703e07a9045338c165673f09940fb11548b54021b58cc9ae5"
].join("")

/**
 * Litecoin mainnet HogEx transactions as the MWEB serialization carries them
 * (marker 00, flag 08, no witness, a null MWEB transaction 00 before the lock
 * time), with their txids as Litecoin block explorers publish them: block
 * 2,680,000's (one input, one output) and block 3,115,499's (three inputs,
 * the MWEB balance output and a peg-out to P2SH).
 */
export const LTC_HOGEX = [
  {
    txid: "fd786dea0b4d16017897c66c80f40bbbaac6ed5dfc1d8540f8e69b39ae07b798",
    hex: [
      "02000000", "0008", "01",
      "055b9501fc80f092ec6a1fc82a130fbc4126d76aaccc8ff09d47bcacd439facf", "00000000", "00", "ffffffff",
      "01", "19a0e168b7020000", "22", "582055b14302a0812dcfad58dc83b0d2c96d3bf36cc08735cd36987f721b69f6faa1",
      "00", // null MWEB transaction: the HogEx
      "00000000"
    ].join("")
  },
  {
    txid: "468ff805165c7987e03310e756fc904aa17031f1be466b7b10680a4b6f12e310",
    hex: [
      "02000000", "0008", "03",
      "34deca06b4404281649ce20edcb757475b0dbfc18b55ca9d68e8879c95564ee6", "00000000", "00", "ffffffff",
      "59f82ce926956c7ef652e7e5aa93c766e3b3f95ea91b32f940bd502558826bde", "00000000", "00", "ffffffff",
      "6f3cc906516f39c5e2a9e82cae684292c124b448db737149dce0679ba38e74a1", "00000000", "00", "ffffffff",
      "02", "08614a2eff200000", "22", "5820a0de06cda14d558d9f237cb8870276935256c9f81d25d808d6b932258cffac9f",
      "0027b92900000000", "17", "a91429dc4ac51a4fdc6433518b3283123a665681e86b87",
      "00",
      "00000000"
    ].join("")
  }
] as const
