package io.branchwork.auth;

/** Who a live token speaks for, with what {@link Scope}, until when (epoch ms). */
public record Principal(String username, Scope scope, long expiresAt) {}
