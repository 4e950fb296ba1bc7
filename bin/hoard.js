#!/usr/bin/env node
// `hoard` launcher: runs cli/main.ts (see launch.js for how).
import { launch } from "./launch.js";

await launch("main");
