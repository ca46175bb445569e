#!/usr/bin/env node
import { processIo } from './process-io';
import { run } from './run';

const { io, dispose } = processIo();
run(process.argv.slice(2), io).then((code) => {
  dispose();
  // Not process.exit: the streams finish writing, and a closing socket its handshake, before the process ends.
  process.exitCode = code;
});
