import { existsSync } from 'node:fs';
import path from 'node:path';
import { createServices } from '../services';
import { startServer } from '../transport/server';
import {
  cliTrainer,
  deployModuleFile,
  packageVersion,
  rendererDir,
  resourcesDir,
  userDataDir,
} from './paths';

export interface ServeCommandOptions {
  host: string;
  port: number;
}

/**
 * A promise that failed with nobody waiting on it would end the process (Node's default), and with it
 * every open page of the app: it is logged instead, and the server goes on.
 */
export function logUnhandledRejections(): void {
  process.on('unhandledRejection', (reason) => {
    console.error('serve: an operation failed and nothing was waiting for it; still serving.', reason);
  });
}

export async function serveCommand(opts: ServeCommandOptions): Promise<void> {
  logUnhandledRejections();
  const dir = rendererDir();
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`The app is not built (${dir} is missing). Run: npm run build`);
  }
  const services = createServices({
    appVersion: packageVersion(),
    mode: 'serve',
    userDataDir: userDataDir(),
    spawnTrainer: cliTrainer(),
    resourcesDir: resourcesDir(),
    deployModule: deployModuleFile(),
  });
  const server = await startServer({ services, rendererDir: dir, host: opts.host, port: opts.port });
  console.log(`DW Studio ${packageVersion()} is serving at:\n\n  ${server.url}\n`);
  console.log("Open that address in a browser; it carries this launch's access token. Press Ctrl+C to stop.");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    void server
      .close()
      .then(() => services.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
