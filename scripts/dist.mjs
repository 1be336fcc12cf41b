// `npm run dist`: DW Studio's installers for this platform, as electron-builder.yml lists them (AppImage
// and deb on Linux, NSIS on Windows, dmg on macOS; `npm run dist -- --win` and the like pick others),
// then, on Linux, the packed-app check on the unpacked app. Needs the internet: electron-builder
// downloads Electron and rebuilds the SQLite addon for it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPackedApp, electronAbi, runElectronBuilder } from './packCheck.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = runElectronBuilder(process.argv.slice(2), { stdio: 'inherit' });
if (built.status !== 0) {
  console.error(`dist: electron-builder failed (exit ${built.status})`);
  process.exit(1);
}
const unpacked = path.join(root, 'release', 'linux-unpacked');
if (existsSync(unpacked)) {
  const { checks } = await checkPackedApp(unpacked, { abi: electronAbi() });
  const failed = checks.filter((c) => !c.ok);
  for (const c of failed) console.error(`dist: packed app: ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  console.log(`dist: packed app checked: ${checks.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) process.exit(1);
}
