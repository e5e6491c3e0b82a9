/**
 * A Node built-in module when the runtime has it, reached through
 * `process.getBuiltinModule` (Node >= 20.16) rather than an import, so that
 * the platform-agnostic modules that prefer a native path (hashing, the
 * BIP-0324 ciphers) import nothing from Node and still run, and bundle,
 * anywhere else.
 *
 * @internal
 */
export const builtinModule = <A>(id: string): A | undefined => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return proc?.getBuiltinModule?.(id) as A | undefined
  } catch {
    return undefined
  }
}
