// `dw-studio weights list | download <id> | import <file> | verify [id]`: the ImageNet weights a
// detector starts from, in the cache shared by all projects (<user data>/weights).
import path from 'node:path';
import type { Command } from 'commander';
import { humanBytes } from '../shared/bytes';
import { exactBytes, WeightsCache, type CacheEntry } from '../weights/cache';
import { CATALOG_ENV, loadCatalog } from '../weights/catalog';
import { downloadWeights, weightsUrl } from '../weights/download';
import { userDataDir } from './paths';
import { DownloadLine } from './terminalProgress';

export const MIRROR_ENV = 'DW_STUDIO_WEIGHTS_MIRROR';

const ENVIRONMENT_HELP = `
Files are kept in <user data>/weights, shared by all projects ($DW_STUDIO_HOME moves the user data).

Environment:
  ${MIRROR_ENV}=<base URL>
      download from this address instead (an offline or in-house mirror): the file name is appended
      to it, e.g. https://files.example.org/weights/ → https://files.example.org/weights/resnet18-f37072fd.pth
  ${CATALOG_ENV}=<file.json>
      use an organisation's own list of weights files (kept on its own mirror) instead of the built-in
      one: a JSON array of entries, each with id, preset (mobilenet_v2, resnet18 or resnet50), title,
      fileName, url, bytes, sha256, licence, source and imagenetTop1 (ImageNet top-1 accuracy, %)`;

export function weightsDir(): string {
  return path.join(userDataDir(), 'weights');
}

function openCache(): WeightsCache {
  return new WeightsCache(weightsDir(), loadCatalog(process.env));
}

export function registerWeights(program: Command): void {
  const weights = program
    .command('weights')
    .description('the ImageNet weights detectors start from: list, download, import a file fetched elsewhere')
    .addHelpText('after', ENVIRONMENT_HELP);

  weights
    .command('list')
    .description('every known weights file: size, licence, and whether it is on this computer')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => listCommand(opts));

  weights
    .command('download')
    .description(`download a weights file into the cache (resumes an interrupted download; $${MIRROR_ENV})`)
    .argument('<id>', 'the id `dw-studio weights list` shows')
    .action((id: string) => downloadCommand(id));

  weights
    .command('import')
    .description('copy a weights file fetched elsewhere into the cache, once its SHA-256 is checked')
    .argument('<file>', 'the downloaded file (e.g. resnet18-f37072fd.pth)')
    .option('--id <id>', 'the weights it should be (default: whichever its SHA-256 matches)')
    .action((file: string, opts: { id?: string }) => importCommand(file, opts));

  weights
    .command('verify')
    .description('hash the cached files again and compare them with the catalog')
    .argument('[id]', 'only this one (default: every cached file)')
    .action((id: string | undefined) => verifyCommand(id));
}

export function listCommand(opts: { json?: boolean }): void {
  const cache = openCache();
  const entries = cache.list();
  if (opts.json) {
    const weights = entries.map((e) => ({
      ...e.weights,
      state: e.state,
      path: e.path,
      partialBytes: e.partialBytes,
    }));
    console.log(JSON.stringify({ dir: cache.dir, weights }, null, 2));
    return;
  }
  console.log(describeList(entries).join('\n'));
  console.log(`Folder: ${cache.dir}`);
  if (entries.some((e) => e.state !== 'cached'))
    console.log(
      'Get a missing file with `dw-studio weights download <id>`, or download its URL on another computer ' +
        'and add it with `dw-studio weights import <file>`.',
    );
}

/** The table of `weights list`, header first. */
export function describeList(entries: readonly CacheEntry[]): string[] {
  const rows = entries.map((e) => [
    e.weights.id,
    e.weights.preset,
    humanBytes(e.weights.bytes),
    e.state === 'cached'
      ? 'cached'
      : e.state === 'partial'
        ? `partial ${humanBytes(e.partialBytes)}`
        : 'not downloaded',
    e.weights.licence,
    e.state === 'cached' ? '' : e.weights.url,
  ]);
  const table = [['ID', 'PRESET', 'SIZE', 'STATE', 'LICENCE', 'URL'], ...rows];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  return table.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

export async function downloadCommand(id: string): Promise<void> {
  const cache = openCache();
  const entry = cache.entry(id);
  const already = cache.pathOf(id);
  if (already) {
    console.log(`${entry.title} is in the cache already: ${already}`);
    return;
  }
  const mirror = process.env[MIRROR_ENV] || undefined;
  const partial = cache.list().find((e) => e.weights.id === id)?.partialBytes ?? 0;
  console.error(
    `Downloading ${entry.title} (${humanBytes(entry.bytes)}) from ${weightsUrl(entry, mirror)}` +
      (partial > 0 ? `, resuming after ${humanBytes(partial)}` : ''),
  );
  const progress = new DownloadLine(entry.id);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  let file: string;
  try {
    file = await downloadWeights(entry, cache.dir, {
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      ...(mirror ? { mirror } : {}),
    });
  } catch (e) {
    progress.stop();
    if (controller.signal.aborted) {
      console.error(`dw-studio: ${(e as Error).message}`);
      process.exitCode = 130;
      return;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  progress.stop();
  console.log(
    `Downloaded ${entry.title} to ${file} (${exactBytes(entry.bytes)}, SHA-256 ${entry.sha256} checked)`,
  );
}

export async function importCommand(file: string, opts: { id?: string }): Promise<void> {
  const result = await openCache().import(file, opts.id);
  const { weights } = result;
  if (result.alreadyCached) {
    console.log(
      `${weights.title} (${weights.id}) is in the cache already, identical (SHA-256 ${result.sha256}): ` +
        `${result.path}. Nothing was changed.`,
    );
    return;
  }
  console.log(`Imported ${weights.title} (${weights.id})`);
  console.log(`SHA-256 ${result.sha256}`);
  console.log(`Saved as ${result.path}`);
}

export async function verifyCommand(id: string | undefined): Promise<void> {
  const cache = openCache();
  const ids =
    id !== undefined ? [cache.entry(id).id] : cache.list().flatMap((e) => (e.path ? [e.weights.id] : []));
  if (ids.length === 0) {
    console.log('No weights files are cached.');
    return;
  }
  let failed = 0;
  for (const one of ids) {
    const r = await cache.verify(one);
    if (r.ok) console.log(`OK ${r.weights.id}: ${r.path}`);
    else {
      failed += 1;
      console.error(`dw-studio: ${r.message}`);
    }
  }
  if (failed > 0) process.exitCode = 1;
}
