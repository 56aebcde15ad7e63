package io.zonekeeper.cert.model;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real TLS handshakes on loopback: a server presenting a {@code tls.crt}/{@code tls.key} pair, and clients that
 * trust only a {@code ca.crt} bundle and check the host name as HTTPS clients do.
 */
public final class TlsProbe {

    private TlsProbe() {
    }

    /** A loopback TLS server; each accepted connection completes a handshake and sends one byte. */
    public static final class Server implements AutoCloseable {

        private final SSLServerSocket socket;
        private final Thread acceptor;

        private Server(SSLServerSocket socket) {
            this.socket = socket;
            this.acceptor = new Thread(this::serve, "tls-probe-server");
            this.acceptor.setDaemon(true);
            this.acceptor.start();
        }

        public int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (SSLSocket connection = (SSLSocket) socket.accept()) {
                    connection.setSoTimeout(5000);
                    connection.startHandshake();
                    connection.getOutputStream().write(1);
                    connection.getOutputStream().flush();
                } catch (IOException e) {
                    // a client that refused our certificate: serve the next one
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    public static Server serve(String certificateChainPem, String privateKeyPem) throws Exception {
        List<X509Certificate> chain = Pem.parseCertificates(certificateChainPem);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", Pem.parsePrivateKey(privateKeyPem), new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new Server(socket);
    }

    public static Server serve(TlsMaterial material) throws Exception {
        return serve(material.certificateChain(), material.privateKey());
    }

    /**
     * Connects to the server as {@code hostName}, trusting only the CAs in {@code caBundlePem}, with HTTPS
     * endpoint identification and certificate validity checked at {@code at} (never the real date: the
     * certificates were issued on the test's clock); returns normally only if the handshake succeeded.
     */
    public static void connect(int port, String hostName, String caBundlePem, Instant at) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (X509Certificate ca : Pem.parseCertificates(caBundlePem)) {
            trust.setCertificateEntry("ca-" + i++, ca);
        }
        PKIXBuilderParameters pkix = new PKIXBuilderParameters(trust, new X509CertSelector());
        pkix.setRevocationEnabled(false);
        pkix.setDate(Date.from(at));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
        trustManagers.init(new CertPathTrustManagerParameters(pkix));
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trustManagers.getTrustManagers(), null);
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, hostName, port, true)) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setServerNames(List.of(new SNIHostName(hostName)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            if (socket.getInputStream().read() != 1) {
                throw new IOException("handshake completed but the server sent nothing");
            }
        }
    }

    /** True if a client trusting {@code caBundlePem} accepts the server as {@code hostName} at {@code at}. */
    public static boolean handshakes(int port, String hostName, String caBundlePem, Instant at) {
        try {
            connect(port, hostName, caBundlePem, at);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Connects with OpenSSL's own TLS client ({@code openssl s_client}), trusting only {@code caBundlePem} and
     * checking the host name, certificates judged at {@code at}; true only for a verified handshake. OpenSSL, like
     * Go, NSS and Chrome's verifier, applies the name constraints of the trusted CA itself (the JDK's trust
     * managers do not: they build trust anchors without them).
     */
    public static boolean opensslHandshakes(int port, String hostName, String caBundlePem, Instant at) throws Exception {
        java.nio.file.Path bundle = java.nio.file.Files.createTempFile("ca", ".crt");
        try {
            java.nio.file.Files.writeString(bundle, caBundlePem);
            Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", hostName, "-verify_hostname", hostName, "-CAfile", bundle.toString(),
                    "-attime", Long.toString(at.getEpochSecond()), "-verify_return_error", "-brief")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .start();
            client.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!client.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new IOException("openssl s_client did not finish");
            }
            return client.exitValue() == 0;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IllegalStateException("the TLS client 'openssl' is not installed (apt-get install openssl)", e);
            }
            throw e;
        } finally {
            java.nio.file.Files.deleteIfExists(bundle);
        }
    }
}
