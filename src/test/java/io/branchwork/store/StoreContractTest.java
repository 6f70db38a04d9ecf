package io.branchwork.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.AccessToken;
import io.branchwork.store.Records.Delivery;
import io.branchwork.store.Records.DueDelivery;
import io.branchwork.store.Records.Hook;
import io.branchwork.store.Records.HookAttempt;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Records.WorkspaceSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract. Every engine runs this same suite unchanged, so none of them drifts: a
 * subclass only says how to open a fresh, empty store with {@link #CHUNK} byte chunks and
 * keeping {@link #KEEP} versions.
 */
@Timeout(120)
public abstract class StoreContractTest {

  protected static final int CHUNK = 4096;
  protected static final int KEEP = 3;

  @TempDir
  protected Path dir;

  protected Vertx vertx;
  protected Store store;

  protected abstract Future<Store> open(Vertx vertx, Path dir);

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    store = await(open(vertx, dir));
  }

  @AfterEach
  void tearDown() throws Exception {
    await(store.close());
    await(vertx.close());
  }

  protected static <T> T await(Future<T> f) throws Exception {
    return f.await(60, TimeUnit.SECONDS);
  }

  private static ErrorCode code(Future<?> f) {
    BranchworkException e = assertThrows(BranchworkException.class, () -> await(f));
    return e.code();
  }

  private Path file(String name, int size, long seed) throws Exception {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    Path p = dir.resolve(name);
    Files.write(p, b);
    return p;
  }

  private void project(String id, String owner) throws Exception {
    await(store.createUser(owner, "hash"));
    await(store.createProject(id, id, owner));
  }

  @Test
  @DisplayName("Verifies that a user name can be taken once")
  void users() throws Exception {
    await(store.createUser("ann", "h1"));
    assertEquals(ErrorCode.CONFLICT, code(store.createUser("ann", "h2")));
    assertEquals("h1", await(store.findUser("ann")).orElseThrow().passwordHash());
    assertTrue(await(store.findUser("nobody")).isEmpty());
  }

  @Test
  @DisplayName("Verifies that access tokens are found by hash with their scope, listed per user newest first, and deleted by id answering their hash")
  void accessTokens() throws Exception {
    await(store.createUser("ann", "h"));
    await(store.createUser("bob", "h"));
    await(store.createToken("s".repeat(64), "ann", Long.MAX_VALUE / 2));
    await(store.createAccessToken("r".repeat(64), "ann", new AccessToken("id-r", "ci", "read", 5000, 1)));
    await(store.createAccessToken("w".repeat(64), "ann", new AccessToken("id-w", "laptop", "write", 6000, 2)));
    assertEquals(null, await(store.findToken("s".repeat(64))).orElseThrow().scope(), "a session has no scope");
    assertEquals("read", await(store.findToken("r".repeat(64))).orElseThrow().scope());
    assertEquals(List.of(new AccessToken("id-w", "laptop", "write", 6000, 2), new AccessToken("id-r", "ci", "read", 5000, 1)),
        await(store.listAccessTokens("ann")));
    assertTrue(await(store.listAccessTokens("bob")).isEmpty());
    assertTrue(await(store.deleteAccessToken("bob", "id-r")).isEmpty(), "not bob's to delete");
    assertEquals("r".repeat(64), await(store.deleteAccessToken("ann", "id-r")).orElseThrow());
    assertTrue(await(store.findToken("r".repeat(64))).isEmpty());
    assertTrue(await(store.deleteAccessToken("ann", "id-r")).isEmpty());
  }

  @Test
  @DisplayName("Verifies that tokens are found by hash, deleted, and expired ones swept")
  void tokens() throws Exception {
    await(store.createUser("ann", "h"));
    await(store.createToken("a".repeat(64), "ann", 1000));
    await(store.createToken("b".repeat(64), "ann", Long.MAX_VALUE / 2));
    assertEquals("ann", await(store.findToken("a".repeat(64))).orElseThrow().username());
    assertEquals(1, await(store.deleteExpiredTokens(2000)));
    assertTrue(await(store.findToken("a".repeat(64))).isEmpty());
    await(store.deleteToken("b".repeat(64)));
    assertTrue(await(store.findToken("b".repeat(64))).isEmpty());
  }

  @Test
  @DisplayName("Verifies projects, their owner, members and roles")
  void projectsAndMembers() throws Exception {
    project("p1", "ann");
    await(store.createUser("ben", "h"));
    assertEquals(ErrorCode.CONFLICT, code(store.createProject("p1", "again", "ben")));
    assertEquals(Role.OWNER, await(store.role("p1", "ann")).orElseThrow());
    assertTrue(await(store.role("p1", "ben")).isEmpty());
    await(store.setMember("p1", "ben", Role.READER));
    await(store.setMember("p1", "ben", Role.WRITER));
    assertEquals(Role.WRITER, await(store.role("p1", "ben")).orElseThrow());
    assertEquals(List.of(new Records.ProjectRole("p1", "p1", Role.WRITER)), await(store.listProjects("ben")));
    assertEquals(ErrorCode.NOT_FOUND, code(store.setMember("p1", "ghost", Role.READER)));
    assertEquals(ErrorCode.NOT_FOUND, code(store.setMember("nope", "ben", Role.READER)));
    assertTrue(await(store.projectExists("p1")));
    await(store.deleteProject("p1"));
    assertTrue(!await(store.projectExists("p1")));
    assertTrue(await(store.listProjects("ben")).isEmpty());
  }

  @Test
  @DisplayName("Verifies that a snapshot spanning many chunks reads back byte for byte")
  void snapshotRoundTrip() throws Exception {
    project("p", "ann");
    Path in = file("in", CHUNK * 10 + 123, 1);
    SnapshotMeta meta = await(store.writeSnapshot("p", "feature/x", "abc", in, 0L));
    assertEquals(1, meta.version());
    assertEquals(Files.size(in), meta.bytes());
    Path out = dir.resolve("out");
    await(store.readSnapshot(meta, out));
    assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out));
    assertEquals(meta, latestLegacy("p", "feature/x"));
    await(store.dropLegacy("p", "feature/x"));
    assertTrue(await(store.legacySnapshots()).isEmpty());
  }

  @Test
  @DisplayName("Verifies that versions count up, the newest KEEP are kept, and the expected version fences writers")
  void versionsAndFencing() throws Exception {
    project("p", "ann");
    Path in = file("in", 100, 2);
    for (long v = 1; v <= 5; v++) {
      assertEquals(v, await(store.writeSnapshot("p", "main", "h" + v, in, v - 1)).version());
    }
    assertEquals(ErrorCode.CONFLICT, code(store.writeSnapshot("p", "main", "stale", in, 3L)));
    assertEquals(ErrorCode.CONFLICT, code(store.writeSnapshot("p", "main", "stale", in, 0L)));
    SnapshotMeta latest = latestLegacy("p", "main");
    assertEquals(5, latest.version());
    assertEquals("h5", latest.head());
    // pruned: version 2 is gone, version 3 (5 - KEEP + 1) still reads
    SnapshotMeta old = new SnapshotMeta("p", "main", 2, "h2", 100, 0);
    assertEquals(ErrorCode.NOT_FOUND, code(store.readSnapshot(old, dir.resolve("o2"))));
    await(store.readSnapshot(new SnapshotMeta("p", "main", 5 - KEEP + 1, "h3", 100, 0), dir.resolve("o3")));
    // without an expected version any writer goes
    assertEquals(6, await(store.writeSnapshot("p", "main", "h6", in, null)).version());
    assertEquals(ErrorCode.NOT_FOUND, code(store.writeSnapshot("nope", "main", "h", in, null)));
  }

  @Test
  @DisplayName("Verifies that a write that fails midway leaves the previous version the latest and readable")
  void failedWriteKeepsPrevious() throws Exception {
    project("p", "ann");
    Path in = file("in", CHUNK * 3, 3);
    await(store.writeSnapshot("p", "main", "good", in, 0L));
    Path missing = dir.resolve("vanished");
    assertTrue(assertThrows(Exception.class, () -> await(store.writeSnapshot("p", "main", "bad", missing, 1L))) != null);
    SnapshotMeta latest = latestLegacy("p", "main");
    assertEquals(1, latest.version());
    await(store.readSnapshot(latest, dir.resolve("back")));
    assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(dir.resolve("back")));
  }

  @Test
  @DisplayName("Verifies that a pack spanning many chunks, from a file or from memory, reads back byte for byte into a file"
      + " or into memory, and that refs move only by compare-and-set")
  void repoPacksAndRefs() throws Exception {
    project("p", "ann");
    Path pack = file("pack", CHUNK * 4 + 7, 5);
    PackInfo info = new PackInfo("a".repeat(40), Files.size(pack), 3);
    await(store.updateRepo("p", info, Content.file(pack), List.of(new RefUpdate("refs/heads/main", null, "1".repeat(40)))));
    // the same pack again (a retried round) is stored once
    await(store.updateRepo("p", info, Content.file(pack), List.of()));
    RepoState state = await(store.repoState("p"));
    assertEquals(List.of(info), state.packs());
    assertEquals(Map.of("refs/heads/main", "1".repeat(40)), state.refs());
    Path back = dir.resolve("back.pack");
    await(store.readPack("p", info.id(), back));
    assertArrayEquals(Files.readAllBytes(pack), Files.readAllBytes(back));
    assertArrayEquals(Files.readAllBytes(pack), await(store.readPack("p", info.id())));
    // a stale expected value changes nothing, the pack that came with it included
    Content other = Content.file(file("other", 100, 6));
    PackInfo otherInfo = new PackInfo("b".repeat(40), 100, 1);
    assertEquals(ErrorCode.CONFLICT, code(store.updateRepo("p", otherInfo, other, List.of(
        new RefUpdate("refs/branchwork/wip/main", null, "3".repeat(40)),
        new RefUpdate("refs/heads/main", "2".repeat(40), "3".repeat(40))))));
    assertEquals(state, await(store.repoState("p")));
    assertEquals(ErrorCode.CONFLICT, code(store.updateRepo("p", null, null, List.of(
        new RefUpdate("refs/heads/main", null, "3".repeat(40))))));
    await(store.updateRepo("p", otherInfo, other, List.of(
        new RefUpdate("refs/heads/main", "1".repeat(40), "3".repeat(40)),
        new RefUpdate("refs/branchwork/wip/main", null, "4".repeat(40)))));
    assertEquals(Map.of("refs/heads/main", "3".repeat(40), "refs/branchwork/wip/main", "4".repeat(40)),
        await(store.repoState("p")).refs());
    assertEquals(ErrorCode.NOT_FOUND, code(store.updateRepo("nope", null, null, List.of(
        new RefUpdate("refs/heads/main", null, "3".repeat(40))))));
    // compaction: replaced whole, or not at all when a pack is already gone
    // from memory: only the given length of the array is stored
    byte[] mergedBytes = Files.readAllBytes(file("merged", CHUNK * 2 + 1, 7));
    Content merged = Content.bytes(java.util.Arrays.copyOf(mergedBytes, mergedBytes.length + 5), mergedBytes.length);
    PackInfo mergedInfo = new PackInfo("c".repeat(40), mergedBytes.length, 4);
    assertTrue(await(store.replacePacks("p", mergedInfo, merged, List.of(info.id(), otherInfo.id()))));
    assertEquals(List.of(mergedInfo), await(store.repoState("p")).packs());
    assertArrayEquals(mergedBytes, await(store.readPack("p", mergedInfo.id())));
    assertFalse(await(store.replacePacks("p", new PackInfo("d".repeat(40), 1, 1), merged, List.of(info.id()))));
    assertEquals(List.of(mergedInfo), await(store.repoState("p")).packs());
  }

  @Test
  @DisplayName("Verifies that a branch renames and deletes with its work in progress and checkpoints")
  void renameAndDeleteBranch() throws Exception {
    project("p", "ann");
    await(store.updateRepo("p", null, null, List.of(
        new RefUpdate("refs/heads/old", null, "1".repeat(40)),
        new RefUpdate("refs/branchwork/wip/old", null, "2".repeat(40)),
        new RefUpdate("refs/heads/taken", null, "5".repeat(40)))));
    assertEquals(1L, await(store.checkpoint("p", "old", "1".repeat(40), "2".repeat(40))));
    assertEquals(2L, await(store.checkpoint("p", "old", "1".repeat(40), null)));
    assertEquals(ErrorCode.CONFLICT, code(store.renameBranch("p", "old", "taken")));
    assertEquals(ErrorCode.NOT_FOUND, code(store.renameBranch("p", "nothing", "x")));
    await(store.renameBranch("p", "old", "feature/new"));
    assertEquals(Map.of("refs/heads/feature/new", "1".repeat(40), "refs/branchwork/wip/feature/new", "2".repeat(40),
        "refs/heads/taken", "5".repeat(40)), await(store.repoState("p")).refs());
    assertEquals(2L, await(store.latestCheckpoint("p", "feature/new")).orElseThrow().version());
    assertTrue(await(store.latestCheckpoint("p", "old")).isEmpty());
    await(store.deleteBranch("p", "taken"));
    assertEquals(ErrorCode.NOT_FOUND, code(store.deleteBranch("p", "taken")));
    assertEquals(List.of(new Records.BranchHead("feature/new", "1".repeat(40))), await(store.listBranches("p")));
  }

  private SnapshotMeta latestLegacy(String project, String branch) throws Exception {
    return await(store.legacySnapshots()).stream().filter(m -> m.project().equals(project) && m.branch().equals(branch))
        .findFirst().orElseThrow();
  }

  @Test
  @DisplayName("Verifies session rows: put, holders, and a server's rows wiped by its tag")
  void sessions() throws Exception {
    await(store.putWorkspaceSession(new WorkspaceSession("p", "main", "n1", 1, 0)));
    await(store.putWorkspaceSession(new WorkspaceSession("p", "main", "n1", 2, 0)));
    await(store.addHolder("p", "main", "h1", "n1"));
    await(store.addHolder("p", "main", "h1", "n1"));
    await(store.putWorkspaceSession(new WorkspaceSession("q", "dev", "n2", 0, 77)));
    assertEquals(List.of(new WorkspaceSession("p", "main", "n1", 2, 0), new WorkspaceSession("q", "dev", "n2", 0, 77)),
        await(store.listWorkspaceSessions()));
    await(store.addHolder("q", "dev", "h2", "n3"));
    assertEquals(java.util.Set.of("n1", "n2", "n3"), java.util.Set.copyOf(await(store.sessionServerTags())),
        "holder rows count too: a node with clients but no workspace of its own leaves some");
    await(store.removeHolder("p", "main", "h1"));
    assertEquals(0, await(store.wipeServer("n3")));
    assertEquals(java.util.Set.of("n1", "n2"), java.util.Set.copyOf(await(store.sessionServerTags())));
    await(store.addHolder("p", "main", "h3", "n2"));
    assertEquals(1, await(store.wipeServer("n1")));
    assertEquals(java.util.Set.of("n2"), java.util.Set.copyOf(await(store.sessionServerTags())),
        "the holders of a dead node's workspaces go with it, whichever node held them");
    assertEquals(List.of(new WorkspaceSession("q", "dev", "n2", 0, 77)), await(store.listWorkspaceSessions()));
    await(store.deleteWorkspaceSession("q", "dev"));
    assertTrue(await(store.listWorkspaceSessions()).isEmpty());
    await(store.ping());
  }

  @Test
  @DisplayName("Verifies the webhook outbox: deliveries are queued with the change's transaction (none when it fails), one per subscribed hook, claimed by one claim at a time, leased, finished, redelivered and purged")
  void hookOutbox() throws Exception {
    project("p", "ann");
    await(store.hooks().createHook(new Hook("h1", "p", "http://a.example/", List.of("commit", "push"), "ann", 1), "s1", 2));
    await(store.hooks().createHook(new Hook("h2", "p", "http://b.example/", List.of("tag"), "ann", 2), "s2", 2));
    assertEquals(ErrorCode.CONFLICT, code(store.hooks().createHook(new Hook("h3", "p", "http://c.example/", List.of("tag"),
        "ann", 3), "s3", 2)), "at most maxPerProject hooks");
    assertEquals(ErrorCode.NOT_FOUND, code(store.hooks().createHook(new Hook("h4", "nope", "http://c.example/",
        List.of("tag"), "ann", 3), "s3", 2)));
    int[] woken = {0};
    store.onOutbox(() -> woken[0]++);
    String head = "a".repeat(40);
    await(store.updateRepo("p", null, null, List.of(new RefUpdate(Refs.head("main"), null, head)),
        List.of(new HookEvent("e1", "commit", "{\"n\":1}"), new HookEvent("e2", "branch", "{}"))));
    assertEquals(1, woken[0]);
    assertEquals(ErrorCode.CONFLICT, code(store.updateRepo("p", null, null,
        List.of(new RefUpdate(Refs.head("main"), "b".repeat(40), head)), List.of(new HookEvent("e3", "commit", "{}")))));
    assertEquals(1, woken[0], "a change that failed queued nothing");

    long due = System.currentTimeMillis() + 1000;
    List<DueDelivery> first = await(store.hooks().claimDeliveries("c1", due, Long.MAX_VALUE / 2, 10));
    assertEquals(1, first.size(), "only h1 subscribes to commit; nothing for branch");
    DueDelivery d = first.get(0);
    assertEquals("e1-h1", d.id());
    assertEquals("{\"n\":1}", d.body());
    assertEquals("s1", d.secret());
    assertTrue(await(store.hooks().claimDeliveries("c2", due, Long.MAX_VALUE / 2, 10)).isEmpty(), "leased to c1");
    assertFalse(await(store.hooks().finishDelivery(d.id(), "c2", new HookAttempt(1, 5, 1, 500, null, "x"), "pending", 0)),
        "not c2's to finish");
    assertTrue(await(store.hooks().finishDelivery(d.id(), "c1", new HookAttempt(1, 5, 3, 500, null, "no\u00e9"), "pending",
        Long.MAX_VALUE / 4)));
    assertTrue(await(store.hooks().claimDeliveries("c3", due, Long.MAX_VALUE / 2, 10)).isEmpty(), "not due yet");

    await(store.renameBranch("p", "main", "dev", List.of(new HookEvent("e4", "push", "{}"))));
    assertTrue(await(store.hooks().claimDeliveries("c3b", System.currentTimeMillis() + 1000, Long.MAX_VALUE / 2, 10,
        List.of("h1", "h9"))).isEmpty(), "a hook passed over is not claimed");
    assertTrue(await(store.hooks().deferDelivery("e4-h1", "nobody", 0)) == false);
    List<DueDelivery> second = await(store.hooks().claimDeliveries("c4", System.currentTimeMillis() + 1000, 100, 10));
    assertEquals(List.of("e4-h1"), second.stream().map(DueDelivery::id).toList());
    assertEquals(List.of("e4-h1"), await(store.hooks().claimDeliveries("c5", Long.MAX_VALUE / 8, Long.MAX_VALUE / 4, 10))
        .stream().map(DueDelivery::id).toList(), "a lease that ran out is taken by the next claim");
    assertTrue(await(store.hooks().finishDelivery("e4-h1", "c5", new HookAttempt(1, 6, 2, 204, null, null), "delivered", 6)));

    List<Delivery> list = await(store.hooks().listDeliveries("p", "h1", 10));
    assertEquals(2, list.size());
    Delivery done = list.stream().filter(x -> x.id().equals("e4-h1")).findFirst().orElseThrow();
    assertEquals("delivered", done.status());
    assertEquals(List.of(new HookAttempt(1, 6, 2, 204, null, null)), done.tries());
    assertEquals("no\u00e9", list.stream().filter(x -> x.id().equals("e1-h1")).findFirst().orElseThrow().tries()
        .get(0).answer());
    assertEquals(ErrorCode.NOT_FOUND, code(store.hooks().listDeliveries("p", "h9", 10)));
    assertEquals(ErrorCode.CONFLICT, code(store.hooks().redeliver("p", "h1", "e1-h1", 7, 8)), "still pending");
    assertEquals(ErrorCode.NOT_FOUND, code(store.hooks().redeliver("p", "h2", "e4-h1", 7, 8)), "not h2's");
    await(store.hooks().redeliver("p", "h1", "e4-h1", 7, 8));
    DueDelivery again = await(store.hooks().claimDeliveries("c6", 7, 100, 10)).stream()
        .filter(x -> x.id().equals("e4-h1")).findFirst().orElseThrow();
    assertEquals(1, again.attempts());
    assertEquals(8, again.deadline());
    assertTrue(await(store.hooks().finishDelivery("e4-h1", "c6", new HookAttempt(2, 9, 2, 200, null, null), "delivered", 9)));
    assertEquals(0, await(store.hooks().purgeDeliveries(0)));
    assertEquals(1, await(store.hooks().purgeDeliveries(Long.MAX_VALUE)), "ended deliveries go; pending ones stay");
    assertEquals(List.of("h1", "h2"), await(store.hooks().listHooks("p")).stream().map(Hook::id).toList());
    assertTrue(await(store.hooks().deleteHook("p", "h1")));
    assertFalse(await(store.hooks().deleteHook("p", "h1")));
    assertTrue(await(store.hooks().findHook("p", "h1")).isEmpty());
    assertEquals(List.of("tag"), await(store.hooks().findHook("p", "h2")).orElseThrow().events());
  }

  @Test
  @DisplayName("Verifies that claims made at once never take the same delivery: each of 60 due deliveries goes to exactly one of 8 concurrent claims")
  void concurrentClaimsAreDisjoint() throws Exception {
    project("p", "ann");
    await(store.hooks().createHook(new Hook("h1", "p", "http://a.example/", List.of("commit"), "ann", 1), "s", 5));
    await(store.hooks().createHook(new Hook("h2", "p", "http://b.example/", List.of("commit"), "ann", 1), "s", 5));
    List<HookEvent> events = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) {
      events.add(new HookEvent("e" + i, "commit", "{}"));
    }
    await(store.updateRepo("p", null, null, List.of(), events));
    long due = System.currentTimeMillis() + 1000;
    List<Future<List<DueDelivery>>> claims = new java.util.ArrayList<>();
    for (int c = 0; c < 8; c++) {
      claims.add(store.hooks().claimDeliveries("claim-" + c, due, Long.MAX_VALUE / 2, 10));
    }
    java.util.Map<String, Integer> taken = new java.util.HashMap<>();
    for (var f : claims) {
      for (DueDelivery d : await(f)) {
        taken.merge(d.id(), 1, Integer::sum);
      }
    }
    for (int round = 0; taken.size() < 60 && round < 10; round++) {
      for (DueDelivery d : await(store.hooks().claimDeliveries("late-" + round, due, Long.MAX_VALUE / 2, 60))) {
        taken.merge(d.id(), 1, Integer::sum);
      }
    }
    assertEquals(60, taken.size());
    assertTrue(taken.values().stream().allMatch(n -> n == 1), "claimed twice: " + taken);
  }
}
