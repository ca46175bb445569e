import { GatewayProvider } from '@gateway/react';
import { useState } from 'react';
import { ConnectionBadge } from './ConnectionBadge';
import { gatewayUrl, type Identity, loadIdentity, saveIdentity, userIdOf } from './identity';
import { JoinForm } from './JoinForm';
import { Room } from './Room';

export function App() {
  const [identity, setIdentity] = useState(loadIdentity);
  const join = (next: Identity | undefined) => {
    saveIdentity(next);
    setIdentity(next);
  };
  if (identity === undefined) return <JoinForm onJoin={join} />;
  const userId = userIdOf(identity.name);
  return (
    // One client per identity: a new name is a new provider (the `key`), which closes the old client.
    <GatewayProvider
      key={userId}
      options={{ url: gatewayUrl(), userId, displayName: identity.name, deviceType: 'web' }}
    >
      <header className="bar">
        <strong>#{identity.room}</strong>
        <span className="me">{identity.name}</span>
        <ConnectionBadge />
        <button type="button" onClick={() => join(undefined)}>
          Leave
        </button>
      </header>
      <Room roomId={identity.room} userId={userId} />
    </GatewayProvider>
  );
}
