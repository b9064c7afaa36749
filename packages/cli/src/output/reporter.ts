import { MultiBar, Presets } from 'cli-progress';
import type { SingleBar } from 'cli-progress';
import type { ManagerEvent } from '@mcpman/shared';
import type { CliIO } from '../io.js';
import { paint, paintState } from './format.js';

/**
 * Prints manager events as `up` makes progress: one line per server state change (with its
 * reason), progress bars for image pulls on a terminal, build output with --verbose.
 */
export class ProgressReporter {
  private readonly bars: MultiBar | undefined;
  private readonly pulls = new Map<string, SingleBar>();
  private readonly width: number;

  constructor(
    private readonly io: CliIO,
    servers: readonly string[],
    private readonly verbose = false,
  ) {
    this.width = Math.max(8, ...servers.map((s) => s.length));
    this.bars = io.isTTY
      ? new MultiBar(
          {
            format: '{server} pulling [{bar}] {percentage}% {layer}',
            hideCursor: true,
            clearOnComplete: true,
          },
          Presets.shades_grey,
        )
      : undefined;
  }

  handle(event: ManagerEvent): void {
    const name = 'server' in event ? event.server.padEnd(this.width) : '';
    switch (event.type) {
      case 'server.state':
        if (event.state !== 'pulling') this.finishPull(event.server);
        this.line(
          `${name}  ${paintState(event.state, this.io.isTTY)}  ${event.reason}${event.code === undefined ? '' : paint('gray', ` [${event.code}]`, this.io.isTTY)}`,
        );
        break;
      case 'server.progress':
        if (
          event.phase === 'pulling' &&
          this.bars !== undefined &&
          event.total !== undefined &&
          event.total > 0
        ) {
          let bar = this.pulls.get(event.server);
          if (bar === undefined) {
            bar = this.bars.create(event.total, 0, { server: name, layer: '' });
            this.pulls.set(event.server, bar);
          }
          bar.setTotal(event.total);
          bar.update(event.current ?? 0, { layer: event.message.slice(0, 40) });
        } else if (this.verbose) {
          this.line(`${name}  ${paint('gray', event.phase.padEnd(10), this.io.isTTY)}  ${event.message}`);
        }
        break;
      case 'server.log':
        if (this.verbose)
          this.line(`${name}  ${paint('gray', 'log'.padEnd(10), this.io.isTTY)}  ${event.line}`);
        break;
      case 'reconcile':
        if (event.action !== 'keep')
          this.line(`${name}  ${paint('gray', event.action.padEnd(10), this.io.isTTY)}  ${event.reason}`);
        break;
      case 'server.health':
        if (!event.ok && this.verbose)
          this.line(
            `${name}  ${paint('yellow', 'probe'.padEnd(10), this.io.isTTY)}  ${event.error ?? 'failed'}`,
          );
        break;
    }
  }

  private finishPull(server: string): void {
    const bar = this.pulls.get(server);
    if (bar === undefined) return;
    bar.stop();
    this.bars?.remove(bar);
    this.pulls.delete(server);
  }

  private line(text: string): void {
    if (this.bars !== undefined && this.pulls.size > 0) this.bars.log(`${text}\n`);
    else this.io.stdout(`${text}\n`);
  }

  stop(): void {
    this.bars?.stop();
  }
}
