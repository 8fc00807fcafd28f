#!/usr/bin/env node
// Launcher for the `switchboard` CLI: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
