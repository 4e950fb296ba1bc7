// Process entry of `hoard-manage` (bin/hoard-manage.js loads this).
import { runHoardManage } from "./hoard-manage.js";
import { runAsProcess } from "./program.js";

await runAsProcess(runHoardManage);
