import { MCPErrorCode } from '../errors/codes.js';
import { MCPError } from '../errors/mcp-error.js';

/**
 * A response body as text, refusing one larger than `limit` bytes as it arrives: what a remote
 * party sends (a registry, an authorization server) must not fill this process's memory.
 */
export async function limitedText(response: Response, limit: number, from: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge(from, limit);
  }
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(from, limit);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(from: string, limit: number): MCPError {
  return new MCPError(MCPErrorCode.PayloadTooLarge, `${from} sent more than ${Math.round(limit / 1024)} KiB`);
}
