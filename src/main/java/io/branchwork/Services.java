package io.branchwork;

import io.branchwork.auth.AuthService;
import io.branchwork.cluster.Ownership;
import io.branchwork.config.Config;
import io.branchwork.limits.ConnectionLimiter;
import io.branchwork.limits.UserQuotas;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Store;
import io.branchwork.githttp.ProjectMirrors;
import io.branchwork.views.ReadViews;
import io.branchwork.web.Workbench;
import java.nio.file.Path;

/**
 * What one node's verticles share: configuration, the store, auth and metrics, the directories
 * for working copies and temporary archives, the connection and per-user caps, and who owns which
 * workspace, the projects' repositories git over HTTP serves, and the workbench page's files, and the read views of the workspaces it owns. Built once by
 * {@link Node}.
 */
public record Services(Config config, Store store, AuthService auth, BranchworkMetrics metrics,
    Path workRoot, Path tmpRoot, ConnectionLimiter connections, UserQuotas quotas, Ownership ownership,
    ProjectMirrors mirrors, Workbench workbench, ReadViews views) {}
