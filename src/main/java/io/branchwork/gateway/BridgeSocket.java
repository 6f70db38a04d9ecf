package io.branchwork.gateway;

import io.branchwork.core.WorkspaceKey;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/** What a bridge keeps per open socket: its holder name, references, workspaces, tokens, and how to close it. */
final class BridgeSocket {

  /** One reference a socket took: which workspace, under which holder name, for which user. */
  record Reference(WorkspaceKey key, String holder, String user) {}

  final String holder;
  /** Closes the socket (its bridge then reports it closed, and everything it took goes back). */
  final Runnable close;
  final Set<Reference> references = new HashSet<>();
  /** Workspaces this socket sent ops to: its lock, if it took one, is released there on close. */
  final Set<WorkspaceKey> touched = new HashSet<>();
  /** Hashes of the tokens this socket's messages were let through with. */
  final Set<String> tokens = new HashSet<>();
  /** The earliest expiry of those tokens: the socket is closed then. */
  long expiresAt = Long.MAX_VALUE;
  /** The user whose connection slot this socket holds, once one was taken. */
  String user;
  /** The socket closed and gave everything back: a check that was waiting takes nothing more. */
  boolean closed;

  BridgeSocket(String door, Runnable close) {
    this.holder = door + "-" + UUID.randomUUID();
    this.close = close;
  }
}
