package io.timecoin.node.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS certificates of a local network, made by {@code timed init --tls}: one certificate
 * authority for the network, and for each node a certificate it signed, valid for 127.0.0.1 and
 * localhost, usable as TLS server and client (peers authenticate each other). ECDSA P-256, which
 * every TLS stack speaks. The CA key stays in the network's folder, readable by its owner only.
 */
public final class Certificates {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration VALIDITY = Duration.ofDays(3_650);

  private final KeyPair caKey;
  private final X509Certificate caCert;

  private Certificates(KeyPair caKey, X509Certificate caCert) {
    this.caKey = caKey;
    this.caCert = caCert;
  }

  /** A new certificate authority, written to {@code dir} as ca.pem and ca.key.pem (0600). */
  public static Certificates newAuthority(Path dir, String network) throws IOException {
    try {
      KeyPair key = ecKey();
      X500Name name = new X500Name("CN=" + network + " CA");
      JcaX509v3CertificateBuilder b = builder(name, name, key);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate cert = sign(b, key);
      Files.createDirectories(dir);
      writePem(dir.resolve("ca.pem"), cert, false);
      writePem(dir.resolve("ca.key.pem"), key.getPrivate(), true);
      return new Certificates(key, cert);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException("cannot make the CA certificate: " + e.getMessage(), e);
    }
  }

  /**
   * A node's certificate and key in {@code dir} (node.crt.pem, node.key.pem 0600), with a copy of
   * ca.pem.
   */
  public void issue(Path dir, String nodeName) throws IOException {
    try {
      KeyPair key = ecKey();
      JcaX509v3CertificateBuilder b =
          builder(
              new X500Name(caCert.getSubjectX500Principal().getName()),
              new X500Name("CN=" + nodeName),
              key);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")
              }));
      X509Certificate cert = sign(b, caKey);
      Files.createDirectories(dir);
      writePem(dir.resolve("node.crt.pem"), cert, false);
      writePem(dir.resolve("node.key.pem"), key.getPrivate(), true);
      writePem(dir.resolve("ca.pem"), caCert, false);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException(
          "cannot make the certificate of " + nodeName + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair ecKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair subjectKey) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(VALIDITY)),
        subject,
        subjectKey.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuerKey)
      throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }

  /** PEM text; private keys as PKCS#8, created owner-only before anything is written. */
  private static void writePem(Path path, Object object, boolean secret) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(
          secret
              ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
                  (java.security.PrivateKey) object, null)
              : object);
    }
    if (secret) {
      Files.deleteIfExists(path);
      Files.createFile(
          path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(path, text.toString());
  }
}
