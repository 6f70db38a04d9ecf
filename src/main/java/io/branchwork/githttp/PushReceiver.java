package io.branchwork.githttp;

import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.PackFiles;
import io.branchwork.gitstore.Repos;
import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Content;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;

/**
 * Git's side of one {@code git-receive-pack} request (blocking, on the git pool). JGit's
 * {@link ReceivePack} parses the pack into the scratch repository, checking every object as
 * {@code git fsck} would ({@code receive.fsckObjects}: {@code .git} and {@code ..} entries,
 * malformed trees and commits, {@code .gitmodules} that name a path or a dash-option URL) and that
 * every object the push names is there, within {@code limits.maxPushBytes}. Then, instead of
 * moving the scratch repository's refs, its pre-receive hook decides: {@link PushPolicy} for names,
 * roles and what a branch tip must hold; the objects the accepted commands need go to the store as
 * one pack; {@link PushApply} moves each ref (an open branch through its workspace). Nothing a push
 * carries is ever run: the scratch repository is Branchwork's own, without hooks or filters.
 */
final class PushReceiver implements PreReceiveHook {

  private final Store store;
  private final String project;
  private final PushPolicy policy;
  private final PushApply apply;
  private final Path tmpRoot;
  private final long timeoutMs;
  private Repository repo;
  /** The commands the hook saw (JGit forgets them once it has answered). */
  private List<ReceiveCommand> seen = List.of();

  PushReceiver(Store store, String project, PushPolicy policy, PushApply apply, Path tmpRoot, long timeoutMs) {
    this.store = store;
    this.project = project;
    this.policy = policy;
    this.apply = apply;
    this.tmpRoot = tmpRoot;
    this.timeoutMs = timeoutMs;
  }

  /**
   * A receive pack for {@code repo} that advertises the store's refs of {@code mirror}'s request,
   * checks what it receives and takes at most {@code maxPackBytes}.
   */
  static ReceivePack receivePack(Repository repo, ProjectMirrors.Lease mirror, long maxPackBytes) throws IOException {
    ReceivePack rp = new ReceivePack(repo);
    rp.setAdvertisedRefs(mirror.advertised(), null);
    rp.setBiDirectionalPipe(false);
    rp.setObjectChecker(new ObjectChecker());
    rp.setCheckReferencedObjectsAreReachable(true);
    rp.setMaxPackSizeLimit(maxPackBytes);
    // Branchwork decides these itself, per role (PushPolicy), in the pre-receive hook.
    rp.setAllowCreates(true);
    rp.setAllowDeletes(true);
    rp.setAllowNonFastForwards(true);
    return rp;
  }

