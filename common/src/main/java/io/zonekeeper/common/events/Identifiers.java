package io.zonekeeper.common.events;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Validation of the names and ids in lifecycle events. Nothing is normalised beyond lower-casing an
 * organization name: a dot, say, would turn one tenant's zone into a child of another's ({@code b.a} under
 * {@code a}), so anything that is not a single DNS label is rejected, not repaired.
 */
public final class Identifiers {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** Ids become Vault path segments, IAM tag values and hash input: a conservative character set. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?");
    /** Kubernetes label values (ExternalDNS's TXT owner id is used as one): 63 characters at most. */
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?");

    private Identifiers() {
    }

    /** The organization name as a single lower-case DNS label. */
    public static String orgName(String raw) {
        return dnsLabel(raw, "organization name");
    }

    public static String clusterName(String raw) {
        return dnsLabel(raw, "cluster name");
    }

    public static String orgId(String raw) {
        if (raw == null || !ID.matcher(raw).matches() || raw.contains("..")) {
            throw new InvalidEventException("organization id " + quote(raw)
                    + " must be 1-128 characters of [A-Za-z0-9_.-], alphanumeric at both ends");
        }
        return raw;
    }

    public static String clusterId(String raw) {
        if (raw == null || !LABEL_VALUE.matcher(raw).matches()) {
            throw new InvalidEventException("cluster id " + quote(raw) + " is unusable as a Kubernetes label value"
                    + " and ExternalDNS owner id (1-63 characters of [A-Za-z0-9_.-], alphanumeric at both ends)");
        }
        return raw;
    }

    /** A Vault path relative to the KV mount: segments of safe characters, no traversal. */
    public static String vaultPath(String raw) {
        if (raw == null || raw.isBlank() || raw.startsWith("/") || raw.contains("..") || raw.contains("//")
                || !raw.matches("[A-Za-z0-9_./-]+")) {
            throw new InvalidEventException("kubeconfig Vault path " + quote(raw) + " is not a relative KV path");
        }
        return raw;
    }

    private static String dnsLabel(String raw, String what) {
        String lowered = raw == null ? null : raw.toLowerCase(Locale.ROOT);
        if (lowered == null || !DNS_LABEL.matcher(lowered).matches()) {
            throw new InvalidEventException(what + " " + quote(raw) + " is not a single DNS label"
                    + " (1-63 characters of [a-z0-9-], alphanumeric at both ends)");
        }
        return lowered;
    }

    private static String quote(String raw) {
        if (raw == null) {
            return "(missing)";
        }
        String shown = raw.length() > 80 ? raw.substring(0, 80) + "…" : raw;
        return "'" + shown + "'";
    }
}
