#!/usr/bin/env node
import { runDemo } from './cli/demo.js';
import { mainHelp, runHelp } from './cli/help.js';
import { runResign } from './cli/resign.js';
import { runSidecar } from './cli/run.js';
import { runStatus } from './cli/status.js';
import { version } from './cli/version.js';
import { ElectorError } from './core/errors.js';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command === 'run' ? runHelp() : mainHelp);
    return 0;
  }
  switch (command) {
    case 'run':
      return runSidecar(rest, process.env);
    case 'status':
      return runStatus(rest);
    case 'resign':
      return runResign(rest);
    case 'demo':
      return runDemo(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${version}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(mainHelp);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(
        `elector: unknown command "${command}"; expected one of run, status, resign, demo\n\n${mainHelp}`,
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.argv[2] === 'run') process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ElectorError) {
      process.stderr.write(
        `elector: ${error.code === 'CONFIG_INVALID' ? 'invalid configuration' : error.code}:\n${error.message
          .split('\n')
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
      );
      process.exit(error.code === 'CONFIG_INVALID' ? 2 : 1);
    }
    process.stderr.write(
      `elector: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
