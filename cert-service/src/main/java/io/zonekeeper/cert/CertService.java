package io.zonekeeper.cert;

import io.zonekeeper.cert.kubernetes.TlsSecrets;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.vault.AuthorityVault;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.cert.vault.NameClaims;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.runtime.CommandSchedule;
import io.zonekeeper.common.runtime.RunningService;
import io.zonekeeper.common.runtime.ServiceRuntime;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.common.vault.VaultSecrets;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.ClusterTlsState;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The cert service wired from its configuration on the {@link ServiceRuntime}: what {@code Main} runs and tests start. */
public final class CertService implements RunningService {

    private final ServiceRuntime runtime;
    private final CommandSchedule<CertCommand> schedule;

    private CertService(CertConfig config, ServiceClock time) {
        CertConfig.Topics topics = config.topics();
        runtime = new ServiceRuntime(config.service(), time, List.of(config.service().ingress().lifecycle(),
                config.service().ingress().requests(), topics.commands(), topics.orgCommands(), topics.tlsState(),
                config.service().audit()), config.service().ingress().lifecycleAndRequestRoutes());
        schedule = runtime.wire(() -> wire(config, time));
    }

    /** Builds the service's parts on the runtime; returns its schedule, which tests and tools may run at once. */
    private CommandSchedule<CertCommand> wire(CertConfig config, ServiceClock time) {
        CertConfig.Topics topics = config.topics();
        Clock clock = time.clock();
        Retry retry = runtime.retry();
        var metrics = runtime.metrics();
        ServiceRuntime.VaultAccess vault = runtime.vault(config.vault(), config.kubernetesRequestTimeout());
        CertNaming naming = new CertNaming(config.baseDomain(), config.vaultPrefix(), config.serverSecretName());
        CertificateIssuer issuer = new CertificateIssuer(new SecureRandom(), config.issuance().backdate());

        CertificateStates states = new CertificateStates(runtime.restoreState(topics.tlsState(),
                ClusterTlsState.class, CertificateStates::keyOf, ClusterTlsState::getUpdatedAt));
        Rejections rejections = runtime.rejections(config.service().ingress().lifecycle(),
                config.service().ingress().requests(), topics.commands(), topics.orgCommands());

        VaultSecrets secrets = vault.secrets();
        OrgAuthorities authorities = new OrgAuthorities(naming, new AuthorityVault(secrets), new NameClaims(secrets),
                issuer, config.issuance(), clock);
        ClusterCertificates certificates = new ClusterCertificates(naming, new CertificateVault(secrets),
                new TlsSecrets(config.secretNamespace(), new KubernetesObjects(retry)), vault.clusters(), issuer,
                config.issuance(), clock, metrics);
        CertReconciler reconciler = new CertReconciler(naming, authorities, certificates, states, config.issuance(),
                clock);
        CertHandler handler = new CertHandler(topics, naming, states, reconciler, runtime.audit(),
                config.service().eventRules(), clock);
        runtime.consume(config.consumer(), handler.routes(), rejections);

        // Clock time between scans, so renewals keep pace with a faster clock; a command not applied within ten
        // scans is asked again.
        ServiceIdentity identity = config.service().identity();
        CommandSchedule<CertCommand> schedule = runtime.background(new CommandSchedule<>("renewal-schedule",
                runtime.<CertCommand>commands(topics.commands()), time, time.realTime(config.scheduleEvery()),
                config.scheduleEvery().multipliedBy(10),
                new RenewalSchedule(states, identity.service() + "/" + identity.instance())));

        // For dashboards and alerts: how many certificates, and how soon the first one expires.
        // Kept as running figures: a scrape reads two numbers, whatever the number of certificates.
        metrics.gauge("zonekeeper.certificates.managed", states, CertificateStates::issuedCount);
        metrics.gauge("zonekeeper.certificates.earliest.expiry.seconds", states, s -> s.earliestExpiry()
                .map(notAfter -> Duration.between(clock.instant(), notAfter).toSeconds()).orElse(-1L));
        return schedule;
    }

    /** Starts the service; every time decision it makes reads {@code clock}. */
    public static CertService start(CertConfig config, ServiceClock clock) {
        CertService service = new CertService(config, clock);
        service.runtime.start();
        return service;
    }

    /** Runs one renewal scan now (tests and operators' tools); returns the commands issued. */
    public int scanNow() {
        return schedule.scanNow();
    }

    /** Whether this instance owns any partition yet (the schedule issues nothing before). */
    public boolean ownsPartitions() {
        return !runtime.progress().assignment().isEmpty();
    }

    @Override
    public ServiceRuntime runtime() {
        return runtime;
    }
}
