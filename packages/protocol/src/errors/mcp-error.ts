import { ERROR_CODE_MAPPING, MCPErrorCode } from './codes.js';
import type { JsonRpcErrorCodeValue } from './codes.js';

export interface MCPErrorOptions {
  /** What the user can do about it, in one sentence. */
  readonly hint?: string;
  readonly cause?: unknown;
  /** Structured details safe to show a client (never secret values). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The JSON-RPC `error` member as it goes on the wire. */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The base of every error the project raises on purpose. It carries a stable code, a message that
 * names what went wrong, and a hint that names what to do about it.
 */
export class MCPError extends Error {
  readonly code: MCPErrorCode;
  readonly hint: string | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: MCPErrorCode, message: string, options: MCPErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MCPError';
    this.code = code;
    this.hint = options.hint;
    this.data = options.data;
  }

  get jsonRpcCode(): JsonRpcErrorCodeValue {
    return ERROR_CODE_MAPPING[this.code].jsonRpc;
  }

  get httpStatus(): number {
    return ERROR_CODE_MAPPING[this.code].httpStatus;
  }

  get transient(): boolean {
    return ERROR_CODE_MAPPING[this.code].transient;
  }

  /** The JSON-RPC error object; `data.code` keeps our code so clients can tell causes apart. */
  toJsonRpc(): JsonRpcErrorObject {
    return {
      code: this.jsonRpcCode,
      message: this.message,
      data: { code: this.code, ...(this.hint === undefined ? {} : { hint: this.hint }), ...this.data },
    };
  }

  /** One or two lines for a terminal: message, then what to do. */
  toDisplayString(): string {
    const head = `${this.code}: ${this.message}`;
    return this.hint === undefined ? head : `${head}\n  hint: ${this.hint}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.data === undefined ? {} : { data: this.data }),
    };
  }
}

export function isMCPError(error: unknown): error is MCPError {
  return error instanceof MCPError;
}

/**
 * Turn anything thrown into an MCPError without losing the original: known errors pass through,
 * everything else becomes `fallback` with the original as `cause`.
 */
export function toMCPError(
  error: unknown,
  fallback: MCPErrorCode = MCPErrorCode.Internal,
  context?: string,
): MCPError {
  if (error instanceof MCPError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const message = context === undefined ? detail : `${context}: ${detail}`;
  return new MCPError(fallback, message, { cause: error });
}