  /**
   * Writes the push advertisement. Each command moves on its own (an open branch through its
   * workspace), so none is promised to move with the others: {@code atomic} is not advertised,
   * and git refuses a {@code --atomic} push itself.
   */
  static void advertise(ReceivePack rp, OutputStream out) throws IOException {
    PacketLineOut pkt = new PacketLineOut(out);
    pkt.writeString("# service=git-receive-pack\n");
    pkt.end();
    rp.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(pkt) {
      @Override
      public void advertiseCapability(String name) {
        if (!"atomic".equals(name)) {
          super.advertiseCapability(name);
        }
      }
    });
  }

  /**
   * Receives the push in {@code in}, writes git's report to {@code out}, and answers what became
   * of each ref, for the log.
   */
  String receive(ProjectMirrors.Lease mirror, Path scratch, long maxPackBytes, InputStream in, OutputStream out)
      throws Exception {
    // The push lands in a scratch repository over the mirror's objects: nothing of it reaches the
    // mirror (or the store) unless the hook accepts it; the mirror catches up from the store.
    try (Repository into = Repos.initBareOver(scratch.resolve("push.git"), mirror.objects())) {
      this.repo = into;
      ReceivePack rp = receivePack(into, mirror, maxPackBytes);
      rp.setPreReceiveHook(this);
      try {
        rp.receive(in, out, null);
      } catch (UnpackException e) {
        // The pack was refused (fsck, size, truncated): git's report saying so is written already.
        return "pack refused: " + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
      }
    }
    StringBuilder outcome = new StringBuilder();
    for (ReceiveCommand cmd : seen) {
      outcome.append(outcome.isEmpty() ? "" : ", ").append(cmd.getRefName()).append(' ')
          .append(cmd.getOldId().abbreviate(8).name()).append("..").append(cmd.getNewId().abbreviate(8).name())
          .append(' ').append(cmd.getResult() == ReceiveCommand.Result.OK ? "ok"
              : "refused (" + cmd.getMessage() + ")");
    }
    return outcome.toString();
  }

  @Override
  public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
    seen = List.copyOf(commands);
    if (rp.isAtomic()) {
      // Never advertised; a client that asks anyway gets every command refused, none applied.
      commands.forEach(c -> c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
          "atomic pushes are not supported"));
      return;
    }
    List<ReceiveCommand> kept = new ArrayList<>();
    for (ReceiveCommand cmd : commands) {
      if (cmd.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) {
        continue;
      }
      String why = policy.refusal(cmd);
      if (why == null && cmd.getType() != ReceiveCommand.Type.DELETE
          && cmd.getRefName().startsWith(Constants.R_HEADS)) {
        why = opens(cmd.getNewId());
      }
      if (why == null) {
        kept.add(cmd);
      } else {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, why);
      }
    }
    if (kept.isEmpty()) {
      return;
    }
    Path file = null;
    try {
      file = Files.createTempFile(tmpRoot, "push-", ".pack");
      Set<ObjectId> wants = new LinkedHashSet<>();
      for (ReceiveCommand cmd : kept) {
        if (cmd.getType() != ReceiveCommand.Type.DELETE) {
          wants.add(cmd.getNewId());
        }
      }
      // Only what the store does not have: the objects new since the refs it advertised.
      PackInfo pack = wants.isEmpty() ? null : PackFiles.write(repo, wants, rp.getAdvertisedObjects(), file);
      // What each command adds, for its webhook events: read here, where the pushed objects are.
      Map<ReceiveCommand, JsonObject> commits = new HashMap<>();
      for (ReceiveCommand cmd : kept) {
        if (cmd.getType() != ReceiveCommand.Type.DELETE && cmd.getRefName().startsWith(Constants.R_HEADS)) {
          commits.put(cmd, HookPayloads.commits(repo,
              cmd.getType() == ReceiveCommand.Type.CREATE ? null : cmd.getOldId(), cmd.getNewId()));
        }
      }
      Future<Void> done = (pack == null ? Future.<Void>succeededFuture()
          : store.updateRepo(project, pack, Content.file(file), List.of()))
          .compose(v -> apply.applyAll(kept, commits));
      done.toCompletionStage().toCompletableFuture().get(timeoutMs * (1 + kept.size()), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      refuseRest(kept, e.getCause() instanceof BranchworkException be ? be.getMessage() : "the store failed");
    } catch (TimeoutException e) {
      refuseRest(kept, "no answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      refuseRest(kept, "interrupted");
    } catch (IOException | RuntimeException e) {
      refuseRest(kept, e.getMessage());
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // the scratch directory's own clean-up removes it later
        }
      }
    }
  }

  /** Why {@code tip} cannot be a branch's head, or null. */
  private String opens(ObjectId tip) {
    try {
      policy.requireOpens(repo, tip);
      return null;
    } catch (BranchworkException e) {
      return e.getMessage();
    } catch (IOException e) {
      return "commit " + tip.name() + " cannot be read: " + e.getMessage();
    }
  }

  private static void refuseRest(List<ReceiveCommand> kept, String why) {
    for (ReceiveCommand cmd : kept) {
      if (cmd.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, why);
      }
    }
  }
}
