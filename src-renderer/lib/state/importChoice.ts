import type { ImportPreview, ImportReport } from '../../../src-main/shared/api/project';
import type { DialogRequest } from './dialogs.svelte';

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * The question an import asks when the project has some of its images already: what happens to their
 * boxes, with what each answer would do, counted before anything changes. Keep mine comes first.
 */
export function existingChoiceDialog(p: ImportPreview): DialogRequest {
  const e = p.existing;
  const fresh =
    p.newImages > 0
      ? ` The ${count(p.newImages, 'new image')} (${count(p.newBoxes, 'box', 'boxes')}) are added whatever you choose.`
      : '';
  return {
    title: `${count(e.found, 'image')} of this ${p.images === 1 ? 'image' : `${p.images.toLocaleString()}-image`} dataset ${e.found === 1 ? 'is' : 'are'} in the project already`,
    message: `What happens to their boxes?${fresh} The whole import can be undone afterwards.`,
    details: [
      `Keep mine: they stay as they are; the dataset’s ${count(e.boxes, 'box', 'boxes')} for them are left out.`,
      e.replace.changed === 0
        ? 'Replace: nothing would change; they have exactly the dataset’s boxes already.'
        : `Replace: on ${count(e.replace.changed, 'image')}, ${count(e.replace.removed, 'box', 'boxes')} of yours removed and ${count(e.replace.added, 'box', 'boxes')} of the dataset’s put in their place.`,
      e.merge.changed === 0
        ? 'Keep both: nothing to add; every box of the dataset is there already.'
        : `Keep both: ${count(e.merge.added, 'box', 'boxes')} of the dataset’s added to ${count(e.merge.changed, 'image')}; a box you have already (same class, overlapping 95 % or more) is not added twice.`,
    ],
    choices: [
      { value: 'keep', label: 'Keep mine', primary: true },
      { value: 'replace', label: 'Replace with the dataset’s', danger: true },
      { value: 'merge', label: 'Keep both' },
    ],
  };
}

/** What an import did, in one line, and every warning it had, one per line. */
export function importNotice(r: ImportReport): { text: string; details: string[] } {
  const e = r.existing;
  const parts = [`Imported ${count(r.images, 'new image')} and ${count(r.boxes, 'box', 'boxes')}`];
  if (e.found > 0) {
    parts.push(
      e.choice === 'keep'
        ? `${count(e.found, 'image')} already in the project kept as they were`
        : e.choice === 'replace'
          ? `boxes replaced on ${count(e.changed, 'image')} already in the project`
          : `${count(e.added, 'box', 'boxes')} added to ${count(e.changed, 'image')} already in the project`,
    );
  }
  const extra = r.unsupported.map((u) => `${u.count} ${u.what}`).join(', ');
  if (extra) parts.push(`not imported: ${extra}`);
  if (r.warnings.length > 0) parts.push(count(r.warnings.length, 'warning'));
  return { text: parts.join(' · '), details: r.warnings };
}
