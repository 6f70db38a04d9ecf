package io.branchwork.contract;

/**
 * The op names a workspace answers on its address, and the fields of its requests. What each op
 * needs and how it is run is in {@link WorkspaceOp}, the one table of them.
 */
public final class WorkspaceOps {

  public static final String LIST = "list";
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String DELETE = "delete";
  public static final String MOVE = "move";
  public static final String SAVE = "save";
  public static final String WHO = "who";
  public static final String STATUS = "status";
  public static final String DIFF = "diff";
  public static final String COMMIT = "commit";
  public static final String LOG = "log";
  public static final String BRANCHES = "branches";
  public static final String BRANCH_CREATE = "branch.create";
  public static final String BRANCH_RENAME = "branch.rename";
  public static final String BRANCH_DELETE = "branch.delete";
  public static final String LOCK = "lock";
  public static final String UNLOCK = "unlock";
  public static final String COMPILE = "compile";
  public static final String PARAMS = "params";
  public static final String RENDER = "render";
  public static final String MERGE = "merge";
  public static final String REVERT = "revert";
  public static final String CHERRY_PICK = "cherry-pick";
  public static final String RESTORE = "restore";
  public static final String COMPARE = "compare";
  public static final String TAGS = "tags";
  public static final String TAG_CREATE = "tag.create";
  public static final String TAG_DELETE = "tag.delete";
  /** Live documents: {@code @codemirror/collab} with the workspace as the authority (see {@code DocOps}). */
  public static final String DOC_JOIN = "doc.join";
  public static final String DOC_PUSH = "doc.push";
  public static final String DOC_PULL = "doc.pull";
  public static final String DOC_PRESENCE = "doc.presence";
  public static final String DOC_LEAVE = "doc.leave";

  /** Internal: the allocator tells the workspace that a holder let go (drops its lock). */
  public static final String HOLDER_RELEASED = "holder.released";

  /**
   * Internal: a {@code git push} over HTTP moves the open branch from {@code old} to {@code new}
   * (commit ids; the objects are in the store already). Refused unless the working tree is clean
   * and the branch is still at {@code old}; answers once the move is durable. Sent by the git
   * HTTP door only, never by a client (it has no role in {@link WorkspaceOp}).
   */
  public static final String RECEIVE = "git.receive";
  /** Fields of {@link #RECEIVE}. */
  public static final String FIELD_OLD = "old";
  public static final String FIELD_NEW = "new";

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

  /** Who the server itself sends internal ops as. */
  public static final String SYSTEM_USER = "branchwork";

  private WorkspaceOps() {}
}
