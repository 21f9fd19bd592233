// Prints the configuration reference for README.md (between the options markers).
import { optionsMarkdown } from '../src/config/options-table.js';

process.stdout.write(`${optionsMarkdown()}\n`);
