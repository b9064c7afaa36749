import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { JsonObject } from '@mcpman/protocol';

/** A request's parameter headers (`Mcp-Param-<name>` on HTTP), by `name`; raw values. */
export type ParamHeaders = (name: string) => string | undefined;

const BASE64_WRAPPED = /^=\?base64\?(.*)\?=$/s;
/** RFC 4648 base64, padded: what SEP-2243 requires inside `=?base64?…?=`. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A 2026-07-28 header value as the client meant it (SEP-2243): plain ASCII as it is, or
 * `=?base64?…?=` decoded; undefined when the wrapped value is not valid padded base64.
 * Surrounding whitespace is not part of a field value (RFC 9110 §5.5).
 */
export function decodeParamHeader(raw: string): string | undefined {
  const value = raw.trim();
  const wrapped = BASE64_WRAPPED.exec(value)?.[1];
  if (wrapped === undefined) return value;
  if (!BASE64.test(wrapped)) return undefined;
  return Buffer.from(wrapped, 'base64').toString('utf8');
}

/** How an argument value appears in its header. */
function headerForm(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * SEP-2243: a tool's parameters marked `x-mcp-header: Name` travel as `Mcp-Param-Name` headers
 * too, and the server must check they agree with the body. What is wrong, or undefined.
 */
export function paramHeaderMismatch(
  paramHeader: ParamHeaders,
  inputSchema: JsonObject | undefined,
  args: unknown,
): string | undefined {
  const properties = inputSchema?.['properties'];
  if (typeof properties !== 'object' || properties === null) return undefined;
  const values = typeof args === 'object' && args !== null ? (args as JsonObject) : {};
  for (const [property, schema] of Object.entries(properties as JsonObject)) {
    const name =
      typeof schema === 'object' && schema !== null ? (schema as JsonObject)['x-mcp-header'] : undefined;
    if (typeof name !== 'string' || name === '') continue;
    const expected = headerForm(values[property]);
    if (expected === undefined) continue;
    const sent = paramHeader(name);
    if (sent === undefined) return `Mcp-Param-${name} header is missing for argument ${property}`;
    const decoded = decodeParamHeader(sent);
    if (decoded === undefined) return `Mcp-Param-${name} header is not valid =?base64?…?= encoding`;
    if (decoded !== expected) return `Mcp-Param-${name} header does not match argument ${property}`;
  }
  return undefined;
}

/** The refusal of a request whose headers disagree with its body. */
export function headerMismatch(problem: string): MCPError {
  return new MCPError(MCPErrorCode.ProtocolHeaderMismatch, `Header mismatch: ${problem}`);
}
