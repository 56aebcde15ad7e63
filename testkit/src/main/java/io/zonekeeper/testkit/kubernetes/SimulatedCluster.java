package io.zonekeeper.testkit.kubernetes;

import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One simulated Kubernetes cluster: fabric8's API mock server in CRUD mode (objects created are stored, read,
 * updated, patched with JSON merge patch and deleted like on a real API server) with a kubeconfig that points
 * at it. The CRUD mock does not implement server-side apply or strategic-merge patch, so code under test must
 * use create-or-update operations that work against both it and a real API server.
 */
public final class SimulatedCluster implements AutoCloseable {

    /** Held so the setting sticks: java.util.logging forgets loggers nobody references. */
    private static final Logger MOCK_SERVER_LOG =
            Logger.getLogger("io.fabric8.mockwebserver");

    static {
        // The mock server logs every request at INFO; tests assert on requests through the counts instead.
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
    }

    private final String name;
    private final KubernetesMockServer server;
    private final Map<String, AtomicLong> requestsByMethod;
    private boolean running;

    private SimulatedCluster(String name, KubernetesMockServer server, Map<String, AtomicLong> requestsByMethod) {
        this.name = name;
        this.server = server;
        this.requestsByMethod = requestsByMethod;
    }

    public static SimulatedCluster start(String name) {
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher(List.of()) {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                counts.computeIfAbsent(request.getMethod(), m -> new AtomicLong()).incrementAndGet();
                return super.dispatch(request);
            }
        };
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        server.init();
        SimulatedCluster cluster = new SimulatedCluster(name, server, counts);
        cluster.running = true;
        return cluster;
    }

    public String name() {
        return name;
    }

    /** A kubeconfig for this cluster, as the upstream provisioner stores it in Vault. */
    public String kubeconfig() {
        return kubeconfig(endpoint());
    }

    /** The API server's address. */
    public URI endpoint() {
        return URI.create(server.url("/").replaceAll("/$", ""));
    }

    /** A kubeconfig that reaches this cluster through another address, e.g. a fault proxy in front of it. */
    public String kubeconfig(URI server) {
        return kubeconfig(server, null);
    }

    /**
     * A kubeconfig that names {@code caCertificatePem} as the API server's authority: to Zonekeeper, whose cluster
     * claims know an API server by its address and authority, another API server on the same simulated one. For
     * benchmarks that need thousands of clusters and can run five servers (the address is plain HTTP, so the
     * authority is parsed and never used).
     */
    public String kubeconfigAsAnotherServer(String caCertificatePem) {
        return kubeconfig(endpoint(), Base64.getEncoder().encodeToString(caCertificatePem.getBytes(
                StandardCharsets.UTF_8)));
    }

    private String kubeconfig(URI server, String caData) {
        String url = server.toString().replaceAll("/$", "");
        Config config = new ConfigBuilder()
                .withApiVersion("v1")
                .withKind("Config")
                .addNewCluster().withName(name).withNewCluster().withServer(url).withCertificateAuthorityData(caData)
                .endCluster().endCluster()
                .addNewUser().withName(name + "-admin").withNewUser().withToken("simulated-" + name).endUser().endUser()
                .addNewContext().withName(name).withNewContext().withCluster(name).withUser(name + "-admin")
                .withNamespace("default").endContext().endContext()
                .withCurrentContext(name)
                .build();
        return Serialization.asYaml(config);
    }

    /** A client with the cluster administrator's view, for tests to inspect what the services did. */
    public KubernetesClient adminClient() {
        return server.createClient();
    }

    /** Requests of this HTTP method received since start or the last {@link #resetCounts()}. */
    public long requests(String method) {
        AtomicLong count = requestsByMethod.get(method);
        return count == null ? 0 : count.get();
    }

    /** Requests that may change state: POST, PUT, PATCH and DELETE. */
    public long mutatingRequests() {
        return requests("POST") + requests("PUT") + requests("PATCH") + requests("DELETE");
    }

    public void resetCounts() {
        requestsByMethod.clear();
    }

    /** Takes the API server away, as when a cluster is deleted or unreachable; connections are refused after. */
    public synchronized void stop() {
        if (running) {
            server.destroy();
            running = false;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
