package io.branchwork.core;

import io.branchwork.contract.Addresses;

/** A workspace's identity: one (project, branch) pair, and the addresses derived from it. */
public record WorkspaceKey(String project, String branch) {

  public WorkspaceKey {
    Identifiers.requireProjectId(project);
    Identifiers.requireBranch(branch);
  }

  /** {@code workspace.<project>.<branch>}: where the workspace takes requests. */
  public String address() {
    return Addresses.WORKSPACE_PREFIX + project + "." + branch;
  }

  /** {@code events.workspace.<project>.<branch>}: where the workspace publishes pushes. */
  public String eventAddress() {
    return Addresses.EVENTS_PREFIX + project + "." + branch;
  }

  /** The key of a workspace or event address, or {@code null} when it is neither. */
  public static WorkspaceKey fromAddress(String address) {
    String rest;
    if (address.startsWith(Addresses.WORKSPACE_PREFIX)) {
      rest = address.substring(Addresses.WORKSPACE_PREFIX.length());
    } else if (address.startsWith(Addresses.EVENTS_PREFIX)) {
      rest = address.substring(Addresses.EVENTS_PREFIX.length());
    } else {
      return null;
    }
    // Project ids have no dot, so the first dot separates project from branch.
    int dot = rest.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    String project = rest.substring(0, dot);
    String branch = rest.substring(dot + 1);
    if (!Identifiers.isProjectId(project) || !Identifiers.isBranch(branch)) {
      return null;
    }
    return new WorkspaceKey(project, branch);
  }

  @Override
  public String toString() {
    return project + ":" + branch;
  }
}
