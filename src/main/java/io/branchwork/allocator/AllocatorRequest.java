package io.branchwork.allocator;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.json.JsonObject;

/** One allocator request, parsed: its op, its body, the key and holder it names, and where its reference comes from. */
record AllocatorRequest(String op, JsonObject body, WorkspaceKey key, String holder, Via via) {}
