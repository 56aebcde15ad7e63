package io.zonekeeper.provisioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ExternalDnsManifestsTest {

    private final ExternalDnsManifests manifests = new ExternalDnsManifests(
            new ExternalDnsManifests.Settings("external-dns", "registry.k8s.io/external-dns/external-dns:v0.21.0", "sync"));
    private final ExternalDnsManifests.Target target =
            new ExternalDnsManifests.Target("acme.example.com.", "Z123", "cluster-7");
    private final ExternalDnsManifests.Credentials key =
            new ExternalDnsManifests.Credentials("AKIAEXAMPLE", "wJalrXUtnFEMI", 3);
    private final FleetPolling polling = new FleetPolling(java.time.Duration.ofMinutes(4));

    @Test
    void argumentsScopeExternalDnsToTheZoneAndTheClusterAsOwner() {
        assertThat(manifests.args(target, polling)).containsExactly(
                "--source=service", "--source=ingress", "--provider=aws", "--registry=txt",
                "--domain-filter=acme.example.com", "--zone-id-filter=Z123", "--aws-zone-type=public",
                "--txt-owner-id=cluster-7", "--policy=sync", "--aws-zones-cache-duration=24h", "--interval=240s",
                "--events", "--metrics-address=:7979");
    }

    @Test
    void aNewFleetIntervalChangesTheDeploymentSoItsPodRolls() {
        String hash = manifests.deployment(target, key, polling).getMetadata().getAnnotations()
                .get(ExternalDnsManifests.SPEC_HASH);
        assertThat(manifests.deployment(target, key, new FleetPolling(java.time.Duration.ofMinutes(8))).getMetadata()
                .getAnnotations().get(ExternalDnsManifests.SPEC_HASH)).isNotEqualTo(hash);
    }

    @Test
    void theDeploymentNamesARegionProbesTheHealthPortAndBoundsItsMemory() {
        var container = manifests.deployment(target, key, polling).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("AWS_REGION");
            assertThat(env.getValue()).isEqualTo("us-east-1");
        });
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(container.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(7979));
        assertThat(container.getResources().getLimits()).containsKey("memory");
    }

    @Test
    void theDefaultImageIsTheExternalDnsVersionTheTestsRun() {
        assertThat(io.zonekeeper.provisioner.ProvisionerConfig.DEFAULT_EXTERNAL_DNS_IMAGE)
                .endsWith(":" + io.zonekeeper.testkit.GoTools.EXTERNAL_DNS.version());
    }

    @Test
    void secretHoldsASharedCredentialsFileTheDeploymentMounts() {
        var secret = manifests.credentialsSecret(key);
        String file = new String(Base64.getDecoder().decode(secret.getData().get("credentials")), StandardCharsets.UTF_8);
        assertThat(file).isEqualTo("[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n");
        var container = manifests.deployment(target, key, polling).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("AWS_SHARED_CREDENTIALS_FILE");
            assertThat(e.getValue()).isEqualTo("/.aws/credentials");
        });
        assertThat(container.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/.aws"));
    }

    @Test
    void aNewKeyChangesThePodTemplateSoPodsRollButTheSameKeyDoesNot() {
        String hash = manifests.deployment(target, key, polling).getSpec().getTemplate().getMetadata().getAnnotations()
                .get(ExternalDnsManifests.CREDENTIALS_HASH);
        assertThat(manifests.deployment(target, key, polling).getSpec().getTemplate().getMetadata().getAnnotations()
                .get(ExternalDnsManifests.CREDENTIALS_HASH)).isEqualTo(hash);
        var rotated = new ExternalDnsManifests.Credentials("AKIAOTHER", "x", 4);
        assertThat(manifests.deployment(target, rotated, polling).getSpec().getTemplate().getMetadata().getAnnotations()
                .get(ExternalDnsManifests.CREDENTIALS_HASH)).isNotEqualTo(hash);
    }

    @Test
    void specHashesAreStableAndFollowContent() {
        String hash = manifests.deployment(target, key, polling).getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH);
        assertThat(manifests.deployment(target, key, polling).getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH))
                .isEqualTo(hash);
        var otherZone = new ExternalDnsManifests.Target("acme.example.com.", "Z999", "cluster-7");
        assertThat(manifests.deployment(otherZone, key, polling).getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH))
                .isNotEqualTo(hash);
    }

    @Test
    void clusterRoleGrantsOnlyReadsOfWhatExternalDnsWatches() {
        var rules = manifests.clusterRole().getRules();
        assertThat(rules).allSatisfy(r -> assertThat(r.getVerbs()).containsExactly("get", "list", "watch"));
        assertThat(rules).flatExtracting(r -> r.getResources())
                .containsExactlyInAnyOrder("services", "endpoints", "pods", "nodes", "ingresses", "endpointslices");
    }

    @Test
    void credentialsNeverPrintTheSecret() {
        assertThat(key.toString()).doesNotContain("wJalrXUtnFEMI");
    }
}
