// What this login has been shown, sent with every REST call so that a server reading from
// replicas never answers with less (docs/API.md, "Reading from replicas"): the largest
// Chat-Position an answer carried, and the seq of the newest event received. Positions are
// compared as BigInt: they are 64-bit.

export class ReadPosition {
  constructor() {
    this.reset();
  }

  /** Another login: it has been shown nothing yet. */
  reset() {
    this.position = null;
    this.seq = null;
    // How many times the position was forgotten: an answer to a call sent before the last time
    // carries a position older than what made us forget, and is not kept.
    this.forgotten = 0;
  }

  /** When a call is sent: pass it to keep() with its answer. */
  sent() {
    return this.forgotten;
  }

  /** The headers to send with a call. */
  headers() {
    const headers = {};
    if (this.position !== null) headers["Chat-Position"] = this.position.toString();
    if (this.seq !== null) headers["Chat-Seq"] = String(this.seq);
    return headers;
  }

  /**
   * An answer's Chat-Position (null when it had none), `ok` whether it was a success, `sent` what
   * sent() said when its call went out. A refusal's position is kept too (a 404 for what was
   * deleted shows something). A success without one, from a server that sent one before, could
   * not learn its own: forget ours, so the next read goes to the primary.
   */
  keep(header, ok, sent) {
    if (sent !== this.forgotten) return;
    if (header === null || !/^\d+$/.test(header.trim())) {
      if (ok && this.position !== null) {
        this.position = null;
        this.forgotten++;
      }
      return;
    }
    const given = BigInt(header.trim());
    if (this.position === null || given > this.position) this.position = given;
  }

  /** An event with this seq was received. */
  received(seq) {
    if (typeof seq === "number" && (this.seq === null || seq > this.seq)) this.seq = seq;
  }

  /**
   * The event stream resynced and goes on from `seq`: after a restore of the database its seqs
   * may be lower than those seen before, which no replica would ever reach again.
   */
  restart(seq) {
    if (typeof seq === "number") this.seq = seq;
  }
}
