//! The database password never shows: not in Terraform's output, not in its
//! trace log (which carries the provider's own logs), not in plan or state
//! JSON outside the `url` attribute itself (which Terraform marks sensitive),
//! not in the CLI's output, on success paths and on error paths alike.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::hcl::resource_address;
use common::output::TfOutput;
use common::postgres_db::PostgresDb;
use common::provider_mirror::provider_binary;
use common::state_json::{planned_change, state_values};
use common::terraform_binary::terraform_binary;
use common::{Config, SchemaBlock, SqliteDb, Workspace};

const APP: &str = "app";

/// The password, as the database would receive it. Trust authentication on the
/// test server accepts any password, so the flows below really connect.
const PASSWORD: &str = "Zq9-s3cr3t@Pw/%";
/// The same password as written in a URL.
const PASSWORD_IN_URL: &str = "Zq9-s3cr3t%40Pw%2F%25";
/// A part of both spellings that nothing else contains.
const PASSWORD_CORE: &str = "s3cr3t";
/// The dev database's password.
const DEV_PASSWORD: &str = "Dv7-t0ps3cr3t";

/// Every spelling of a password that must not appear.
const SECRETS: &[&str] = &[PASSWORD, PASSWORD_IN_URL, PASSWORD_CORE, DEV_PASSWORD];

const DDL: &str = "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);";

/// `url` (`scheme://user@host/db`) with `password_in_url` added to its user.
fn with_password(url: &str, password_in_url: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
    parsed
        .set_password(Some(password_in_url))
        .unwrap_or_else(|()| panic!("cannot set a password on {url}"));
    let with = parsed.to_string();
    assert!(with.contains(password_in_url), "{with}");
    with
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        if let Some(at) = text.find(secret) {
            let start = text[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
            let end = (at + secret.len() + 200).min(text.len());
            let end = (end..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len());
            panic!("{what} shows the password {secret:?}:\n…{}…", &text[start..end]);
        }
    }
}

/// Terraform commands run with `TF_LOG=trace` into a log file in the
/// workspace. The harness's `Workspace::run` scrubs `TF_LOG_PATH`, so this
/// mirrors its environment and adds the two variables.
struct LoggedTerraform<'a> {
    workspace: &'a Workspace,
    log: PathBuf,
}

impl<'a> LoggedTerraform<'a> {
    fn new(workspace: &'a Workspace) -> Self {
        let log = workspace.workdir().join("terraform-trace.log");
        Self { workspace, log }
    }

    /// Runs `terraform args…`, and checks its output for the password.
    #[track_caller]
    fn run(&self, args: &[&str]) -> TfOutput {
        let output = self.run_unchecked(args);
        assert_no_secret(&output.command, &output.combined());
        output
    }

    /// Runs `terraform args…` without looking at its output.
    #[track_caller]
    fn run_unchecked(&self, args: &[&str]) -> TfOutput {
        let workdir = self.workspace.workdir();
        let cli_config = workdir
            .parent()
            .map(|root| root.join("terraform.tfrc"))
            .expect("the workspace root");
        let mut command = Command::new(terraform_binary());
        command
            .args(args)
            .current_dir(workdir)
            .env("TF_CLI_CONFIG_FILE", cli_config)
            .env("TF_DATA_DIR", workdir.join(".terraform"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_LOG", "trace")
            .env("TF_LOG_PATH", &self.log)
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_DISABLE_PLUGIN_TLS")
            .env_remove("TF_WORKSPACE")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_LOG_CORE");
        let output = run_at_most(command, Duration::from_secs(300));
        TfOutput {
            command: format!("TF_LOG=trace terraform {}", args.join(" ")),
            exit_code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The trace log so far, checked for the password; returns its size.
    #[track_caller]
    fn check_log(&self) -> usize {
        let log = std::fs::read(&self.log).unwrap_or_else(|error| panic!("{}: {error}", self.log.display()));
        let text = String::from_utf8_lossy(&log);
        assert!(
            text.contains("provider.terraform-provider-sqlalchemy"),
            "the trace log holds the provider's output"
        );
        assert_no_secret("the TF_LOG=trace log", &text);
        log.len()
    }

    /// `terraform show -json [plan]`, checked for the password everywhere
    /// except the `url` and `dev_url` values, which must be marked sensitive.
    #[track_caller]
    fn show_json(&self, plan_file: Option<&Path>) -> Value {
        let mut args = vec!["show", "-json", "-no-color"];
        let plan_file = plan_file.map(|path| path.display().to_string());
        args.extend(plan_file.as_deref());
        // stdout holds the url values: checked below, without them.
        let shown = self.run_unchecked(&args).success();
        assert_no_secret(&shown.command, &shown.stderr);
        let document: Value = serde_json::from_str(&shown.stdout).expect("show -json prints JSON");
        let mut scrubbed = document.clone();
        remove_url_values(&mut scrubbed);
        assert_no_secret(
            "`terraform show -json` outside the url attributes",
            &scrubbed.to_string(),
        );
        document
    }
}

/// Removes the `url` and `dev_url` members of resource values (`values`,
/// `before`, `after`) and their configuration expressions, wherever they are.
fn remove_url_values(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for key in ["url", "dev_url"] {
                if members
                    .get(key)
                    .is_some_and(|member| member.is_string() || member.is_object())
                {
                    members.remove(key);
                }
            }
            members.values_mut().for_each(remove_url_values);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_url_values),
        _ => {}
    }
}

/// Runs `command` with piped output, killing it past `limit`.
#[track_caller]
fn run_at_most(mut command: Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("starting {command:?}: {error}"));
    // Read both pipes while waiting, so a chatty child never blocks on a full pipe.
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                panic!("{command:?} still ran after {}s", limit.as_secs());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => panic!("waiting for {command:?}: {error}"),
        }
    };
    let collect = |reader: Option<std::thread::JoinHandle<Vec<u8>>>| {
        reader.and_then(|handle| handle.join().ok()).unwrap_or_default()
    };
    Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

