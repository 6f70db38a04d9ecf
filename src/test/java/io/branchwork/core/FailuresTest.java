package io.branchwork.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one place failures cross the bus and reach clients. */
class FailuresTest {

  @Test
  @DisplayName("Verifies that a contract failure passes through unchanged")
  void contractPassesThrough() {
    BranchworkException e = BranchworkException.conflict("taken");
    assertSame(e, Failures.normalize(e));
  }

  @Test
  @DisplayName("Verifies that a bus failure 'code: text' comes back as that code and text")
  void fromRecipientFailure() {
    BranchworkException e = Failures.normalize(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "conflict: taken"));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertEquals("taken", e.getMessage());
    BranchworkException notOwner = Failures.normalize(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 421,
        "not_owner: w is not owned here"));
    assertEquals(ErrorCode.NOT_OWNER, notOwner.code());
  }

  @Test
  @DisplayName("Verifies that a timeout is 'timeout' and no consumer is 'no_workspace'")
  void fromBusKinds() {
    assertEquals(ErrorCode.TIMEOUT, Failures.normalize(new ReplyException(ReplyFailure.TIMEOUT, "t")).code());
    assertEquals(ErrorCode.NO_WORKSPACE, Failures.normalize(new ReplyException(ReplyFailure.NO_HANDLERS, "n")).code());
  }

  @Test
  @DisplayName("Verifies that an unexpected exception is 'internal' with an id and none of its own text")
  void unexpectedIsInternal() {
    BranchworkException e = Failures.normalize(new IllegalStateException("secret path /etc/shadow"));
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertTrue(e.getMessage().startsWith("internal error "));
    assertFalse(e.getMessage().contains("shadow"));
  }

  @Test
  @DisplayName("Verifies that the error object is {code, message} with the wire code")
  void toJson() {
    var json = Failures.toJson(BranchworkException.tooLarge("big"));
    assertEquals("too_large", json.getString("code"));
    assertEquals("big", json.getString("message"));
  }
}
