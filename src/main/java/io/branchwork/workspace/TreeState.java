package io.branchwork.workspace;

import io.branchwork.views.ReadView;
import io.branchwork.workspace.files.ContentCache;
import io.branchwork.workspace.files.WorkingCopy;

/**
 * The working tree and what mirrors it: the working copy itself, the cache of its small files'
 * content, and the read view the node's gateways answer warm reads from. An op that changes files
 * keeps all three in step.
 */
record TreeState(WorkingCopy files, ContentCache cache, ReadView view) {}
