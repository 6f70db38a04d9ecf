package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 11, clear errors: what branch.create's 'from' may name, and the code for everything else. */
@Timeout(60)
class RevisionInputTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static WorkspaceKey key;
  static int n;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    key = node.openNewProject(node.login("rev"), "rev", "h");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static ErrorCode from(String from) {
    return assertThrows(BranchworkException.class, () -> node.ws(key, "rev", "branch.create",
        new JsonObject().put("name", "b" + (++n)).put("from", from))).code();
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"HEAD^{tree}", "HEAD^{/.*}", "main@{0}", "@{-1}", "HEAD~1~1~1", ":/x", "main..HEAD",
      "-main", "ma in", "\u0000", "HEAD^{blob}", "refs/heads/../x"})
  @DisplayName("Revision syntax beyond a branch, tag or commit id is bad_request, never internal")
  void syntaxRefused(String from) {
    assertEquals(ErrorCode.BAD_REQUEST, from(from));
  }

  @Test
  @DisplayName("A 10,000-character 'from' is bad_request; an unknown name or id is not_found")
  void lengthAndMissing() {
    assertEquals(ErrorCode.BAD_REQUEST, from("a".repeat(10_000)));
    assertEquals(ErrorCode.NOT_FOUND, from("no-such-branch"));
    assertEquals(ErrorCode.NOT_FOUND, from("0123456789abcdef0123456789abcdef01234567"));
  }

  @Test
  @DisplayName("A branch name, HEAD, a full or abbreviated commit id are accepted")
  void accepted() {
    String head = node.ws(key, "rev", "log", new JsonObject().put("limit", 1)).getJsonArray("commits")
        .getJsonObject(0).getString("commit");
    for (String from : new String[] {"main", "HEAD", head, head.substring(0, 7)}) {
      assertEquals(head, node.ws(key, "rev", "branch.create", new JsonObject().put("name", "ok" + (++n))
          .put("from", from)).getString("head"));
    }
  }
}
