export { type AckResults, type AckResultType, ackResultSchemas } from './ack-results';
export {
  CLOSE_CODES,
  CloseCode,
  type CloseCodeName,
  type CloseVerdict,
  closeCodeName,
  closeVerdict,
  limitCloseReason,
} from './close-codes';
export {
  type AckResultRead,
  type CustomFrame,
  createClientFrameDecoder,
  createServerFrameDecoder,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeIssue,
  type DecodeResult,
  type Decoder,
  type DecoderOptions,
  parseClientFrame,
  parseServerFrame,
  readAckResult,
  type SerializeResult,
  serializeFrame,
} from './codec';
export {
  type CustomClientPayloads,
  type CustomServerPayloads,
  type DefineEventOptions,
  defineEvent,
  type EventDefinition,
  type EventDirection,
} from './custom-events';
export {
  type DispatchType,
  isDispatchType,
  type PreparedDispatch,
  parsePreparedPayload,
  prepareDispatch,
  REPLY_TYPES,
  seqPrefix,
  sequenceDispatch,
  UNSEQUENCED_SERVER_TYPES,
  type UnsequencedServerType,
} from './delivery';
export * from './entities';
export { frame } from './envelope';
export { ERROR_CODES, type ErrorCode } from './error-codes';
export * from './frames';
export * from './position';
export * from './primitives';
export * from './recovery';
export {
  ClientFrame,
  type ClientFrameOf,
  type ClientFrameType,
  type ClientPayloads,
  clientFrameSchemas,
  ServerFrame,
  type ServerFrameOf,
  type ServerFrameType,
  type ServerPayloads,
  serverFrameSchemas,
} from './unions';
export { PROTOCOL_VERSION } from './version';
