// Fails when the runtime imports of src/ and cmd/ form a cycle (STYLE: dependencies point one way).
// Type-only imports are erased at compile time and do not count. Run by `npm run lint`.
// Usage: node tools/check-import-cycles.mjs [dir...]   (default: src cmd)

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import ts from 'typescript';

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['src', 'cmd'];

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative runtime imports and re-exports of one file, resolved to .ts paths. */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    const isExport = ts.isExportDeclaration(statement);
    if (!isImport && !isExport) continue;
    if (statement.moduleSpecifier === undefined || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    if (isImport && statement.importClause?.isTypeOnly) continue;
    if (isExport && statement.isTypeOnly) continue;
    if (isImport && statement.importClause !== undefined && statement.importClause.name === undefined) {
      const bindings = statement.importClause.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)) continue;
    }
    if (isExport && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
      const elements = statement.exportClause.elements;
      if (elements.length > 0 && elements.every((e) => e.isTypeOnly)) continue;
    }
    out.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return out;
}

const files = roots.flatMap((root) => sourceFiles(root)).map((f) => resolve(f));
const graph = new Map(files.map((file) => [file, runtimeImports(file)]));

// Depth-first search with colours; every back edge is a cycle.
const state = new Map();
const stack = [];
const cycles = [];
function visit(file) {
  state.set(file, 'open');
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (state.get(next) === undefined) visit(next);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of files) if (state.get(file) === undefined) visit(file);

if (cycles.length > 0) {
  for (const cycle of cycles) process.stderr.write(`import cycle: ${cycle.map((f) => relative(process.cwd(), f)).join(' → ')}\n`);
  process.stderr.write(`${cycles.length} import cycle(s): make the dependency point one way (STYLE.md, Layout and boundaries)\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`no import cycles among ${files.length} files\n`);
}
