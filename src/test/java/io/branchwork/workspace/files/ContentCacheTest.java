package io.branchwork.workspace.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ContentCacheTest {

  private static WorkingCopy.Content content(int size) {
    byte[] b = new byte[size];
    return new WorkingCopy.Content(b, WorkingCopy.blobId(b));
  }

  @Test
  @DisplayName("Verifies that the cache stays within its byte budget, dropping the least recently used first")
  void budget() {
    ContentCache cache = new ContentCache(100, 60);
    cache.put("a", content(40));
    cache.put("b", content(40));
    assertNotNull(cache.get("a")); // a is now the most recently used
    cache.put("c", content(40));
    assertNull(cache.get("b"));
    assertNotNull(cache.get("a"));
    assertEquals(80, cache.bytes());
    cache.put("big", content(61));
    assertNull(cache.get("big"), "an entry over the per-file limit is not kept");
    cache.put("a", content(10));
    assertEquals(50, cache.bytes(), "replacing an entry accounts for the old size");
  }

  @Test
  @DisplayName("Verifies that dropping a directory drops everything below it and nothing beside it")
  void dropTree() {
    ContentCache cache = new ContentCache(1000, 100);
    cache.put("d/x", content(1));
    cache.put("d/sub/y", content(1));
    cache.put("dx", content(1));
    cache.dropTree("d");
    assertNull(cache.get("d/x"));
    assertNull(cache.get("d/sub/y"));
    assertNotNull(cache.get("dx"));
    assertEquals(1, cache.bytes());
  }
}
