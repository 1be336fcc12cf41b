import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { PickPurpose } from '../shared/api/app';

const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'tif', 'tiff'];

/** Native open/save dialogs for each purpose the renderer may ask for; null when the user cancels. */
export async function pickPath(win: BrowserWindow | null, purpose: PickPurpose): Promise<string[] | null> {
  if (purpose === 'new-project') {
    const options = {
      title: 'New DW Studio project',
      defaultPath: 'untitled.dwproj',
      filters: [{ name: 'DW Studio project', extensions: ['dwproj'] }],
    };
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return r.canceled || !r.filePath
      ? null
      : [r.filePath.endsWith('.dwproj') ? r.filePath : `${r.filePath}.dwproj`];
  }
  const options: OpenDialogOptions = (
    {
      'open-project': {
        title: 'Open project',
        properties: ['openFile'],
        filters: [{ name: 'DW Studio project', extensions: ['dwproj'] }],
      },
      'add-images': {
        title: 'Add images',
        properties: ['openFile', 'multiSelections'],
        filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }],
      },
      'add-folder': { title: 'Add a folder of images', properties: ['openDirectory', 'multiSelections'] },
      'import-coco': {
        title: 'Import COCO annotations',
        properties: ['openFile'],
        filters: [{ name: 'COCO json', extensions: ['json'] }],
      },
      'import-folder': { title: 'Import a Pascal VOC or YOLO dataset folder', properties: ['openDirectory'] },
      'import-results': {
        title: 'Import COCO detection results',
        properties: ['openFile'],
        filters: [{ name: 'COCO results json', extensions: ['json'] }],
      },
      'export-dir': { title: 'Export to folder', properties: ['openDirectory', 'createDirectory'] },
      'import-weights': {
        title: 'Import weights file',
        properties: ['openFile'],
        filters: [{ name: 'PyTorch weights', extensions: ['pth', 'pt'] }],
      },
    } satisfies Record<Exclude<PickPurpose, 'new-project'>, OpenDialogOptions>
  )[purpose];
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths;
}
