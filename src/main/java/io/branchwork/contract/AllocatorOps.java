package io.branchwork.contract;

/**
 * The ops the allocator answers at {@link Addresses#ALLOCATOR} (and this node's
 * {@link Addresses#ALLOCATOR_LOCAL}) and their fields. {@code client.AllocatorRequests} builds
 * each request and {@code client.AllocatorClient} sends them, so none is built by hand elsewhere.
 */
public final class AllocatorOps {

  public static final String REGISTER = "register";
  public static final String DEREGISTER = "deregister";
  public static final String LOOKUP = "lookup";
  public static final String KILL = "kill";
  public static final String STATS = "stats";
  /** Internal: a workspace renamed its branch (saved and announced under the new name); close it quietly. */
  public static final String RENAME = "rename";
  /** Internal: a node that shuts down hands a workspace and its holders to another. Not for clients. */
  public static final String ADOPT = "adopt";

  public static final String FIELD_OP = "op";
  public static final String FIELD_PROJECT = "project";
  public static final String FIELD_BRANCH = "branch";
  /** The name a reference is counted under: one per session, socket tab or service. */
  public static final String FIELD_HOLDER = "holder";
  /** Of {@code adopt}: the references handed over, each {@code {"holder","via","viaTag"}}. */
  public static final String FIELD_HOLDERS = "holders";
  /** Of a {@code register} answer: the workspace's address. */
  public static final String FIELD_ADDRESS = "address";
  /** Request field: the node id of the connection the reference is held through (set by nodes, not clients). */
  public static final String FIELD_VIA = "via";
  /** Request field: the node tag of that connection, which the holder's session row carries. */
  public static final String FIELD_VIA_TAG = "viaTag";

  private AllocatorOps() {}
}
