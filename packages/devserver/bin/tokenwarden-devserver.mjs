#!/usr/bin/env node
// Built entry; run `npm run build -w @tokenwarden/devserver` first (the root `npm run build` does).
import '../dist/cli.js';
