package io.zonekeeper.common.kubernetes;

import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.common.vault.VaultSecrets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which organization each cluster belongs to: the first organization that uses a cluster id claims it, with the
 * kubeconfig paths and the API servers it reaches the cluster through, and no other organization's record acts on
 * it until the owner's deletion releases it. Both services keep their claims in one place in Vault
 * ({@code CLUSTER_CLAIMS_VAULT_PREFIX}), written "only if absent" with check-and-set, so however the two services,
 * their instances and two organizations' partitions interleave, they decide the same way: the topics cannot be the
 * place, because two organizations' events sit in different partitions that each service reads in its own order.
 *
 * <p>Three kinds of record, none of them secret:
 * <ul>
 *   <li>{@code clusters/<clusterId>}: the owner, the services that still hold it ({@code holders}), and the
 *   kubeconfig paths and API servers claimed for it;</li>
 *   <li>{@code kubeconfigs/<kubeconfig path>}: the cluster the path belongs to;</li>
 *   <li>{@code apiservers/<identity>}: the cluster an API server (its URL and CA, see {@link ApiServerIdentity})
 *   belongs to, so a second cluster id, or a second path, reaching the same server is the same cluster.</li>
 * </ul>
 * A service leaves the holders when it has cleaned up after the cluster's deletion; the last to leave removes the
 * claim, so an id can be used again only once no service has anything left in the cluster.
 */
public final class ClusterClaims {

    /**
     * What the organization holds of a cluster: the kubeconfig paths it was reached through (every one the claim
     * lists, so a deletion can clean up behind each), or none when nobody holds it (never used, or released).
     */
    public record Ownership(List<String> kubeconfigs) {

        public boolean owned() {
            return !kubeconfigs.isEmpty();
        }
    }

    private static final String ORG_ID = "orgId";
    private static final String CLUSTER_ID = "clusterId";
    private static final String HOLDERS = "holders";
    private static final String KUBECONFIGS = "kubeconfigs";
    private static final String API_SERVERS = "apiServers";
    /** Check-and-set races lost in a row before the record waits (another writer keeps changing the claim). */
    private static final int MAX_RACES = 5;

    private final VaultSecrets store;
    private final String prefix;
    private final String holder;

    /**
     * @param prefix the KV folder of the claims, shared by every service ({@code CLUSTER_CLAIMS_VAULT_PREFIX})
     * @param holder the service that holds what it claims (its name, the same on every instance)
     */
    public ClusterClaims(VaultSecrets store, String prefix, String holder) {
        this.store = store;
        this.prefix = prefix;
        this.holder = holder;
    }

    /**
     * What {@code cluster}'s organization holds of it (nothing when nobody holds it), or a
     * {@link ClusterClaimedException} when another organization (or, for the kubeconfig, another cluster) holds it.
     * Writes nothing: for records that do not use the cluster (it stopped, it was deleted, a request for it). A
     * null kubeconfig path checks the cluster id only.
     */
    public Ownership ownership(ClusterRef cluster) {
        Optional<Stored<ClusterRecord>> held = readCluster(cluster.clusterId());
        held.ifPresent(h -> refuseIfAnother(h.value(), cluster));
        if (cluster.kubeconfigPath() != null) {
            kubeconfigIndex(cluster).checkedFor(cluster);
        }
        return new Ownership(held.map(h -> List.copyOf(h.value().kubeconfigs())).orElse(List.of()));
    }

