import { type FormEvent, useState } from 'react';
import type { Identity } from './identity';

export function JoinForm({ onJoin }: { onJoin: (identity: Identity) => void }) {
  const [name, setName] = useState('');
  const [room, setRoom] = useState('lobby');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() !== '' && room.trim() !== '') onJoin({ name: name.trim(), room: room.trim() });
  };
  return (
    <form className="join" onSubmit={submit}>
      <h1>React chat</h1>
      <label>
        Your name <input name="name" value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Room <input name="room" value={room} onChange={(event) => setRoom(event.target.value)} />
      </label>
      <button type="submit">Join</button>
    </form>
  );
}
