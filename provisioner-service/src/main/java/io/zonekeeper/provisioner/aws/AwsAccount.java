package io.zonekeeper.provisioner.aws;

/**
 * One AWS account of the provisioner's pool and what the provisioner does in it: its hosted zones (in its own
 * delegation sets), its IAM users and policies, and its quotas. Each account has its own clients, credentials and
 * token buckets, so one account's throttling or quota never slows another.
 *
 * @param id the account's 12-digit id as organizations' states record it; null for the provisioner's own account,
 *           which states made without a pool name by leaving it out
 */
public record AwsAccount(String id, HostedZones zones, ManagedPolicies policies, IamUsers users,
                         AccountQuotas quotas) {

    /** How metrics, logs and refusals name the provisioner's own account. */
    public static final String OWN = "own";

    /** The account as metrics, logs and refusals name it: its id, or {@link #OWN}. */
    public String label() {
        return label(id);
    }

    public static String label(String id) {
        return id == null ? OWN : id;
    }
}
