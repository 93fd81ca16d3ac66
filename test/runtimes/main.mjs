// Deno and Bun entry: `<runtime> main.mjs '<json config>'`, run in a project that installed the
// packed tokenwarden. Prints the observations as one JSON line and ends without process.exit: a
// timer or socket tokenwarden left behind would keep the runtime alive, and the test would see it.
import * as tw from 'tokenwarden';
import { smoke } from './scenario.mjs';

const config = JSON.parse(globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]);
console.log(JSON.stringify(await smoke(tw, config)));
