/**
 * A set that forgets its oldest member once it holds `capacity` members.
 * Backs the per-peer known-address filter (the known-inventory one is an
 * `InventoryFilter`, which allocates nothing per key) and the process-wide
 * recent-nonce registry: bounded memory whatever a peer sends.
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
    // A key seen again is young again; a new key past capacity pushes out the oldest (never itself:
    // its entry is the newest). Set first, then compare sizes: one lookup less per add than `has`
    // first (a bigint key is hashed on each).
    const stamp = ++this.stamp
    const before = this.items.size
    this.items.set(key, stamp)
    if (this.items.size > before && before >= this.capacity) this.evictOldest()
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
