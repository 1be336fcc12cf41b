// The desktop composition root: Electron's windows, menu, protocols and IPC around the same services
// that serve mode and the CLI use. Everything testable lives below services/; this file stays thin.
import { app, ipcMain, Menu, session, type BrowserWindow } from 'electron';
import path from 'node:path';
import type { ComputeChoice } from '../compute/backendChain';
import { chooseCompute } from '../compute/probeCompute';
import { createServices } from '../services';
import { createDispatch } from '../transport/dispatch';
import { forwardEvents, registerIpc } from '../transport/ipc';
import { pickPath } from './dialogs';
import { denyAllPermissions, lockDownEveryWebContents, securityHeadersOnEveryResponse } from './guards';
import { buildMenu } from './menu';
import { handleProtocols, registerSchemes } from './protocols';
import { GPU_HOST_SWITCH } from '../compute/browser';
import { runGpuHost } from './gpuHost';
import { utilityProbeLauncher } from './probeLauncher';
import { utilityTrainer } from './utilityTrainer';
import { createMainWindow, trustedSender } from './window';

// Bundled to dist/main/app.cjs; the renderer build sits beside it in dist/renderer.
const DIST = path.resolve(__dirname, '..');

let mainWindow: BrowserWindow | null = null;

const gpuPage = app.commandLine.getSwitchValue(GPU_HOST_SWITCH);
if (gpuPage) runGpuHost(gpuPage);
else startApp();

function startApp(): void {
  app.enableSandbox();
  lockDownEveryWebContents(app);
  registerSchemes();
  if (!app.requestSingleInstanceLock()) app.quit();

  void app.whenReady().then(() => {
    // Probed once, in utility processes, for the trainer and for the status bar alike.
    let choice: Promise<ComputeChoice> | null = null;
    const compute = () =>
      (choice ??= chooseCompute({ launcher: utilityProbeLauncher() }).catch((e: unknown) => {
        choice = null;
        throw e;
      }));
    const services = createServices({
      appVersion: app.getVersion(),
      mode: 'desktop',
      userDataDir: app.getPath('userData'),
      dialogs: { pickPath: (purpose) => pickPath(mainWindow, purpose) },
      spawnTrainer: utilityTrainer(path.join(DIST, 'main', 'trainer.cjs'), compute),
      probeCompute: async () => (await compute()).report,
      // Packaged, the sample sits outside the asar archive (electron-builder extraResources).
      resourcesDir: app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources'),
      // Copied beside an exported model (read from app.asar when packaged: Electron's fs reads it).
      deployModule: path.join(DIST, 'deploy', 'detector.mjs'),
      // `npm start` passes better-sqlite3's addon built for Electron (node_modules holds Node's build);
      // a packaged app's own copy was rebuilt for Electron by electron-builder.
      sqliteBinding: app.isPackaged ? undefined : process.env.DWS_SQLITE_BINDING || undefined,
    });
    denyAllPermissions(session.defaultSession);
    securityHeadersOnEveryResponse(session.defaultSession);
    handleProtocols(session.defaultSession, services, path.join(DIST, 'renderer'));
    registerIpc(
      ipcMain,
      createDispatch(services.handlers),
      trustedSender(() => mainWindow),
    );
    forwardEvents(services.events, () => mainWindow?.webContents ?? null);
    Menu.setApplicationMenu(buildMenu(services.events, () => mainWindow));

    mainWindow = createMainWindow(path.join(DIST, 'main', 'preload.cjs'));
    mainWindow.on('closed', () => (mainWindow = null));

    app.on('second-instance', () => {
      if (mainWindow?.isMinimized()) mainWindow.restore();
      mainWindow?.focus();
    });
    app.on('window-all-closed', () => {
      void services.close().finally(() => app.quit());
    });
  });
}
