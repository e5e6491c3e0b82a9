/**
 * A set that forgets its oldest member once it holds `capacity` members.
 * Backs the per-peer known-inventory and known-address filters and the
 * process-wide recent-nonce registry: bounded memory whatever a peer sends.
 *
 * @internal
 */
export class BoundedSet<K> {
  private readonly items = new Set<K>()
  constructor(readonly capacity: number) {}

  has(key: K): boolean {
    return this.items.has(key)
  }

  add(key: K): void {
    if (this.items.has(key)) {
      // Refresh: a key seen again is young again.
      this.items.delete(key)
    } else if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next()
      if (!oldest.done) this.items.delete(oldest.value)
    }
    this.items.add(key)
  }

  clear(): void {
    this.items.clear()
  }

  get size(): number {
    return this.items.size
  }
}

/** A compact string key for an inventory vector (type + hash bytes). @internal */
export const inventoryKey = (type: number, hash: Uint8Array): string => {
  let s = String(type & 0x3fff_ffff) + ":"
  for (let i = 0; i < hash.length; i++) s += String.fromCharCode(hash[i]!)
  return s
}
