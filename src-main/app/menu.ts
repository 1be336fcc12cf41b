import { Menu, app, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { EventHub } from '../services/events';
import type { ViewName } from '../shared/api/events';

const VIEWS: Array<[ViewName, string, string]> = [
  ['library', 'Library', 'CmdOrCtrl+1'],
  ['annotate', 'Annotate', 'CmdOrCtrl+2'],
  ['train', 'Train', 'CmdOrCtrl+3'],
  ['review', 'Review', 'CmdOrCtrl+4'],
  ['inspect', 'Inspect', 'CmdOrCtrl+5'],
  ['settings', 'Settings', 'CmdOrCtrl+,'],
];

/** Menu commands travel to the renderer as `app.command` events, the same way in every transport. */
export function buildMenu(events: EventHub, getWindow: () => BrowserWindow | null): Menu {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        {
          label: 'New Project…',
          accelerator: 'CmdOrCtrl+N',
          click: () => events.emit('app.command', { command: 'new-project' }),
        },
        {
          label: 'Open Project…',
          accelerator: 'CmdOrCtrl+O',
          click: () => events.emit('app.command', { command: 'open-project' }),
        },
        { label: 'Close Project', click: () => events.emit('app.command', { command: 'close-project' }) },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...VIEWS.map(([view, label, accelerator]): MenuItemConstructorOptions => ({
          label,
          accelerator,
          click: () => events.emit('app.command', { command: 'navigate', view }),
        })),
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged
          ? []
          : ([{ role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[])),
      ],
    },
    {
      label: 'Help',
      submenu: [
        {
          label: 'Keyboard Shortcuts',
          accelerator: 'Shift+/',
          click: () => events.emit('app.command', { command: 'shortcuts' }),
        },
        { label: `About DW Studio ${app.getVersion()}`, click: () => getWindow()?.focus() },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
