package io.branchwork.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.VertxException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which failures the PostgreSQL store reports as "the store is unavailable" (overloaded): by type, not by package name. */
class PgUnreachableTest {

  @Test
  @DisplayName("Verifies that refused, closed and timed-out connections count as unreachable, also when wrapped")
  void unreachable() {
    assertTrue(PgEngine.unreachable(new ConnectException("refused")));
    assertTrue(PgEngine.unreachable(new VertxException(new ConnectException("refused"))));
    assertTrue(PgEngine.unreachable(ClosedConnectionException.INSTANCE));
    assertTrue(PgEngine.unreachable(new TimeoutException()));
    assertTrue(PgEngine.unreachable(new VertxException("Connection is not active now, current status: CLOSED")));
  }

  @Test
  @DisplayName("Verifies that a bug in Vert.x or Netty code is not mistaken for a database that is down")
  void bugsAreNot() {
    assertFalse(PgEngine.unreachable(new VertxException("a bug in io.vertx code")));
    assertFalse(PgEngine.unreachable(new IllegalStateException("illegal state")));
    assertFalse(PgEngine.unreachable(new NullPointerException()));
  }
}
