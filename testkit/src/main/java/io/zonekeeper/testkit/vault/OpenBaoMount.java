package io.zonekeeper.testkit.vault;

import io.zonekeeper.testkit.faults.FaultProxy;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One KV v2 mount of an {@link OpenBaoServer}, as one test world (or the local run) uses it: the services reach it
 * through a {@link FaultProxy} of its own, which counts their requests (a replay must write nothing) and can take
 * Vault away (an outage); the helpers here read and write behind the services' back with the root token.
 */
public final class OpenBaoMount implements AutoCloseable {

    private final OpenBaoServer server;
    private final String mount;
    private final FaultProxy proxy;

    private OpenBaoMount(OpenBaoServer server, String mount, FaultProxy proxy) {
        this.server = server;
        this.mount = mount;
        this.proxy = proxy;
    }

    /** Enables {@code mount} (KV v2) on the server unless it exists, with a proxy of its own in front. */
    public static OpenBaoMount create(OpenBaoServer server, String mount) {
        server.enableKv(mount);
        return new OpenBaoMount(server, mount, FaultProxy.start(server.endpoint(), mount.hashCode()));
    }

    /** Where the services reach Vault: the proxy. */
    public URI endpoint() {
        return proxy.endpoint();
    }

    public String token() {
        return server.token();
    }

    /** The mount's path, what {@code VAULT_KV_MOUNT} names. */
    public String mount() {
        return mount;
    }

    /** The proxy, for faults and outages. */
    public FaultProxy proxy() {
        return proxy;
    }

    /**
     * A token for one service under its own policy, {@code vault/policies/zonekeeper-<service>.hcl} in the checkout,
     * rendered for this mount and {@code settings} (the service's prefixes and {@code KUBECONFIG_VAULT_PREFIX}): what the
     * services run with in the tests, so a policy too narrow fails them and one too wide fails the least-privilege
     * tests.
     */
    public String serviceToken(String service, Map<String, String> settings) {
        return server.createToken(List.of(servicePolicy(service, settings)), Duration.ofHours(24));
    }

    /**
     * Writes the service's policy, rendered as {@link #serviceToken} renders it, and returns its name: for an auth
     * method's role to grant (Kubernetes auth, as the chart's services log in).
     */
    public String servicePolicy(String service, Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("VAULT_KV_MOUNT", mount);
        String policy = mount + "-" + service;
        server.writePolicy(policy, ServicePolicies.render(service, values));
        return policy;
    }

    public int write(String path, Map<String, ?> data) {
        return server.write(mount, path, data);
    }

    public Optional<Map<String, Object>> read(String path) {
        return server.read(mount, path);
    }

    public int currentVersion(String path) {
        return server.currentVersion(mount, path);
    }

    /** Requests the services made with this HTTP method since the last {@link #resetCounts}. */
    public long requests(String method) {
        return proxy.requestCounts().entrySet().stream().filter(e -> e.getKey().startsWith("http:" + method + " "))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** Requests that may change something (everything but GET, HEAD and LIST). */
    public long mutatingRequests() {
        return proxy.requestCounts().entrySet().stream()
                .filter(e -> !e.getKey().startsWith("http:GET ") && !e.getKey().startsWith("http:HEAD ")
                        && !e.getKey().startsWith("http:LIST "))
                .mapToLong(Map.Entry::getValue).sum();
    }

    public void resetCounts() {
        proxy.resetCounts();
    }

    /** Stops the proxy; the mount and its secrets stay on the server (it is in memory and goes with it). */
    @Override
    public void close() {
        proxy.close();
    }
}
