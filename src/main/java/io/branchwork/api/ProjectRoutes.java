package io.branchwork.api;

import java.util.List;
import static io.branchwork.http.HttpSupport.body;
import static io.branchwork.http.HttpSupport.respond;
import static io.branchwork.http.HttpSupport.principal;
import static io.branchwork.http.HttpSupport.user;

import io.branchwork.auth.AuthService;
import io.branchwork.auth.Scope;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.Role;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.http.HttpSupport;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.ProjectRole;
import io.branchwork.store.Store;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Projects, members and branches. */
final class ProjectRoutes {

  static final String INITIAL_BRANCH = "main";
  private static final Logger LOG = LoggerFactory.getLogger(ProjectRoutes.class);
  private static final int MAX_NAME_LENGTH = 256;

  private final Store store;
  private final AuthService auth;
  private final SnapshotService snapshots;

  ProjectRoutes(Store store, AuthService auth, SnapshotService snapshots) {
    this.store = store;
    this.auth = auth;
    this.snapshots = snapshots;
  }

  void mount(Router router, BodyHandler json, Handler<RoutingContext> authenticated) {
    router.post("/api/projects").handler(json).handler(authenticated).handler(this::create);
    router.get("/api/projects").handler(authenticated).handler(this::list);
    router.post("/api/projects/:id/members").handler(json).handler(authenticated).handler(this::setMember);
    router.get("/api/projects/:id/branches").handler(authenticated).handler(this::branches);
  }

  private void create(RoutingContext ctx) {
    JsonObject b = body(ctx);
    String id = Identifiers.requireProjectId(Args.string(b, "id"));
    String name = Args.optString(b, "name");
    if (name == null) {
      name = id;
    }
    if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw BranchworkException.badRequest("'name' must have 1 to " + MAX_NAME_LENGTH + " characters");
    }
    if (principal(ctx).scope() == Scope.READ) {
      throw BranchworkException.forbidden("this token is read-only; creating a project needs the write scope");
    }
    String user = user(ctx);
    long t0 = System.nanoTime();
    Future<Void> created = store.createProject(id, name, user)
        .compose(v -> snapshots.createInitial(id, INITIAL_BRANCH, user)
            .recover(e -> store.deleteProject(id).transform(ar -> Future.failedFuture(e))))
        .onSuccess(meta -> {
          LOG.info("created project {} for {} in {} ms", id, user, (System.nanoTime() - t0) / 1_000_000);
          membershipChanged(ctx, id, user);
        })
        .mapEmpty();
    respond(ctx, created, v -> HttpSupport.json(ctx, 201, new JsonObject().put("id", id)));
  }

  private void list(RoutingContext ctx) {
    respond(ctx, store.listProjects(user(ctx)), projects -> {
      JsonArray out = new JsonArray();
      for (ProjectRole p : projects) {
        out.add(new JsonObject().put("id", p.id()).put("name", p.name()).put("role", p.role().wire()));
      }
      HttpSupport.json(ctx, 200, out);
    });
  }

  private void setMember(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(ctx.pathParam("id"));
    JsonObject b = body(ctx);
    String username = Args.string(b, "username");
    Role role = Role.fromWire(Args.string(b, "role"));
    if (role == null) {
      throw BranchworkException.badRequest("'role' must be owner, writer or reader");
    }
    if (!Identifiers.isUsername(username)) {
      throw BranchworkException.badRequest("not a valid username");
    }
    if (username.equals(user(ctx)) && role != Role.OWNER) {
      throw BranchworkException.conflict("an owner cannot demote themself");
    }
    Future<Void> f = auth.requireRole(project, principal(ctx), Role.OWNER)
        .compose(r -> store.findUser(username))
        .compose(found -> found.isPresent() ? store.setMember(project, username, role)
            : Future.failedFuture(BranchworkException.notFound("there is no user named " + username
                + "; they must register before a project can be shared with them")))
        .onSuccess(v -> membershipChanged(ctx, project, username));
    respond(ctx, f, v -> HttpSupport.noContent(ctx));
  }

  /** Tells every node that {@code username}'s role on {@code project} changed (their connections list projects again). */
  private static void membershipChanged(RoutingContext ctx, String project, String username) {
    ctx.vertx().eventBus().publish(Addresses.MEMBER_CHANGED,
        new JsonObject().put("project", project).put("username", username));
  }

  private void branches(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(ctx.pathParam("id"));
    Future<List<BranchHead>> f = auth.requireRole(project, principal(ctx), Role.READER)
        .compose(r -> store.listBranches(project));
    respond(ctx, f, list -> {
      JsonArray out = new JsonArray();
      for (BranchHead b : list) {
        out.add(new JsonObject().put("name", b.name()).put("head", b.head()));
      }
      HttpSupport.json(ctx, 200, out);
    });
  }
}
