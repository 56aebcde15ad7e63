package io.zonekeeper.testkit.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.GoTools;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes API server for the tests: {@code kube-apiserver} and its etcd, both built by {@link GoTools}
 * at pinned versions, started on loopback ports with RBAC on, a self-signed serving certificate, a service-account
 * signing key and static bearer tokens for a fixed set of users. Unlike the CRUD mock it validates and defaults
 * objects, enforces resourceVersion conflicts, RBAC (including escalation checks on roles and bindings) and
 * namespaces, and serves list/watch as client-go expects. There is no controller manager or kubelet: objects are
 * stored and served, Deployments get no pods and namespaces once deleted stay Terminating.
 */
public final class KubeApiServer implements AutoCloseable {

    /** The cluster administrator (group {@code system:masters}): what tests use to look and to grant rights. */
    public static final String ADMIN = "zonekeeper-test-admin";

    private static final Logger LOG = LoggerFactory.getLogger(KubeApiServer.class);

    private final String name;
    private final Path work;
    private final LoopbackProgram etcd;
    private final LoopbackProgram apiServer;
    private final Map<String, String> tokens;
    private final String caBundle;

    private KubeApiServer(String name, Path work, LoopbackProgram etcd, LoopbackProgram apiServer,
                          Map<String, String> tokens, String caBundle) {
        this.name = name;
        this.work = work;
        this.etcd = etcd;
        this.apiServer = apiServer;
        this.tokens = tokens;
        this.caBundle = caBundle;
    }

