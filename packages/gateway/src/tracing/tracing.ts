import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Context, Span, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Trace context as carried in HTTP headers or an MCP `_meta` object. */
type Carrier = Record<string, unknown>;

const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};
const setter: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`); none: spans are not exported. */
  readonly otlpEndpoint?: string | undefined;
  readonly otlpHeaders?: Readonly<Record<string, string>> | undefined;
  /** An exporter of your own (tests use the SDK's in-memory one); exported as each span ends. */
  readonly exporter?: SpanExporter | undefined;
  readonly serviceVersion?: string;
}

/**
 * OpenTelemetry spans for requests through the gateway: one span per request (its transport,
 * method, era and outcome) with children for the rate limit, the route and each upstream call.
 * A client's `traceparent` (HTTP header or `_meta`) becomes the parent; the upstream span's
 * context goes to 2026-era servers in `_meta.traceparent`. Off (no provider, no cost beyond a
 * no-op span) unless an exporter or an OTLP endpoint is configured.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider | undefined;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(options: TracingOptions = {}) {
    const exporter =
      options.exporter ??
      (options.otlpEndpoint === undefined
        ? undefined
        : new OTLPTraceExporter({ url: options.otlpEndpoint, headers: { ...options.otlpHeaders } }));
    if (exporter === undefined) {
      this.provider = undefined;
      this.tracer = trace.getTracer('mcpman-gateway-off');
      return;
    }
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'mcpman',
        'service.version': options.serviceVersion ?? '0.0.0',
      }),
      spanProcessors: [
        options.exporter === undefined ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter),
      ],
    });
    this.tracer = this.provider.getTracer('mcpman-gateway');
  }

  get enabled(): boolean {
    return this.provider !== undefined;
  }

  /** The span of one client request; `carriers` are where a traceparent may come from. */
  startRequest(
    method: string,
    attributes: Readonly<Record<string, string>>,
    ...carriers: readonly (Carrier | undefined)[]
  ): Span {
    if (!this.enabled) return trace.wrapSpanContext(INVALID_CONTEXT);
    let parent: Context = context.active();
    for (const carrier of carriers) {
      if (carrier === undefined || typeof carrier['traceparent'] !== 'string') continue;
      parent = this.propagator.extract(parent, carrier, getter);
      break;
    }
    return this.tracer.startSpan(
      `mcp ${method}`,
      { kind: SpanKind.SERVER, attributes: { ...attributes } },
      parent,
    );
  }

  /** A child of `parent` (a step of the pipeline, or an upstream call). */
  startChild(
    parent: Span | undefined,
    name: string,
    attributes: Readonly<Record<string, string>> = {},
  ): Span {
    if (!this.enabled || parent === undefined) return trace.wrapSpanContext(INVALID_CONTEXT);
    const kind = name.startsWith('upstream') ? SpanKind.CLIENT : SpanKind.INTERNAL;
    return this.tracer.startSpan(
      name,
      { kind, attributes: { ...attributes } },
      trace.setSpan(context.active(), parent),
    );
  }

  /** `traceparent` (and `tracestate`) of `span`, for a `_meta` object; empty when off. */
  inject(span: Span | undefined): Record<string, string> {
    if (!this.enabled || span === undefined) return {};
    const carrier: Carrier = {};
    this.propagator.inject(trace.setSpan(context.active(), span), carrier, setter);
    return carrier as Record<string, string>;
  }

  /** Run `step` inside a child span that ends with its outcome. */
  async step<T>(parent: Span | undefined, name: string, step: () => Promise<T>, attributes = {}): Promise<T> {
    if (!this.enabled) return step();
    const span = this.startChild(parent, name, attributes);
    try {
      return await step();
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async close(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** Marks a span failed with the error's message (already redacted where it quotes secrets). */
export function failSpan(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

const INVALID_CONTEXT = {
  traceId: '00000000000000000000000000000000',
  spanId: '0000000000000000',
  traceFlags: 0,
};
