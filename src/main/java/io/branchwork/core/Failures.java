package io.branchwork.core;

import io.branchwork.contract.ErrorCode;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures cross a boundary: onto the event bus as
 * {@code fail(status, "code: text")}, back from it as {@link BranchworkException}, and out to
 * clients with no exception text beyond the contract's message.
 */
public final class Failures {

  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private Failures() {}

  /** The failure as a contract exception; anything unexpected becomes {@code internal} with a logged id. */
  public static BranchworkException normalize(Throwable t) {
    if (t instanceof BranchworkException be) {
      return be;
    }
    if (t instanceof ReplyException re) {
      return fromReply(re);
    }
    String id = UUID.randomUUID().toString().substring(0, 8);
    LOG.error("internal error {}", id, t);
    return new BranchworkException(ErrorCode.INTERNAL, "internal error " + id);
  }

  /** The contract's error object, {@code {"code","message"}}, as HTTP bodies and WebSocket replies carry it. */
  public static JsonObject toJson(BranchworkException e) {
    return new JsonObject().put("code", e.code().wire()).put("message", e.getMessage());
  }

  /** Answers a bus message with the failure in the contract's form. */
  public static void reply(Message<?> message, Throwable t) {
    BranchworkException be = normalize(t);
    message.fail(be.code().status(), be.code().wire() + ": " + be.getMessage());
  }

  private static BranchworkException fromReply(ReplyException re) {
    switch (re.failureType()) {
      case TIMEOUT:
        return new BranchworkException(ErrorCode.TIMEOUT, "no answer in time");
      case NO_HANDLERS:
        return new BranchworkException(ErrorCode.NO_WORKSPACE, "nothing is listening at that address");
      case ERROR:
        return normalize(new IllegalStateException(re.getMessage(), re));
      default:
        break;
    }
    String text = re.getMessage() == null ? "" : re.getMessage();
    int colon = text.indexOf(": ");
    if (colon > 0) {
      ErrorCode code = ErrorCode.fromWire(text.substring(0, colon));
      if (code != null) {
        return new BranchworkException(code, text.substring(colon + 2));
      }
    }
    return new BranchworkException(ErrorCode.fromStatus(re.failureCode()), text);
  }
}
