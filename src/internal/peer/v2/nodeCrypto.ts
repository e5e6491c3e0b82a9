/**
 * Node's `node:crypto`, when the runtime has it, reached through
 * `process.getBuiltinModule` so that platform-agnostic code never imports a
 * `node:` module statically (browsers and other runtimes get `undefined` and
 * fall back to the noble implementations).
 *
 * Only the members the v2 transport uses are typed here.
 *
 * @internal
 */
import { builtinModule } from "../../wire/builtin.js"

/** @internal */
export interface NativeCipher {
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
  setAAD(aad: Uint8Array, options: { plaintextLength: number }): NativeCipher
  getAuthTag(): Uint8Array
  setAuthTag(tag: Uint8Array): NativeCipher
}

/** @internal */
export interface NativeEcdh {
  setPrivateKey(key: Uint8Array): void
  computeSecret(publicKey: Uint8Array): Uint8Array
}

/** @internal */
export interface NodeCrypto {
  readonly getCiphers: () => Array<string>
  readonly createCipheriv: (alg: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }) => NativeCipher
  readonly createDecipheriv: (alg: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }) => NativeCipher
  readonly createECDH: (curve: string) => NativeEcdh
  readonly getCurves: () => Array<string>
  readonly hkdfSync?: (digest: string, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) => ArrayBuffer
}

/** `node:crypto`, or `undefined` outside Node (or on Node without `getBuiltinModule`). @internal */
export const nodeCrypto: NodeCrypto | undefined = builtinModule<NodeCrypto>("node:crypto")