    /**
     * Claims {@code cluster} for its organization, with its kubeconfig path and the API server it reaches
     * ({@code apiServer}, null when unknown), or confirms the claim: a write only for what is new. Throws
     * {@link ClusterClaimedException} when any of the three is another's.
     */
    public void claim(ClusterRef cluster, ApiServerIdentity apiServer) {
        Index kubeconfig = kubeconfigIndex(cluster);
        Index server = apiServer == null ? null : new Index(apiServer.describe(cluster.kubeconfigPath()),
                apiServerPath(apiServer.digest()));
        for (int race = 0; ; race++) {
            Optional<Stored<ClusterRecord>> held = readCluster(cluster.clusterId());
            held.ifPresent(h -> refuseIfAnother(h.value(), cluster));
            // The indexes are read once and checked before anything is written, so a refusal leaves nothing behind
            // in the usual case; a claim already made costs these three reads and no write.
            boolean kubeconfigIndexed = kubeconfig.checkedFor(cluster);
            boolean serverIndexed = server == null || server.checkedFor(cluster);
            ClusterRecord current = held.map(Stored::value).orElse(ClusterRecord.empty(cluster.orgId()));
            ClusterRecord wanted = current.with(holder, cluster.kubeconfigPath(), apiServer);
            // The cluster's record names its indexes before they are written, so a release finds every one.
            if (!wanted.equals(current) && !store.writeIfAt(clusterPath(cluster.clusterId()), wanted.toData(),
                    held.map(Stored::version).orElse(0)).isPresent()) {
                raceLost(race, "the claim of cluster " + cluster.clusterId());
                continue;
            }
            if (!kubeconfigIndexed) {
                kubeconfig.create(cluster);
            }
            if (!serverIndexed) {
                server.create(cluster);
            }
            return;
        }
    }

    /** One index record (a kubeconfig path's, an API server's): which cluster of which organization it belongs to. */
    private final class Index {

        private final String what;
        private final String path;

        Index(String what, String path) {
            this.what = what;
            this.path = path;
        }

        /** Whether the index already names {@code cluster}; refused when it names another; false when absent. */
        boolean checkedFor(ClusterRef cluster) {
            Optional<Map<String, Object>> held = store.read(path).map(Stored::value);
            held.ifPresent(h -> refuseIfAnother(what, h, cluster));
            return held.isPresent();
        }

        /** Written "only if absent": a race lost to the same cluster is a success, to another a refusal. */
        void create(ClusterRef cluster) {
            refuseIfAnother(what, store.createIfAbsent(path, Map.of(ORG_ID, cluster.orgId(),
                    CLUSTER_ID, cluster.clusterId())), cluster);
        }
    }

    /**
     * This service has cleaned up after the deleted cluster: it leaves the claim's holders, and the last holder to
     * leave removes the claim and its indexes. Only the owner releases: another organization's record changes
     * nothing (and is refused before it gets here). Idempotent.
     */
    public void release(ClusterRef cluster) {
        for (int race = 0; ; race++) {
            Optional<Stored<ClusterRecord>> held = readCluster(cluster.clusterId());
            if (held.isEmpty() || !held.get().value().orgId().equals(cluster.orgId())) {
                return;
            }
            ClusterRecord record = held.get().value();
            ClusterRecord without = record.without(holder);
            if (!without.holders().isEmpty()) {
                if (without.equals(record) || store.writeIfAt(clusterPath(cluster.clusterId()), without.toData(),
                        held.get().version()).isPresent()) {
                    return;
                }
                raceLost(race, "the release of cluster " + cluster.clusterId());
                continue;
            }
            // The last holder: the indexes go first, so a crash in between leaves a claim that a replay releases.
            for (String path : record.kubeconfigs()) {
                unindex(kubeconfigPath(path), cluster);
            }
            for (String identity : record.apiServers()) {
                unindex(apiServerPath(identity), cluster);
            }
            store.destroy(clusterPath(cluster.clusterId()));
            return;
        }
    }

    private void refuseIfAnother(ClusterRecord held, ClusterRef cluster) {
        if (!held.orgId().equals(cluster.orgId())) {
            throw new ClusterClaimedException("cluster '" + cluster.clusterId() + "' belongs to organization '"
                    + held.orgId() + "', the first to use it: organization '" + cluster.orgId() + "' may not act on it"
                    + " (cluster ids are unique across organizations; an id is free again once its owner deleted it)");
        }
    }

