// `dw-studio doctor`: what training would run on here, and why each better backend was not used: the
// trainer's own compute report (its GPU adapter and the adapter's check included), in words or JSON.
import type { Command } from 'commander';
import type { ComputeReport } from '../shared/api/system';
import { JobHost } from '../training/jobHost';
import { cliTrainer } from './paths';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'what training runs on here (CPU threads, GPU adapter) and why each better backend is not used',
    )
    .option('--json', 'print the compute report as JSON')
    .action((opts: { json?: boolean }) => doctorCommand(opts));
}

export async function doctorCommand(opts: { json?: boolean }): Promise<void> {
  const host = new JobHost(cliTrainer());
  try {
    const report = await host.compute();
    console.log(opts.json ? JSON.stringify(report, null, 2) : describeCompute(report).join('\n'));
  } finally {
    await host.dispose();
  }
}

export function describeCompute(r: ComputeReport): string[] {
  const lines = [`Training runs on: ${r.device} (${r.backend})`];
  if (r.adapter) {
    const a = r.adapter;
    const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ');
    lines.push(`GPU adapter: ${name || 'unnamed'}${a.software ? ' (software)' : ''}, in ${a.browser}`);
  }
  if (r.selfCheck) {
    const c = r.selfCheck;
    lines.push(
      `GPU check against the CPU: ${c.passed ? 'passed' : 'failed'} (loss ${c.lossError.toExponential(1)}, ` +
        `gradient ${c.gradientError.toExponential(1)} relative${c.cached ? '; checked before' : ''})`,
    );
  }
  if (r.skipped.length) {
    lines.push('Not used:');
    for (const s of r.skipped) {
      lines.push(`  ${s.backend}: ${s.reason}`);
      if (s.fix) lines.push(`    ${s.fix}`);
    }
  }
  return lines;
}
