package io.zonekeeper.testkit.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * The emulator's AWS accounts. moto keeps resources per account and decides the account of a request by its
 * {@code x-moto-account-id} header, else by its access key: an IAM user's key acts in the user's account, and
 * credentials from STS AssumeRole in the role's account; anything else in {@link #DEFAULT}. This asks moto itself
 * (STS GetCallerIdentity with the key, which moto answers without checking a signature), so the testkit's rules
 * never disagree with the emulator about whose a request is, and it builds administrator clients for any account.
 */
public final class MotoAccounts {

    /** The account of requests moto cannot place otherwise (and of the static test credentials). */
    public static final String DEFAULT = "123456789012";
    /** The header that makes moto act in an account, as an administrator of it. */
    public static final String ACCOUNT_HEADER = "x-moto-account-id";

    private static final Pattern ACCOUNT = Pattern.compile("<Account>(\\d{12})</Account>");
    private static final Pattern ARN = Pattern.compile("<Arn>([^<]+)</Arn>");
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");

    /**
     * Who a key is: its account and ARN ({@code arn:aws:iam::<account>:user/<name>} for a user's key,
     * {@code arn:aws:sts::<account>:assumed-role/<role>/<session>} for assumed credentials).
     */
    public record Caller(String account, String arn) {

        /** The role of assumed credentials, or null. */
        public String roleName() {
            String marker = ":assumed-role/";
            int at = arn.indexOf(marker);
            return at < 0 ? null : arn.substring(at + marker.length(), arn.indexOf('/', at + marker.length()));
        }
    }

    private final URI endpoint;
    private final String administratorKey;
    private final String administratorSecret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Caller> callers = new ConcurrentHashMap<>();

    public MotoAccounts(URI endpoint, String administratorKey, String administratorSecret) {
        this.endpoint = endpoint;
        this.administratorKey = administratorKey;
        this.administratorSecret = administratorSecret;
    }

    /** Who {@code accessKeyId} acts as, as the emulator decides it (remembered: a key never changes account). */
    public Caller callerOf(String accessKeyId) {
        return callers.computeIfAbsent(accessKeyId, this::askEmulator);
    }

    /**
     * The account a request acts in, decided as moto decides it: its {@code x-moto-account-id} header, else the
     * account of the access key in its {@code Authorization} header, else {@link #DEFAULT}.
     */
    public String accountOf(String authorization, String accountHeader) {
        if (accountHeader != null) {
            return accountHeader;
        }
        String key = accessKey(authorization);
        return key == null || key.equals(administratorKey) ? DEFAULT : callerOf(key).account();
    }

    /** The access key id a SigV4 {@code Authorization} header names, or null. */
    public static String accessKey(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher credential = CREDENTIAL.matcher(authorization);
        return credential.find() ? credential.group(1) : null;
    }

    /** An administrator's Route53 client acting in {@code account}. */
    public Route53Client route53(String account) {
        return Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(endpoint)
                .credentialsProvider(credentials()).overrideConfiguration(inAccount(account)).build();
    }

    /** An administrator's IAM client acting in {@code account}. */
    public IamClient iam(String account) {
        return IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(endpoint)
                .credentialsProvider(credentials()).overrideConfiguration(inAccount(account)).build();
    }

    /** What makes a client of the emulator act in {@code account}. */
    public static ClientOverrideConfiguration inAccount(String account) {
        return ClientOverrideConfiguration.builder().putHeader(ACCOUNT_HEADER, account).build();
    }

    private StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(administratorKey, administratorSecret));
    }

    private Caller askEmulator(String accessKeyId) {
        // Only the key in the credential scope matters to moto; the signature is not checked.
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKeyId
                        + "/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString("Action=GetCallerIdentity&Version=2011-06-15"))
                .build();
        try {
            String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            Matcher account = ACCOUNT.matcher(body);
            Matcher arn = ARN.matcher(body);
            if (!account.find() || !arn.find()) {
                throw new IllegalStateException("the emulator did not say whose key " + accessKeyId + " is: " + body);
            }
            return new Caller(account.group(1), arn.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
