//! TLS to a PostgreSQL node, where the cluster file asks for it
//! (`db.sslmode`): rustls behind tokio-postgres's TLS traits. `require`
//! encrypts and checks nothing more (as libpq's `require`: the handshake's
//! signature is still checked against the certificate the server shows, but
//! not who signed it); `verify-full` checks the certificate against the
//! authorities in `db.sslrootcert` and the node's host. No channel binding
//! is offered, so SCRAM authenticates as it does without TLS.

use crate::cluster::Tls;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{self, ChannelBinding};
use tokio_postgres::Socket;

/// What tokio-postgres is given to open TLS with: nothing for `disable`
/// (it is then never asked to).
#[derive(Clone)]
pub struct MakeTls(Option<Arc<ClientConfig>>);

impl MakeTls {
    /// The TLS of a node's cluster-file entry, and the mode to ask the
    /// server for; an unreadable `sslrootcert` is an error naming it.
    pub fn new(tls: &Tls) -> Result<(MakeTls, SslMode), String> {
        // ring is deprecated in rustls for lacking post-quantum key
        // exchange, which PostgreSQL servers (OpenSSL 3.0 in Debian 12) do
        // not offer either; aws-lc-rs, the alternative, costs a C build of
        // its own (docs/design.md, "Dependencies").
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let config = match tls {
            Tls::Disable => return Ok((MakeTls(None), SslMode::Disable)),
            Tls::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
            Tls::VerifyFull { root_cert } => builder.with_root_certificates(roots(root_cert)?),
        };
        let config = config.with_no_client_auth();
        Ok((MakeTls(Some(Arc::new(config))), SslMode::Require))
    }
}

fn roots(path: &std::path::Path) -> Result<RootCertStore, String> {
    let shown = path.display();
    let why = |e: &dyn std::fmt::Display| format!("field db.sslrootcert: {shown}: {e}");
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| why(&e))? {
        let cert = cert.map_err(|e| why(&e))?;
        roots.add(cert).map_err(|e| why(&e))?;
    }
    if roots.is_empty() {
        return Err(why(&"no certificate in it (PEM expected)"));
    }
    Ok(roots)
}

impl tls::MakeTlsConnect<Socket> for MakeTls {
    type Stream = TlsStream;
    type TlsConnect = TlsConnect;
    type Error = io::Error;

    /// Asked for every connection, TLS or not.
    fn make_tls_connect(&mut self, host: &str) -> Result<TlsConnect, io::Error> {
        let Some(config) = self.0.clone() else {
            return Ok(TlsConnect(None));
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(TlsConnect(Some((config, name))))
    }
}

/// One connection's handshake, if TLS was asked for.
pub struct TlsConnect(Option<(Arc<ClientConfig>, ServerName<'static>)>);

type Handshake = Pin<Box<dyn Future<Output = io::Result<TlsStream>> + Send>>;

impl tls::TlsConnect<Socket> for TlsConnect {
    type Stream = TlsStream;
    type Error = io::Error;
    type Future = Handshake;

    fn connect(self, stream: Socket) -> Handshake {
        let Some((config, name)) = self.0 else {
            return Box::pin(async { Err(io::Error::other("TLS was not asked for (db.sslmode)")) });
        };
        let connecting = tokio_rustls::TlsConnector::from(config).connect(name, stream);
        Box::pin(async move { connecting.await.map(TlsStream) })
    }
}

/// An encrypted connection.
pub struct TlsStream(tokio_rustls::client::TlsStream<Socket>);

impl tls::TlsStream for TlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// `require`: any certificate is accepted, but the handshake must still be
/// signed by the key of the certificate shown.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
