package io.branchwork.store;

import java.util.List;

/** The embedded (H2) schema: the shared tables, snapshot chunks as VARBINARY. */
final class EmbeddedSchema {

  private EmbeddedSchema() {}

  static final List<List<String>> MIGRATIONS = Schema.migrations("VARBINARY(67108864)", List.of());
}
