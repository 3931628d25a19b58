//! go-plugin's AutoMTLS, server side: Terraform passes its client certificate
//! in `PLUGIN_CLIENT_CERT`; we answer with a fresh self-signed server
//! certificate (sent back in the handshake line) and accept connections only
//! from the holder of Terraform's certificate.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use super::pinned_client_cert::PinnedClientCertVerifier;
use super::PluginError;

/// Terraform's client certificate, PEM encoded.
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
/// Any non-empty value turns transport security off.
pub const DISABLE_TLS_KEY: &str = "TF_DISABLE_PLUGIN_TLS";

/// The DNS name go-plugin's client expects in the server certificate.
const SERVER_NAME: &str = "localhost";

/// A TLS acceptor pinned to Terraform's certificate, and the server
/// certificate Terraform must be told about.
pub struct AutoMtls {
    pub acceptor: TlsAcceptor,
    pub server_cert: CertificateDer<'static>,
}

/// Reads the AutoMTLS settings from the environment: `None` means plaintext
/// (TLS disabled, or the host sent no client certificate).
pub fn auto_mtls_from_env() -> Result<Option<AutoMtls>, PluginError> {
    let disabled = std::env::var_os(DISABLE_TLS_KEY).is_some_and(|value| !value.is_empty());
    if disabled {
        return Ok(None);
    }
    match std::env::var(CLIENT_CERT_KEY) {
        Ok(pem) if !pem.trim().is_empty() => AutoMtls::new(pem.as_bytes()).map(Some),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(PluginError::ClientCertificate(
            "the value is not valid UTF-8".to_owned(),
        )),
    }
}

impl AutoMtls {
    /// Generates this run's server identity and a TLS configuration (TLS 1.2
    /// or 1.3, ALPN `h2` as Go's gRPC client requires) that demands the client
    /// certificate given as PEM.
    pub fn new(client_cert_pem: &[u8]) -> Result<Self, PluginError> {
        let client_cert = CertificateDer::from_pem_slice(client_cert_pem)
            .map_err(|err| PluginError::ClientCertificate(err.to_string()))?;
        let (server_cert, server_key) = generate_server_identity()?;

        // Every rustls object uses aws-lc-rs explicitly: the process-wide
        // default might be ring, which cannot verify Terraform's P-521 key.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = PinnedClientCertVerifier::new(client_cert, provider.signature_verification_algorithms);
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(PluginError::Tls)?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![server_cert.clone()], server_key)
            .map_err(PluginError::Tls)?;
        config.alpn_protocols = vec![b"h2".to_vec()];

        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            server_cert,
        })
    }
}

/// A fresh ECDSA P-256 key and a self-signed certificate for `localhost`,
/// valid for server and client authentication like go-plugin's own.
fn generate_server_identity() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), PluginError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(PluginError::Certificate)?;
    let mut params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()]).map_err(PluginError::Certificate)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, SERVER_NAME);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "terraform-provider-sqlalchemy");
    // Allow for small clock differences, and outlive any Terraform run.
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(365);
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key).map_err(PluginError::Certificate)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_a_client_certificate_that_is_not_pem() {
        match AutoMtls::new(b"not a certificate") {
            Err(PluginError::ClientCertificate(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("garbage was accepted as a certificate"),
        }
    }

    #[test]
    fn builds_a_fresh_identity_for_a_p521_client_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("key");
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        let client_pem = params.self_signed(&key).expect("certificate").pem();

        let first = AutoMtls::new(client_pem.as_bytes()).expect("first identity");
        let second = AutoMtls::new(client_pem.as_bytes()).expect("second identity");
        assert_ne!(first.server_cert, second.server_cert);
    }
}
