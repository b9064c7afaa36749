/** What every redacted value becomes. */
export const REDACTED = '[REDACTED]';

/**
 * Known secret values (those the gateway itself holds: header templates of HTTP upstreams) and
 * their removal from text bound for logs, errors, the API and the audit trail. Values shorter
 * than 4 characters are not tracked: redacting them would mangle ordinary text.
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    if (value.length >= 4) this.values.add(value);
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** A copy of a JSON value with every string redacted. */
  redactValue(value: unknown): unknown {
    if (this.values.size === 0) return value;
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)]));
    return value;
  }
}

/** The process's one redactor: every secret value the process reads is added here. */
export const secretRedactor = new Redactor();
