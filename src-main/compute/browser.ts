// Where WebGPU training runs: a browser page, in a process of its own, so that a GPU crash or a lost
// device fails the run and nothing else. On the desktop that browser is DW Studio itself (a second
// Electron process with one hidden window); in serve mode and from the command line it is Electron
// where installed, else a Chromium named by CHROMIUM_PATH or found on the PATH.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface BrowserExecutable {
  kind: 'electron' | 'chromium';
  path: string;
  /** Arguments before the page's address (Electron: the app to run, in its GPU-host mode). */
  prefix: string[];
}

/** The switch that makes a DW Studio (Electron) process host the GPU page at the given address. */
export const GPU_HOST_SWITCH = 'dw-studio-gpu-host';

const CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'microsoft-edge',
  'microsoft-edge-stable',
];

const WELL_KNOWN: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    path.join(
      process.env['ProgramFiles'] ?? 'C:\\Program Files',
      'Google',
      'Chrome',
      'Application',
      'chrome.exe',
    ),
    path.join(
      process.env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)',
      'Microsoft',
      'Edge',
      'Application',
      'msedge.exe',
    ),
  ],
};

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean))
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (existsSync(file)) return file;
    }
  return null;
}

/**
 * The `electron` package's binary, when it is installed and its binary downloaded. Read from the
 * package's files, not by loading it: loading it tries to download a missing binary.
 */
function installedElectron(resolveBase: string): string | null {
  try {
    const dir = path.dirname(createRequire(resolveBase).resolve('electron/package.json'));
    const bin = path.join(dir, 'dist', readFileSync(path.join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

export interface FindBrowserOptions {
  env?: NodeJS.ProcessEnv;
  /** The app folder that Electron runs in its GPU-host mode (the one holding package.json). */
  appRoot: string;
  resolveBase?: string;
}

/**
 * The browser to host the GPU page, or null with the places looked at. In order: the desktop app's
 * own binary (its trainer's environment names it), CHROMIUM_PATH, an installed Electron, a Chromium,
 * Chrome or Edge on the PATH or where it installs itself.
 */
export function findBrowser(
  options: FindBrowserOptions,
): { browser: BrowserExecutable } | { browser: null; looked: string } {
  const env = options.env ?? process.env;
  if (env.DW_STUDIO_APP_BINARY && env.DW_STUDIO_APP_PATH) {
    const prefix = [env.DW_STUDIO_APP_PATH];
    return { browser: { kind: 'electron', path: env.DW_STUDIO_APP_BINARY, prefix } };
  }
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (existsSync(chosen)) return { browser: { kind: 'chromium', path: chosen, prefix: [] } };
    return { browser: null, looked: `CHROMIUM_PATH (${chosen}) does not exist` };
  }
  const electron = installedElectron(options.resolveBase ?? __filename);
  if (electron) return { browser: { kind: 'electron', path: electron, prefix: [options.appRoot] } };
  for (const name of CHROMIUM_NAMES) {
    const found = onPath(name, env);
    if (found) return { browser: { kind: 'chromium', path: found, prefix: [] } };
  }
  for (const file of WELL_KNOWN[process.platform] ?? [])
    if (existsSync(file)) return { browser: { kind: 'chromium', path: file, prefix: [] } };
  return {
    browser: null,
    looked: `no CHROMIUM_PATH, no Electron, and none of ${CHROMIUM_NAMES.join(', ')} on the PATH`,
  };
}

/**
 * Chromium's lifeline to the trainer: with this switch it reads DevTools commands from file
 * descriptor 3 (nothing is ever sent) and ends when that pipe closes, which happens whenever the
 * trainer ends, a crash or SIGKILL included. The process starting it passes pipes as fds 3 and 4
 * (`BROWSER_STDIO`). DW Studio's GPU host (Electron) watches its parent process instead.
 */
export const LIFELINE_SWITCH = '--remote-debugging-pipe';
export const BROWSER_STDIO = ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] as const;

/** The command line that opens `url` in `browser`, hosting the GPU page. */
export function browserCommand(
  browser: BrowserExecutable,
  url: string,
  profileDir: string,
  software: boolean,
): string[] {
  const flags = chromiumArgs(profileDir, software);
  return browser.kind === 'electron'
    ? // Electron: DW Studio's main in its GPU-host mode opens the page in a hidden window.
      [...browser.prefix, `--${GPU_HOST_SWITCH}=${url}`, ...flags.filter((f) => !f.startsWith('--headless'))]
    : [...flags, LIFELINE_SWITCH, url];
}

/**
 * Command-line switches for a headless Chromium hosting the GPU page: WebGPU on (Linux needs the
 * unsafe switch and Vulkan for most GPUs), no throttling of a page nobody looks at, a throwaway
 * profile. `software` lets it use SwiftShader (tests only).
 */
export function chromiumArgs(profileDir: string, software: boolean): string[] {
  const args = [
    '--headless=new',
    `--user-data-dir=${profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
  ];
  if (software) args.push('--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader');
  // Chromium refuses to run as root with its sandbox (containers, CI).
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  return args;
}
