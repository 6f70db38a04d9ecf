package io.branchwork.allocator;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.workspace.WorkspaceVerticle;
import java.util.function.BooleanSupplier;

/** Makes the verticle of a workspace; it asks {@code saveOnStop} when it stops whether to save. */
@FunctionalInterface
interface WorkspaceFactory {
  WorkspaceVerticle create(WorkspaceKey key, BooleanSupplier saveOnStop);
}
