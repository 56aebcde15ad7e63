package io.zonekeeper.testkit.faults;

import io.zonekeeper.testkit.aws.MotoAccounts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.SummaryKeyType;

/**
 * What IAM enforces and the AWS emulator (moto 5.2.5) does not: the quota of IAM users per account. moto reports
 * {@code UsersQuota} 5,000 in GetAccountSummary and creates users beyond it; here a CreateUser beyond the account's
 * quota is refused ({@code LimitExceeded}, as IAM refuses it), and GetAccountSummary reports the quota set. Per account,
 * like the quota ({@link MotoAccounts}). Counted from the emulator before forwarding, so two creates racing at the
 * last free place may both pass.
 */
public final class IamEnforcement implements AutoCloseable {

    /** IAM's quota of users per account, which AWS does not raise. */
    public static final int DEFAULT_USER_LIMIT = 5_000;
    private static final String NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";

    private final MotoAccounts accounts;
    private final Map<String, IamClient> emulators = new ConcurrentHashMap<>();
    private final Map<String, Integer> userLimits = new ConcurrentHashMap<>();
    private volatile int userLimit = DEFAULT_USER_LIMIT;

    public IamEnforcement(URI endpoint, String administratorKey, String administratorSecret) {
        this.accounts = new MotoAccounts(endpoint, administratorKey, administratorSecret);
    }

    /** Every account's quota of users from now on (one given its own keeps it). */
    public void userLimit(int limit) {
        this.userLimit = limit;
    }

    /** {@code account}'s quota of users from now on. */
    public void userLimit(String account, int limit) {
        userLimits.put(account, limit);
    }

    /** How many users the account has now. */
    public int users(String account) {
        return emulator(account).getAccountSummary().summaryMap().getOrDefault(SummaryKeyType.USERS, 0);
    }

    /** IAM's answer or refusal in the emulator's place, or null when the request may go on to the emulator. */
    FaultResponses.Response admit(Operation operation, String authorization, String accountHeader) {
        if (!operation.service().equals("iam")) {
            return null;
        }
        if (!operation.name().equals("CreateUser") && !operation.name().equals("GetAccountSummary")) {
            return null;
        }
        String account = accounts.accountOf(authorization, accountHeader);
        int limit = userLimits.getOrDefault(account, userLimit);
        Map<SummaryKeyType, Integer> summary = emulator(account).getAccountSummary().summaryMap();
        if (operation.name().equals("CreateUser")) {
            return summary.getOrDefault(SummaryKeyType.USERS, 0) < limit ? null : FaultResponses.awsError(409,
                    NAMESPACE, "Sender", "LimitExceeded", "Cannot exceed quota for UsersPerAccount: " + limit);
        }
        return withQuota(summary, limit);
    }

    /** The emulator's summary with the quota of users this account has here. */
    private static FaultResponses.Response withQuota(Map<SummaryKeyType, Integer> summary, int limit) {
        StringBuilder entries = new StringBuilder();
        summary.forEach((key, value) -> entries.append("<entry><key>").append(key).append("</key><value>")
                .append(key == SummaryKeyType.USERS_QUOTA ? limit : value).append("</value></entry>"));
        return new FaultResponses.Response(200, "text/xml", ("<GetAccountSummaryResponse xmlns=\"" + NAMESPACE + "\">"
                + "<GetAccountSummaryResult><SummaryMap>" + entries + "</SummaryMap></GetAccountSummaryResult>"
                + "<ResponseMetadata><RequestId>iam-enforcement</RequestId></ResponseMetadata>"
                + "</GetAccountSummaryResponse>").getBytes(StandardCharsets.UTF_8));
    }

    private IamClient emulator(String account) {
        return emulators.computeIfAbsent(account, accounts::iam);
    }

    @Override
    public void close() {
        emulators.values().forEach(IamClient::close);
    }
}
