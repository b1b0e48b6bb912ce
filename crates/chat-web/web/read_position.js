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
  }

  /** The headers to send with a call. */
  headers() {
    const headers = {};
    if (this.position !== null) headers["Chat-Position"] = this.position.toString();
    if (this.seq !== null) headers["Chat-Seq"] = String(this.seq);
    return headers;
  }

  /**
   * A successful answer's Chat-Position (null when it had none). An answer without one, from a
   * server that sent one before, could not learn its own: forget ours, so the next read goes to
   * the primary.
   */
  keep(header) {
    if (header === null || !/^\d+$/.test(header.trim())) {
      this.position = null;
      return;
    }
    const given = BigInt(header.trim());
    if (this.position === null || given > this.position) this.position = given;
  }

  /** An event with this seq was received. */
  received(seq) {
    if (typeof seq === "number" && (this.seq === null || seq > this.seq)) this.seq = seq;
  }
}
