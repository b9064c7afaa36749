export { Manager, tokensFileOf } from './assemble.js';
export type { ManagerAssembly, ManagerReport } from './assemble.js';
export { ControlPlane } from './control-plane.js';
export type { ControlPlaneOptions, DashboardSetup } from './control-plane.js';
export { ControlSocket } from './control-socket.js';
export { ManagementAccess } from './management-access.js';
export { RuntimeDirectory } from './runtime-directory.js';
export { registerManagementApi, stateCounts } from './api/management-api.js';
export type {
  DaemonInfo,
  ManagementApiOptions,
  ManagementBackend,
  ServerDetail,
} from './api/management-api.js';
export { runtimeBackend } from './api/runtime-backend.js';
export type { RuntimeBackendOptions } from './api/runtime-backend.js';
export { DashboardService, rpcErrorOf } from './dashboard/dashboard-service.js';
export type { DashboardServiceOptions } from './dashboard/dashboard-service.js';
export { dashboardCsp, registerDashboardRoutes } from './dashboard/dashboard-routes.js';
export { GatewayInspector } from './dashboard/gateway-inspector.js';
