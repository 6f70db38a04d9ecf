package io.branchwork.contract;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one table of workspace ops: each op once, with the role a client needs for it (none for
 * the server's internal ops, which no client may send) and how the workspace runs and answers it.
 * Every other list (the gateways' role checks, the lock gate, idempotency keys, when an answer
 * waits for the store) derives from here, and a test holds the JavaScript client's lists, its
 * type declarations and the README's tables to it. A new op is one line here.
 */
public enum WorkspaceOp {
  LIST(WorkspaceOps.LIST, Role.READER, Trait.SETTLED_READ),
  READ(WorkspaceOps.READ, Role.READER, Trait.SETTLED_READ),
  STATUS(WorkspaceOps.STATUS, Role.READER),
  DIFF(WorkspaceOps.DIFF, Role.READER, Trait.HEAVY, Trait.BESIDE),
  LOG(WorkspaceOps.LOG, Role.READER, Trait.HEAVY, Trait.BESIDE),
  BRANCHES(WorkspaceOps.BRANCHES, Role.READER),
  COMPILE(WorkspaceOps.COMPILE, Role.READER, Trait.HEAVY, Trait.BESIDE),
  RENDER(WorkspaceOps.RENDER, Role.READER, Trait.HEAVY, Trait.BESIDE),
  PARAMS(WorkspaceOps.PARAMS, Role.READER),
  WHO(WorkspaceOps.WHO, Role.READER),
  WRITE(WorkspaceOps.WRITE, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  DELETE(WorkspaceOps.DELETE, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  MOVE(WorkspaceOps.MOVE, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  COMMIT(WorkspaceOps.COMMIT, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  BRANCH_CREATE(WorkspaceOps.BRANCH_CREATE, Role.WRITER, Trait.CHANGE, Trait.SETTLED_FIRST),
  LOCK(WorkspaceOps.LOCK, Role.WRITER, Trait.CHANGE),
  UNLOCK(WorkspaceOps.UNLOCK, Role.WRITER, Trait.KEYED),
  SAVE(WorkspaceOps.SAVE, Role.WRITER, Trait.CHANGE, Trait.SETTLED_FIRST),
  BRANCH_RENAME(WorkspaceOps.BRANCH_RENAME, Role.OWNER, Trait.CHANGE, Trait.SETTLED_FIRST),
  BRANCH_DELETE(WorkspaceOps.BRANCH_DELETE, Role.OWNER, Trait.CHANGE),
  MERGE(WorkspaceOps.MERGE, Role.WRITER, Trait.CHANGE, Trait.DURABLE, Trait.HEAVY, Trait.BESIDE),
  REVERT(WorkspaceOps.REVERT, Role.WRITER, Trait.CHANGE, Trait.DURABLE, Trait.HEAVY, Trait.BESIDE),
  CHERRY_PICK(WorkspaceOps.CHERRY_PICK, Role.WRITER, Trait.CHANGE, Trait.DURABLE, Trait.HEAVY, Trait.BESIDE),
  RESTORE(WorkspaceOps.RESTORE, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  COMPARE(WorkspaceOps.COMPARE, Role.READER, Trait.HEAVY, Trait.BESIDE),
  TAGS(WorkspaceOps.TAGS, Role.READER),
  TAG_CREATE(WorkspaceOps.TAG_CREATE, Role.WRITER, Trait.CHANGE),
  TAG_DELETE(WorkspaceOps.TAG_DELETE, Role.OWNER, Trait.CHANGE),
  DOC_JOIN(WorkspaceOps.DOC_JOIN, Role.READER, Trait.SETTLED_READ),
  DOC_PUSH(WorkspaceOps.DOC_PUSH, Role.WRITER, Trait.CHANGE, Trait.DURABLE),
  DOC_PULL(WorkspaceOps.DOC_PULL, Role.READER, Trait.SETTLED_READ),
  DOC_PRESENCE(WorkspaceOps.DOC_PRESENCE, Role.READER, Trait.IMMEDIATE),
  DOC_LEAVE(WorkspaceOps.DOC_LEAVE, Role.READER),
  /** A git push moving the open branch; sent by the git door only. */
  RECEIVE(WorkspaceOps.RECEIVE, null, Trait.CHANGE, Trait.SETTLED_FIRST, Trait.DURABLE),
  HOLDER_RELEASED(WorkspaceOps.HOLDER_RELEASED, null),
  SESSION_JOIN(WorkspaceOps.SESSION_JOIN, null),
  SESSION_LEAVE(WorkspaceOps.SESSION_LEAVE, null);

  /** How the workspace runs an op and when it answers. */
  public enum Trait {
    /**
     * Changes the working copy or the repository: waits while another session holds the lock,
     * and carries an idempotency key (implies {@link #KEYED}).
     */
    CHANGE,
    /** Changes state (a repeat with the same key answers the first result) but never waits for the lock. */
    KEYED,
    /** Answered only once its change is in the store. */
    DURABLE,
    /** Starts only once every change before it is in the store (it reads or moves what is stored). */
    SETTLED_FIRST,
    /** A read answered only once the changes the mailbox ran before it are acknowledged. */
    SETTLED_READ,
    /** A bounded, possibly long piece of work (its own pool and time limit). */
    HEAVY,
    /**
     * Its long part runs beside the mailbox, reading commits, not the working tree: in its turn it
     * takes what it starts from; a change it makes is applied in a second turn, which checks that
     * this still holds (the workspace's {@code BesideOp}).
     */
    BESIDE,
    /**
     * Runs on arrival, outside the mailbox: it only touches ephemeral state (a cursor), so it never
     * waits behind the queue, and never splits a group of ops waiting in a row.
     */
    IMMEDIATE
  }

  private static final Map<String, WorkspaceOp> BY_WIRE = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(WorkspaceOp::wire, Function.identity()));

  private final String wire;
  private final Role role;
  private final Set<Trait> traits;

  WorkspaceOp(String wire, Role role, Trait... traits) {
    this.wire = wire;
    this.role = role;
    this.traits = traits.length == 0 ? EnumSet.noneOf(Trait.class) : EnumSet.of(traits[0], traits);
  }

  /** The op of a wire name, or {@code null}. */
  public static WorkspaceOp of(String wire) {
    return wire == null ? null : BY_WIRE.get(wire);
  }

  public String wire() {
    return wire;
  }

  /** The role a client needs; {@code null} for an internal op, which no client may send. */
  public Role role() {
    return role;
  }

  public boolean clientOp() {
    return role != null;
  }

  public boolean has(Trait t) {
    return traits.contains(t);
  }

  /** Changes state: gets (and is remembered by) an idempotency key, and counts as a session's change in flight. */
  public boolean mutates() {
    return has(Trait.CHANGE) || has(Trait.KEYED);
  }

  /** Waits, in order, while another session holds the workspace's lock. */
  public boolean waitsForLock() {
    return has(Trait.CHANGE);
  }

  /** Whether op {@code wire} mutates (false for an unknown name). */
  public static boolean mutates(String wire) {
    WorkspaceOp op = of(wire);
    return op != null && op.mutates();
  }
}
