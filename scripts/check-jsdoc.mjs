#!/usr/bin/env node
/**
 * Lists the public exports that lack `@since` or `@category` in their JSDoc, so the API reference
 * (`npm run docs`) can be generated and browsed by category. Public means every module under
 * src/ except src/internal/. Checked: exported declarations (const, function, class, interface,
 * type, enum, namespace, and the members of exported namespaces) need both tags; named
 * re-exports (`export * as X from`, the entry points' module list) need `@since`. Declarations
 * marked `@internal` are skipped: docgen leaves them out of the reference as well; that none of
 * them is reachable from an entry point is what scripts/check-internal.mjs checks (run after this
 * one by `npm run check:jsdoc`).
 *
 *   node scripts/check-jsdoc.mjs [files or folders...]     (npm run check:jsdoc)
 *
 * Exits 1 and prints `file:line name (missing …)` for each one; 0 when none is missing.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const ts = createRequire(join(root, "package.json"))("typescript")

const walk = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).flatMap((name) => (name === "internal" ? [] : walk(join(path, name))))
    : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : []

const targets = process.argv.slice(2)
const files = (targets.length > 0 ? targets.map((t) => resolve(t)) : [join(root, "src")]).flatMap(walk)

const tagsOf = (node) => new Set(ts.getJSDocTags(node).map((t) => t.tagName.text))
const isExported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0

const nameOf = (node) => {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
  return node.name?.getText() ?? "(anonymous)"
}

const missing = []
const check = (file, node, required, prefix = "") => {
  const tags = tagsOf(node)
  const absent = required.filter((t) => !tags.has(t))
  if (absent.length === 0) return
  const sf = node.getSourceFile()
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
  missing.push(`${relative(root, file)}:${line} ${prefix}${nameOf(node)} (missing ${absent.map((t) => `@${t}`).join(", ")})`)
}

const declarations = (statements, file, prefix) => {
  for (const node of statements) {
    if (ts.isExportDeclaration(node)) {
      // `export * as Name from "./Name.js"`: one module of an entry point.
      if (node.exportClause && ts.isNamespaceExport(node.exportClause)) {
        const tags = tagsOf(node)
        if (!tags.has("since")) {
          const sf = node.getSourceFile()
          const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
          missing.push(`${relative(root, file)}:${line} ${node.exportClause.name.text} (missing @since)`)
        }
      }
      continue
    }
    const declaration = ts.isVariableStatement(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node) || ts.isModuleDeclaration(node)
    if (!declaration || !isExported(node)) continue
    // `@internal`: exported for the library's own modules, left out of the reference (docgen skips it too).
    if (tagsOf(node).has("internal")) continue
    // Overloads: the JSDoc sits on the first signature; later ones are not separate exports.
    if (ts.isFunctionDeclaration(node) && node.body === undefined && statements.some((o) => o !== node && ts.isFunctionDeclaration(o) && o.name?.text === node.name?.text && o.pos < node.pos)) continue
    check(file, node, ["since", "category"], prefix)
    if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) {
      declarations(node.body.statements, file, `${prefix}${node.name.getText()}.`)
    }
  }
}

for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true)
  declarations(source.statements, file, "")
}

if (missing.length > 0) {
  console.log(missing.join("\n"))
  console.log(`\n${missing.length} export(s) without @since/@category in ${files.length} file(s)`)
  process.exitCode = 1
} else {
  console.log(`every export of ${files.length} file(s) has @since and @category`)
}
