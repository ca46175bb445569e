/** A fresh `client_msg_id`: a UUID where the runtime has `crypto.randomUUID` (React Native may not). */
export const newClientMsgId = (): string =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
