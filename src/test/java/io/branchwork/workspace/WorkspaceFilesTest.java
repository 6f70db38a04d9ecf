package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class WorkspaceFilesTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static int counter;
  static final WorkspaceKey KEY = new WorkspaceKey("files", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir);
    node.createProject(node.login("alice"), "files");
    node.allocator(AllocatorOps.REGISTER, KEY, "test");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonObject op(String op, JsonObject args) {
    return node.ws(KEY, "alice", op, args);
  }

  private static BranchworkException fails(String op, JsonObject args) {
    return assertThrows(BranchworkException.class, () -> op(op, args));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String unique() {
    return "t" + (++counter);
  }

  @Test
  @DisplayName("A written file reads back with the blob id that git hash-object computes")
  void writeReadBlob() {
    String p = unique() + "/dir/hello.txt";
    byte[] content = utf8("hello, world\n");
    String blob = op("write", new JsonObject().put("path", p).put("content", content)).getString("blob");
    JsonObject read = op("read", new JsonObject().put("path", p));
    assertEquals("hello, world\n", new String(read.getBinary("content"), StandardCharsets.UTF_8));
    assertEquals(blob, read.getString("blob"));
    assertEquals("4b5fa63702dd96796042e92787f464e28f09f17d", blob);
  }

  @Test
  @DisplayName("Binary content survives byte for byte, every byte value included")
  void binaryContent() {
    byte[] all = new byte[256 * 4];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    String p = unique() + ".bin";
    op("write", new JsonObject().put("path", p).put("content", all));
    assertTrue(java.util.Arrays.equals(all, op("read", new JsonObject().put("path", p)).getBinary("content")));
  }

  @Test
  @DisplayName("write with base \"\" creates only; with a blob id only if the file is still that blob")
  void writeWithBase() {
    String p = unique() + ".txt";
    String b1 = op("write", new JsonObject().put("path", p).put("content", utf8("v1")).put("base", "")).getString("blob");
    assertEquals(ErrorCode.CONFLICT, fails("write", new JsonObject().put("path", p).put("content", utf8("x")).put("base", "")).code());
    String b2 = op("write", new JsonObject().put("path", p).put("content", utf8("v2")).put("base", b1)).getString("blob");
    assertEquals(ErrorCode.CONFLICT, fails("write", new JsonObject().put("path", p).put("content", utf8("v3")).put("base", b1)).code());
    assertEquals(b2, op("read", new JsonObject().put("path", p)).getString("blob"));
    assertEquals(ErrorCode.CONFLICT, fails("delete", new JsonObject().put("path", p).put("base", b1)).code());
    op("delete", new JsonObject().put("path", p).put("base", b2));
    assertEquals(ErrorCode.NOT_FOUND, fails("read", new JsonObject().put("path", p)).code());
  }

  @Test
  @DisplayName("list answers files and directories, recursively on request, never .git")
  void list() {
    String d = unique();
    op("write", new JsonObject().put("path", d + "/a.txt").put("content", utf8("aa")));
    op("write", new JsonObject().put("path", d + "/sub/b.txt").put("content", utf8("bbb")));
    JsonArray flat = op("list", new JsonObject().put("path", d)).getJsonArray("entries");
    assertEquals(2, flat.size(), flat::encode);
    assertEquals(new JsonObject().put("path", d + "/a.txt").put("type", "file").put("size", 2L), flat.getJsonObject(0));
    assertEquals("dir", flat.getJsonObject(1).getString("type"));
    JsonArray deep = op("list", new JsonObject().put("path", d).put("recursive", true)).getJsonArray("entries");
    assertEquals(3, deep.size());
    JsonArray root = op("list", new JsonObject().put("recursive", true)).getJsonArray("entries");
    for (Object o : root) {
      String path = ((JsonObject) o).getString("path");
      assertTrue(!path.equals(".git") && !path.startsWith(".git/"), path);
    }
    assertEquals(ErrorCode.NOT_FOUND, fails("list", new JsonObject().put("path", "nowhere")).code());
  }

  @Test
  @DisplayName("move renames files and directories and refuses to overwrite")
  void move() {
    String d = unique();
    op("write", new JsonObject().put("path", d + "/x/1.txt").put("content", utf8("1")));
    op("write", new JsonObject().put("path", d + "/y.txt").put("content", utf8("y")));
    op("move", new JsonObject().put("from", d + "/x").put("to", d + "/z"));
    assertEquals("1", new String(op("read", new JsonObject().put("path", d + "/z/1.txt")).getBinary("content"), StandardCharsets.UTF_8));
    assertEquals(ErrorCode.NOT_FOUND, fails("read", new JsonObject().put("path", d + "/x/1.txt")).code());
    assertEquals(ErrorCode.CONFLICT, fails("move", new JsonObject().put("from", d + "/y.txt").put("to", d + "/z/1.txt")).code());
    assertEquals(ErrorCode.NOT_FOUND, fails("move", new JsonObject().put("from", d + "/nope").put("to", d + "/q")).code());
  }

  @Test
  @DisplayName("Every bad path of the contract is bad_request, for every op that takes a path")
  void badPaths() {
    String longPath = "a/".repeat(2049) + "b";
    List<String> bad = List.of("", "/abs", "a//b", "a/", "./a", "a/./b", "../x", "a/../../x", "a\0b", ".git",
        ".git/config", "sub/.git/HEAD", ".GIT/config", "a/.Git", longPath);
    for (String p : bad) {
      for (String op : List.of("read", "write", "delete")) {
        JsonObject args = new JsonObject().put("path", p).put("content", utf8("x"));
        assertEquals(ErrorCode.BAD_REQUEST, fails(op, args).code(), () -> op + " " + p);
      }
      assertEquals(ErrorCode.BAD_REQUEST, fails("move", new JsonObject().put("from", "ok.txt").put("to", p)).code(), p);
      assertEquals(ErrorCode.BAD_REQUEST, fails("move", new JsonObject().put("from", p).put("to", "ok2.txt")).code(), p);
      if (!p.isEmpty()) {
        assertEquals(ErrorCode.BAD_REQUEST, fails("list", new JsonObject().put("path", p)).code(), p);
      }
    }
    assertEquals(ErrorCode.BAD_REQUEST, fails("read", new JsonObject().put("path", 42)).code());
    assertEquals(ErrorCode.BAD_REQUEST, fails("write", new JsonObject().put("path", "x.txt")).code());
    assertEquals(ErrorCode.BAD_REQUEST, fails("write", new JsonObject().put("path", "x.txt").put("content", "not base64!")).code());
    assertEquals(ErrorCode.BAD_REQUEST, fails("frobnicate", new JsonObject()).code());
  }

  @Test
  @DisplayName("A path through a symbolic link in the working copy is refused, so nothing outside is read or written")
  void symlinksAreNotFollowed() throws Exception {
    Path outside = Files.createTempDirectory("outside");
    Files.writeString(outside.resolve("secret"), "secret");
    Path wc;
    try (var s = Files.list(dir.resolve("workspaces"))) {
      wc = s.findFirst().orElseThrow().resolve("wc");
    }
    String name = unique();
    Files.createSymbolicLink(wc.resolve(name), outside);
    assertEquals(ErrorCode.BAD_REQUEST, fails("read", new JsonObject().put("path", name + "/secret")).code());
    assertEquals(ErrorCode.BAD_REQUEST, fails("write", new JsonObject().put("path", name + "/new").put("content", utf8("x"))).code());
    assertTrue(Files.notExists(outside.resolve("new")));
  }

  @Test
  @DisplayName("Writes push 'changed' with path, blob and user; save pushes 'saved'; the snapshot passes git fsck")
  void eventsAndSave() throws Exception {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> c = node.vertx.eventBus().consumer(KEY.eventAddress(), m -> events.add(m.body()));
    c.completion().await();
    String p = unique() + ".txt";
    String blob = op("write", new JsonObject().put("path", p).put("content", utf8("evt"))).getString("blob");
    JsonObject saved = op("save", new JsonObject());
    io.branchwork.support.Await.until("two events", 5_000, () -> events.size() >= 2);
    c.unregister();
    long seq = events.get(0).getLong("seq");
    assertEquals(new JsonObject().put("event", "changed").put("path", p).put("blob", blob).put("by", "alice")
        .put("seq", seq), events.get(0));
    assertEquals("saved", events.get(1).getString("event"));
    assertEquals(seq + 1, events.get(1).getLong("seq"), "each event one more than the one before");
    assertEquals(saved.getLong("version"), events.get(1).getLong("version"));
    assertTrue(saved.getLong("bytes") > 0);

    Path out = Files.createTempDirectory(dir, "snap");
    Path archive = out.resolve("s.tar.gz");
    var checkpoint = node.node.services().store().latestCheckpoint("files", "main").await().orElseThrow();
    assertEquals(saved.getLong("version"), checkpoint.version());
    Path exported = new io.branchwork.workspace.snapshot.SnapshotService(node.vertx, node.node.services().store(),
        node.node.services().tmpRoot(), io.branchwork.workspace.snapshot.SnapshotService.Settings.of(
            node.node.services().config())).export(new io.branchwork.core.WorkspaceKey("files", "main")).await();
    Files.move(exported, archive);
    Path wc = Files.createDirectory(out.resolve("wc"));
    Cli.run(wc, "tar", "-xzf", archive.toString());
    assertEquals("evt", Files.readString(wc.resolve(p)));
    Cli.run(wc, "git", "fsck", "--strict");
    assertTrue(Cli.run(wc, "git", "status", "--porcelain").contains(p));
  }

  @Test
  @DisplayName("A write where a file stands in for a directory, or over a directory, is conflict and changes nothing")
  void somethingInTheWay() {
    String d = unique();
    op("write", new JsonObject().put("path", d + "/file.txt").put("content", utf8("kept")));
    assertEquals(ErrorCode.CONFLICT, fails("write", new JsonObject().put("path", d + "/file.txt/under.txt")
        .put("content", utf8("x"))).code());
    assertEquals(ErrorCode.CONFLICT, fails("write", new JsonObject().put("path", d).put("content", utf8("x"))).code());
    assertEquals("kept", new String(op("read", new JsonObject().put("path", d + "/file.txt")).getBinary("content"),
        StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("A file over limits.maxFileBytes is too_large")
  void fileLimit() {
    byte[] big = new byte[node.node.services().config().maxFileBytes + 1];
    assertEquals(ErrorCode.TOO_LARGE, fails("write", new JsonObject().put("path", "big.bin").put("content", big)).code());
  }

  @Test
  @DisplayName("Writes sent together (run as one group) answer as if run one by one: bases chain, bad ones fail alone")
  void writesInARow() throws Exception {
    String p = unique() + "/row.txt";
    String q = unique() + "/other.txt";
    String b0 = blobOf("v0");
    String b1 = blobOf("v1");
    // Sent without waiting: they reach the mailbox while the first runs, and queue as one group.
    List<io.vertx.core.Future<JsonObject>> sent = List.of(
        send("write", new JsonObject().put("path", p).put("content", utf8("v0")).put("base", "")),
        send("write", new JsonObject().put("path", p).put("content", utf8("v1")).put("base", b0)),
        send("write", new JsonObject().put("path", p).put("content", utf8("stale")).put("base", b0)),
        send("write", new JsonObject().put("path", "../out.txt").put("content", utf8("out"))),
        send("write", new JsonObject().put("path", p).put("content", utf8("v2")).put("base", b1)),
        send("write", new JsonObject().put("path", q).put("content", utf8("q")).put("base", "")),
        send("write", new JsonObject().put("path", q).put("content", utf8("again")).put("base", "")),
        send("read", new JsonObject().put("path", p)));
    io.vertx.core.Future.join(sent).toCompletionStage().handle((v, e) -> null).toCompletableFuture()
        .get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(b0, sent.get(0).result().getString("blob"));
    assertEquals(b1, sent.get(1).result().getString("blob"));
    assertEquals(ErrorCode.CONFLICT, ((BranchworkException) sent.get(2).cause()).code(), "a stale base");
    assertEquals(ErrorCode.BAD_REQUEST, ((BranchworkException) sent.get(3).cause()).code(), "a path out of the copy");
    assertEquals(blobOf("v2"), sent.get(4).result().getString("blob"));
    assertEquals(blobOf("q"), sent.get(5).result().getString("blob"));
    assertEquals(ErrorCode.CONFLICT, ((BranchworkException) sent.get(6).cause()).code(), "create-only on a file just made");
    assertEquals("v2", new String(sent.get(7).result().getBinary("content"), StandardCharsets.UTF_8));
    assertEquals("q", new String(op("read", new JsonObject().put("path", q)).getBinary("content"), StandardCharsets.UTF_8));
  }

  private static io.vertx.core.Future<JsonObject> send(String op, JsonObject args) {
    return io.branchwork.core.Bus.request(node.vertx, KEY.address(), args.copy().put("op", op).put("user", "alice"), 20_000)
        .recover(e -> io.vertx.core.Future.failedFuture(io.branchwork.core.Failures.normalize(e)));
  }

  private static String blobOf(String text) {
    return new org.eclipse.jgit.lib.ObjectInserter.Formatter()
        .idFor(org.eclipse.jgit.lib.Constants.OBJ_BLOB, utf8(text)).name();
  }
}