    /**
     * Starts etcd and an API server that knows {@link #ADMIN} and each of {@code users} (no groups, so no rights
     * until a test binds some) by a bearer token of its own.
     */
    public static KubeApiServer start(String name, List<String> users) {
        Path etcdBinary = GoTools.executable(GoTools.ETCD);
        Path apiServerBinary = GoTools.executable(GoTools.KUBE_APISERVER);
        Path work;
        try {
            work = Files.createTempDirectory("kube-apiserver-" + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LoopbackProgram etcd = null;
        try {
            Map<String, String> tokens = writeTokens(work, users);
            writeServiceAccountKeys(work);
            etcd = startEtcd(etcdBinary, work);
            LoopbackProgram apiServer = startApiServer(apiServerBinary, work, etcd.endpoint());
            String caBundle = Files.readString(work.resolve("pki").resolve("apiserver.crt"));
            LOG.info("kube-apiserver '{}' at {}, log {}", name, apiServer.endpoint(), apiServer.log());
            return new KubeApiServer(name, work, etcd, apiServer, tokens, caBundle);
        } catch (IOException | RuntimeException e) {
            if (etcd != null) {
                etcd.close();
            }
            TempDirectories.delete(work);
            throw e instanceof IOException io ? new UncheckedIOException("could not start kube-apiserver", io)
                    : (RuntimeException) e;
        }
    }

    public String name() {
        return name;
    }

    public URI endpoint() {
        return apiServer.endpoint();
    }

    /** The user's bearer token, for programs that are given one directly (ExternalDNS, Vault's auth method). */
    public String token(String user) {
        String token = tokens.get(user);
        if (token == null) {
            throw new IllegalArgumentException("the API server was not started with user " + user);
        }
        return token;
    }

    /** The PEM bundle a client trusts to reach this server (its self-signed serving certificate and issuer). */
    public String caBundle() {
        return caBundle;
    }

    /** A kubeconfig for {@code user}, as the upstream provisioner stores one in Vault. */
    public String kubeconfig(String user) {
        return kubeconfig(user, endpoint());
    }

    /** A kubeconfig for {@code user} that reaches the server through another address, e.g. a fault proxy. */
    public String kubeconfig(String user, URI server) {
        return kubeconfigWithToken(user, token(user), server);
    }

    /** A kubeconfig presenting {@code token}, e.g. a service account's from a TokenRequest. */
    public String kubeconfigWithToken(String user, String token) {
        return kubeconfigWithToken(user, token, endpoint());
    }

    private String kubeconfigWithToken(String user, String token, URI server) {
        Config config = new ConfigBuilder()
                .withApiVersion("v1")
                .withKind("Config")
                .addNewCluster().withName(name).withNewCluster().withServer(server.toString())
                .withCertificateAuthorityData(Base64.getEncoder().encodeToString(
                        caBundle.getBytes(StandardCharsets.UTF_8)))
                .endCluster().endCluster()
                .addNewUser().withName(user).withNewUser().withToken(token).endUser().endUser()
                .addNewContext().withName(name).withNewContext().withCluster(name).withUser(user)
                .withNamespace("default").endContext().endContext()
                .withCurrentContext(name)
                .build();
        return Serialization.asYaml(config);
    }

    /** A client acting as {@code user}; the caller closes it. */
    public KubernetesClient client(String user) {
        return new KubernetesClientBuilder()
                .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(kubeconfig(user))).build();
    }

    /** A client with the cluster administrator's rights; the caller closes it. */
    public KubernetesClient adminClient() {
        return client(ADMIN);
    }

    /** Creates the objects of a YAML manifest (one or more documents) as the cluster's administrator. */
    public void createAsAdmin(Path manifest) {
        try (KubernetesClient admin = adminClient(); var in = Files.newInputStream(manifest)) {
            admin.load(in).create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
    }

    public Path log() {
        return apiServer.log();
    }

    /**
     * Applies one object server-side as the administrator, as {@code kubectl apply --server-side} does, and returns
     * the warnings the server answered with (admission's, Pod Security's among them); a refusal throws with the
     * server's reason. {@code object} is the object as JSON; {@code plural} its resource's name ({@code deployments}).
     */
    public List<String> serverSideApply(String apiVersion, String plural, String namespace, String name,
                                        String object) {
        String path = collection(apiVersion, plural, namespace) + "/" + name
                + "?fieldManager=zonekeeper-test&force=true";
        return send(HttpRequest.newBuilder(endpoint().resolve(path))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(object))
                .header("Content-Type", "application/apply-patch+yaml"));
    }

    /**
     * Applies one rendered object (a JSON tree, e.g. from {@code helm template}) server-side into {@code namespace};
     * returns the server's warnings. Its resource's name is the kind's plural by the regular rule (policy ->
     * policies, service -> services), true of every kind Zonekeeper's chart renders.
     */
    public List<String> apply(String namespace, JsonNode object) {
        String kind = object.path("kind").asText().toLowerCase(Locale.ROOT);
        String plural = kind.endsWith("y") ? kind.substring(0, kind.length() - 1) + "ies" : kind + "s";
        return serverSideApply(object.path("apiVersion").asText(), plural, namespace,
                object.path("metadata").path("name").asText(), object.toString());
    }

    /** Creates one object as the administrator; returns the server's warnings, throws on a refusal. */
    public List<String> create(String apiVersion, String plural, String namespace, String object) {
        String path = collection(apiVersion, plural, namespace);
        return send(HttpRequest.newBuilder(endpoint().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(object))
                .header("Content-Type", "application/json"));
    }

    /** A resource collection's path: core objects under /api, the others under /apis/<group>. */
    private static String collection(String apiVersion, String plural, String namespace) {
        return (apiVersion.contains("/") ? "/apis/" : "/api/") + apiVersion
                + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural;
    }

    private List<String> send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = trustingClient().send(request
                    .header("Authorization", "Bearer " + token(ADMIN)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("the API server refused " + request.build().uri().getPath() + ": "
                        + response.statusCode() + " " + response.body());
            }
            return response.headers().allValues("Warning");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        apiServer.close();
        etcd.close();
        TempDirectories.delete(work);
    }

    private static Map<String, String> writeTokens(Path work, List<String> users) throws IOException {
        Map<String, String> tokens = new LinkedHashMap<>();
        SecureRandom random = new SecureRandom();
        List<String> lines = new ArrayList<>();
        List<String> everyone = new ArrayList<>(List.of(ADMIN));
        everyone.addAll(users);
        for (String user : everyone) {
            byte[] bytes = new byte[24];
            random.nextBytes(bytes);
            String token = HexFormat.of().formatHex(bytes);
            tokens.put(user, token);
            // token,user,uid,"group,..." as kube-apiserver's --token-auth-file reads it.
            lines.add(token + "," + user + "," + user + (user.equals(ADMIN) ? ",\"system:masters\"" : ""));
        }
        Files.write(work.resolve("tokens.csv"), lines);
        return tokens;
    }

    private static void writeServiceAccountKeys(Path work) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.writeString(work.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(work.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LoopbackProgram startEtcd(Path binary, Path work) {
        int client = FreePort.pick();
        int peer = FreePort.pick();
        URI endpoint = URI.create("http://127.0.0.1:" + client);
        String peerUrl = "http://127.0.0.1:" + peer;
        return LoopbackProgram.start("etcd", List.of(binary.toString(),
                "--name=default",
                "--data-dir=" + work.resolve("etcd"),
                "--listen-client-urls=" + endpoint,
                "--advertise-client-urls=" + endpoint,
                "--listen-peer-urls=" + peerUrl,
                "--initial-advertise-peer-urls=" + peerUrl,
                "--initial-cluster=default=" + peerUrl,
                "--log-level=warn",
                // A test cluster's data is thrown away; fsync on every write only slows the tests.
                "--unsafe-no-fsync"), endpoint, "/health", Duration.ofSeconds(30));
    }

    private static LoopbackProgram startApiServer(Path binary, Path work, URI etcd) {
        int port = FreePort.pick();
        URI endpoint = URI.create("https://127.0.0.1:" + port);
        HttpClient probe = trustingClient();
        return LoopbackProgram.start("kube-apiserver", List.of(binary.toString(),
                "--etcd-servers=" + etcd,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + port,
                "--cert-dir=" + work.resolve("pki"),
                "--token-auth-file=" + work.resolve("tokens.csv"),
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + work.resolve("sa.pub"),
                "--service-account-signing-key-file=" + work.resolve("sa.key"),
                "--api-audiences=https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                "--v=1"),
                endpoint,
                // /readyz is open to anonymous users (system:public-info-viewer) and turns 200 once the RBAC
                // bootstrap roles exist. The serving certificate is generated at start-up, so this probe alone
                // cannot know it yet and trusts any; clients use caBundle().
                () -> probe.send(HttpRequest.newBuilder(endpoint.resolve("/readyz")).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200,
                Duration.ofSeconds(90));
    }

    private static HttpClient trustingClient() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            // HTTP/1.1: the JDK client's HTTP/2 gets GOAWAY from kube-apiserver's Go server.
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
                    .connectTimeout(Duration.ofSeconds(2)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
