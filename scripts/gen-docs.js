#!/usr/bin/env node
// `npm run docs`: regenerates man/ and completions/ from the compiled commands (run `npm run build` first;
// the npm script does). The generators live in src/cli/docs/ and are compiled to dist/.
import { fileURLToPath, URL } from 'node:url';
import { generateAll, writeGenerated } from '../dist/src/cli/docs/generate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = await generateAll(root);
const changes = writeGenerated(root, files);
for (const line of changes) console.log(`updated: ${line}`);
console.log(`${files.size} files in man/ and completions/ (${changes.length} changed)`);
