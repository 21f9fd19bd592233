export { PeerTransport, type MessageHandler, type PeerStatus } from './peer-transport.js';
export {
  defaultBackoff,
  defaultMaxFrameBytes,
  minSecretBytes,
  resolveTransportOptions,
  type PeerTransportOptions,
} from './transport-options.js';
export type { PeerAddress } from './outbound-peer.js';
export {
  decodePeerMessage,
  encodePeerMessage,
  maxMemberIdLength,
  maxPeerMessageBytes,
  peerMessageSchema,
  tryEncodePeerMessage,
  type DecodeResult,
} from './wire.js';
