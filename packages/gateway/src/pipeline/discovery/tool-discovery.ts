import { invalidParams, objectOf } from '@mcpman/protocol';
import type { JsonObject } from '@mcpman/protocol';
import type { ClientSession } from '../session.js';
import type { IndexedTool, ToolIndex } from './tool-index.js';

/** What an endpoint with on-demand discovery offers instead of every tool (`discovery:`). */
export interface DiscoveryConfig {
  readonly mode: 'off' | 'find';
  /** Matches `find_tools` returns unless the caller asks for fewer. */
  readonly results: number;
}

/** The gateway's own tools on an endpoint in discovery mode. Server tools are `<server>__<name>`,
 * so these plain names never meet one. */
export const FIND_TOOLS = 'find_tools';
export const CALL_TOOL = 'call_tool';
export const DESCRIBE_TOOL = 'describe_tool';
const GATEWAY_TOOLS = new Set([FIND_TOOLS, CALL_TOOL, DESCRIBE_TOOL]);

/** The three tools, described for a model: what each is for and how to chain them. */
export function discoveryTools(config: DiscoveryConfig): JsonObject[] {
  return [
    {
      name: FIND_TOOLS,
      title: 'Find tools for a task',
      description:
        `Search the tools available here for ones that fit a task. Describe the task in plain words ("open an issue on GitHub", "read a file"); up to ${String(config.results)} matches come back best first, each with its name, description and input schema. ` +
        `Then run one with ${CALL_TOOL}. Search again with other words when nothing fits.`,
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'The task, in words.' },
          limit: {
            type: 'integer',
            minimum: 1,
            maximum: config.results,
            description: `How many matches to return (at most ${String(config.results)}).`,
          },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: CALL_TOOL,
      title: 'Call a tool by name',
      description:
        `Run a tool that ${FIND_TOOLS} returned, by its exact name, with arguments that follow its input schema. ` +
        'The result is the tool’s own result.',
      inputSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: `The tool's name as ${FIND_TOOLS} gave it (server__tool).` },
          arguments: { type: 'object', description: "The tool's arguments.", additionalProperties: true },
        },
        required: ['name'],
        additionalProperties: false,
      },
    },
    {
      name: DESCRIBE_TOOL,
      title: 'Describe a tool',
      description: `The full definition (description, input and output schema, annotations) of one tool, by the name ${FIND_TOOLS} gave it.`,
      inputSchema: {
        type: 'object',
        properties: { name: { type: 'string', description: 'The tool name (server__tool).' } },
        required: ['name'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
  ];
}

export function isDiscoveryTool(name: unknown): boolean {
  return typeof name === 'string' && GATEWAY_TOOLS.has(name);
}

/** What discovery needs of the gateway: the session's share of the tools, and a normal call. */
export interface DiscoveryDeps {
  readonly index: ToolIndex;
  /** Bring the index up to date with the servers this session sees (cached lists, no new I/O when unchanged). */
  readonly refresh: (session: ClientSession) => Promise<void>;
  readonly visible: (session: ClientSession, tool: IndexedTool) => boolean;
  /** A `tools/call` with these params, through the same policy, limits, audit and metrics as every other call. */
  readonly callTool: (session: ClientSession, params: JsonObject) => Promise<JsonObject>;
}

/** A tool as `find_tools` and `describe_tool` show it: the name to call it by, and its definition. */
function shown(tool: IndexedTool): JsonObject {
  return { ...tool.tool, name: `${tool.server}__${tool.name}` };
}

function summary(tool: IndexedTool): JsonObject {
  const { name, title, description, inputSchema } = shown(tool);
  return {
    name: name ?? null,
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    inputSchema: inputSchema ?? { type: 'object' },
  };
}

function result(structured: JsonObject): JsonObject {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}

/** Answer a call of one of the discovery tools. */
export async function callDiscoveryTool(
  deps: DiscoveryDeps,
  config: DiscoveryConfig,
  session: ClientSession,
  params: JsonObject,
): Promise<JsonObject> {
  const name = params['name'];
  const args = objectOf(params['arguments']);
  if (name === CALL_TOOL) {
    const target = args['name'];
    if (typeof target !== 'string' || target === '')
      throw invalidParams(`${CALL_TOOL} needs the name of a tool`);
    if (isDiscoveryTool(target)) throw invalidParams(`${CALL_TOOL} runs the endpoint's tools, not ${target}`);
    const inner = args['arguments'];
    return deps.callTool(session, {
      ...params,
      name: target,
      arguments: inner === undefined ? {} : objectOf(inner),
    });
  }
  await deps.refresh(session);
  if (name === DESCRIBE_TOOL) {
    const target = args['name'];
    const tool = typeof target === 'string' ? deps.index.get(target) : undefined;
    if (tool === undefined || !deps.visible(session, tool))
      throw invalidParams(`unknown tool ${JSON.stringify(target)}: ${FIND_TOOLS} lists the tools here`);
    return result({ tool: shown(tool) });
  }
  const query = args['query'];
  if (typeof query !== 'string' || query.trim() === '') throw invalidParams(`${FIND_TOOLS} needs a query`);
  const asked = args['limit'];
  const limit =
    typeof asked === 'number' && Number.isInteger(asked) && asked > 0
      ? Math.min(asked, config.results)
      : config.results;
  const found = deps.index.find(query, limit, (tool) => deps.visible(session, tool));
  return result({ tools: found.map(summary) });
}
