package io.zonekeeper.cert.model;

import io.zonekeeper.common.events.InvalidEventException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where certificates live and which names they may carry. The one rule that keeps tenants apart: every name in
 * an organization's certificates lies inside its own zone {@code <orgName>.<baseDomain>}.
 */
public final class CertNaming {

    /** The certificate every cluster gets: {@code <cluster>.<zone>} and {@code *.<cluster>.<zone>}. */
    public static final String SERVER = "server";
    /** Enough for any cluster's services, small enough that a certificate stays a reasonable size. */
    public static final int MAX_NAMES = 100;
    private static final int MAX_NAME_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final String baseDomain;
    private final String vaultPrefix;
    private final String serverSecretName;

    /**
     * @param baseDomain       the parent of every organization zone, without a trailing dot
     * @param vaultPrefix      KV path under which each organization's CA and certificates are kept
     * @param serverSecretName the name of the cluster certificate's Secret; requested ones are {@code <name>-tls}
     */
    public CertNaming(String baseDomain, String vaultPrefix, String serverSecretName) {
        this.baseDomain = baseDomain;
        this.vaultPrefix = vaultPrefix;
        this.serverSecretName = serverSecretName;
    }

    public String baseDomain() {
        return baseDomain;
    }

    public String zone(String orgName) {
        return orgName + "." + baseDomain;
    }

    public List<String> serverNames(String orgName, String clusterName) {
        String host = clusterName + "." + zone(orgName);
        return List.of(host, "*." + host);
    }

    /**
     * Where the claim on an organization name is kept. {@code _names} cannot be an organization id (ids start
     * with a letter or digit), so it never meets an organization's own paths.
     */
    public String nameClaimPath(String orgName) {
        return vaultPrefix + "/_names/" + orgName;
    }

    public String authorityPath(String orgId) {
        return vaultPrefix + "/" + orgId + "/ca";
    }

    public String certificatePath(String orgId, String clusterId, String certificateName) {
        return vaultPrefix + "/" + orgId + "/clusters/" + clusterId + "/" + certificateName;
    }

    public String secretName(String certificateName) {
        return certificateName.equals(SERVER) ? serverSecretName : certificateName + "-tls";
    }

    /**
     * The state topic's key for a certificate: one per certificate of an organization's cluster. The organization is
     * part of it so that two organizations' records can never address one state, even for one cluster id.
     */
    public static String stateKey(String orgId, String clusterId, String certificateName) {
        return orgId + "/" + clusterId + "/" + certificateName;
    }

    /**
     * The key releases before the organization was part of it used, {@code <clusterId>/<certificateName>}: the
     * compacted topic still holds states under it until they are next written.
     */
    public static String legacyStateKey(String clusterId, String certificateName) {
        return clusterId + "/" + certificateName;
    }

    /** Whether a state key is of the legacy form ({@code <clusterId>/<certificateName>}): one slash, not two. */
    public static boolean isLegacyStateKey(String key) {
        return key.indexOf('/') == key.lastIndexOf('/');
    }

    /** A requested certificate's name: a single DNS label, and not the one reserved for the cluster's own. */
    public static String requestedCertificateName(String raw) {
        String name = raw == null ? "" : raw;
        if (!LABEL.matcher(name).matches() || name.length() > 63 - "-tls".length()) {
            throw new InvalidEventException("certificate name '" + shorten(raw) + "' must be a DNS label of at most"
                    + " 59 characters (lower-case letters, digits and '-'), so that '<name>-tls' names a Secret");
        }
        if (name.equals(SERVER)) {
            throw new InvalidEventException("certificate name 'server' is reserved for the cluster's own certificate");
        }
        return name;
    }

    /**
     * Validates requested names against the organization's zone, rejecting the whole request on the first bad
     * one: a certificate with some names dropped is not what the caller asked for. Names are compared in lower
     * case (DNS is case-insensitive); duplicates are dropped, order is kept.
     */
    public List<String> requestedNames(String orgName, List<String> raw) {
        if (raw == null || raw.isEmpty()) {
            throw new InvalidEventException("a certificate request needs at least one DNS name");
        }
        if (raw.size() > MAX_NAMES) {
            throw new InvalidEventException("a certificate request may carry at most " + MAX_NAMES + " names, not "
                    + raw.size());
        }
        String zone = zone(orgName);
        Set<String> names = new LinkedHashSet<>();
        for (String requested : raw) {
            String name = requested == null ? "" : requested.toLowerCase(Locale.ROOT);
            validDnsName(name, requested);
            if (!name.equals(zone) && !name.endsWith("." + zone)) {
                throw new InvalidEventException("name '" + shorten(requested) + "' is outside the organization's zone "
                        + zone + ": an organization may only obtain certificates for its own names");
            }
            names.add(name);
        }
        return new ArrayList<>(names);
    }

    private static void validDnsName(String name, String raw) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new InvalidEventException("name '" + shorten(raw) + "' is not a DNS name of 1-253 characters");
        }
        String[] labels = name.split("\\.", -1);
        for (int i = 0; i < labels.length; i++) {
            boolean wildcard = i == 0 && labels[i].equals("*") && labels.length > 1;
            if (!wildcard && !LABEL.matcher(labels[i]).matches()) {
                throw new InvalidEventException("name '" + shorten(raw) + "' is not a valid DNS name: label '"
                        + shorten(labels[i]) + "' must be 1-63 characters of [a-z0-9-], alphanumeric at both ends"
                        + " (a wildcard '*' only as the whole leftmost label)");
            }
        }
    }

    private static String shorten(String raw) {
        if (raw == null) {
            return "(missing)";
        }
        return raw.length() > 80 ? raw.substring(0, 80) + "…" : raw;
    }
}
