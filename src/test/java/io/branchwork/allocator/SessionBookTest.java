package io.branchwork.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.EmbeddedStore;
import io.branchwork.store.Records.WorkspaceSession;
import io.branchwork.store.Store;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The allocator's write-through of its table to the store's session rows, on a real embedded store. */
class SessionBookTest {

  private Vertx vertx;
  private Store store;
  private SessionBook book;
  private final WorkspaceKey key = new WorkspaceKey("p", "main");

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    store = EmbeddedStore.open(vertx, dir.resolve("db"), 2, 4096, 2).await(20, TimeUnit.SECONDS);
    book = new SessionBook(store, "node-a");
  }

  @AfterEach
  void tearDown() throws Exception {
    store.close().transform(ar -> io.vertx.core.Future.succeededFuture()).await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private List<WorkspaceSession> sessions() throws Exception {
    return store.listWorkspaceSessions().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Verifies that writes for one key land in the order they happened, whatever their speed")
  void inOrder() throws Exception {
    book.held(key, "h1", "node-b", 1);
    book.held(key, "h2", "node-b", 2);
    book.released(key, "h1", 1, 0);
    book.flush().await(10, TimeUnit.SECONDS);
    List<WorkspaceSession> rows = sessions();
    assertEquals(1, rows.size());
    assertEquals("node-a", rows.get(0).serverTag());
    assertEquals(1, rows.get(0).refCount());
    assertTrue(store.sessionServerTags().await(10, TimeUnit.SECONDS).contains("node-b"), "holder rows carry their node");

    book.released(key, "h2", 0, 1234);
    book.closed(key);
    book.flush().await(10, TimeUnit.SECONDS);
    assertEquals(0, sessions().size(), "a close queued after a release landed after it");
  }

  @Test
  @DisplayName("Verifies that a failed write is logged and does not stop the writes queued after it")
  void failureDoesNotStall() throws Exception {
    store.close().await(10, TimeUnit.SECONDS);
    book.held(key, "h1", "node-b", 1);
    book.flush().await(10, TimeUnit.SECONDS); // completes although the store is closed
  }
}
