// The `dw-studio` command line.
import { Command, InvalidArgumentError } from 'commander';
import { registerCocoEval } from './cocoEval';
import { registerDoctor } from './doctorCommand';
import { registerEval } from './evalCommand';
import { registerExport } from './exportCommand';
import { registerExportModel } from './exportModelCommand';
import { registerImport } from './importCommand';
import { registerImportPredictions } from './importPredictionsCommand';
import { packageVersion } from './paths';
import { registerPredict } from './predictCommand';
import { serveCommand } from './serve';
import { registerTrain } from './trainCommand';
import { registerWeights } from './weightsCommand';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is an integer 0–65535');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('dw-studio')
    .description('DW Studio: label images, train an FCOS + Dual Weighting detector, review what it learned.')
    .version(packageVersion())
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the app in a browser: HTTP + WebSocket on loopback, guarded by a per-launch token')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8765)
    .option('--host <addr>', 'loopback address to bind', '127.0.0.1')
    .action((opts: { port: number; host: string }) => serveCommand(opts));

  registerCocoEval(program);
  registerImport(program);
  registerExport(program);
  registerTrain(program);
  registerEval(program);
  registerPredict(program);
  registerDoctor(program);
  registerImportPredictions(program);
  registerExportModel(program);
  registerWeights(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    console.error(`dw-studio: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
