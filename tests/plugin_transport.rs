//! The plugin transport, end to end: the real binary is started the way
//! Terraform starts it (magic cookie, protocol list, AutoMTLS client
//! certificate), and a gRPC client dials the Unix socket from its handshake.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore};
use tfalchemy::tfproto::go_plugin::grpc_controller_client::GrpcControllerClient;
use tfalchemy::tfproto::go_plugin::Empty;
use tfalchemy::tfproto::tfplugin6::provider_client::ProviderClient;
use tfalchemy::tfproto::tfplugin6::{get_metadata, get_provider_schema};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-sqlalchemy");
const MAGIC_COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);
/// Variables of the handshake environment, never inherited from the test's own.
const HANDSHAKE_VARS: [&str; 6] = [
    "TF_PLUGIN_MAGIC_COOKIE",
    "PLUGIN_PROTOCOL_VERSIONS",
    "PLUGIN_CLIENT_CERT",
    "TF_DISABLE_PLUGIN_TLS",
    "TF_LOG",
    "TF_LOG_PROVIDER",
];
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- harness

/// A certificate and key like the ones Terraform's plugin client makes:
/// ECDSA P-521, self-signed, marked as a CA, for `localhost`.
struct Identity {
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
    pem: String,
}

fn terraform_like_identity() -> Identity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("certificate params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed certificate");
    Identity {
        pem: cert.pem(),
        cert: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    }
}

/// What the plugin announced on its first stdout line.
#[derive(Debug)]
struct Handshake {
    socket: PathBuf,
    server_cert: Option<CertificateDer<'static>>,
    /// Debug mode only: the process id Terraform is told to reattach to.
    reattach_pid: Option<u64>,
}

/// Parses and checks the handshake line field by field.
fn parse_handshake(line: &str) -> Handshake {
    let line = line.strip_suffix('\n').expect("handshake line ends with a newline");
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "six fields in {line:?}");
    assert_eq!(fields[0], "1", "core protocol");
    assert_eq!(fields[1], "6", "application protocol");
    assert_eq!(fields[2], "unix", "network");
    assert_eq!(fields[4], "grpc", "protocol");
    let socket = PathBuf::from(fields[3]);
    assert!(socket.is_absolute(), "socket path {socket:?}");
    let server_cert = if fields[5].is_empty() {
        None
    } else {
        assert!(!fields[5].contains('='), "base64 without padding");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("certificate is standard base64");
        Some(CertificateDer::from(der))
    };
    Handshake {
        socket,
        server_cert,
        reattach_pid: None,
    }
}

/// A running plugin process, killed on drop if still alive.
struct Plugin {
    child: Child,
    handshake: Handshake,
    /// Everything on stdout after the handshake line.
    stdout_rest: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

fn command(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args);
    for var in HANDSHAKE_VARS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn collect(mut reader: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let writer = sink.clone();
    thread::spawn(move || {
        let mut buffer = [0_u8; 4096];
        while let Ok(read) = reader.read(&mut buffer) {
            if read == 0 {
                break;
            }
            writer.lock().expect("sink lock").extend_from_slice(&buffer[..read]);
        }
    });
    sink
}

/// Starts the plugin and waits for the first stdout line that
/// `find_handshake` recognises (under Terraform, it must be the first line).
fn start_with(env: &[(&str, &str)], args: &[&str], find_handshake: fn(&str) -> Option<Handshake>) -> Plugin {
    let mut child = command(env, args).spawn().expect("plugin starts");
    let stderr = collect(child.stderr.take().expect("stderr piped"));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
    let (sender, receiver) = mpsc::channel();
    let stdout_rest = Arc::new(Mutex::new(Vec::new()));
    let rest = stdout_rest.clone();
    thread::spawn(move || {
        let mut handshake = None;
        let mut line = String::new();
        while handshake.is_none() {
            line.clear();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => handshake = find_handshake(&line),
            }
        }
        let _ = sender.send(handshake);
        let mut remaining = Vec::new();
        let _ = stdout.read_to_end(&mut remaining);
        rest.lock().expect("stdout lock").extend(remaining);
    });
    let handshake = match receiver.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Some(handshake)) => handshake,
        _ => {
            let _ = child.kill();
            let log = String::from_utf8_lossy(&stderr.lock().expect("stderr lock")).into_owned();
            panic!("no handshake from the plugin; stderr:\n{log}");
        }
    };
    Plugin {
        child,
        handshake,
        stdout_rest,
        stderr,
    }
}

