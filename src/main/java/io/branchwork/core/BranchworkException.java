package io.branchwork.core;

import io.branchwork.contract.ErrorCode;

/** A failure that clients may see: a contract {@link ErrorCode} and a message safe to show. */
public class BranchworkException extends RuntimeException {

  private final ErrorCode code;

  public BranchworkException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static BranchworkException badRequest(String message) {
    return new BranchworkException(ErrorCode.BAD_REQUEST, message);
  }

  public static BranchworkException notFound(String message) {
    return new BranchworkException(ErrorCode.NOT_FOUND, message);
  }

  public static BranchworkException conflict(String message) {
    return new BranchworkException(ErrorCode.CONFLICT, message);
  }

  public static BranchworkException forbidden(String message) {
    return new BranchworkException(ErrorCode.FORBIDDEN, message);
  }

  public static BranchworkException tooLarge(String message) {
    return new BranchworkException(ErrorCode.TOO_LARGE, message);
  }

  public static BranchworkException overloaded(String message) {
    return new BranchworkException(ErrorCode.OVERLOADED, message);
  }

  public static BranchworkException unsupported(String message) {
    return new BranchworkException(ErrorCode.UNSUPPORTED, message);
  }

  public static BranchworkException unauthenticated(String message) {
    return new BranchworkException(ErrorCode.UNAUTHENTICATED, message);
  }

  @Override
  public String toString() {
    return code.wire() + ": " + getMessage();
  }
}
