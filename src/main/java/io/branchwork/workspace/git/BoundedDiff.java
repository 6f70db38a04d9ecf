package io.branchwork.workspace.git;

import io.branchwork.core.BranchworkException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.Repository;

/**
 * The bounds of one {@code diff}: files past {@code maxFileBytes} are shown as binary (no line
 * diff is tried), the patch is cut at {@code maxPatchBytes} with a line that says so, and the work
 * stops at {@code timeoutMs}. Line diffs can be quadratic (Myers on many repeated lines): the
 * deadline is checked inside the algorithm's own loop, through the line comparator it calls, so
 * a diff that runs out of time really stops instead of holding the workspace's queue.
 */
public record BoundedDiff(int maxPatchBytes, int maxFileBytes, long timeoutMs) {

  /** Thrown out of JGit's diff loop when the deadline has passed. */
  static final class TooSlow extends RuntimeException {
    TooSlow() {
      super(null, null, false, false);
    }
  }

  /** Thrown by the patch buffer when it is full. */
  static final class Full extends RuntimeException {
    Full() {
      super(null, null, false, false);
    }
  }

  /** The patch buffer: refuses past the limit, so a huge patch is never held whole. */
  static final class Patch extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int max;

    Patch(int max) {
      this.max = max;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      int room = max - bytes.size();
      if (len > room) {
        bytes.write(b, off, Math.max(room, 0));
        throw new Full();
      }
      bytes.write(b, off, len);
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  /** A comparator that compares lines as {@link RawTextComparator#DEFAULT} and watches the clock. */
  private static RawTextComparator comparator(long deadlineNanos) {
    return new RawTextComparator() {
      private int calls;

      @Override
      public boolean equals(RawText a, int ai, RawText b, int bi) {
        tick();
        return RawTextComparator.DEFAULT.equals(a, ai, b, bi);
      }

      @Override
      protected int hashRegion(byte[] raw, int ptr, int end) {
        tick();
        int hash = 5381;
        for (; ptr < end; ptr++) {
          hash = ((hash << 5) + hash) + (raw[ptr] & 0xff);
        }
        return hash;
      }

      private void tick() {
        if ((++calls & 1023) == 0 && System.nanoTime() - deadlineNanos > 0) {
          throw new TooSlow();
        }
      }
    };
  }

  /**
   * A formatter on {@code repo} that writes to {@code out} within these bounds: big files count as
   * binary, and line diffs stop at {@code deadlineNanos}. Every diff the server prints starts here.
   */
  DiffFormatter formatter(Repository repo, OutputStream out, long deadlineNanos) {
    DiffFormatter df = new DiffFormatter(out);
    df.setRepository(repo);
    df.setBinaryFileThreshold(maxFileBytes);
    df.setDiffComparator(comparator(deadlineNanos));
    return df;
  }

  BranchworkException tooSlow() {
    return BranchworkException.tooLarge("the diff took longer than " + timeoutMs
        + " ms (diff.timeoutMs) and was stopped; ask for one path at a time");
  }

  String truncationNote() {
    return "\n[patch truncated at " + maxPatchBytes + " bytes (diff.maxPatchBytes)]\n";
  }
}
