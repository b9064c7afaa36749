import { searchCommand } from './commands/catalog.js';
import { Command, CommanderError } from 'commander';
import { VERSION } from '@mcpman/core';
import { ExitCode } from './io.js';
import type { CliIO, ExitCodeValue } from './io.js';
import { reportError } from './errors.js';
import { validateCommand } from './commands/validate.js';
import { gatewayCommand, upCommand } from './commands/up.js';
import type { GatewayOptions, UpOptions } from './commands/up.js';
import {
  addCommand,
  downCommand,
  logsCommand,
  lsCommand,
  restartCommand,
  rmCommand,
  statusCommand,
} from './commands/servers.js';
import { secretLsCommand, secretRmCommand, secretSetCommand } from './commands/secrets.js';
import { connectCommand } from './commands/connect.js';
import type { ConnectOptions } from './commands/connect.js';
import { CLIENTS, clientConfigCommand } from './commands/client-config.js';
import { clientConnectCommand, clientDisconnectCommand, clientLsCommand } from './commands/clients.js';
import type { ClientConnectOptions } from './commands/clients.js';
import { certDevCommand } from './commands/cert.js';
import { dashboardCommand } from './commands/dashboard.js';
import type { DashboardOptions } from './commands/dashboard.js';
import { benchCommand } from './commands/bench.js';
import type { BenchOptions } from './commands/bench.js';
import type { CertDevOptions } from './commands/cert.js';
import { DEFAULT_REDIS_IMAGE, exportK8sCommand, imagesPushCommand } from './commands/kubernetes.js';
import type { ExportK8sOptions, ImagesPushOptions } from './commands/kubernetes.js';
import { stdioBridgeCommand } from './commands/stdio-bridge.js';
import type { StdioBridgeCommandOptions } from './commands/stdio-bridge.js';
import { tokenCreateCommand, tokenLsCommand, tokenRevokeCommand } from './commands/tokens.js';
import type { TokenCreateOptions } from './commands/tokens.js';

const FILE_HELP = 'config file (default: $MCPMAN_CONFIG, else ./mcpman.yaml|yml|json)';

type Action = (...args: unknown[]) => Promise<ExitCodeValue>;

/** Repeatable options: each occurrence appends. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The `mcpman` command tree. Every planned command is here from the start so scripts and
 * help text are stable; the ones whose issue has not landed say so and exit 1.
 */
