import { serverConfigIssues } from '@mcpman/core/config-schema';

/** The add/edit server form, as the user fills it in. */
export interface ServerFormModel {
  name: string;
  /** `url`: a server mcpman does not run, reached at `source` (a `url:` entry). */
  sourceKind: 'npm' | 'pypi' | 'image' | 'build' | 'url';
  source: string;
  /** A pypi:// server's package index, when it is not pip's configured one. */
  pypiIndex: string;
  /** The wire of a `url:` server. */
  remoteTransport: 'streamable-http' | 'sse';
  /** Headers sent to a `url:` server; values may use `${secret:NAME}`. */
  headers: { key: string; value: string }[];
  /** One argument per line. */
  args: string;
  transport: 'stdio' | 'http';
  port: string;
  path: string;
  env: { key: string; value: string }[];
  /** Env var ← secret; `value` is typed into a masked field and stored as a secret, never in the config. */
  secrets: { env: string; name: string; value: string }[];
  memory: string;
  cpus: string;
  network: '' | 'none' | 'isolated' | 'bridge';
  /** Comma-separated tool name patterns to hide. */
  toolsDeny: string;
}

export type FormFieldName = keyof ServerFormModel;

export function emptyServerForm(): ServerFormModel {
  return {
    name: '',
    sourceKind: 'npm',
    source: '',
    pypiIndex: '',
    remoteTransport: 'streamable-http',
    headers: [],
    args: '',
    transport: 'stdio',
    port: '',
    path: '/mcp',
    env: [],
    secrets: [],
    memory: '256Mi',
    cpus: '0.5',
    network: '',
    toolsDeny: '',
  };
}

