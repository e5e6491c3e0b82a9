/**
 * A set that forgets its oldest member once it holds `capacity` members.
 * Backs the per-peer known-inventory and known-address filters and the
 * process-wide recent-nonce registry: bounded memory whatever a peer sends.
 *
 * @internal
 */
export class BoundedSet<K> {
  /** Member → stamp of its newest entry in `order`. */
  private readonly items = new Map<K, number>()
  /**
   * Members oldest first, with their stamps. A refreshed member is appended
   * again; its older entry is stale (its stamp no longer matches) and skipped.
   * (Evicting through `Set.prototype.values().next()` instead costs a scan over
   * every slot deleted since the table was last rehashed, on every add.)
   */
  private order: Array<K> = []
  private stamps: Array<number> = []
  private head = 0
  private stamp = 0
  constructor(readonly capacity: number) {}

  has(key: K): boolean {
    return this.items.has(key)
  }

  add(key: K): void {
    // A key seen again is young again; a new key past capacity pushes out the oldest.
    if (!this.items.has(key) && this.items.size >= this.capacity) this.evictOldest()
    const stamp = ++this.stamp
    this.items.set(key, stamp)
    this.order.push(key)
    this.stamps.push(stamp)
    if (this.order.length - this.head > 2 * this.capacity + 64) this.compact()
  }

  clear(): void {
    this.items.clear()
    this.order = []
    this.stamps = []
    this.head = 0
  }

  get size(): number {
    return this.items.size
  }

  private evictOldest(): void {
    while (this.head < this.order.length) {
      const key = this.order[this.head]!
      const stamp = this.stamps[this.head]!
      this.head++
      if (this.items.get(key) === stamp) {
        this.items.delete(key)
        break
      }
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) this.compact()
  }

  /** Drops consumed and stale entries of `order`. */
  private compact(): void {
    const order: Array<K> = []
    const stamps: Array<number> = []
    for (let i = this.head; i < this.order.length; i++) {
      const key = this.order[i]!
      if (this.items.get(key) === this.stamps[i]) {
        order.push(key)
        stamps.push(this.stamps[i]!)
      }
    }
    this.order = order
    this.stamps = stamps
    this.head = 0
  }
}

/**
 * A compact string key for an inventory vector: its type without the witness
 * flag (two chars) and its 32-byte hash as 16 two-byte chars, built in one call.
 * (Appending a char per byte made 33 intermediate strings per key: a 1,000-item
 * `inv` cost more in garbage collection than everything else it took to receive.)
 * The second char is at most 0x3fff, so keys of other hash lengths, which start
 * with 0xffff 0xffff, never equal one of these. @internal
 */
export const inventoryKey = (type: number, h: Uint8Array): string => {
  if (h.length !== 32) {
    let s = String.fromCharCode(0xffff, 0xffff, type & 0xffff, (type >>> 16) & 0x3fff)
    for (let i = 0; i < h.length; i++) s += String.fromCharCode(h[i]!)
    return s
  }
  return String.fromCharCode(
    type & 0xffff,
    (type >>> 16) & 0x3fff,
    h[0]! | (h[1]! << 8),
    h[2]! | (h[3]! << 8),
    h[4]! | (h[5]! << 8),
    h[6]! | (h[7]! << 8),
    h[8]! | (h[9]! << 8),
    h[10]! | (h[11]! << 8),
    h[12]! | (h[13]! << 8),
    h[14]! | (h[15]! << 8),
    h[16]! | (h[17]! << 8),
    h[18]! | (h[19]! << 8),
    h[20]! | (h[21]! << 8),
    h[22]! | (h[23]! << 8),
    h[24]! | (h[25]! << 8),
    h[26]! | (h[27]! << 8),
    h[28]! | (h[29]! << 8),
    h[30]! | (h[31]! << 8)
  )
}
