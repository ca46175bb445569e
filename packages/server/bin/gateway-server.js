#!/usr/bin/env node
// The command's entry, committed so the file exists before the build: pnpm links workspace bins at install,
// and a bin pointing into a not-yet-built dist/ makes every fresh install warn.
import '../dist/cli.js';
