/** How a client reaches the gateway: its Streamable HTTP URL, or the stdio bridge it spawns. */
export type ClientTransport = 'url' | 'stdio';

export type ClientScope = 'user' | 'project';

/** One of our entries in a client's file. */
export interface ClientEntryInfo {
  /** `mcpman` for the whole gateway, `mcpman-<server>` for one server. */
  readonly entry: string;
  readonly how: ClientTransport;
  readonly url?: string;
  /** It carries an API token (a header, or the bridge's MCPMAN_TOKEN). */
  readonly token: boolean;
}

/** A client mcpman can connect, as `client ls` and the Clients page show it. */
export interface ClientInfo {
  readonly id: string;
  readonly name: string;
  /** Found on this machine (its file, its folder, or its command on the PATH). */
  readonly installed: boolean;
  /** Its user-scope file on this platform (undefined where the client does not run). */
  readonly path: string | undefined;
  readonly connected: readonly ClientEntryInfo[];
  /** The best transport it takes. */
  readonly transport: ClientTransport;
  /** Its project-scope file, relative to a project folder, where it has one. */
  readonly projectFile?: string;
}

/** What connect or disconnect did to one client's file. */
export interface ClientChange {
  readonly client: string;
  readonly path: string;
  readonly entry: string;
  /** false when the file already said exactly this (or, for disconnect, had no entry). */
  readonly changed: boolean;
  /** The copy of the file as it was before mcpman first changed it. */
  readonly backup?: string;
  /** How the written entry reaches the gateway (connect only). */
  readonly how?: ClientTransport;
  /** Something the user should know about the entry (why it is the stdio bridge, a CA to trust). */
  readonly note?: string;
  /**
   * Variables the entry reads from the environment instead of holding them (a project file's
   * token): shown once, for the user to set where the client runs.
   */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface ClientRequest {
  readonly client: string;
  /** One server's endpoint instead of every server's `/mcp`. */
  readonly server?: string;
  /** A profile's endpoint (`/profiles/<name>/mcp`) instead of every server's `/mcp`. */
  readonly profile?: string;
  readonly scope?: ClientScope;
}
