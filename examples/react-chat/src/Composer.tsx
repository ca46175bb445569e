import { useMessages, useTyping } from '@gateway/react';
import { type FormEvent, useState } from 'react';

export function Composer({ roomId }: { roomId: string }) {
  const [text, setText] = useState('');
  const { send } = useMessages(roomId);
  const { notifyTyping, stopTyping } = useTyping(roomId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const content = text.trim();
    if (content === '') return;
    send(content);
    setText('');
  };
  return (
    <form className="composer" onSubmit={submit}>
      <input
        name="message"
        value={text}
        placeholder="Say something"
        autoComplete="off"
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value === '') stopTyping();
          else notifyTyping();
        }}
        onBlur={stopTyping}
      />
      <button type="submit">Send</button>
    </form>
  );
}