export function buildProgram(io: CliIO, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('mcpman')
    .description(
      'Run MCP servers as hardened Podman containers and reach all of them through one gateway.\n' +
        'Exit status: 0 ok, 1 failure, 2 bad usage or invalid config.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run =
    (action: Action) =>
    async (...args: unknown[]): Promise<void> => {
      setExit(await action(...args));
    };

  program
    .command('validate')
    .description('check a config file; prints every problem with its path, line and column')
    .option('-f, --file <path>', FILE_HELP)
    .option('--json', 'machine-readable output')
    .action(run((options) => validateCommand(options as { file?: string; json?: boolean }, io)));

  program
    .command('up')
    .description(
      "run the servers as hardened containers behind the gateway (MCP on HTTP, SSE, WebSocket, gRPC; the dashboard at the gateway's / in a browser); stays in the foreground until Ctrl-C. The manager logs JSON lines to <state>/managers/<owner>/mcpman.log (config: logging)",
    )
    .option('-f, --file <path>', FILE_HELP)
    .option('-p, --port <port>', 'gateway HTTP port (overrides gateway.listen)')
    .option('--grpc-port <port>', 'gateway gRPC port (overrides gateway.grpc.listen)')
    .option('-d, --detach', 'run the manager in the background and return once the servers are up')
    .option('-v, --verbose', 'also print build output, server logs and failed probes')
    .option(
      '--insecure',
      'allow listening beyond loopback without TLS and authentication (prints a warning; not for shared networks)',
    )
    .action(run((options) => upCommand(options as UpOptions, io)));

  program
    .command('gateway')
    .description(
      "run only the gateway, without Podman, for a config whose servers are all url: servers (what a cluster's gateway pod runs); stays in the foreground until Ctrl-C or SIGTERM",
    )
    .option('-f, --file <path>', FILE_HELP)
    .option('-p, --port <port>', 'gateway HTTP port (overrides gateway.listen)')
    .option('--grpc-port <port>', 'gateway gRPC port (overrides gateway.grpc.listen)')
    .option(
      '--secrets-dir <dir>',
      'folder with one file per secret for ${secret:NAME} in headers (default $MCPMAN_SECRETS_DIR or /run/secrets/mcpman)',
    )
    .option('-v, --verbose', 'also print failed probes')
    .option(
      '--insecure',
      'allow listening beyond loopback without TLS and authentication (prints a warning; not for shared networks)',
    )
    .action(run((options) => gatewayCommand(options as GatewayOptions, io)));

  program
    .command('down')
    .description(
      "stop this config's manager and remove every container, network and volume it created; other managers' servers stay",
    )
    .option('-f, --file <path>', FILE_HELP)
    .option('--all', 'stop every manager on this machine and remove what any of them created')
    .option(
      '--secrets',
      'also remove secrets stored with `mcpman secret set` (kept by default: they are yours)',
    )
    .option('--images', 'also remove the images built for servers (kept by default: a cache)')
    .option('--json', 'machine-readable output')
    .action(
      run((options) =>
        downCommand(
          options as { file?: string; all?: boolean; secrets?: boolean; images?: boolean; json?: boolean },
          io,
        ),
      ),
    );

  program
    .command('ls')
    .description("list configured servers and their state, and other managers' servers (read-only)")
    .option('-f, --file <path>', FILE_HELP)
    .option('--json', 'machine-readable output')
    .action(run((options) => lsCommand(options as { file?: string; json?: boolean }, io)));

  program
    .command('status')
    .description('detailed state of one server or of all of them')
    .argument('[name]', 'server name')
    .option('-f, --file <path>', FILE_HELP)
    .option('--json', 'machine-readable output')
    .action(
      run((name, options) =>
        statusCommand(name as string | undefined, options as { file?: string; json?: boolean }, io),
      ),
    );

  program
    .command('logs')
    .description("print a server's log (container stderr)")
    .argument('<name>', 'server name')
    .option('-f, --follow', 'keep printing new lines (across restarts) until Ctrl-C')
    .option('--file <path>', FILE_HELP)
    .action(
      run((name, options) => logsCommand(name as string, options as { follow?: boolean; file?: string }, io)),
    );

  program
    .command('search')
    .description(
      "find servers in the MCP registries (the config's registries:, default the official MCP Registry); the bundled catalog answers when none does",
    )
    .argument('[words...]', 'words the name, title or description must all contain (none: list all)')
    .option('--registry <url...>', "ask these registries (MCP Registry API v0.1) instead of the config's")
    .option('--limit <n>', 'at most this many servers', '30')
    .option('--refresh', 'ask the registries even when a cached answer (1 hour) is fresh')
    .option('--versions', 'list the published versions of the server named by the words')
    .option('-f, --file <path>', FILE_HELP)
    .option('--json', 'machine-readable output')
    .action(
      run((words, options) =>
        searchCommand(
          words as string[],
          options as {
            registry?: string[];
            limit?: string;
            refresh?: boolean;
            versions?: boolean;
            file?: string;
            json?: boolean;
          },
          io,
        ),
      ),
    );

  program
    .command('add')
    .description(
      'add a server to the config: from the catalog by registry name (io.github.owner/server[@version], or a short name it can only mean), or from a source: npx://pkg@version, pypi://pkg@version, image:REF, build:DIR, or the http(s):// URL of a server mcpman does not run (a url: server)',
    )
    .argument('<source>', 'registry name[@version], source, or URL')
    .option('-n, --name <name>', 'server name (default: derived from the source or registry name)')
    .option('-a, --arg <arg...>', 'arguments for the server (sources only)')
    .option('--sse', 'the URL speaks legacy HTTP+SSE (default: Streamable HTTP)')
    .option('--env <VAR=value>', 'catalog: a value for an environment variable (repeatable)', collect, [])
    .option(
      '--input <NAME=value>',
      'catalog: a value for an argument, header or variable (repeatable)',
      collect,
      [],
    )
    .option(
      '--secret <VAR=SECRET>',
      'catalog: take a secret input from this Podman secret (`mcpman secret set`); on a terminal, missing ones are asked for, hidden (repeatable)',
      collect,
      [],
    )
    .option('--remote', "catalog: add the document's remote (url:) rather than its package")
    .option(
      '--runs-as <kind>',
      "catalog: which of the document's ways to run: npm, oci, pypi or remote (default: the first of those it offers)",
    )
    .option('--registry <url...>', "catalog: ask these registries instead of the config's")
    .option(
      '--trust-index',
      'catalog: install a PyPI package from the package index its document names (not PyPI); only for an index you trust',
    )
    .option('-f, --file <path>', FILE_HELP)
    .action(
      run((source, options) => {
        const opts = options as {
          name?: string;
          arg?: string[];
          file?: string;
          sse?: boolean;
          env?: string[];
          input?: string[];
          secret?: string[];
          remote?: boolean;
          runsAs?: string;
          registry?: string[];
          trustIndex?: boolean;
        };
        return addCommand(
          source as string,
          {
            name: opts.name,
            args: opts.arg,
            file: opts.file,
            sse: opts.sse === true,
            env: opts.env,
            input: opts.input,
            secret: opts.secret,
            remote: opts.remote === true,
            runsAs: opts.runsAs,
            registry: opts.registry,
            trustIndex: opts.trustIndex === true,
          },
          io,
        );
      }),
    );

  program
    .command('rm')
    .description('remove a server from the config and stop it')
    .argument('<name>', 'server name')
    .option('-f, --file <path>', FILE_HELP)
    .action(run((name, options) => rmCommand(name as string, options as { file?: string }, io)));

  program
    .command('restart')
    .description(
      'restart one server and wait until it is ready again or has failed (needs a running manager)',
    )
    .argument('<name>', 'server name')
    .option('-f, --file <path>', FILE_HELP)
    .action(run((name, options) => restartCommand(name as string, options as { file?: string }, io)));

  program
    .command('dashboard')
    .description(
      "open the running manager's dashboard in the browser, with this run's key (it lets the page make changes; keep it to yourself)",
    )
    .option('-f, --file <path>', FILE_HELP)
    .option('--no-open', 'print the URL only')
    .action(run((options) => dashboardCommand(options as DashboardOptions, io)));

  program
    .command('connect')
    .description('stdio MCP server that forwards to the gateway, for clients that only spawn commands')
    .argument('[name]', 'one server (default: all servers, as on /mcp)')
    .option('-p, --profile <name>', "a profile's endpoint instead: only its servers and tools")
    .option('-f, --file <path>', FILE_HELP)
    .option(
      '--url <url>',
      "gateway URL (default: $MCPMAN_URL, else the config's running manager, else its gateway.listen)",
    )
    .option('--token <token>', 'API token for the gateway (default: $MCPMAN_TOKEN)')
    .option('--ca <file>', 'PEM CA that signed the gateway certificate (for https)')
    .option('--cert <file>', 'PEM client certificate, when the gateway requires one (mTLS)')
    .option('--key <file>', 'PEM key of the client certificate')
    .action(
      run((name, options) => connectCommand(name as string | undefined, options as ConnectOptions, io)),
    );

  program
    .command('stdio-bridge')
    .description(
      'serve a stdio MCP server over Streamable HTTP, one server process per MCP session (what a stdio server runs behind in a Kubernetes pod)',
    )
    .argument('<command...>', 'the server command and its arguments, after --')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('--path <path>', 'path of the MCP endpoint', '/mcp')
    .option('--max-sessions <n>', 'sessions (server processes) at once', '16')
    .option(
      '--idle-timeout <duration>',
      'end a session with no request and no open stream for this long (a client that went away without DELETE)',
      '30m',
    )
    .action(
      run((command, options) =>
        stdioBridgeCommand(command as string[], options as StdioBridgeCommandOptions, io),
      ),
    );

  const token = program.command('token').description('API tokens for the gateway');
  token
    .command('create')
    .description('create a token; it is printed once and only its salted hash is stored')
    .argument('[name]', 'what the token is for (or --name)')
    .option('--name <name>', 'the same as the NAME argument')
    .option('--servers <list>', 'comma-separated servers it may use (default: all)')
    .option('--tools <list>', 'comma-separated tools it may call, as server__tool (default: all)')
    .option('--profiles <list>', 'comma-separated profiles it is limited to: only their endpoints answer it')
    .option('--admin', 'may also use the management API (/api/v1)')
    .option('-f, --file <path>', `${FILE_HELP}; its gateway.auth.tokensFile is used when set`)
    .option('--json', 'machine-readable output (the token and its grants)')
    .action(
      run((name, options) =>
        tokenCreateCommand(
          {
            ...(options as Omit<TokenCreateOptions, 'name' | 'nameOption'> & { name?: string }),
            name: name as string | undefined,
            nameOption: (options as { name?: string }).name,
          },
          io,
        ),
      ),
    );
  token
    .command('ls')
    .description('list tokens (names and grants, never the tokens)')
    .option('-f, --file <path>', FILE_HELP)
    .option('--json', 'machine-readable output')
    .action(run((options) => tokenLsCommand(options as { file?: string; json?: boolean }, io)));
  token
    .command('revoke')
    .description('revoke a token (a running gateway refuses it from its next request)')
    .argument('<name>', 'token name or id')
    .option('-f, --file <path>', FILE_HELP)
    .action(run((name, options) => tokenRevokeCommand(name as string, options as { file?: string }, io)));

  const secret = program.command('secret').description('secrets stored as Podman secrets');
  secret
    .command('set')
    .description('store a secret; the value is read from stdin or a hidden prompt, never from an argument')
    .argument('<name>', 'secret name')
    .action(run((name) => secretSetCommand(name as string, io)));
  secret
    .command('ls')
    .description('list secret names (never values)')
    .option('--json', 'machine-readable output')
    .action(run((options) => secretLsCommand(options as { json?: boolean }, io)));
  secret
    .command('rm')
    .description('remove a secret')
    .argument('<name>', 'secret name')
    .action(run((name) => secretRmCommand(name as string, io)));

  const client = program
    .command('client')
    .description(
      'connect MCP clients (editors, assistants, CLIs) to the gateway by editing their config files',
    );
  client
    .command('config')
    .description(`print what a client needs to reach the gateway (${CLIENTS.join(', ')})`)
    .argument('<client>', 'client name')
    .option('-s, --server <name>', 'one server instead of all of them')
    .option('-f, --file <path>', FILE_HELP)
    .option(
      '--url <url>',
      "gateway URL (default: the config's running manager, else the config's gateway.listen)",
    )
    .action(
      run((name, options) =>
        clientConfigCommand(name as string, options as { server?: string; url?: string; file?: string }, io),
      ),
    );
  client
    .command('ls')
    .description(
      'every supported client: whether it is on this machine, and whether (and how) it is connected',
    )
    .option('--json', 'machine-readable output')
    .action(run((options) => clientLsCommand(options as { json?: boolean }, io)));
  const connectOptions = (command: Command): Command =>
    command
      .argument('[clients...]', 'client ids (see `mcpman client ls`)')
      .option('--all', 'every client found on this machine')
      .option('-s, --server <name>', 'one server instead of all of them (/mcp)')
      .option(
        '-p, --profile <name>',
        "a profile's endpoint (/profiles/<name>/mcp): only its servers and tools",
      )
      .option(
        '--scope <scope>',
        'user (default) or project (the client file in the current folder; it never holds a token: the entry reads MCPMAN_TOKEN from the environment, and the token is printed once)',
      )
      .option('-f, --file <path>', `${FILE_HELP}; with gateway.auth.mode token a token is made per client`)
      .option('--url <url>', 'gateway URL (default: the running manager, else gateway.listen)')
      .option(
        '--ca <file>',
        "PEM CA of the gateway's certificate (default with TLS: the ca.pem `mcpman cert dev` wrote beside it); clients then get the stdio bridge, which takes it",
      )
      .option('--json', 'machine-readable output');
  connectOptions(
    client
      .command('connect')
      .description(
        "write the gateway into each client's config file (its URL, or the stdio bridge where the client can only spawn a command), changing nothing else; the first change keeps <file>.mcpman.bak",
      ),
  ).action(
    run((names, options) => clientConnectCommand(names as string[], options as ClientConnectOptions, io)),
  );
  connectOptions(
    client
      .command('disconnect')
      .description('take the gateway out of each client file again (and revoke the token connect made)'),
  ).action(
    run((names, options) => clientDisconnectCommand(names as string[], options as ClientConnectOptions, io)),
  );

  program
    .command('export')
    .description('export the configuration for other platforms')
    .command('k8s')
    .description(
      'write Kubernetes manifests and a kustomization.yaml (namespace, gateway replicas sharing state in Redis, one hardened Deployment, Service and NetworkPolicy per server, stdio servers behind the stdio bridge), building the images they name; see docs/kubernetes.md',
    )
    .option('-f, --file <path>', FILE_HELP)
    .option('-o, --output <dir>', 'folder to write the manifests to', 'k8s')
    .option('-n, --namespace <name>', 'namespace of every object', 'mcpman')
    .option('--replicas <n>', 'gateway replicas', '2')
    .option(
      '--image-prefix <registry/>',
      'registry (and path) replacing localhost/ in the images mcpman builds',
    )
    .option('--redis-url <url>', 'an existing Redis for the shared state instead of one in the namespace')
    .option('--redis-image <ref>', `image of the Redis the export runs (default ${DEFAULT_REDIS_IMAGE})`)
    .option('--json', 'machine-readable output')
    .action(run((options) => exportK8sCommand(options as ExportK8sOptions, io)));

  program
    .command('images')
    .description('the images mcpman builds')
    .command('push')
    .description(
      "tag the images this config's Kubernetes export uses (the mcpman image, npx/build images, stdio servers' bridged images) with a registry prefix and push them",
    )
    .option('-f, --file <path>', FILE_HELP)
    .requiredOption(
      '--image-prefix <registry/>',
      'registry (and path) replacing localhost/, e.g. registry.example.com/team/',
    )
    .option('--no-tls-verify', 'push to a registry without a valid TLS certificate (or plain HTTP)')
    .option('--json', 'machine-readable output')
    .action(run((options) => imagesPushCommand(options as ImagesPushOptions, io)));

  program
    .command('cert')
    .description('TLS certificates')
    .command('dev')
    .description('make a local CA and a localhost server certificate for development')
    .option('--dir <dir>', 'where to write the PEM files (default: <state dir>/certs)')
    .option('--host <name>', 'another name or address for the server certificate (repeatable)', collect, [])
    .option('--client <name>', 'also issue a client certificate for mTLS (repeatable)', collect, [])
    .option('--force', 'replace certificates already in the folder')
    .action(run((options) => certDevCommand(options as CertDevOptions, io)));

  program
    .command('bench')
    .description('run the benchmark suite (same as npm run bench; needs the source repository)')
    .option('--quick', 'a short run')
    .option('--soak', 'mixed traffic on every transport for --minutes (default 10): throughput, p50/p99, RSS')
    .option('--minutes <n>', 'length of the soak run in minutes', '10')
    .option('--scale', '50 servers and 1,000 client sessions: bring-up time, memory, tools/list latency')
    .option('--only <words>', 'measure only the paths whose names contain one of these comma-separated words')
    .action(run((options) => benchCommand(options as BenchOptions, io)));

  return program;
}

/** Run the CLI with `argv` (without node and script) and return its exit status. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.Ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage mistakes with 1 from commander.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return reportError(error, io, argv.includes('--json'));
  }
}
