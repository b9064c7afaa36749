import { EngineClient, McpRuntime, parseConfigText } from '@mcpman/core';
import type { ManagerOwner, McpmanConfig, RuntimeOptions } from '@mcpman/core';
import { GATEWAY_CLIENT_CAPABILITIES, GatewayServer, loadTlsMaterial } from '@mcpman/gateway';
import type { ManagerEvent, ServerStateEvent } from '@mcpman/core';
import type { GatewayServerOptions } from '@mcpman/gateway';
import { ControlPlane, RuntimeDirectory } from '@mcpman/manager';
import type { ManagementBackend } from '@mcpman/manager';
import { sweep } from './podman.js';
import { Workspace } from './workspace.js';

/** The owner of what a test's runtime creates, unless the test names another. */
export const TEST_OWNER: ManagerOwner = { id: 'test', name: 'the test harness' };

/**
 * An in-process manager for one test file: a runtime over the real engine, every event it
 * emits, a temporary folder; `reset` after each test removes what the test started.
 */
export class RuntimeHarness {
  readonly events: ManagerEvent[] = [];
  runtime: McpRuntime | undefined;

  private constructor(
    readonly engine: EngineClient,
    readonly workspace: Workspace,
  ) {}

  static async create(): Promise<RuntimeHarness> {
    await sweep();
    return new RuntimeHarness(await EngineClient.connect(), await Workspace.create());
  }

  gateway: GatewayServer | undefined;
  /** The management API on the gateway, when a test gave a backend. */
  control: ControlPlane | undefined;
  config: McpmanConfig | undefined;

  /**
   * Start the servers of `serversYaml` and a gateway in front of them on a free loopback port
   * (`gatewayYaml` is the gateway section, without the `gateway:` key).
   */
  async startGateway(
    serversYaml: string,
    gatewayYaml = '{}',
    extra: Partial<GatewayServerOptions> & {
      readonly management?: ManagementBackend;
      /** More top-level sections of the config, such as `profiles:`. */
      readonly yaml?: string;
    } = {},
  ): Promise<URL> {
    const runtime = await this.start(serversYaml, `gateway: ${gatewayYaml}\n${extra.yaml ?? ''}`);
    const config = this.config;
    if (config === undefined) throw new Error('no config');
    const tls = config.gateway.tls;
    const { management, yaml: _yaml, ...options } = extra;
    this.gateway = new GatewayServer({
      config: {
        ...config.gateway,
        listen: '127.0.0.1:0',
        grpc: { ...config.gateway.grpc, listen: '127.0.0.1:0' },
      },
      directory: new RuntimeDirectory(runtime),
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir: this.workspace.path('state'),
      ...(tls === undefined ? {} : { tls: await loadTlsMaterial(tls, this.workspace.dir) }),
      ...options,
    });
    this.control = management === undefined ? undefined : new ControlPlane(this.gateway, { management });
    await this.control?.start();
    return this.gateway.start();
  }

  /** Where this harness's runtimes keep the stdio FIFOs of their servers. */
  get stdioDir(): string {
    return this.workspace.path('stdio');
  }

  /** Apply a config whose `servers:` section is `serversYaml`, and wait until all settle. */
  async start(
    serversYaml: string,
    extraYaml = '',
    options: Partial<Pick<RuntimeOptions, 'stdio' | 'owner'>> = {},
  ): Promise<McpRuntime> {
    const runtime = new McpRuntime({
      engine: this.engine,
      owner: TEST_OWNER,
      clientInfo: { name: 'mcpman-test', version: '0' },
      clientCapabilities: GATEWAY_CLIENT_CAPABILITIES,
      logDir: this.workspace.path('logs'),
      stdioDir: this.stdioDir,
      ...options,
    });
    this.runtime = runtime;
    runtime.bus.on((event) => this.events.push(event));
    const loaded = parseConfigText(`version: 1\n${extraYaml}servers:\n${serversYaml}`, {
      path: this.workspace.path('mcpman.yaml'),
    });
    this.config = loaded.config;
    await runtime.apply(loaded);
    return runtime;
  }

  states(server: string): ServerStateEvent[] {
    return this.events.filter((e): e is ServerStateEvent => e.type === 'server.state' && e.server === server);
  }

  /** A tool call on a ready server. */
  async call(server: string, tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const peer = this.runtime?.get(server)?.peer;
    if (peer === undefined)
      throw new Error(`${server} is not ready: ${JSON.stringify(this.runtime?.get(server)?.status())}`);
    return peer.request('tools/call', { name: tool, arguments: args });
  }

  async reset(): Promise<void> {
    await this.gateway?.close();
    this.gateway = undefined;
    await this.control?.close();
    this.control = undefined;
    await this.runtime?.down();
    this.runtime?.dispose();
    this.runtime = undefined;
    this.events.length = 0;
  }

  async dispose(): Promise<void> {
    await this.reset();
    await sweep();
    await this.workspace.dispose();
  }
}

/** The text of a tool result's content. */
export function resultText(result: Record<string, unknown>): string {
  return ((result['content'] as { type: string; text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? '')
    .join('\n');
}
