/**
 * The live view's frames over one WebSocket (see ``_frame_socket`` in playground/ui/frame_routes.py): a request is
 * the frame route's query string, the answer ``{code, body}`` with the route's status code and JSON; one request at
 * a time. One connection for the view's life instead of an HTTP request per frame: at 36 frames a second the
 * browser's request machinery cost about 0.13 of a core, which the training worker on the same cores lost.
 */

/** The socket's address for a frame route's (absolute or page-relative) address. */
export function socketAddress(frameUrl, base) {
  const address = new URL(`${frameUrl}/socket`, base);
  address.protocol = address.protocol === "https:" ? "wss:" : "ws:";
  return address.href;
}

/** How long a connection may take to open: a proxy that holds the upgrade without answering counts as a refusal. */
export const OPEN_TIMEOUT_MS = 2000;

export class FrameSocket {
  constructor(frameUrl, base = globalThis.location.href, Socket = globalThis.WebSocket) {
    this.address = socketAddress(frameUrl, base);
    this.Socket = Socket;
    this.socket = null;
    this.pending = null;   // the request waiting for its answer: {resolve, reject}
    this.queued = null;    // its query, until the socket opens
    this.opened = false;   // whether a connection ever opened (a proxy that refuses sockets: never)
  }

  /** Resolves with the answer ``{code, body}``; rejects when the connection fails or closes first. */
  request(query) {
    return new Promise((resolve, reject) => {
      if (this.pending) {
        reject(new Error("a frame request is already waiting"));
        return;
      }
      this.pending = { resolve, reject };
      const socket = this.connect();
      if (socket.readyState === this.Socket.OPEN) socket.send(query);
      else this.queued = query;
    });
  }

  connect() {
    if (this.socket && this.socket.readyState <= this.Socket.OPEN) return this.socket;
    this.drop();  // one the server is closing (it does after answering an unknown token): a new one
    const socket = this.socket = new this.Socket(this.address);
    const opening = setTimeout(() => { if (this.socket === socket && !this.opened) this.close(); }, OPEN_TIMEOUT_MS);
    socket.onopen = () => {
      clearTimeout(opening);
      if (this.socket !== socket) return;
      this.opened = true;
      if (this.queued !== null) {
        socket.send(this.queued);
        this.queued = null;
      }
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      try {
        pending.resolve(JSON.parse(event.data));
      } catch (error) {
        pending.reject(error);
      }
    };
    socket.onclose = () => {
      clearTimeout(opening);
      if (this.socket !== socket) return;
      this.socket = null;
      this.fail(new Error("the frame socket closed"));
    };
    return socket;
  }

  /** Forgets the connection without failing the request waiting (its handlers go quiet). */
  drop() {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close();
    }
  }

  fail(error) {
    const pending = this.pending;
    this.pending = null;
    this.queued = null;
    if (pending) pending.reject(error);
  }

  /** Closes the connection (a request waiting fails); the next request opens a new one. */
  close() {
    this.drop();
    this.fail(new Error("the frame socket was closed"));
  }
}
