/** Class colours: distinct on the dark canvas and from one another, in the order new classes take them. */
export const CLASS_COLORS = [
  '#e6194b',
  '#3cb44b',
  '#ffe119',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#46f0f0',
  '#f032e6',
  '#bcf60c',
  '#fabebe',
  '#008080',
  '#e6beff',
  '#9a6324',
  '#fffac8',
  '#800000',
  '#aaffc3',
];

/** Digits first, in keyboard order: the hotkeys a new class gets until they run out. */
export const DEFAULT_HOTKEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

export function nextColor(used: readonly string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return CLASS_COLORS.find((c) => !taken.has(c)) ?? CLASS_COLORS[used.length % CLASS_COLORS.length]!;
}

export function nextHotkey(used: readonly (string | null)[]): string | null {
  return DEFAULT_HOTKEYS.find((k) => !used.includes(k)) ?? null;
}
