#!/usr/bin/env node
// The `tollgate` command. The CLI is compiled to dist/ by `npm install` (the root `prepare` script).
import "../dist/bin.js";
