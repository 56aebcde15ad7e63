package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.externaldns.ExternalDnsProcess;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * The real ExternalDNS, run exactly as the Deployment the provisioner wrote into a real kube-apiserver says (args,
 * env, the credentials file from its Secret, the service account its RBAC binds), against the AWS emulator: an
 * annotated Service of type LoadBalancer gets its records in the organization's zone, and loses them when it goes.
 */
class RealExternalDnsTest {

    private final ProvisionerWorld world = new ProvisionerWorld();
    private final KubeApiServer cluster = world.realCluster("real-1");

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anAnnotatedLoadBalancerGetsItsRecordsInTheOrganizationsZoneAndLosesThemWhenItGoes() {
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "real-1", ClusterStatus.RUNNING));
        String zoneId = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY).getZoneId();

        try (KubernetesClient admin = cluster.adminClient()) {
            Deployment deployment = await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments()
                    .inNamespace("external-dns").withName(ExternalDnsManifests.NAME).get(), d -> d != null);
            Secret credentials = admin.secrets().inNamespace("external-dns").withName(ExternalDnsManifests.SECRET_NAME)
                    .get();
            // The pod's identity: a token of the service account the Deployment names, which the RBAC binds.
            String serviceAccountToken = admin.serviceAccounts().inNamespace("external-dns")
                    .withName(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                    .getStatus().getToken();

            try (ExternalDnsProcess externalDns = ExternalDnsProcess.start(deployment,
                    Map.of(ExternalDnsManifests.SECRET_NAME, credentials),
                    cluster.kubeconfigWithToken("external-dns", serviceAccountToken), world.moto.endpoint())) {
                Service web = admin.services().inNamespace("default").resource(new ServiceBuilder()
                        .withNewMetadata().withName("web")
                        .addToAnnotations("external-dns.alpha.kubernetes.io/hostname", "web.real-1.acme.example.com")
                        .endMetadata()
                        .withNewSpec().withType("LoadBalancer").addNewPort().withPort(443).endPort()
                        .addToSelector("app", "web").endSpec()
                        .build()).create();
                // No cloud controller here: the test gives the load balancer its address, as one would.
                web.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                        .withIngress(new LoadBalancerIngressBuilder().withIp("203.0.113.10").build())
                        .endLoadBalancer().build());
                admin.services().inNamespace("default").resource(web).updateStatus();

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(externalDns.alive()).as(externalDns.log()).isTrue();
                    assertThat(records(zoneId)).as("ExternalDNS printed:%n%s", externalDns.logTail()).anySatisfy(record -> {
                        assertThat(record.name()).isEqualTo("web.real-1.acme.example.com.");
                        assertThat(record.type()).isEqualTo(RRType.A);
                        assertThat(record.resourceRecords()).singleElement()
                                .satisfies(value -> assertThat(value.value()).isEqualTo("203.0.113.10"));
                    });
                });
                // Its ownership records, in both formats 0.15 writes, naming this cluster as owner.
                assertThat(records(zoneId)).filteredOn(r -> r.type() == RRType.TXT)
                        .extracting(ResourceRecordSet::name)
                        .contains("web.real-1.acme.example.com.", "a-web.real-1.acme.example.com.");
                assertThat(records(zoneId)).filteredOn(r -> r.type() == RRType.TXT)
                        .allSatisfy(r -> assertThat(r.resourceRecords().get(0).value())
                                .contains("external-dns/owner=real-1"));

                admin.services().inNamespace("default").withName("web").delete();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(records(zoneId))
                        .noneMatch(r -> r.name().endsWith("web.real-1.acme.example.com.")));
            }
        }
        assertThat(world.deadLetters()).isEmpty();
    }

    private List<ResourceRecordSet> records(String zoneId) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets();
    }
}
