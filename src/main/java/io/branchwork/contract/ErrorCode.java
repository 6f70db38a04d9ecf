package io.branchwork.contract;

import java.util.Locale;

/**
 * The error codes of the wire contract, each with the HTTP status it travels with.
 * On the event bus the status is the {@code ReplyException} failure code and the message is
 * {@code "<code>: <text>"}; {@link Failures} is the one place that maps between the two.
 */
public enum ErrorCode {
  BAD_REQUEST(400),
  UNAUTHENTICATED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  CONFLICT(409),
  NOTHING_TO_COMMIT(409),
  LOCKED(423),
  TOO_LARGE(413),
  OVERLOADED(503),
  RATE_LIMITED(429),
  NO_WORKSPACE(409),
  TIMEOUT(504),
  INTERNAL(500),
  /** This server lacks what the op needs (no openscad, no sandbox, render off); the message says what to install or set. */
  UNSUPPORTED(501),
  /**
   * Internal, never sent to a client: a request forwarded to a key's owner reached a node that no
   * longer owns it. The forwarding allocator starts over; when it runs out of tries the client
   * gets {@code overloaded} or {@code timeout}.
   */
  NOT_OWNER(421);

  private final int status;
  private final String wire;

  ErrorCode(int status) {
    this.status = status;
    this.wire = name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status, also used as the event-bus failure code. */
  public int status() {
    return status;
  }

  /** The code as clients see it, e.g. {@code bad_request}. */
  public String wire() {
    return wire;
  }

  /** The code for a wire name, or {@code null}. */
  public static ErrorCode fromWire(String wire) {
    for (ErrorCode c : values()) {
      if (c.wire.equals(wire)) {
        return c;
      }
    }
    return null;
  }

  /** The most general code for an HTTP status, used when a failure carries no wire name. */
  public static ErrorCode fromStatus(int status) {
    for (ErrorCode c : values()) {
      if (c.status == status) {
        return c;
      }
    }
    return INTERNAL;
  }
}
