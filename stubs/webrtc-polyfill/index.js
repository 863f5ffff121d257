// Luna stub: no WebRTC peers on a cluster LAN (keeps the native node-datachannel out).
const unavailable = class {
  constructor() {
    throw new Error("WebRTC is not available in luna");
  }
};
export const RTCPeerConnection = unavailable;
export const RTCSessionDescription = unavailable;
export const RTCIceCandidate = unavailable;
export const RTCDataChannel = unavailable;
export const MediaStream = unavailable;
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel, MediaStream };
