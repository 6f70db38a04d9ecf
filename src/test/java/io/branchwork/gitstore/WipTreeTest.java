package io.branchwork.gitstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WipTreeTest {

  @TempDir
  Path dir;

  /**
   * A capture that fails (here: a socket in the working copy, which cannot be opened) must not
   * forget the paths it took: the next capture stores their changes.
   */
  @Test
  void aFailedCaptureKeepsItsPaths() throws Exception {
    Path work = dir.resolve("w");
    ObjectId head = ObjectId.fromString(Repos.createWithEmptyCommit(work, "main", new PersonIdent("t", "t@x.invalid")));
    try (Repository repo = Repos.open(work)) {
      WipTree wip = new WipTree(repo, DirCache.newInCore());
      Files.writeString(work.resolve("a.txt"), "one\n");
      wip.touch("a.txt");
      Path socket = work.resolve("s.sock");
      try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        ch.bind(UnixDomainSocketAddress.of(socket));
        wip.touch("s.sock");
        assertThrows(IOException.class, () -> wip.capture(head));
      }
      Files.deleteIfExists(socket);
      wip.touch("s.sock");

      ObjectId commit = wip.capture(head);
      assertNotNull(commit, "the working copy differs from head");
      assertEquals("one\n", read(repo, commit, "a.txt"));
    }
  }

  private static String read(Repository repo, ObjectId commit, String path) throws IOException {
    try (RevWalk walk = new RevWalk(repo);
        TreeWalk tw = TreeWalk.forPath(repo, path, walk.parseCommit(commit).getTree())) {
      assertNotNull(tw, path + " is in the captured tree");
      return new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
    }
  }
}
