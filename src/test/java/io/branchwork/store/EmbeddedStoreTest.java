package io.branchwork.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EmbeddedStoreTest extends StoreContractTest {

  @Override
  protected Future<Store> open(Vertx vertx, Path dir) {
    return EmbeddedStore.open(vertx, dir.resolve("db"), 2, CHUNK, KEEP);
  }

  @Test
  @DisplayName("Verifies that the embedded database keeps its rows across close and reopen, migrating only once")
  void persistsAcrossReopen() throws Exception {
    await(store.createUser("ann", "h"));
    await(store.close());
    store = await(open(vertx, dir));
    assertEquals("h", await(store.findUser("ann")).orElseThrow().passwordHash());
  }
}
