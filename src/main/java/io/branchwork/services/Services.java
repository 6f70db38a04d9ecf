package io.branchwork.services;

import io.branchwork.auth.AuthService;
import io.branchwork.cluster.Ownership;
import io.branchwork.config.Config;
import io.branchwork.limits.ConnectionLimiter;
import io.branchwork.limits.UserQuotas;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.render.RenderService;
import io.branchwork.store.Store;
import io.branchwork.views.ReadViews;
import io.branchwork.web.Workbench;
import java.nio.file.Path;

/**
 * What one node's verticles share: configuration, the store, auth and metrics, the directories
 * for working copies and temporary archives, the connection and per-user caps, who owns which
 * workspace, the workbench page's files, the read views of the workspaces it owns, and the renderer. Built
 * once by {@code Node}, which also hands each part only to what needs it beyond these.
 */
public record Services(Config config, Store store, AuthService auth, BranchworkMetrics metrics,
    Path workRoot, Path tmpRoot, ConnectionLimiter connections, UserQuotas quotas, Ownership ownership,
    Workbench workbench, ReadViews views, RenderService render) {}
