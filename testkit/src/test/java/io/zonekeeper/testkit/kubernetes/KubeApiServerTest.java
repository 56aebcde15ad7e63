package io.zonekeeper.testkit.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real API server starts, serves its administrator, and checks what the CRUD mock does not. */
class KubeApiServerTest {

    private static KubeApiServer server;

    @BeforeAll
    static void start() {
        server = KubeApiServer.start("testkit", List.of("nobody"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theAdministratorCreatesAndReadsBackObjects() {
        try (KubernetesClient admin = server.adminClient()) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("readback").endMetadata()
                    .build()).create();
            admin.secrets().inNamespace("readback").resource(new SecretBuilder().withNewMetadata().withName("s")
                    .endMetadata().addToStringData("k", "v").build()).create();
            // The server converts stringData to data, which the mock does not.
            assertThat(admin.secrets().inNamespace("readback").withName("s").get().getData()).containsKey("k");
        }
    }

    @Test
    void aTlsSecretWithoutItsKeyIsRefused() {
        try (KubernetesClient admin = server.adminClient()) {
            assertThatThrownBy(() -> admin.secrets().inNamespace("default").resource(new SecretBuilder()
                    .withNewMetadata().withName("no-key").endMetadata().withType("kubernetes.io/tls")
                    .addToData("tls.crt", "AA==").build()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
        }
    }

    @Test
    void aUserWithoutBindingsMayDoNothing() {
        try (KubernetesClient nobody = server.client("nobody")) {
            assertThatThrownBy(() -> nobody.secrets().inNamespace("default").list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        }
    }

    @Test
    void anObjectInAMissingNamespaceIsRefused() {
        try (KubernetesClient admin = server.adminClient()) {
            assertThatThrownBy(() -> admin.secrets().inNamespace("does-not-exist").resource(new SecretBuilder()
                    .withNewMetadata().withName("s").endMetadata().build()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        }
    }
}
