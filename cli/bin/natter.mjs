#!/usr/bin/env node
// The `natter` command. The client is TypeScript run without a build step (like the rest of
// the repository), so this shim registers tsx's loader before importing it.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
