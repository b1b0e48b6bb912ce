// The WebSocket, kept: resumes after the last event seen after any disconnect (with backoff and
// jitter), sending back that event's resume token (docs/EVENTS.md, "Resuming"), hands each
// stored event over once and in order, and says when the client must reload (resync). A socket
// refused or dropped before it was ready asks whether the token still works.
// What it handed over it acknowledges (at most once a second), so messages count as delivered.

export class Live {
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers; // { event, typing, presence, reconnected, resync, status }
    this.lastSeq = null; // the first log's seq: `since` for a server without resume tokens
    // By log (a deployment of several clusters has one per cluster; frames of the first name
    // none): the last seq handed over, to skip a replayed event, and acknowledged.
    this.seen = {};
    this.unacked = new Set(); // logs with events handed over and not acknowledged yet
    this.resume = null; // the token to reconnect with: the last event's, or the first ready's
    this.failures = 0;
    this.connections = 0; // sockets that became ready
    this.closed = false;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = `access_token=${encodeURIComponent(this.token)}${this.sinceQuery()}`;
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws?${query}`);
    this.socket = socket;
    this.handlers.status("connecting");
    socket.onmessage = (message) => this.receive(JSON.parse(message.data));
    let readyAt = null;
    socket.onopen = () => (readyAt = null);
    this.markReady = () => (readyAt = Date.now());
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.handlers.status("offline");
      if (close.code === 4001) return this.handlers.unauthorized?.();
      if (readyAt === null) this.handlers.refused?.(); // maybe the token: the app checks over REST
      // Only a connection that lasted starts the pauses over (a server that accepts and drops at
      // once, its database down say, is still failing).
      if (readyAt !== null && Date.now() - readyAt > 10_000) this.failures = 0;
      const pause = Math.min(10_000, 250 * 2 ** this.failures++);
      setTimeout(() => this.connect(), pause * (1 + Math.random() / 2));
    };
  }

  /** `since` for the next socket: the resume token kept (a seq, from a server without tokens). */
  sinceQuery() {
    const since = this.resume ?? this.lastSeq;
    return since === null ? "" : `&since=${encodeURIComponent(since)}`;
  }

  receive(frame) {
    if (frame.type === "ready") {
      this.markReady();
      if (this.lastSeq === null) {
        [this.lastSeq, this.resume] = [frame.seq, frame.resume ?? null];
        this.seen = { 0: frame.seq };
      }
      [this.readySeq, this.readyResume] = [frame.seq, frame.resume ?? null];
      this.handlers.status("live");
      // Presence frames are not replayed: what changed while this socket was away is read again.
      if (this.connections++ > 0) this.handlers.reconnected?.();
    } else if (frame.type === "resync_required") {
      [this.lastSeq, this.resume] = [this.readySeq, this.readyResume];
      this.seen = { 0: this.readySeq };
      this.handlers.resync(this.readySeq);
    } else if (frame.type === "typing") {
      this.handlers.typing(frame);
    } else if (frame.type === "presence.updated") {
      this.handlers.presence?.(frame);
    } else if (frame.type === "presence.stale") {
      this.handlers.presenceStale?.();
    } else if (typeof frame.seq === "number") {
      const log = frame.log ?? 0; // seqs of different logs say nothing of each other
      if (this.seen[log] !== undefined && frame.seq <= this.seen[log]) return; // seen before the reconnect
      this.seen[log] = frame.seq;
      if (log === 0) this.lastSeq = frame.seq;
      this.resume = frame.resume ?? null;
      this.unacked.add(log);
      this.handlers.event(frame);
      this.scheduleAck();
    }
  }

  scheduleAck() {
    if (this.ackTimer) return;
    const wait = Math.max(0, 1000 - (Date.now() - (this.ackedAt ?? 0)));
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      if (this.socket?.readyState !== WebSocket.OPEN) return;
      for (const log of this.unacked) {
        const ack = log === 0 ? { type: "ack", seq: this.seen[0] } : { type: "ack", seq: this.seen[log], log };
        this.socket.send(JSON.stringify(ack));
      }
      this.unacked.clear();
      this.ackedAt = Date.now();
    }, wait);
  }

  typing(chatId) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "typing", chat_id: chatId }));
  }

  /** Drops the connection (it reconnects), as a network cut would. */
  drop() {
    this.socket?.close();
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}
