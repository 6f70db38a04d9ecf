package io.branchwork.workspace;

/** The op names a workspace answers on its address, and the fields of its requests. */
public final class WorkspaceOps {

  public static final String LIST = "list";
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String DELETE = "delete";
  public static final String MOVE = "move";
  public static final String SAVE = "save";
  public static final String WHO = "who";

  /** Internal: a gateway session joined (pushes {@code joined}); not a client op. */
  public static final String SESSION_JOIN = "session.join";
  /** Internal: a gateway session left (pushes {@code left}); not a client op. */
  public static final String SESSION_LEAVE = "session.leave";

  /** Request field: the op name. */
  public static final String FIELD_OP = "op";
  /** Request field: the user the op is done for (set by the server, never by a client). */
  public static final String FIELD_USER = "user";
  /** Request field: the holder (session) the op came from; optional. */
  public static final String FIELD_HOLDER = "holder";

  private WorkspaceOps() {}
}
