package io.branchwork.allocator;

import io.branchwork.contract.AllocatorOps;
import io.vertx.core.json.JsonObject;

/**
 * The node a reference is held through (its client's connection), and that node's tag for the
 * session rows. {@code node} is null for a service on the bus, tied to no node.
 */
record Origin(String node, String tag) {

  /** The origin a request or a handed-over reference carries, with {@code defaultTag} when it names none. */
  static Origin of(JsonObject body, String defaultTag) {
    Object node = body.getValue(AllocatorOps.FIELD_ORIGIN);
    Object tag = body.getValue(AllocatorOps.FIELD_ORIGIN_TAG);
    return new Origin(node instanceof String n ? n : null, tag instanceof String t ? t : defaultTag);
  }

  /** Puts this origin into a request that is forwarded or handed over. */
  JsonObject into(JsonObject body) {
    return body.put(AllocatorOps.FIELD_ORIGIN, node).put(AllocatorOps.FIELD_ORIGIN_TAG, tag);
  }
}
