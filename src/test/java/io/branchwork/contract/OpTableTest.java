package io.branchwork.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WorkspaceOp} is the one table of workspace ops: everything else that lists ops is held
 * to it here, so a list that drifts fails the build instead of an op answering before it is
 * stored or a client sending a change without its idempotency key.
 */
class OpTableTest {

  private static final Path CLIENT = Path.of("clients/js/src/index.js");
  private static final Path TYPES = Path.of("clients/js/src/index.d.ts");
  private static final Path README = Path.of("README.md");

  private static Set<String> clientOps() {
    return Arrays.stream(WorkspaceOp.values()).filter(WorkspaceOp::clientOp).map(WorkspaceOp::wire)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** {@code branch.create} is {@code branchCreate} in the JavaScript client, {@code cherry-pick} {@code cherryPick}. */
  private static String method(String op) {
    Matcher m = Pattern.compile("[.-]([a-z])").matcher(op);
    return m.replaceAll(r -> r.group(1).toUpperCase(java.util.Locale.ROOT));
  }

  @Test
  @DisplayName("Verifies that every op name WorkspaceOps declares has its line in the table, and no line lacks a name")
  void namesAndTableAgree() throws Exception {
    Set<String> declared = new TreeSet<>();
    for (Field f : WorkspaceOps.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && !f.getName().startsWith("FIELD_")
          && !f.getName().equals("SYSTEM_USER")) {
        declared.add((String) f.get(null));
      }
    }
    Set<String> table = Arrays.stream(WorkspaceOp.values()).map(WorkspaceOp::wire).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(declared, table);
    for (WorkspaceOp op : WorkspaceOp.values()) {
      assertEquals(op, WorkspaceOp.of(op.wire()));
      assertEquals(op.role(), ClientOps.workspaceRole(op.wire()));
      if (op.has(WorkspaceOp.Trait.DURABLE) || op.has(WorkspaceOp.Trait.SETTLED_FIRST)) {
        assertTrue(op.waitsForLock(), op + " changes what is stored, so it waits for the lock");
      }
    }
  }

  @Test
  @DisplayName("Verifies that the JavaScript client keys exactly the ops that mutate, and has a method for every client op, typed Keyed exactly when it mutates")
  void javascriptClientAgrees() throws Exception {
    String js = Files.readString(CLIENT);
    Matcher m = Pattern.compile("const MUTATING = new Set\\(\\[([^\\]]*)\\]\\)").matcher(js);
    assertTrue(m.find(), "clients/js/src/index.js has no MUTATING set");
    Set<String> keyed = Arrays.stream(m.group(1).split(",")).map(s -> s.strip().replace("'", ""))
        .filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    Set<String> mutating = Arrays.stream(WorkspaceOp.values()).filter(o -> o.clientOp() && o.mutates())
        .map(WorkspaceOp::wire).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(mutating, keyed, "the client's MUTATING set");
    String types = Files.readString(TYPES);
    for (String op : clientOps()) {
      String name = method(op);
      assertTrue(js.contains("request('" + op + "'"), "index.js sends " + op);
      Matcher sig = Pattern.compile("\\n  " + name + "\\(([^)]*)\\)").matcher(types);
      assertTrue(sig.find(), "index.d.ts declares " + name);
      assertEquals(WorkspaceOp.of(op).mutates(), sig.group(1).contains("Keyed"),
          "index.d.ts types " + name + "'s options as Keyed exactly when it mutates");
    }
  }

  @Test
  @DisplayName("Verifies that the README's role list and op table name every client op with its role")
  void readmeAgrees() throws Exception {
    String readme = Files.readString(README);
    Matcher roles = Pattern.compile("\\(reader: `([^`]*)`; writer: `([^`]*)`;\\s+owner: `([^`]*)`\\)").matcher(readme);
    assertTrue(roles.find(), "the README lists the roles of the ops");
    for (Role role : Role.values()) {
      Set<String> listed = new TreeSet<>(Arrays.asList(roles.group(role.ordinal() + 1).split("\\s+")));
      Set<String> table = Arrays.stream(WorkspaceOp.values()).filter(o -> o.role() == role).map(WorkspaceOp::wire)
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(table, listed, "the README's " + role.wire() + " ops");
    }
    String opTable = readme.substring(readme.indexOf("## The workspace op set"), readme.indexOf("### Compile"));
    for (String op : clientOps()) {
      assertTrue(opTable.contains("`" + op + "`"), "the README's op table has " + op);
    }
  }

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that a workspace has a handler for every op of the table")
  void everyOpHasAHandler() throws Exception {
    try (TestNode node = TestNode.start(dir)) {
      String token = node.login("tab");
      WorkspaceKey key = node.openNewProject(token, "optable", "h");
      for (WorkspaceOp op : WorkspaceOp.values()) {
        JsonObject body = new JsonObject().put("op", op.wire()).put("user", "tab").put("holder", "probe");
        try {
          node.vertx.eventBus().request(key.address(), body).await(20, TimeUnit.SECONDS);
        } catch (ReplyException e) {
          assertNotNull(e.getMessage());
          assertFalse(e.getMessage().contains("unknown op"), op + ": " + e.getMessage());
        }
      }
    }
  }
}
