import { defineConfig } from 'tsdown';

// dist/ exists so the bin runs on plain node after `npm ci && npm run build`; tests and the
// workspace use src/ directly. Declarations are not needed: nothing outside the repo imports this.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: false,
  fixedExtension: false,
  clean: true,
});
