import type { MCPErrorCode } from './error-codes.js';
import type { ServerState } from './server-status.js';

/*
 * What happens to managed servers, as the event stream of the management API (and the
 * extension's webview messages) carry it to the dashboard.
 */

export interface ServerStateEvent {
  readonly type: 'server.state';
  readonly server: string;
  readonly state: ServerState;
  readonly previous: ServerState;
  /** Why, in words a user understands ("container exited with code 137 (killed)"). */
  readonly reason: string;
  readonly code?: MCPErrorCode;
  readonly at: number;
}

export interface ServerProgressEvent {
  readonly type: 'server.progress';
  readonly server: string;
  readonly phase: 'installing' | 'pulling' | 'building';
  readonly message: string;
  readonly current?: number;
  readonly total?: number;
  readonly at: number;
}

export interface ServerLogEvent {
  readonly type: 'server.log';
  readonly server: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
  readonly at: number;
}

export interface ServerHealthEvent {
  readonly type: 'server.health';
  readonly server: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
  readonly at: number;
}

export interface ReconcileEvent {
  readonly type: 'reconcile';
  readonly server: string;
  readonly action: 'create' | 'recreate' | 'remove' | 'keep' | 'adopt' | 'migrate';
  readonly reason: string;
  readonly at: number;
}

export type ManagerEvent =
  ServerStateEvent | ServerProgressEvent | ServerLogEvent | ServerHealthEvent | ReconcileEvent;

export type ManagerEventOf<T extends ManagerEvent['type']> = Extract<ManagerEvent, { type: T }>;
