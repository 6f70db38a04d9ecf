package io.branchwork.store;

import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Run in a forked JVM with a small heap by {@link PgStoreTest}: writes a large snapshot to
 * PostgreSQL and reads it back, checks the bytes by digest, and prints the peak heap.
 * Arguments: url, schema, bytes, work dir.
 */
public final class BigSnapshotCheck {

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String schema = args[1];
    long size = Long.parseLong(args[2]);
    Path dir = Path.of(args[3]);
    Vertx vertx = Vertx.vertx();
    try {
      Store store = PgStore.open(vertx, url, schema, 2, 1 << 20, 2).await(60, TimeUnit.SECONDS);
      store.createUser("big", "h").await(30, TimeUnit.SECONDS);
      store.createProject("big", "big", "big").await(30, TimeUnit.SECONDS);
      Path in = dir.resolve("big.in");
      MessageDigest written = MessageDigest.getInstance("SHA-256");
      try (OutputStream out = Files.newOutputStream(in)) {
        Random random = new Random(42);
        byte[] block = new byte[1 << 20];
        for (long n = 0; n < size; n += block.length) {
          random.nextBytes(block);
          out.write(block);
          written.update(block);
        }
      }
      var meta = store.writeSnapshot("big", "main", "h", in, 0L).await(300, TimeUnit.SECONDS);
      Files.delete(in);
      Path back = dir.resolve("big.out");
      store.readSnapshot(meta, back).await(300, TimeUnit.SECONDS);
      MessageDigest read = MessageDigest.getInstance("SHA-256");
      try (var stream = Files.newInputStream(back)) {
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = stream.read(buf)) > 0) {
          read.update(buf, 0, n);
        }
      }
      Files.delete(back);
      store.close().await(30, TimeUnit.SECONDS);
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      String a = HexFormat.of().formatHex(written.digest());
      String b = HexFormat.of().formatHex(read.digest());
      if (!a.equals(b) || meta.bytes() != size) {
        System.out.println("MISMATCH " + a + " " + b + " " + meta.bytes());
        System.exit(1);
      }
      System.out.println("round trip ok bytes=" + meta.bytes() + " peakHeapBytes=" + peak);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
