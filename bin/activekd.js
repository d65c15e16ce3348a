#!/usr/bin/env node
// Launcher of the `activekd` command: runs the compiled CLI in dist/ (plain JavaScript, no TypeScript
// loader at run time). dist/ ships in the npm package; in a git clone `npm ci` builds it (the
// `prepare` script), and `npm run build` rebuilds it after editing src/. To run the sources
// directly instead, use `npm run activekd -- <args>` (tsx).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`activekd: error: the compiled CLI ${fileURLToPath(entry)} is missing: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
// dist/cli/main.js runs the program itself when process.argv[1] is this launcher (bin/activekd.js or
// the `activekd` link npm makes to it).
await import(entry.href);
