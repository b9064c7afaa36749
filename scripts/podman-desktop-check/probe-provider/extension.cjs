// Stands in for Podman Desktop's Podman extension, which as root on Linux registers no
// connection for /run/podman/podman.sock: one started `podman` connection on PD_CHECK_SOCKET.
'use strict';
const api = require('@podman-desktop/api');

exports.activate = async (context) => {
  const provider = api.provider.createProvider({ name: 'Podman', id: 'podman', status: 'ready' });
  const socketPath = process.env.PD_CHECK_SOCKET;
  if (socketPath === undefined || socketPath === '') return;
  context.subscriptions.push(
    provider,
    provider.registerContainerProviderConnection({
      name: 'podman-check',
      displayName: 'Podman (check)',
      type: 'podman',
      status: () => 'started',
      endpoint: { socketPath },
    }),
  );
};

exports.deactivate = () => undefined;
