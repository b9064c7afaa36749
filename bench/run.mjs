// `npm run bench`: the benchmark harness. The gateway (issue #4) brings the workloads: tools/call
// `echo` on server-everything in Podman, direct over stdio, through each gateway transport, and
// through supergateway and mcp-proxy. Until then this says so instead of printing made-up numbers.
console.log(
  'mcpman bench: no benchmarks yet. They arrive with the gateway (issue #4); nothing was measured.',
);
