package io.branchwork.metrics;

import io.branchwork.contract.Events;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Branchwork's own figures, on the same Prometheus registry that Vert.x reports to, so that
 * {@code /metrics} shows both. One instance per node.
 */
public final class BranchworkMetrics {

  private final Map<String, Counter> closes = new ConcurrentHashMap<>();
  private final PrometheusMeterRegistry registry;
  private final Counter deploys;
  private final Map<String, Counter> hookCounters = new ConcurrentHashMap<>();
  private final Timer hookTimer;
  private final Counter evictions;
  private final Counter loadFailures;
  private final DistributionSummary snapshotBytes;
  private final Timer saveTimer;
  private final Timer loadTimer;
  private final ConcurrentHashMap<String, Timer> opTimers = new ConcurrentHashMap<>();

  public BranchworkMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public BranchworkMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    // JVM figures (heap by pool, GC, threads), for operators and for the load tests' heap readings.
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    hookTimer = Timer.builder("branchwork.hooks.attempt").description("Webhook attempt duration (resolve, connect, answer)")
        .publishPercentileHistogram().register(registry);
    deploys = Counter.builder("branchwork.workspace.deploys").description("Workspaces deployed").register(registry);
    evictions = Counter.builder("branchwork.workspace.evictions")
        .description("Workspaces the GC undeployed: nobody held them for gc.graceMs").register(registry);
    loadFailures = Counter.builder("branchwork.workspace.load.failures")
        .description("Workspaces that failed to load").register(registry);
    snapshotBytes = DistributionSummary.builder("branchwork.snapshot.bytes").baseUnit("bytes")
        .description("Bytes of each pack a durable round stored").register(registry);
    saveTimer = Timer.builder("branchwork.snapshot.save").description("Durable round duration: capture, pack and store transaction")
        .publishPercentileHistogram().register(registry);
    loadTimer = Timer.builder("branchwork.snapshot.load").description("Workspace open duration: fetch the packs and check the branch out")
        .publishPercentileHistogram().register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Registers the allocator's live figures, read when scraped. */
  public void allocatorGauges(Supplier<Number> openWorkspaces, Supplier<Number> holders) {
    Gauge.builder("branchwork.workspaces.open", openWorkspaces).description("Workspaces deployed on this node")
        .register(registry);
    Gauge.builder("branchwork.workspace.holders", holders).description("References held on this node's workspaces")
        .register(registry);
  }

  /** Registers the number of cluster members this node sees, read when scraped. */
  public void clusterGauge(Supplier<Number> members) {
    Gauge.builder("branchwork.cluster.members", members).description("Cluster members this node sees")
        .register(registry);
  }

  public void deployed() {
    deploys.increment();
  }

  /**
   * A workspace closed for {@code reason} (the {@code closing} reason: idle, killed, shutdown,
   * handover, claim lost, renamed). Only {@code idle} counts as an eviction.
   */
  public void closed(String reason) {
    if (Events.REASON_IDLE.equals(reason)) {
      evictions.increment();
    }
    closes.computeIfAbsent(reason, r -> Counter.builder("branchwork.workspaces.closed").tag("reason", r)
        .description("Workspaces closed on this node, by reason").register(registry)).increment();
  }

  public void loadFailed() {
    loadFailures.increment();
  }

  public void saved(long bytes, long nanos) {
    snapshotBytes.record(bytes);
    saveTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void loaded(long nanos) {
    loadTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * A webhook attempt ended: {@code result} is {@code ok} (2xx), {@code http_error} (another
   * status), {@code network_error} (no answer: refused, timed out, reset) or {@code refused}
   * (the target resolved to an internal address). {@code retry}: not the delivery's first attempt.
   */
  public void hookAttempt(String result, boolean retry, long nanos) {
    hookCounters.computeIfAbsent("attempts:" + result, k -> Counter.builder("branchwork.hooks.attempts")
        .tag("result", result).description("Webhook delivery attempts, by result").register(registry)).increment();
    if (retry) {
      hookCounters.computeIfAbsent("retries", k -> Counter.builder("branchwork.hooks.retries")
          .description("Webhook attempts that retried a delivery").register(registry)).increment();
    }
    hookTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A delivery ended: {@code delivered}, or {@code failed} once its retries ran out. */
  public void hookDelivery(String outcome) {
    hookCounters.computeIfAbsent("deliveries:" + outcome, k -> Counter.builder("branchwork.hooks.deliveries")
        .tag("outcome", outcome).description("Webhook deliveries that ended, by outcome").register(registry))
        .increment();
  }

  public void op(String op, long nanos) {
    opTimers.computeIfAbsent(op, o -> Timer.builder("branchwork.workspace.op").tag("op", o)
        .description("Workspace op latency, queueing included").publishPercentileHistogram()
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }
}
