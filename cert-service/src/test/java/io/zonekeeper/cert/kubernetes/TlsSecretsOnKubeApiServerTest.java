package io.zonekeeper.cert.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.Interceptor.RequestTags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cert service's {@code kubernetes.io/tls} Secrets on a real kube-apiserver, written as the user the shipped RBAC
 * manifest ({@code kubernetes/zonekeeper-cert-service-rbac.yaml}) binds: created, left alone on a replay, updated,
 * deleted; an update that loses a race (409 from the server) read again and retried; and confined to its namespace.
 */
class TlsSecretsOnKubeApiServerTest {

    private static final String CERT_SERVICE = "zonekeeper-cert-service";
    private static final TlsMaterial FIRST = new TlsMaterial("-----BEGIN CERTIFICATE-----\nA\n", "key-1", "ca-1");
    private static final TlsMaterial RENEWED = new TlsMaterial("-----BEGIN CERTIFICATE-----\nB\n", "key-2", "ca-1");

    private static KubeApiServer cluster;
    private final Retry retry = new Retry(new RetrySettings(2, Duration.ofMillis(10), Duration.ofMillis(20), 0.1),
            new SimpleMeterRegistry());

    @BeforeAll
    static void start() {
        cluster = KubeApiServer.start("cert-rbac", List.of(CERT_SERVICE));
        cluster.createAsAdmin(ProjectDirectories.root().resolve("kubernetes").resolve("zonekeeper-cert-service-rbac.yaml"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aTlsSecretIsCreatedKeptOnReplayUpdatedOnRenewalAndDeleted() {
        TlsSecrets secrets = new TlsSecrets("zonekeeper", new KubernetesObjects(retry));
        try (KubernetesClient certService = cluster.client(CERT_SERVICE); KubernetesClient admin = cluster.adminClient()) {
            assertThat(secrets.ensure(certService, "prod-1-tls", FIRST, "01")).isEqualTo(ResourceChange.CREATED);
            Secret stored = admin.secrets().inNamespace("zonekeeper").withName("prod-1-tls").get();
            assertThat(stored.getType()).isEqualTo("kubernetes.io/tls");
            assertThat(stored.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");

            assertThat(secrets.ensure(certService, "prod-1-tls", FIRST, "01")).isEqualTo(ResourceChange.UNCHANGED);
            String version = admin.secrets().inNamespace("zonekeeper").withName("prod-1-tls").get()
                    .getMetadata().getResourceVersion();
            assertThat(version).isEqualTo(stored.getMetadata().getResourceVersion());

            assertThat(secrets.ensure(certService, "prod-1-tls", RENEWED, "02")).isEqualTo(ResourceChange.UPDATED);
            assertThat(admin.secrets().inNamespace("zonekeeper").withName("prod-1-tls").get().getMetadata()
                    .getAnnotations()).containsEntry(TlsSecrets.SERIAL, "02");

            assertThat(secrets.delete(certService, "prod-1-tls")).isEqualTo(ResourceChange.DELETED);
            assertThat(admin.secrets().inNamespace("zonekeeper").withName("prod-1-tls").get()).isNull();
            assertThat(secrets.delete(certService, "prod-1-tls")).isEqualTo(ResourceChange.UNCHANGED);
        }
    }

    @Test
    void anUpdateThatLosesARaceToAnotherWriterReadsAgainAndWins() {
        TlsSecrets secrets = new TlsSecrets("zonekeeper", new KubernetesObjects(retry));
        AtomicBoolean raced = new AtomicBoolean();
        AtomicInteger conflicts = new AtomicInteger();
        try (KubernetesClient admin = cluster.adminClient();
             // Another writer changes the Secret between the cert service's read and its first update.
             KubernetesClient certService = new KubernetesClientBuilder()
                     .withConfig(Config.fromKubeconfig(cluster.kubeconfig(CERT_SERVICE)))
                     .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("another-writer",
                             new Interceptor() {
                                 @Override
                                 public void before(BasicBuilder request, HttpRequest sent, RequestTags tags) {
                                     if (sent.method().equals("PUT") && raced.compareAndSet(false, true)) {
                                         admin.secrets().inNamespace("zonekeeper").withName("race-tls").edit(secret -> {
                                             secret.getMetadata().getAnnotations().put("edited-by", "someone-else");
                                             return secret;
                                         });
                                     }
                                 }

                                 @Override
                                 public void after(HttpRequest sent, HttpResponse<?> response,
                                                   AsyncBody.Consumer<List<ByteBuffer>> consumer) {
                                     if (response.code() == 409) {
                                         conflicts.incrementAndGet();
                                     }
                                 }
                             }))
                     .build()) {
            assertThat(secrets.ensure(certService, "race-tls", FIRST, "01")).isEqualTo(ResourceChange.CREATED);
            assertThat(secrets.ensure(certService, "race-tls", RENEWED, "02")).isEqualTo(ResourceChange.UPDATED);
            assertThat(conflicts).hasValue(1);
            assertThat(admin.secrets().inNamespace("zonekeeper").withName("race-tls").get().getMetadata()
                    .getAnnotations()).containsEntry(TlsSecrets.SERIAL, "02");
        }
    }

    @Test
    void theCertServiceCannotWriteSecretsOutsideItsNamespace() {
        TlsSecrets elsewhere = new TlsSecrets("kube-system", new KubernetesObjects(retry));
        try (KubernetesClient certService = cluster.client(CERT_SERVICE)) {
            assertThatThrownBy(() -> elsewhere.ensure(certService, "stolen-tls", FIRST, "01"))
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        }
    }
}
