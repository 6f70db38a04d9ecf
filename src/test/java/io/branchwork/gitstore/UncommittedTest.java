package io.branchwork.gitstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class UncommittedTest {

  @Test
  @DisplayName("Verifies that a whole-tree op is refused while the branch has work in progress, and allowed without")
  void wholeTree() {
    Uncommitted.requireNone("main", null);
    BranchworkException e = assertThrows(BranchworkException.class, () -> Uncommitted.requireNone("main", "abc"));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertTrue(e.getMessage().contains("branch main has uncommitted changes"), e.getMessage());
  }

  @Test
  @DisplayName("Verifies that an op is refused naming only the uncommitted paths it would change, and allowed when it changes none")
  void paths() {
    Uncommitted.requireUntouched(List.of("a.scad", "b.scad"), List.of("c.scad"));
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> Uncommitted.requireUntouched(List.of("b.scad", "a.scad", "x"), List.of("c.scad", "b.scad", "a.scad")));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertTrue(e.getMessage().startsWith("uncommitted changes on a.scad, b.scad, which"), e.getMessage());
    List<String> many = IntStream.range(0, 30).mapToObj(i -> "f" + (100 + i)).toList();
    String msg = assertThrows(BranchworkException.class, () -> Uncommitted.requireUntouched(many, many)).getMessage();
    assertTrue(msg.contains("f119 and 10 more"), msg);
  }
}
