import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

// The host binaries images are made from (Node, Python) and the libraries they load.

const run = promisify(execFile);

/** The shared libraries `ldd` lists for a binary, and its loader. */
export async function sharedLibraries(
  binary: string,
): Promise<{ loader: string; libraries: { soname: string; path: string }[] }> {
  let output: string;
  try {
    output = (await run('ldd', [binary])).stdout;
  } catch (error) {
    throw new MCPError(MCPErrorCode.ImageBuildFailed, `ldd ${binary} failed`, {
      cause: error,
      hint: 'The mcpman image is made from this machine’s Node runtime, which needs ldd (glibc) to list its libraries.',
    });
  }
  return parseLdd(output, binary);
}

/** Parses ldd's lines: `libx.so.1 => /path/libx.so.1 (0x…)`, and the loader's `/path/ld.so (0x…)`. */
export function parseLdd(
  output: string,
  binary: string,
): { loader: string; libraries: { soname: string; path: string }[] } {
  let loader: string | undefined;
  const libraries: { soname: string; path: string }[] = [];
  for (const line of output.split('\n')) {
    const linked = /^\s*(\S+)\s+=>\s+(\/\S+)\s+\(/.exec(line);
    if (linked?.[1] !== undefined && linked[2] !== undefined) {
      libraries.push({ soname: linked[1], path: linked[2] });
      continue;
    }
    const direct = /^\s*(\/\S+)\s+\(/.exec(line);
    if (direct?.[1] !== undefined) loader = direct[1];
    if (/=>\s+not found/.test(line))
      throw new MCPError(
        MCPErrorCode.ImageBuildFailed,
        `${binary} needs a library ldd cannot find: ${line.trim()}`,
      );
  }
  if (loader === undefined) {
    throw new MCPError(
      MCPErrorCode.ImageBuildFailed,
      `${binary} is not a dynamically linked ELF binary ldd understands`,
      {
        hint: 'Run mcpman with a Node from nodejs.org or a Linux distribution (glibc).',
      },
    );
  }
  return { loader, libraries };
}