fn read_in_background(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn config(url: &str, dev_url: &str, ddl: &str) -> String {
    Config::new()
        .schema(SchemaBlock::new(APP, ddl).url(url).dev_url(dev_url))
        .render()
}

#[test]
fn plan_apply_refresh_and_destroy_never_show_the_password() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let url = with_password(&db.url(), PASSWORD_IN_URL);
    let dev_url = with_password(&dev.url(), DEV_PASSWORD);
    let workspace = Workspace::new();
    workspace.write_main_tf(&config(&url, &dev_url, DDL));
    let terraform = LoggedTerraform::new(&workspace);
    let address = resource_address(APP);

    terraform.run(&["init", "-input=false", "-no-color"]).success();
    let plan_file = workspace.workdir().join("create.tfplan");
    let out = format!("-out={}", plan_file.display());
    terraform
        .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode", &out])
        .changes()
        .contains("CREATE TABLE");
    let plan = terraform.show_json(Some(&plan_file));
    let change = planned_change(&plan, &address);
    assert_eq!(change["after"]["url"], url.as_str(), "the plan holds the real url");
    assert_eq!(change["after_sensitive"]["url"], true, "{change:#}");
    assert_eq!(change["after_sensitive"]["dev_url"], true, "{change:#}");

    terraform
        .run(&["apply", "-input=false", "-no-color", &plan_file.display().to_string()])
        .success();
    assert_eq!(db.tables(), ["public.accounts"]);
    terraform
        .run(&["apply", "-refresh-only", "-input=false", "-no-color", "-auto-approve"])
        .success();
    terraform
        .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .success()
        .contains("No changes.");
    let state = terraform.show_json(None);
    let resource = state_values(&state, &address);
    assert_eq!(resource["url"], url.as_str(), "the state holds the real url");
    let sensitive = state["values"]["root_module"]["resources"][0]["sensitive_values"].clone();
    assert_eq!(sensitive["url"], true, "{sensitive:#}");
    assert_eq!(sensitive["dev_url"], true, "{sensitive:#}");

    // A change and its apply, then the drift path, then destroy.
    workspace.write_main_tf(&config(
        &url,
        &dev_url,
        &format!("{DDL}\nCREATE TABLE audit (id int PRIMARY KEY);"),
    ));
    terraform
        .run(&["apply", "-input=false", "-no-color", "-auto-approve"])
        .success();
    db.execute("DROP TABLE audit;");
    terraform
        .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .changes()
        .shows_sql("CREATE TABLE \"public\".\"audit\"");
    terraform
        .run(&["destroy", "-input=false", "-no-color", "-auto-approve"])
        .success();
    assert!(terraform.check_log() > 0);
}

#[test]
fn import_never_shows_the_password() {
    let db = PostgresDb::new();
    db.execute(DDL);
    let dev = PostgresDb::new();
    let url = with_password(&db.url(), PASSWORD_IN_URL);
    let dev_url = with_password(&dev.url(), DEV_PASSWORD);
    let workspace = Workspace::new();
    let address = resource_address(APP);
    // The import ID names the database without the password: Terraform prints
    // import IDs verbatim ("Preparing import... [id=…]"), so an ID holding the
    // password would show it whatever the provider does.
    workspace.write_main_tf(&config(&url, &dev_url, DDL));
    let terraform = LoggedTerraform::new(&workspace);

    terraform.run(&["init", "-input=false", "-no-color"]).success();
    terraform
        .run(&["import", "-input=false", "-no-color", &address, &db.url()])
        .success();
    terraform
        .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .exit_code_is(2)
        .hides_sql("CREATE TABLE \"public\".\"accounts\"");
    terraform
        .run(&["apply", "-input=false", "-no-color", "-auto-approve"])
        .success();
    terraform.show_json(None);
    terraform.check_log();
}

