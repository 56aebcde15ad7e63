package io.zonekeeper.provisioner.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Deterministic names of everything made for an organization. Deterministic so that a retry, a replay or a
 * second instance finds what the first made instead of making another; derived from (base domain, organization
 * id) so two Zonekeeper installations sharing an AWS account, or two organizations with similar names, never
 * collide.
 */
public final class OrgNaming {

    /**
     * The name of the inline zone policy on every organization's user. Inline names are the user's own, so one name
     * serves every organization, and a reap deletes the policy without listing the user's policies.
     */
    public static final String ZONE_POLICY_NAME = "zonekeeper-records-in-own-zone";
    /** IAM user names are at most 64 characters. */
    static final int IAM_NAME_LIMIT = 64;
    private static final String PREFIX = "zk-";
    /** Route53 zone comments are at most 256 characters; organization ids are at most 64. */
    private static final String OWNER_COMMENT = "Managed by Zonekeeper for organization ";
    private static final Pattern ZONEKEEPER_REFERENCE =
            Pattern.compile("zk-[0-9a-f]{32}-g[0-9]+");

    /** Whose a zone found in Route53 is, as seen by one organization. */
    public enum Ownership {
        /** Created or adopted by Zonekeeper for this organization. */
        THIS_ORGANIZATION,
        /** Created or adopted by Zonekeeper for another organization: never to be touched for this one. */
        ANOTHER_ORGANIZATION,
        /** Not Zonekeeper's: a zone that existed before (migrated), adopted only when configuration allows. */
        NOBODY
    }

    private final String baseDomain;
    private final String iamPath;
    private final String vaultPrefix;

    public OrgNaming(String baseDomain, String iamPath, String vaultPrefix) {
        this.baseDomain = baseDomain.endsWith(".") ? baseDomain.substring(0, baseDomain.length() - 1) : baseDomain;
        this.iamPath = iamPath;
        this.vaultPrefix = vaultPrefix;
    }

    public String baseDomain() {
        return baseDomain;
    }

    /** {@code <org>.<base domain>.} with the trailing dot Route53 uses. */
    public String zoneName(String orgName) {
        return orgName + "." + baseDomain + ".";
    }

    /**
     * The CallerReference for creating the organization's zone of a given generation. Route53 refuses a second
     * zone with a used CallerReference, so a create retried after a lost response cannot make a duplicate.
     */
    public String callerReference(String orgId, int generation) {
        return PREFIX + hash(orgId, 32) + "-g" + generation;
    }

    /** The comment of a zone made or adopted for the organization: its owner, in every listing of the zone. */
    public String zoneComment(String orgId) {
        return OWNER_COMMENT + orgId;
    }

    /**
     * Who owns a zone, from its comment and CallerReference (both returned by the lookup, so verifying costs no
     * call). The comment decides when it names an owner, because adoption writes it; otherwise the reference
     * does, since it carries a hash of the organization id (zones created before comments named owners).
     */
    public Ownership ownership(String orgId, String callerReference, String comment) {
        if (comment != null && comment.startsWith(OWNER_COMMENT)) {
            return comment.equals(zoneComment(orgId)) ? Ownership.THIS_ORGANIZATION : Ownership.ANOTHER_ORGANIZATION;
        }
        if (callerReference != null && ZONEKEEPER_REFERENCE.matcher(callerReference).matches()) {
            return callerReference.startsWith(PREFIX + hash(orgId, 32) + "-g") ? Ownership.THIS_ORGANIZATION
                    : Ownership.ANOTHER_ORGANIZATION;
        }
        return Ownership.NOBODY;
    }

    /**
     * The CallerReference of the first reusable delegation set of the installation's pool (set n adds {@code -n}):
     * one per base domain and IAM path, so two installations sharing an account each find their own.
     */
    public String delegationSetReference() {
        return PREFIX + "ds-" + hash(iamPath, 32);
    }

    /** IAM user name: readable prefix, organization name cut to fit, and a hash that makes it unique. */
    public String iamUserName(String orgId, String orgName) {
        String hash = hash(orgId, 16);
        int room = IAM_NAME_LIMIT - PREFIX.length() - 1 - hash.length();
        String name = orgName.length() > room ? orgName.substring(0, room) : orgName;
        return PREFIX + name + "-" + hash;
    }

    /**
     * The IAM path of the organization's user (and of the managed policy older releases made): the installation's
     * path plus the organization's hash, so a listing with this prefix finds exactly the organization's.
     */
    public String iamPath(String orgId) {
        return iamPath + hash(orgId, 16) + "/";
    }

    /** Vault KV path (relative to the mount) of the organization's access key. */
    public String credentialsPath(String orgId) {
        return vaultPrefix + "/" + orgId + "/aws";
    }

    private String hash(String orgId, int hexChars) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(baseDomain.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(orgId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
