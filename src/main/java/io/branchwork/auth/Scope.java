package io.branchwork.auth;

import io.branchwork.contract.Role;
import java.util.Locale;

/**
 * What a token may do. A session token (from signing in) acts with the user's role; a personal
 * access token is {@code read} (at most the reader role, wherever the user's role is higher) or
 * {@code write} (the user's role). Only a session may manage tokens: a token handed to a tool
 * cannot mint or revoke others.
 */
public enum Scope {
  SESSION, READ, WRITE;

  /** The wire name of an access token's scope ({@code read}, {@code write}). */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** An access token's scope from its wire name, or {@code null} ({@code session} is not one). */
  public static Scope ofAccessToken(String s) {
    return "read".equals(s) ? READ : "write".equals(s) ? WRITE : null;
  }

  /** The role a token of this scope acts with, for a user whose role is {@code role}. */
  public Role cap(Role role) {
    return this == READ && role.allows(Role.WRITER) ? Role.READER : role;
  }
}
