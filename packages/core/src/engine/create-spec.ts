/**
 * The part of libpod's container SpecGenerator (POST /libpod/containers/create) this project
 * sends. Field names are Podman's; see `podman-system-service` API docs for the full shape.
 */

export interface SpecMount {
  readonly destination: string;
  readonly type: 'bind' | 'tmpfs';
  readonly source: string;
  readonly options: readonly string[];
}

export interface SpecSecret {
  readonly source: string;
  /** Absolute path inside the container. */
  readonly target: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

export interface SpecPortMapping {
  readonly host_ip: string;
  readonly host_port: number;
  readonly container_port: number;
  readonly protocol: 'tcp';
}

export interface ContainerCreateSpec {
  readonly name: string;
  readonly image: string;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly stdin: boolean;
  readonly terminal: false;
  readonly user: string;
  readonly read_only_filesystem: boolean;
  readonly no_new_privileges: true;
  readonly cap_drop: readonly string[];
  readonly netns: { readonly nsmode: 'none' | 'bridge' };
  readonly networks?: Readonly<Record<string, Readonly<Record<string, never>>>>;
  readonly portmappings?: readonly SpecPortMapping[];
  readonly resource_limits: {
    readonly memory: { readonly limit: number; readonly swap: number };
    readonly cpu: { readonly quota: number; readonly period: number };
    readonly pids: { readonly limit: number };
  };
  readonly mounts: readonly SpecMount[];
  readonly secrets?: readonly SpecSecret[];
  readonly stop_timeout: number;
  /** Run Podman's init (catatonit) as PID 1: signals reach the server, zombies are reaped. */
  readonly init: boolean;
  /** `none` for stdio servers: their stdout is the protocol and must not be logged to disk. */
  readonly log_configuration?: { readonly driver: 'none' | 'k8s-file' | 'journald' };
}
