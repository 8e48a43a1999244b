// Runs the benchmarks: `npm run bench` for all, `npm run bench -- policy` for one.
// Pin to one core for per-core figures: `taskset -c 0 npm run bench`.
import { benchHops } from './hops.js'
import { benchMandate } from './mandate.js'
import { benchPolicy } from './policy.js'
import { benchProxy } from './proxy.js'
import { benchSts } from './sts.js'

const BENCHES: Record<string, () => Promise<void>> = {
  policy: () => benchPolicy(),
  mandate: () => benchMandate(),
  sts: () => benchSts(),
  proxy: () => benchProxy(),
  hops: () => benchHops(),
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !(name in BENCHES))
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (have: ${Object.keys(BENCHES).join(', ')})`)
  process.exit(2)
}
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  console.log(`# ${name}`)
  await BENCHES[name]!()
}
