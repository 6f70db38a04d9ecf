package io.branchwork.store;

import io.branchwork.store.SqlEngine.Copied;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Copies content into and out of PostgreSQL chunk rows, one chunk in flight at a time: a file
 * streams through whatever its size, and content in memory is sliced, never copied whole.
 * Statements come numbered ({@code $1}...) from {@link PgEngine}.
 */
final class PgChunks {

  private final Vertx vertx;
  private final Pool pool;

  PgChunks(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** Inserts {@code content} as rows of at most {@code chunkBytes} on {@code c}; see {@link SqlEngine#insertChunks}. */
  Future<Copied> insert(SqlClient c, Content content, int chunkBytes, String insert, Object... keyArgs) {
    if (content instanceof Content.InMemory m) {
      // In memory already: each chunk is a slice of it, no file to open.
      Promise<Copied> done = Promise.promise();
      copyNext(c, (pos, n) -> Future.succeededFuture(Buffer.buffer(Arrays.copyOfRange(m.bytes(),
          (int) pos, (int) Math.min(m.length(), pos + n)))), chunkBytes, insert, keyArgs, 0, 0L, done);
      return done.future();
    }
    Path file = ((Content.InFile) content).path();
    return vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false))
        .compose(in -> {
          Promise<Copied> done = Promise.promise();
          copyNext(c, (pos, n) -> in.read(Buffer.buffer(n), 0, pos, n), chunkBytes, insert, keyArgs, 0, 0L, done);
          return done.future().eventually(in::close);
        });
  }

  /** Reads up to {@code n} bytes at {@code position}; an empty buffer at the end. */
  @FunctionalInterface
  private interface ChunkSource {
    Future<Buffer> read(long position, int n);
  }

  /**
   * Inserts chunk {@code seq} and then the next: a loop over one promise rather than a chain of
   * composed futures, so that only the chunk in flight is referenced, never all of them.
   */
  private void copyNext(SqlClient c, ChunkSource in, int chunkBytes, String insert, Object[] keyArgs, int seq,
      long position, Promise<Copied> done) {
    in.read(position, chunkBytes)
        .compose(chunk -> {
          if (chunk.length() == 0) {
            done.complete(new Copied(position, seq));
            return Future.succeededFuture();
          }
          return c.preparedQuery(insert).execute(PgEngine.tuple(keyArgs).addInteger(seq).addBuffer(chunk))
              .onSuccess(r -> copyNext(c, in, chunkBytes, insert, keyArgs, seq + 1, position + chunk.length(), done));
        })
        .onFailure(done::tryFail);
  }

  /** Writes chunks {@code 0..count-1} to {@code target}; see {@link SqlEngine#readChunks(Path, int, String, Supplier, Object...)}. */
  Future<Void> read(Path target, int count, String select, Supplier<RuntimeException> gone, Object... keyArgs) {
    return vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreate(true)
            .setTruncateExisting(true))
        .compose(out -> {
          Promise<Void> done = Promise.promise();
          readNext(out::write, count, select, gone, keyArgs, 0, done);
          return done.future().eventually(out::close);
        });
  }

  /** Chunks {@code 0..count-1} in memory, for small contents. */
  Future<byte[]> read(int count, String select, Supplier<RuntimeException> gone, Object... keyArgs) {
    Buffer all = Buffer.buffer();
    Promise<Void> done = Promise.promise();
    readNext(chunk -> {
      all.appendBuffer(chunk);
      return Future.succeededFuture();
    }, count, select, gone, keyArgs, 0, done);
    return done.future().map(v -> all.getBytes());
  }

  private void readNext(Function<Buffer, Future<Void>> out, int count, String select, Supplier<RuntimeException> gone,
      Object[] keyArgs, int seq, Promise<Void> done) {
    if (seq >= count) {
      done.complete();
      return;
    }
    pool.preparedQuery(select).execute(PgEngine.tuple(keyArgs).addInteger(seq))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(gone.get())
            : out.apply(rows.iterator().next().getBuffer(0)))
        .onSuccess(v -> readNext(out, count, select, gone, keyArgs, seq + 1, done))
        .onFailure(done::tryFail);
  }
}
