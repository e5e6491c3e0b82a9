/**
 * Reporting helpers shared by every bench: markdown tables, progress lines
 * on stderr, and numeric settings from the environment.
 */

/** Prints a markdown table: first column left-aligned, the rest right-aligned. */
export const table = (title: string, head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`
  console.log(`\n${title}\n`)
  console.log(line(head))
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`)
  for (const r of rows) console.log(line(r))
}

/** Announces a measurement on stderr (stdout stays the report). */
export const progress = (what: string): void => {
  process.stderr.write(`  measuring ${what}…\n`)
}

/** A positive number from the environment, else `fallback`. */
export const envNumber = (name: string, fallback: number): number => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}
