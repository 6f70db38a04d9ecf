package io.branchwork.allocator;

/** The ops the allocator answers at {@link io.branchwork.core.Addresses#ALLOCATOR}. */
public final class AllocatorOps {

  public static final String REGISTER = "register";
  public static final String DEREGISTER = "deregister";
  public static final String LOOKUP = "lookup";
  public static final String KILL = "kill";
  public static final String STATS = "stats";
  /** Internal: a workspace renamed its branch and moves to the new key. Not for clients. */
  public static final String RENAME = "rename";

  private AllocatorOps() {}
}
