#!/usr/bin/env node
// `hoard-manage` launcher: runs cli/manage-main.ts (see launch.js for how).
import { launch } from "./launch.js";

await launch("manage-main");
