#!/usr/bin/env node
/**
 * Checks the public surface as a user of the package sees it: starting from the package's entry
 * points (the `exports` map: src/index.ts, src/wire/index.ts, …), it asks the TypeScript compiler
 * for every exported symbol, follows `export * as X` / `export * from` / `export { x } from` into
 * the modules they name (members of namespaces too), and fails on
 *
 * - an export whose declaration carries `@internal` (reachable, so not internal);
 * - an export documented without `@since` or `@category` (on its own declaration, or on the
 *   re-export that names it: `export { x }` with JSDoc, `export * as X` needs `@since` only);
 * - a member of an exported interface, type literal or class (not `private`) tagged `@internal`;
 * - a type named in a public declaration's signature whose declaration carries `@internal`
 *   (a user meets it and cannot read it). A type alias that is the re-export of an internal
 *   type (`export type X = internal.X`) is the public name of that type and is not reported.
 *
 * It also lists public modules (files under src/ outside src/internal/) that no entry point
 * reaches: dead, or missing from an index.
 *
 * scripts/check-jsdoc.mjs checks every public file's own declarations; this one checks what the
 * entry points actually expose. `npm run check:jsdoc` runs both.
 *
 *   node scripts/check-internal.mjs           (npm run check:jsdoc)
 *
 * Exits 1 and prints `file:line Entry.Path.name (problem)` for each finding; 0 when there is none.
 */
import { readdirSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(join(root, "package.json"))
const ts = require("typescript")
const pkg = require("./package.json")

// The entry points: the `exports` map's `types`, mapped from dist/*.d.ts back to src/*.ts.
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === "object" && typeof target.types === "string")
  .map(([name, target]) => ({ name, file: join(root, target.types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts")) }))

const configFile = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile)
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root)
const program = ts.createProgram(entries.map((e) => e.file), { ...options, noEmit: true })
const checker = program.getTypeChecker()

const srcDir = join(root, "src")
const internalDir = join(srcDir, "internal") + sep
const isOurs = (file) => file.startsWith(srcDir + sep)

const tagsOf = (node) => new Set(ts.getJSDocTags(node).map((t) => t.tagName.text))
const where = (node) => {
  const sf = node.getSourceFile()
  return `${relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`
}

// One line per place and problem: a module reached through two entry points is reported once, by its first path.
const findings = new Map()
const report = (node, path, problem) => {
  const key = `${where(node)} (${problem})`
  if (!findings.has(key)) findings.set(key, `${where(node)} ${path} (${problem})`)
}

const resolveAlias = (symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol)
const isModuleSymbol = (symbol) => symbol.declarations?.some((d) => ts.isSourceFile(d)) ?? false
const isInternal = (node) => tagsOf(node).has("internal")

/** The JSDoc-carrying node of a re-export: `export { x }` specifiers, `export * as X` declarations. */
const aliasDocNode = (symbol) => {
  const d = symbol.declarations?.[0]
  if (d === undefined) return undefined
  if (ts.isNamespaceExport(d)) return d.parent
  if (ts.isExportSpecifier(d)) return d
  return undefined
}

/** Overloads: the JSDoc sits on the first signature; later ones are not separate exports. */
const documentedDeclarations = (symbol) => {
  const seen = new Set()
  return (symbol.declarations ?? []).filter((d) => {
    if (ts.isFunctionDeclaration(d)) {
      if (seen.has("function")) return false
      seen.add("function")
    }
    return true
  })
}

/** Members a user can reach: properties and methods of interfaces, type literals and classes (not private). */
const checkMembers = (declaration, path) => {
  const visit = (node) => {
    if ((ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) ||
      ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node)) && node.name !== undefined) {
      const flags = ts.getCombinedModifierFlags(node)
      const hidden = (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || ts.isPrivateIdentifier(node.name)
      if (!hidden && isInternal(node)) report(node, `${path}.${node.name.getText()}`, "member marked @internal")
    }
    // Function bodies and initializers are implementation, not surface.
    if (ts.isBlock(node)) return
    ts.forEachChild(node, visit)
  }
  if (ts.isInterfaceDeclaration(declaration) || ts.isClassDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration)) {
    ts.forEachChild(declaration, visit)
  }
}

