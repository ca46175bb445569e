#!/usr/bin/env sh
# A fresh machine has Node and npm only, and corepack cannot verify pnpm's signature here,
# so every root script reaches pnpm through npx at one pinned version.
exec npx -y pnpm@10.34.9 "$@"