/** A number when the text is one, else the text itself (so the schema names the problem). */
function numberish(text: string): number | string {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Headers rows as a record, empty rows left out. */
function headerRecord(rows: readonly { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(rows.filter((h) => h.key !== '' || h.value !== '').map((h) => [h.key, h.value]));
}

function deniedTools(model: ServerFormModel): string[] {
  return model.toolsDeny
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** A `url:` entry: only what applies to a server mcpman does not run. */
function toRemoteConfig(model: ServerFormModel): Record<string, unknown> {
  const config: Record<string, unknown> = { url: model.source.trim() };
  if (model.remoteTransport === 'sse') config['transport'] = 'sse';
  const headers = headerRecord(model.headers);
  if (Object.keys(headers).length > 0) config['headers'] = headers;
  const deny = deniedTools(model);
  if (deny.length > 0) config['tools'] = { deny };
  return config;
}

function sourceOf(model: ServerFormModel): unknown {
  const text = model.source.trim();
  switch (model.sourceKind) {
    case 'npm':
      return text === '' ? '' : `npx://${text.replace(/^npx:\/\//, '')}`;
    case 'pypi': {
      const spec = text.replace(/^pypi:\/\//, '');
      const index = model.pypiIndex.trim();
      if (index !== '') return { pypi: spec, index };
      return text === '' ? '' : `pypi://${spec}`;
    }
    case 'image':
      return { image: text };
    default:
      return { build: text };
  }
}

/** The config entry the form describes, in the shape `mcpman.yaml` takes. */
export function toServerConfig(model: ServerFormModel): Record<string, unknown> {
  if (model.sourceKind === 'url') return toRemoteConfig(model);
  const source = sourceOf(model);
  const config: Record<string, unknown> = { source };
  const args = lines(model.args);
  if (args.length > 0) config['args'] = args;
  config['transport'] =
    model.transport === 'stdio' ? 'stdio' : { type: 'http', port: numberish(model.port), path: model.path };
  const env = model.env.filter((e) => e.key !== '' || e.value !== '');
  if (env.length > 0) config['env'] = Object.fromEntries(env.map((e) => [e.key, e.value]));
  const secrets = model.secrets.filter((s) => s.env !== '' || s.name !== '');
  if (secrets.length > 0) config['secrets'] = Object.fromEntries(secrets.map((s) => [s.env, s.name]));
  config['resourceLimits'] = { memory: model.memory, cpus: numberish(model.cpus) };
  if (model.network !== '') config['securityPolicies'] = { network: model.network };
  const deny = deniedTools(model);
  if (deny.length > 0) config['tools'] = { deny };
  return config;
}

/** A scalar as the form shows it; anything else as empty. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : fallback;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The form for an existing entry (what the edit page starts from). */
export function fromServerConfig(name: string, raw: unknown): ServerFormModel {
  const config = objectOf(raw);
  const model = emptyServerForm();
  model.name = name;
  const source = config['source'];
  if (typeof config['url'] === 'string') {
    model.sourceKind = 'url';
    model.source = config['url'];
    model.remoteTransport = config['transport'] === 'sse' ? 'sse' : 'streamable-http';
    model.headers = Object.entries(objectOf(config['headers'])).map(([key, value]) => ({
      key,
      value: text(value),
    }));
  } else if (typeof source === 'string') {
    const npx = source.startsWith('npx://');
    const pypi = source.startsWith('pypi://');
    model.sourceKind = npx ? 'npm' : pypi ? 'pypi' : 'image';
    model.source = npx
      ? source.slice('npx://'.length)
      : pypi
        ? source.slice('pypi://'.length)
        : source.replace(/^image:(\/\/)?/, '');
  } else {
    const object = objectOf(source);
    if (typeof object['npx'] === 'string') model.source = object['npx'];
    else if (typeof object['pypi'] === 'string') {
      model.sourceKind = 'pypi';
      model.source = object['pypi'];
      model.pypiIndex = text(object['index']);
    } else if (typeof object['image'] === 'string') {
      model.sourceKind = 'image';
      model.source = object['image'];
    } else if (typeof object['build'] === 'string') {
      model.sourceKind = 'build';
      model.source = object['build'];
    }
  }
  if (Array.isArray(config['args']))
    model.args = (config['args'] as unknown[]).map((a) => text(a)).join('\n');
  const transport = config['transport'];
  if (typeof transport === 'object' && transport !== null && objectOf(transport)['type'] === 'http') {
    model.transport = 'http';
    model.port = text(objectOf(transport)['port']);
    model.path = text(objectOf(transport)['path'], '/mcp');
  }
  model.env = Object.entries(objectOf(config['env'])).map(([key, value]) => ({ key, value: text(value) }));
  model.secrets = Object.entries(objectOf(config['secrets'])).map(([env, secret]) => ({
    env,
    name: text(secret),
    value: '',
  }));
  const limits = objectOf(config['resourceLimits']);
  if (limits['memory'] !== undefined) model.memory = text(limits['memory']);
  if (limits['cpus'] !== undefined) model.cpus = text(limits['cpus']);
  const network = objectOf(config['securityPolicies'])['network'];
  if (network === 'none' || network === 'isolated' || network === 'bridge') model.network = network;
  const deny = objectOf(config['tools'])['deny'];
  if (Array.isArray(deny)) model.toolsDeny = (deny as unknown[]).map((d) => text(d)).join(', ');
  return model;
}

/** Which form field a config path belongs to (`transport.port` → port). */
export function fieldOfPath(path: string): FormFieldName {
  const head = path.split(/[.[]/)[0] ?? '';
  switch (head) {
    case 'name':
    case 'source':
    case 'headers':
    case 'args':
    case 'env':
    case 'secrets':
      return head;
    case 'url':
      return 'source';
    case 'transport':
      return path.includes('path') ? 'path' : 'port';
    case 'resourceLimits':
      return path.includes('cpus') ? 'cpus' : 'memory';
    case 'securityPolicies':
      return 'network';
    case 'tools':
      return 'toolsDeny';
    default:
      return 'source';
  }
}

/**
 * Problems by form field, from the same zod schema `mcpman validate` uses, plus the checks only
 * the form can make (a secret row needs a value when it is new).
 */
export function formErrors(
  model: ServerFormModel,
  options: { readonly existingSecrets: readonly string[] },
): Partial<Record<FormFieldName, string>> {
  const errors: Partial<Record<FormFieldName, string>> = {};
  const add = (field: FormFieldName, message: string): void => {
    errors[field] = errors[field] === undefined ? message : `${errors[field]}; ${message}`;
  };
  for (const issue of serverConfigIssues(model.name, toServerConfig(model))) {
    add(fieldOfPath(issue.path), issue.path === 'name' ? issue.message : `${issue.path}: ${issue.message}`);
  }
  if (model.name === '') errors.name = 'a name is required';
  for (const secret of model.secrets) {
    if (secret.name !== '' && secret.value === '' && !options.existingSecrets.includes(secret.name)) {
      add('secrets', `secret "${secret.name}" does not exist yet: enter its value`);
    }
  }
  if (model.sourceKind === 'url') {
    // A header may only name a secret that is stored, or that this form stores now.
    const given = new Set([
      ...options.existingSecrets,
      ...model.secrets.filter((s) => s.value !== '').map((s) => s.name),
    ]);
    for (const header of model.headers)
      for (const [, secret] of header.value.matchAll(/\$\{secret:([^}]+)\}/g))
        if (secret !== undefined && !given.has(secret))
          add(
            'headers',
            `header ${header.key} uses secret "${secret}", which is not stored: add it below with its value`,
          );
  }
  return errors;
}