    private static void refuseIfAnother(String what, Map<String, Object> held, ClusterRef cluster) {
        String orgId = String.valueOf(held.get(ORG_ID));
        String clusterId = String.valueOf(held.get(CLUSTER_ID));
        if (!orgId.equals(cluster.orgId()) || !clusterId.equals(cluster.clusterId())) {
            throw new ClusterClaimedException("the " + what + " belongs to cluster '" + clusterId
                    + "' of organization '" + orgId + "': cluster '" + cluster.clusterId() + "' of organization '"
                    + cluster.orgId() + "' may not use it (one cluster, one id, one owner)");
        }
    }

    private void unindex(String indexPath, ClusterRef cluster) {
        store.read(indexPath).filter(held -> cluster.orgId().equals(held.value().get(ORG_ID))
                && cluster.clusterId().equals(held.value().get(CLUSTER_ID))).ifPresent(held -> store.destroy(indexPath));
    }

    private static void raceLost(int race, String what) {
        if (race + 1 >= MAX_RACES) {
            throw new TransientFailureException(what, race + 1,
                    new IllegalStateException("check-and-set lost " + (race + 1) + " times in a row"));
        }
    }

    private Optional<Stored<ClusterRecord>> readCluster(String clusterId) {
        return store.read(clusterPath(clusterId)).map(s -> new Stored<>(ClusterRecord.of(s.value()), s.version()));
    }

    private String clusterPath(String clusterId) {
        return prefix + "/clusters/" + clusterId;
    }

    private String kubeconfigPath(String kubeconfigVaultPath) {
        return prefix + "/kubeconfigs/" + kubeconfigVaultPath;
    }

    private String apiServerPath(String digest) {
        return prefix + "/apiservers/" + digest;
    }

    private Index kubeconfigIndex(ClusterRef cluster) {
        return new Index("kubeconfig at '" + cluster.kubeconfigPath() + "'", kubeconfigPath(cluster.kubeconfigPath()));
    }

    /** A cluster's claim as Vault holds it; sets are sorted so an unchanged claim compares equal and is not written. */
    private record ClusterRecord(String orgId, TreeSet<String> holders, TreeSet<String> kubeconfigs,
                                 TreeSet<String> apiServers) {

        static ClusterRecord empty(String orgId) {
            return new ClusterRecord(orgId, new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        }

        static ClusterRecord of(Map<String, Object> data) {
            return new ClusterRecord(String.valueOf(data.get(ORG_ID)), set(data.get(HOLDERS)),
                    set(data.get(KUBECONFIGS)), set(data.get(API_SERVERS)));
        }

        ClusterRecord with(String holder, String kubeconfig, ApiServerIdentity apiServer) {
            ClusterRecord next = new ClusterRecord(orgId, new TreeSet<>(holders), new TreeSet<>(kubeconfigs),
                    new TreeSet<>(apiServers));
            next.holders.add(holder);
            next.kubeconfigs.add(kubeconfig);
            if (apiServer != null) {
                next.apiServers.add(apiServer.digest());
            }
            return next;
        }

        ClusterRecord without(String holder) {
            TreeSet<String> rest = new TreeSet<>(holders);
            rest.remove(holder);
            return new ClusterRecord(orgId, rest, kubeconfigs, apiServers);
        }

        Map<String, Object> toData() {
            return Map.of(ORG_ID, orgId, HOLDERS, List.copyOf(holders), KUBECONFIGS, List.copyOf(kubeconfigs),
                    API_SERVERS, List.copyOf(apiServers));
        }

        private static TreeSet<String> set(Object value) {
            TreeSet<String> set = new TreeSet<>();
            if (value instanceof Collection<?> values) {
                values.forEach(v -> set.add(String.valueOf(v)));
            }
            return set;
        }
    }

    /** For tests and operators: the organization holding the cluster id, if any. */
    public Optional<String> ownerOf(String clusterId) {
        return readCluster(clusterId).map(s -> s.value().orgId());
    }

    /** For tests and operators: the services still holding the cluster id. */
    public List<String> holdersOf(String clusterId) {
        return readCluster(clusterId).map(s -> List.copyOf(s.value().holders())).orElse(List.of());
    }
}