fn start(env: &[(&str, &str)]) -> Plugin {
    start_with(env, &[], |line| Some(parse_handshake(line)))
}

fn terraform_env<'a>(client: &'a Identity, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        MAGIC_COOKIE,
        ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
        ("PLUGIN_CLIENT_CERT", client.pem.as_str()),
    ];
    env.extend_from_slice(extra);
    env
}

impl Plugin {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        None
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().expect("stderr lock")).into_owned()
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Any byte stream the connector may hand to tonic.
trait Transport: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Transport for T {}

/// A rustls client configuration (aws-lc-rs, ALPN h2) that trusts the
/// server certificate from the handshake and presents `identity`, if any.
fn client_tls(server_cert: &CertificateDer<'static>, identity: Option<&Identity>) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots
        .add(server_cert.clone())
        .expect("server certificate is a valid X.509 DER");
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.cert.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )
            .expect("client identity"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// Dials the plugin socket, over TLS when `tls` is given (server name
/// `localhost`, and the connection must agree on ALPN `h2`).
async fn connect(socket: &Path, tls: Option<ClientConfig>) -> Result<Channel, tonic::transport::Error> {
    let socket = socket.to_owned();
    let tls = tls.map(|config| tokio_rustls::TlsConnector::from(Arc::new(config)));
    let connector = tower::service_fn(move |_: Uri| {
        let socket = socket.clone();
        let tls = tls.clone();
        async move {
            let stream = UnixStream::connect(&socket).await?;
            let transport: Box<dyn Transport> = match tls {
                None => Box::new(stream),
                Some(tls) => {
                    let name = rustls::pki_types::ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                    let stream = tls.connect(name, stream).await?;
                    if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
                        return Err(std::io::Error::other("ALPN h2 was not negotiated"));
                    }
                    Box::new(stream)
                }
            };
            Ok::<_, std::io::Error>(TokioIo::new(transport))
        }
    });
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(10))
        .connect_with_connector(connector)
        .await
}

async fn health(channel: Channel) -> Result<i32, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".to_owned(),
        })
        .await
        .map(|response| response.into_inner().status)
}

/// The call reached the provider: it answered, or said it does not (yet)
/// implement the method. Transport failures are something else entirely.
fn assert_provider_answered<T: std::fmt::Debug>(result: Result<T, tonic::Status>, rpc: &str) {
    if let Err(status) = result {
        assert_eq!(
            status.code(),
            tonic::Code::Unimplemented,
            "{rpc} failed in transport: {status:?}"
        );
    }
}

/// Connects (TLS if the handshake carried a certificate) with `identity`
/// and checks the `plugin` health service.
async fn health_with(plugin: &Plugin, identity: Option<&Identity>) -> Result<i32, String> {
    let tls = plugin
        .handshake
        .server_cert
        .as_ref()
        .map(|cert| client_tls(cert, identity));
    let channel = connect(&plugin.handshake.socket, tls)
        .await
        .map_err(|err| format!("connect: {err:?}"))?;
    let call = tokio::time::timeout(Duration::from_secs(10), health(channel));
    match call.await {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(status)) => Err(format!("call: {status:?}")),
        Err(_) => Err("call timed out".to_owned()),
    }
}

fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread")]
async fn terraforms_certificate_gets_health_and_provider_over_mtls() {
    let client = terraform_like_identity();
    let plugin = start(&terraform_env(&client, &[]));
    let server_cert = plugin
        .handshake
        .server_cert
        .clone()
        .expect("AutoMTLS handshake carries the server certificate");
    assert_eq!(server_cert.first(), Some(&0x30), "DER starts with a SEQUENCE");

    let tls = client_tls(&server_cert, Some(&client));
    let channel = connect(&plugin.handshake.socket, Some(tls))
        .await
        .expect("TLS connection with Terraform's certificate");
    let status = health(channel.clone()).await.expect("health check");
    assert_eq!(status, ServingStatus::Serving as i32);

    let mut provider = ProviderClient::new(channel);
    let schema = provider.get_provider_schema(get_provider_schema::Request {}).await;
    assert_provider_answered(schema, "GetProviderSchema");
    let metadata = provider.get_metadata(get_metadata::Request {}).await;
    assert_provider_answered(metadata, "GetMetadata");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_without_a_certificate_is_refused() {
    let client = terraform_like_identity();
    let plugin = start(&terraform_env(&client, &[]));
    let outcome = health_with(&plugin, None).await;
    assert!(outcome.is_err(), "call without a client certificate succeeded");
    // The refusal does not disturb the server.
    assert_eq!(
        health_with(&plugin, Some(&client)).await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_with_another_valid_certificate_is_refused() {
    let client = terraform_like_identity();
    let stranger = terraform_like_identity();
    let plugin = start(&terraform_env(&client, &[]));
    let outcome = health_with(&plugin, Some(&stranger)).await;
    assert!(outcome.is_err(), "call with a foreign certificate succeeded");
    assert_eq!(
        health_with(&plugin, Some(&client)).await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[test]
fn without_the_magic_cookie_it_explains_itself_and_exits_1() {
    let output = command(&[], &[]).output().expect("plugin runs");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stdout.contains('|'), "no handshake on stdout: {stdout:?}");
    assert!(stderr.contains("Terraform plugin"), "{stderr}");
    assert!(stderr.contains("--help"), "{stderr}");

    let wrong_cookie = command(&[("TF_PLUGIN_MAGIC_COOKIE", "nope")], &[])
        .output()
        .expect("plugin runs");
    assert_eq!(wrong_cookie.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&wrong_cookie.stdout).contains('|'));
}

#[test]
fn a_host_offering_only_protocol_5_is_refused_with_a_message() {
    let output = command(&[MAGIC_COOKIE, ("PLUGIN_PROTOCOL_VERSIONS", "5")], &[])
        .output()
        .expect("plugin runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("protocol 6"), "{stderr}");
    assert!(stderr.contains("offered protocol versions: 5"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn disabling_tls_serves_plaintext() {
    let client = terraform_like_identity();
    let plugin = start(&terraform_env(&client, &[("TF_DISABLE_PLUGIN_TLS", "1")]));
    assert!(plugin.handshake.server_cert.is_none(), "last field is empty");
    assert_eq!(health_with(&plugin, None).await, Ok(ServingStatus::Serving as i32));
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_rpc_ends_the_process_within_a_second_and_cleans_up() {
    let client = terraform_like_identity();
    let mut plugin = start(&terraform_env(&client, &[]));
    let socket_dir = plugin.handshake.socket.parent().expect("socket directory").to_owned();
    let tls = client_tls(plugin.handshake.server_cert.as_ref().expect("cert"), Some(&client));
    let channel = connect(&plugin.handshake.socket, Some(tls)).await.expect("connect");
    // Open the stdio stream as go-plugin's client does: it must not hold up the exit.
    let mut stdio = tfalchemy::tfproto::go_plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let _stream = stdio.stream_stdio(Empty {}).await.expect("stdio stream opens");

    let asked = Instant::now();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown is answered");
    let status = plugin
        .wait_for_exit(Duration::from_secs(1))
        .unwrap_or_else(|| panic!("still running 1 s after Shutdown"));
    assert!(status.success(), "clean exit, got {status}");
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert!(!socket_dir.exists(), "socket directory removed");
    thread::sleep(Duration::from_millis(50));
    let rest = plugin.stdout_rest.lock().expect("stdout lock").clone();
    assert!(rest.is_empty(), "stdout after the handshake: {rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_is_ignored_while_serving_terraform() {
    let client = terraform_like_identity();
    let mut plugin = start(&terraform_env(&client, &[]));
    send_signal(plugin.pid(), "INT");
    send_signal(plugin.pid(), "INT");
    assert!(
        plugin.wait_for_exit(Duration::from_millis(300)).is_none(),
        "the plugin died on SIGINT"
    );
    assert_eq!(
        health_with(&plugin, Some(&client)).await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stderr_carries_hclog_json_lines() {
    let client = terraform_like_identity();
    let mut plugin = start(&terraform_env(&client, &[("TF_LOG", "trace")]));
    assert_eq!(
        health_with(&plugin, Some(&client)).await,
        Ok(ServingStatus::Serving as i32)
    );
    send_signal(plugin.pid(), "TERM");
    let status = plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("SIGTERM stops the plugin");
    assert!(status.success(), "clean exit on SIGTERM, got {status}");
    thread::sleep(Duration::from_millis(50));

    let stderr = plugin.stderr_text();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty(), "debug lines are expected at TF_LOG=trace");
    let started = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["@message"].as_str().is_some_and(|m| m.contains("handshake sent")))
        .unwrap_or_else(|| panic!("no startup line in:\n{stderr}"));
    assert_eq!(started["@level"], "info", "{started}");
    assert_eq!(started["version"], env!("CARGO_PKG_VERSION"), "{started}");
    assert_eq!(started["protocol_version"], 6, "{started}");
    for line in lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
        let level = entry["@level"].as_str().expect("@level");
        assert!(["trace", "debug", "info", "warn", "error"].contains(&level), "{line}");
        assert!(entry["@message"].is_string(), "{line}");
        let timestamp = entry["@timestamp"].as_str().expect("@timestamp");
        // Go layout 2006-01-02T15:04:05.000000Z07:00, in UTC.
        assert_eq!(timestamp.len(), 27, "{timestamp}");
        assert_eq!(&timestamp[19..20], ".", "{timestamp}");
        assert!(timestamp.ends_with('Z'), "{timestamp}");
        assert!(entry["@module"].as_str().is_some_and(|m| m.starts_with("sqlalchemy")));
    }
}

/// Finds the `TF_REATTACH_PROVIDERS` line of debug mode and reads the socket.
fn reattach_socket(line: &str) -> Option<Handshake> {
    let json = line
        .trim()
        .strip_prefix("TF_REATTACH_PROVIDERS='")?
        .strip_suffix('\'')?;
    let config: serde_json::Value = serde_json::from_str(json).ok()?;
    let provider = &config["registry.terraform.io/tfalchemy/sqlalchemy"];
    assert_eq!(provider["Protocol"], "grpc");
    assert_eq!(provider["ProtocolVersion"], 6);
    assert_eq!(provider["Test"], true);
    assert_eq!(provider["Addr"]["Network"], "unix");
    Some(Handshake {
        socket: PathBuf::from(provider["Addr"]["String"].as_str()?),
        server_cert: None,
        reattach_pid: provider["Pid"].as_u64(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_mode_prints_reattach_config_and_stops_on_ctrl_c() {
    let mut plugin = start_with(&[], &["--debug"], reattach_socket);
    assert_eq!(plugin.handshake.reattach_pid, Some(u64::from(plugin.pid())));
    assert_eq!(health_with(&plugin, None).await, Ok(ServingStatus::Serving as i32));
    send_signal(plugin.pid(), "INT");
    let status = plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("Ctrl-C stops debug mode");
    assert!(status.success(), "clean exit, got {status}");
    assert!(!plugin.handshake.socket.exists(), "socket removed");
}
