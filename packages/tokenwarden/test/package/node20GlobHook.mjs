/** Module hook (see sizeLimit.mjs): size-limit's `node:fs/promises` gains a `glob`, nobody else's. */
const shim = new URL('./node20FsPromises.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'node:fs/promises' && context.parentURL?.includes('/node_modules/size-limit/')) {
    return { url: shim, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
