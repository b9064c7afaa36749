import type { CliResult } from './cli.js';

export interface Observation {
  readonly where: string;
  readonly text: string;
}

/**
 * Everything a user or an attacker could read, collected as a secrets test goes (command
 * output, logs, API answers, `podman inspect`), so that the test can say where a value leaked.
 */
export class Witness {
  readonly observed: Observation[] = [];

  see(where: string, text: string): void {
    this.observed.push({ where, text });
  }

  seeCli(where: string, result: CliResult): void {
    this.see(`${where} stdout`, result.stdout);
    this.see(`${where} stderr`, result.stderr);
  }

  /** Where `value` was seen. */
  leaksOf(value: string): string[] {
    return this.observed.filter((o) => o.text.includes(value)).map((o) => o.where);
  }
}