#[test]
fn errors_on_an_unreachable_host_never_show_the_password() {
    let url = format!("postgresql+psycopg://app:{PASSWORD_IN_URL}@127.0.0.1:1/app");
    let dev_url = format!("postgresql://dev:{DEV_PASSWORD}@127.0.0.1:1/dev");
    let workspace = Workspace::new();
    workspace.write_main_tf(&config(&url, &dev_url, DDL));
    let terraform = LoggedTerraform::new(&workspace);

    terraform.run(&["init", "-input=false", "-no-color"]).success();
    for args in [
        &["plan", "-input=false", "-no-color"][..],
        &["apply", "-input=false", "-no-color", "-auto-approve"],
        &[
            "import",
            "-input=false",
            "-no-color",
            &resource_address(APP),
            "postgresql://app@127.0.0.1:1/app",
        ],
    ] {
        terraform.run(args).failure().contains("127.0.0.1:1");
    }
    terraform.check_log();
}

#[test]
fn errors_from_the_database_never_show_the_password() {
    let db = PostgresDb::new();
    let url = with_password(&db.url(), PASSWORD_IN_URL);
    let mut missing_db = url::Url::parse(&url).expect("url");
    missing_db.set_path("tfalchemy_no_such_database");
    let missing_db = missing_db.to_string();
    let dev = PostgresDb::new();
    let dev_url = with_password(&dev.url(), DEV_PASSWORD);
    let workspace = Workspace::new();
    let terraform = LoggedTerraform::new(&workspace);
    // Parsed fine, refused by the database itself when it runs.
    workspace.write_main_tf(&config(&url, &dev_url, "CREATE TABLE broken (id no_such_type);"));
    terraform.run(&["init", "-input=false", "-no-color"]).success();
    terraform
        .run(&["plan", "-input=false", "-no-color"])
        .failure()
        .contains("type \"no_such_type\" does not exist");

    workspace.write_main_tf(&config(&missing_db, &dev_url, DDL));
    terraform
        .run(&["apply", "-input=false", "-no-color", "-auto-approve"])
        .failure()
        .contains("tfalchemy_no_such_database");
    terraform.check_log();
}

/// The CLI, with its own logs at the most verbose level.
fn cli(args: &[&str], dir: &Path) -> Output {
    let mut command = Command::new(provider_binary());
    command
        .args(args)
        .current_dir(dir)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("DATABASE_URL")
        .env_remove("DEV_DATABASE_URL")
        .env("TFALCHEMY_LOG", "trace");
    run_at_most(command, Duration::from_secs(120))
}

#[track_caller]
fn assert_cli(output: &Output, args: &[&str], exit_code: i32) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(exit_code), "{args:?}\n{text}");
    assert_no_secret(&format!("the CLI's {}", args[0]), &text);
    text
}

#[test]
fn the_cli_never_shows_the_password() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let url = with_password(&db.url(), PASSWORD_IN_URL);
    let dev_url = with_password(&dev.url(), DEV_PASSWORD);
    let dir = tempfile::Builder::new()
        .prefix("tfalchemy-secrets-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir");
    std::fs::write(dir.path().join("schema.sql"), DDL).expect("schema.sql");
    std::fs::write(dir.path().join("broken.sql"), "CREATE TABLE broken (id int,, x);").expect("broken.sql");
    let path = dir.path();
    let with_urls = |command: &'static str, desired: &'static str| {
        vec![command, "--url", &url, "--dev-url", &dev_url, "--desired", desired]
    };

    let plan = with_urls("plan", "schema.sql");
    assert_cli(&cli(&plan, path), &plan, 2);
    let apply = with_urls("apply", "schema.sql");
    assert!(assert_cli(&cli(&apply, path), &apply, 0).contains("Applied"));
    let inspect = ["inspect", "--url", url.as_str()];
    assert!(assert_cli(&cli(&inspect, path), &inspect, 0).contains("accounts"));
    let broken = with_urls("plan", "broken.sql");
    assert!(assert_cli(&cli(&broken, path), &broken, 1).contains("syntax error"));

    let unreachable = format!("postgresql://app:{PASSWORD_IN_URL}@127.0.0.1:1/app");
    let unreachable_dev = format!("postgresql://dev:{DEV_PASSWORD}@127.0.0.1:1/dev");
    for command in ["plan", "apply"] {
        let args = [
            command,
            "--url",
            &unreachable,
            "--dev-url",
            &unreachable_dev,
            "--desired",
            "schema.sql",
        ];
        assert!(assert_cli(&cli(&args, path), &args, 1).contains("127.0.0.1:1"));
    }
    let inspect_unreachable = ["inspect", "--url", unreachable.as_str()];
    assert_cli(&cli(&inspect_unreachable, path), &inspect_unreachable, 1);
    let bad_scheme = format!("oracle://scott:{PASSWORD_IN_URL}@127.0.0.1/xe");
    let args = ["inspect", "--url", bad_scheme.as_str()];
    assert!(assert_cli(&cli(&args, path), &args, 1).contains("oracle"));

    // A SQLite URL has no password: the dialect does not matter for the rest.
    let sqlite = SqliteDb::at(path.join("app.db"));
    let args = ["inspect", "--url", &sqlite.url()];
    assert_cli(&cli(&args, path), &args, 0);
}

