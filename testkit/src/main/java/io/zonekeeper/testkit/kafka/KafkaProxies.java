package io.zonekeeper.testkit.kafka;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.zonekeeper.testkit.faults.Toxiproxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Toxiproxy proxy on every route of a {@link KafkaCluster}, one per routed client and node, and the faults a test
 * puts on one client's links to every node at once: latency, connections cut and refused, traffic black-holed (the
 * connections stay open and nothing arrives, as when a network partitions: requests time out, sessions expire, a
 * newer instance fences the older one's producer). The other clients' links are untouched.
 */
public final class KafkaProxies {

    private static final String LATENCY = "latency";
    private static final String BLACK_HOLE_UP = "black-hole-up";
    private static final String BLACK_HOLE_DOWN = "black-hole-down";

    private final Map<String, List<Proxy>> byClient;

    private KafkaProxies(Map<String, List<Proxy>> byClient) {
        this.byClient = byClient;
    }

    /** Creates the proxy of every route: listening where the cluster advertises the client's listener. */
    public static KafkaProxies open(KafkaCluster cluster, Toxiproxy toxiproxy) {
        Map<String, List<Proxy>> byClient = new LinkedHashMap<>();
        try {
            for (KafkaCluster.Route route : cluster.routes()) {
                byClient.computeIfAbsent(route.client(), c -> new ArrayList<>()).add(toxiproxy.client().createProxy(
                        route.client() + "-node-" + route.nodeId(), "127.0.0.1:" + route.advertised(),
                        "127.0.0.1:" + route.node()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the proxies in front of the Kafka cluster", e);
        }
        return new KafkaProxies(byClient);
    }

    /** Every byte between the client and the brokers waits {@code latency} more, both ways. */
    public void latency(String client, Duration latency) {
        each(client, proxy -> {
            proxy.toxics().latency(LATENCY + "-down", ToxicDirection.DOWNSTREAM, latency.toMillis());
            proxy.toxics().latency(LATENCY + "-up", ToxicDirection.UPSTREAM, latency.toMillis());
        });
    }

    /** The client's connections stay open and carry nothing, until {@link #heal}. */
    public void blackHole(String client) {
        each(client, proxy -> {
            proxy.toxics().timeout(BLACK_HOLE_UP, ToxicDirection.UPSTREAM, 0);
            proxy.toxics().timeout(BLACK_HOLE_DOWN, ToxicDirection.DOWNSTREAM, 0);
        });
    }

    /** The client's connections are closed and new ones refused, until {@link #heal}. */
    public void cut(String client) {
        each(client, Proxy::disable);
    }

    /** The client's links as they were: no toxic, connections accepted. */
    public void heal(String client) {
        each(client, proxy -> {
            for (var toxic : proxy.toxics().getAll()) {
                toxic.remove();
            }
            proxy.enable();
        });
    }

    private interface ProxyChange {
        void apply(Proxy proxy) throws IOException;
    }

    private void each(String client, ProxyChange change) {
        List<Proxy> proxies = byClient.get(client);
        if (proxies == null) {
            throw new IllegalArgumentException(client + " has no route to the cluster");
        }
        try {
            for (Proxy proxy : proxies) {
                change.apply(proxy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not change " + client + "'s links to the Kafka cluster", e);
        }
    }
}
