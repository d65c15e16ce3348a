/**
 * @deprecated `writeJsonAtomic` moved to src/util/json-file.ts (the loop layer writes results
 * through src/loop/results.ts); this re-export keeps older imports working.
 */
export { writeJsonAtomic } from '../util/json-file.ts';
