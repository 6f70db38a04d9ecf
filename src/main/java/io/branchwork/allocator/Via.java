package io.branchwork.allocator;

import io.branchwork.contract.AllocatorOps;
import io.vertx.core.json.JsonObject;

/**
 * The node a reference is held through (its client's connection), and that node's tag for the
 * session rows. {@code node} is null for a service on the bus, tied to no node.
 */
record Via(String node, String tag) {

  /** The node a request or a handed-over reference says it is held through, with {@code defaultTag} when it names none. */
  static Via of(JsonObject body, String defaultTag) {
    Object node = body.getValue(AllocatorOps.FIELD_VIA);
    Object tag = body.getValue(AllocatorOps.FIELD_VIA_TAG);
    return new Via(node instanceof String n ? n : null, tag instanceof String t ? t : defaultTag);
  }

  /** Puts this node into a request that is forwarded or handed over. */
  JsonObject into(JsonObject body) {
    return body.put(AllocatorOps.FIELD_VIA, node).put(AllocatorOps.FIELD_VIA_TAG, tag);
  }
}