/// `url` (`scheme://user@host/db`) with `password` put in as written, not
/// percent-encoded, as a user who forgot to would.
fn with_raw_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (user, host_and_database) = rest.split_once('@').expect("a user");
    format!("{scheme}://{user}:{password}@{host_and_database}")
}

/// A configuration taking the database URL from a sensitive variable, as
/// real configurations do: Terraform quotes the source line an attribute
/// error points at, and a literal URL there would show whatever it holds.
fn config_from_variable(workspace: &Workspace, url: &str) {
    workspace.write_main_tf(&format!(
        "variable \"db_url\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
        Config::new()
            .schema(SchemaBlock::with_desired_expression(APP, &common::hcl::quote(DDL)).attribute("url", "var.db_url"))
            .render()
    ));
    workspace.write_file("terraform.tfvars", &format!("db_url = {}\n", common::hcl::quote(url)));
}

#[test]
fn passwords_with_unencoded_reserved_characters_are_refused_without_showing_them() {
    let db = PostgresDb::new();
    let before = common::postgres_db::server_objects();
    // As written, each ends the host part inside the password: the rest of it
    // would be read as the port, the database or a fragment.
    for password in ["12/Zq9-s3cr3t", "12?Zq9-s3cr3t", "12#Zq9-s3cr3t", "Zq9-s3cr3t/?#x"] {
        let workspace = Workspace::new();
        config_from_variable(&workspace, &with_raw_password(&db.url(), password));
        let terraform = LoggedTerraform::new(&workspace);
        terraform.run(&["init", "-input=false", "-no-color"]).success();
        // `terraform validate` leaves variables unknown; plan and apply check the URL first thing.
        for args in [
            &["plan", "-input=false", "-no-color"][..],
            &["apply", "-input=false", "-no-color", "-auto-approve"],
        ] {
            terraform
                .run(args)
                .failure()
                .contains("Invalid database URL")
                .says("percent-encode those characters")
                .says("`/` as `%2F`, `?` as `%3F`, `#` as `%23`")
                .says("postgresql://app:p%40ss%2Fw0rd%231@db.example:5432/app");
        }
        terraform.check_log();
    }
    assert!(db.tables().is_empty(), "nothing was created");
    assert_eq!(
        common::postgres_db::server_objects(),
        before,
        "no database or role was created"
    );
}

#[test]
fn a_password_with_an_unencoded_at_sign_still_reads_as_meant_and_never_shows() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    // The last `@` ends the user info, as in every URL parser.
    config_from_variable(&workspace, &with_raw_password(&db.url(), "Zq9-s3cr3t@Pw"));
    let terraform = LoggedTerraform::new(&workspace);
    terraform.run(&["init", "-input=false", "-no-color"]).success();
    terraform
        .run(&["apply", "-input=false", "-no-color", "-auto-approve"])
        .success();
    assert_eq!(db.tables(), ["public.accounts"]);
    terraform.show_json(None);
    terraform.check_log();
}

#[test]
fn secret_options_the_driver_does_not_read_are_named_but_their_values_never_shown() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    let url = format!("{}?sslpassword={PASSWORD_IN_URL}&target_session_attrs=any", db.url());
    config_from_variable(&workspace, &url);
    let terraform = LoggedTerraform::new(&workspace);
    terraform.run(&["init", "-input=false", "-no-color"]).success();
    terraform
        .run(&["apply", "-input=false", "-no-color", "-auto-approve"])
        .success()
        .contains("URL option `sslpassword` ignored")
        .contains("URL option `target_session_attrs` ignored")
        .says("The option `sslpassword` of `url` is not supported")
        .says("The option `target_session_attrs` of `url` is not supported");
    assert_eq!(db.tables(), ["public.accounts"]);
    terraform.check_log();
}
