import * as z from 'zod';

/** Container states as Podman reports them (compat and libpod agree on these names). */
export type ContainerState =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead'
  | 'stopped'
  | 'configured'
  | 'unknown';

const KNOWN_STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
  'stopped',
  'configured',
];

export function toContainerState(value: string | undefined): ContainerState {
  const lower = (value ?? '').toLowerCase() as ContainerState;
  return KNOWN_STATES.includes(lower) ? lower : 'unknown';
}

export type Labels = Readonly<Record<string, string>>;

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** The image's id, without `sha256:`. */
  readonly imageId: string;
  readonly state: ContainerState;
  readonly labels: Labels;
}

export interface PortBinding {
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIp: string;
  readonly hostPort: number;
}

export interface ContainerDetails extends ContainerSummary {
  readonly running: boolean;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** Host PID of the container's first process; 0 when it is not running. */
  readonly pid: number;
  readonly error: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly ports: readonly PortBinding[];
  readonly networks: Readonly<Record<string, { readonly ipAddress: string }>>;
  readonly user: string;
  readonly readOnlyRootfs: boolean;
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly memoryBytes: number;
  readonly nanoCpus: number;
  readonly pidsLimit: number;
  readonly networkMode: string;
  readonly env: readonly string[];
}

export interface EngineEvent {
  readonly type: string;
  readonly action: string;
  readonly id: string;
  readonly name: string | undefined;
  readonly labels: Labels;
  readonly exitCode: number | undefined;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

export interface NetworkSummary {
  readonly id: string;
  readonly name: string;
  readonly internal: boolean;
  readonly labels: Labels;
}

export interface VolumeSummary {
  readonly name: string;
  readonly labels: Labels;
}

export interface SecretSummary {
  readonly id: string;
  readonly name: string;
  readonly labels: Labels;
  readonly createdAt: string;
}

export interface ImageDetails {
  readonly id: string;
  readonly labels: Labels;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly user: string;
  readonly workingDir: string;
}

// --- Wire shapes, validated at the boundary --------------------------------------------------

const LabelsWire = z
  .record(z.string(), z.string())
  .nullish()
  .transform((labels) => labels ?? {});

/** One JSON line of `GET /events` (Docker-compatible shape, which Podman serves). */
export const EventWire = z.object({
  Type: z.string().optional(),
  Action: z.string().optional(),
  status: z.string().optional(),
  id: z.string().optional(),
  time: z.number().optional(),
  timeNano: z.number().optional(),
  Actor: z
    .object({
      ID: z.string().optional(),
      Attributes: z.record(z.string(), z.string()).nullish(),
    })
    .optional(),
});

export const SecretWire = z.object({
  ID: z.string(),
  CreatedAt: z.string().optional(),
  Spec: z.object({ Name: z.string(), Labels: LabelsWire.optional() }),
});

export const CreateResponseWire = z.object({ Id: z.string() });

/**
 * The part of libpod's container inspect that names the container's instance in the OCI
 * runtime: libpod reports a container initialised for the runtime as `initialized` (one only
 * configured as `created`), and the PID of the conmon serving its attach sessions.
 */
export const RuntimeStateWire = z.object({
  State: z.object({ Status: z.string(), ConmonPid: z.number().default(0) }),
});

/** The part of `GET /info` that says which machine the engine runs on. */
export const InfoWire = z.object({ Name: z.string().default(''), KernelVersion: z.string().default('') });

/** The part of a compat stats answer we read. */
export const StatsWire = z.object({
  memory_stats: z.object({ usage: z.number().optional() }),
  cpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number().optional() }) }),
});

export const EngineErrorWire = z.object({
  message: z.string().optional(),
  cause: z.string().optional(),
});
