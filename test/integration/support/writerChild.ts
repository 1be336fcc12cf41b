// A writer in its own process, for the crash test: it opens a project through the services and saves
// box edits as fast as it can, printing `saved <n>` once each save has returned. The test kills it.
// Edit n goes to image n mod N and carries n in its first box's score, with 1 + n mod 5 boxes.
import { createServices } from '../../../src-main/services';

const call = { transport: 'direct' } as const;

async function main(): Promise<void> {
  const [file, userDataDir] = process.argv.slice(2) as [string, string];
  const s = createServices({ appVersion: '0.0.0-test', mode: 'serve', userDataDir });
  await s.handlers['project.open']({ path: file }, call);
  const classId = (await s.handlers['classes.list']({}, call))[0]!.id;
  const page = await s.handlers['images.list']({ filter: {}, order: 'added', offset: 0, limit: 1000 }, call);
  const ids = page.items.map((i) => i.id);
  process.stdout.write(`ready ${ids.length}\n`);
  for (let n = 1; n < 1_000_000; n++) {
    const boxes = Array.from({ length: 1 + (n % 5) }, (_, k) => ({
      classId,
      x: k * 10,
      y: (n % 400) + 0.5,
      w: 9,
      h: 9,
      source: 'model' as const,
      score: k === 0 ? n / 1_000_000 : 0.5,
    }));
    await s.handlers['boxes.replace']({ imageId: ids[n % ids.length]!, boxes }, call);
    process.stdout.write(`saved ${n}\n`);
  }
}

void main();