/** Types named in a declaration's signature (its annotations, not its implementation). */
const checkNamedTypes = (declaration, path) => {
  // `export type X = internal.X`: the public name of an internal shape, the pattern of thin modules.
  if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeReferenceNode(declaration.type)) return
  const visit = (node) => {
    if (ts.isBlock(node)) return
    if (ts.isVariableDeclaration(node) && node.type === undefined) return
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : ts.isPropertyAccessExpression(name) ? name.name : name)
      const target = symbol === undefined ? undefined : resolveAlias(symbol)
      const internal = target?.declarations?.find((d) => isOurs(d.getSourceFile().fileName) && isInternal(d))
      if (internal !== undefined) report(node, path, `names ${target.getName()}, marked @internal at ${where(internal)}`)
    }
    ts.forEachChild(node, visit)
  }
  // A variable's type annotation, a function's parameters and return type, an interface's or alias's body.
  if (ts.isVariableDeclaration(declaration)) {
    if (declaration.type) visit(declaration.type)
  } else if (ts.isFunctionDeclaration(declaration)) {
    for (const p of declaration.parameters) if (p.type) visit(p.type)
    if (declaration.type) visit(declaration.type)
  } else if (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration) || ts.isClassDeclaration(declaration)) {
    ts.forEachChild(declaration, (child) => {
      // A class's private members are not surface.
      if (ts.isClassElement(child) && (ts.getCombinedModifierFlags(child) & ts.ModifierFlags.Private) !== 0) return
      visit(child)
    })
  }
}

const reachedFiles = new Set()
const checkedDeclarations = new Set()

const checkModule = (moduleSymbol, path, seen) => {
  if (seen.has(moduleSymbol)) return
  seen.add(moduleSymbol)
  for (const d of moduleSymbol.declarations ?? []) reachedFiles.add(d.getSourceFile().fileName)
  for (const exported of checker.getExportsOfModule(moduleSymbol)) checkExport(exported, `${path}.${exported.getName()}`, seen)
}

const checkExport = (exported, path, seen) => {
  const target = resolveAlias(exported)
  const docNode = aliasDocNode(exported)
  const aliasTags = docNode === undefined ? undefined : tagsOf(docNode)
  if (isModuleSymbol(target)) {
    // `export * as X from "./X.js"`: the module needs @since on the re-export.
    if (docNode !== undefined && ts.isExportDeclaration(docNode) && !aliasTags.has("since")) report(docNode, path, "missing @since")
    if (aliasTags?.has("internal")) report(docNode, path, "re-export marked @internal")
    checkModule(target, path, seen)
    return
  }
  if (aliasTags?.has("internal")) report(docNode, path, "re-export marked @internal")
  for (const declaration of documentedDeclarations(target)) {
    const file = declaration.getSourceFile().fileName
    if (!isOurs(file)) continue
    reachedFiles.add(file)
    const tags = tagsOf(declaration)
    if (tags.has("internal")) {
      report(declaration, path, "marked @internal but reachable from an entry point")
    } else {
      // Documented either on the declaration or on the re-export that names it.
      const missing = ["since", "category"].filter((t) => !tags.has(t) && !aliasTags?.has(t))
      if (missing.length > 0) report(declaration, path, `missing ${missing.map((t) => `@${t}`).join(", ")}`)
    }
    if (checkedDeclarations.has(declaration)) continue
    checkedDeclarations.add(declaration)
    checkMembers(declaration, path)
    checkNamedTypes(declaration, path)
    // `export declare namespace X { … }`: its members are exports too.
    if (ts.isModuleDeclaration(declaration) && target.exports) {
      for (const member of checker.getExportsOfModule(target)) checkExport(member, `${path}.${member.getName()}`, seen)
    }
  }
}

for (const entry of entries) {
  const source = program.getSourceFile(entry.file)
  const symbol = source && checker.getSymbolAtLocation(source)
  if (symbol === undefined) {
    findings.set(entry.file, `${relative(root, entry.file)} (entry point "${entry.name}" has no exports)`)
    continue
  }
  const name = entry.name === "." ? pkg.name : `${pkg.name}/${entry.name.slice(2)}`
  checkModule(symbol, name, new Set())
}

// Public modules no entry point reaches.
const walk = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).flatMap((name) => walk(join(path, name)))
    : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : []
for (const file of walk(srcDir)) {
  if (file.startsWith(internalDir) || reachedFiles.has(file)) continue
  findings.set(file, `${relative(root, file)}:1 (public module reached from no entry point)`)
}

if (findings.size > 0) {
  console.log([...findings.values()].sort().join("\n"))
  console.log(`\n${findings.size} finding(s) on the public surface of ${entries.length} entry point(s)`)
  process.exitCode = 1
} else {
  console.log(`public surface of ${entries.length} entry point(s): nothing @internal, every export has @since and @category`)
}
