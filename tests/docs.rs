//! The documentation (Registry layout under docs/) and the examples (examples/)
//! against the provider itself:
//!
//! - every attribute and block that `terraform providers schema -json` reports,
//!   for the provider and for whatever resources and data sources it has, is
//!   documented on its page (docs/index.md, docs/resources/<name>.md,
//!   docs/data-sources/<name>.md), and docs/index.md links every page;
//! - the Registry's example files (examples/provider/provider.tf,
//!   examples/resources/<type>/resource.tf and import.sh,
//!   examples/data-sources/<type>/data-source.tf) appear verbatim on their pages,
//!   and every type the schema reports has them (import.sh where `terraform
//!   import` of the type succeeds);
//! - docs/index.md's sample plan is what `terraform plan` prints for the
//!   index's own example (write-only attributes without their value);
//! - LICENSE is the license Cargo.toml names, and README's environment table
//!   lists every variable the tests read;
//! - every example directory is formatted (`terraform fmt -check`), initializes
//!   from an offline mirror and passes `terraform validate`; the modules example
//!   also works with `dev_overrides` and `terraform get`, its dev root applies
//!   on SQLite, and the composite example applies on PostgreSQL.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::postgres_db::PostgresDb;
use common::provider_mirror::{provider_binary, ProviderMirror, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE};
use common::python::test_python;
use common::Workspace;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

/// The provider's schema as Terraform sees it.
fn provider_schema() -> Value {
    let workspace = Workspace::initialized(
        r#"terraform {
  required_providers {
    sqlalchemy = { source = "tfalchemy/sqlalchemy" }
  }
}
"#,
    );
    let shown = workspace.run(&["providers", "schema", "-json"]).success();
    let all: Value = serde_json::from_str(&shown.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{shown}"));
    let address = format!("{PROVIDER_HOSTNAME}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}");
    all["provider_schemas"][&address].clone()
}

/// The kinds of things a provider schema lists, and the docs folder of each
/// (the Registry's layout).
const KINDS: &[(&str, &str, &str)] = &[
    ("resource_schemas", "resources", "resource"),
    ("data_source_schemas", "data-sources", "data source"),
    (
        "ephemeral_resource_schemas",
        "ephemeral-resources",
        "ephemeral resource",
    ),
];

/// `sqlalchemy_schema` → `schema`: the page's file name.
fn page_name(type_name: &str) -> &str {
    type_name
        .strip_prefix(&format!("{PROVIDER_TYPE}_"))
        .unwrap_or(type_name)
}

/// One documented name: where it sits, and how strictly the page must name it.
struct Documented {
    path: String,
    name: String,
    /// Top-level arguments, attributes and blocks are items of a reference
    /// list (`- \`name\``) or a heading; nested ones need only be named.
    listed: bool,
}

/// Every attribute, nested attribute, object field and block of `block`.
fn names_in_block(block: &Value, prefix: &str, top: bool, out: &mut Vec<Documented>) {
    if let Some(attributes) = block["attributes"].as_object() {
        for (name, attribute) in attributes {
            let path = format!("{prefix}{name}");
            out.push(Documented {
                path: path.clone(),
                name: name.clone(),
                listed: top,
            });
            names_in_type(&attribute["type"], &format!("{path}."), out);
            if let Some(nested) = attribute.get("nested_type") {
                names_in_block(nested, &format!("{path}."), false, out);
            }
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, nested) in blocks {
            let path = format!("{prefix}{name}");
            out.push(Documented {
                path: path.clone(),
                name: name.clone(),
                listed: top,
            });
            names_in_block(&nested["block"], &format!("{path}."), false, out);
        }
    }
}

/// Field names of object types (for example `hazards`' `code`), at any depth.
fn names_in_type(ty: &Value, prefix: &str, out: &mut Vec<Documented>) {
    let Some(parts) = ty.as_array() else { return };
    match parts.first().and_then(Value::as_str) {
        Some("object") => {
            if let Some(fields) = parts.get(1).and_then(Value::as_object) {
                for (name, field) in fields {
                    let path = format!("{prefix}{name}");
                    out.push(Documented {
                        path: path.clone(),
                        name: name.clone(),
                        listed: false,
                    });
                    names_in_type(field, &format!("{path}."), out);
                }
            }
        }
        Some("list" | "set" | "map") => {
            if let Some(element) = parts.get(1) {
                names_in_type(element, prefix, out);
            }
        }
        _ => {}
    }
}

/// What `page` fails to document of `names`.
fn missing_on_page(page: &str, names: &[Documented]) -> Vec<String> {
    let listed = |name: &str| {
        page.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with(&format!("- `{name}`"))
                || line.starts_with(&format!("* `{name}`"))
                || (line.starts_with('#') && line.contains(&format!("`{name}`")))
        })
    };
    names
        .iter()
        .filter(|documented| {
            if documented.listed {
                !listed(&documented.name)
            } else {
                !page.contains(&format!("`{}`", documented.name))
            }
        })
        .map(|documented| documented.path.clone())
        .collect()
}

#[test]
fn every_attribute_and_block_of_the_schema_is_documented() {
    let schema = provider_schema();
    let docs = repo().join("docs");
    let mut failures = Vec::new();

    let mut check = |page_path: PathBuf, what: String, block: &Value| {
        let mut names = Vec::new();
        names_in_block(block, "", true, &mut names);
        assert!(!names.is_empty() || what == "provider", "{what} has no attributes?");
        let Ok(page) = fs::read_to_string(&page_path) else {
            failures.push(format!("{what}: no page {}", page_path.display()));
            return;
        };
        let missing = missing_on_page(&page, &names);
        if !missing.is_empty() {
            failures.push(format!(
                "{what}: {} does not document {}",
                page_path.strip_prefix(repo()).unwrap_or(&page_path).display(),
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    };

    check(
        docs.join("index.md"),
        "provider".to_owned(),
        &schema["provider"]["block"],
    );
    let mut seen = 0;
    for (key, folder, kind) in KINDS {
        let Some(types) = schema[*key].as_object() else {
            continue;
        };
        for (type_name, type_schema) in types {
            seen += 1;
            check(
                docs.join(folder).join(format!("{}.md", page_name(type_name))),
                format!("{kind} {type_name}"),
                &type_schema["block"],
            );
        }
    }
    assert!(seen >= 2, "the schema lists resources and data sources: {schema}");
    assert!(failures.is_empty(), "undocumented:\n  {}", failures.join("\n  "));
}

#[test]
fn the_index_links_every_page_and_every_page_has_registry_front_matter() {
    let schema = provider_schema();
    let docs = repo().join("docs");
    let index = read_text(&docs.join("index.md"));
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for (key, folder, _) in KINDS {
        for type_name in schema[*key].as_object().into_iter().flat_map(|types| types.keys()) {
            expected.insert(format!("{folder}/{}.md", page_name(type_name)));
        }
    }
    // Every page in the folders (guides included), whether or not the schema names it.
    for folder in [
        "resources",
        "data-sources",
        "ephemeral-resources",
        "functions",
        "guides",
    ] {
        let Ok(entries) = fs::read_dir(docs.join(folder)) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                expected.insert(format!("{folder}/{name}"));
            }
        }
    }
    let mut failures = Vec::new();
    for page in &expected {
        if !index.contains(&format!("]({page}")) {
            failures.push(format!("docs/index.md does not link {page}"));
        }
        let path = docs.join(page);
        match fs::read_to_string(&path) {
            Err(_) => failures.push(format!("docs/{page} does not exist")),
            Ok(text) => {
                if !(text.starts_with("---\n") && text.contains("\npage_title: ") && text.contains("\ndescription: ")) {
                    failures.push(format!("docs/{page} lacks front matter (page_title, description)"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The fenced blocks of a Markdown page: (info string, body).
fn fenced_blocks(page: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_owned(), body.join("\n") + "\n"));
        }
    }
    blocks
}

/// The block Terraform prints for `address` in a plan, with the values that
/// depend on the machine (the database's path, the schema's hash) masked.
fn planned_block(plan: &str, address: &str) -> String {
    let header = format!("  # {address} will be created");
    let start = plan.find(&header).unwrap_or_else(|| panic!("no {header:?} in\n{plan}"));
    let mut block = Vec::new();
    for line in plan[start..].lines() {
        let masked = match line.split_once(" = \"") {
            Some((name, _)) if name.trim_start_matches([' ', '+']).starts_with("id ") => format!("{name} = \"…\""),
            Some((name, _)) if name.trim_start_matches([' ', '+']).starts_with("schema_hash") => {
                format!("{name} = \"…\"")
            }
            _ => line.to_owned(),
        };
        block.push(masked);
        if line == "    }" {
            break;
        }
    }
    block.join("\n")
}

/// docs/index.md's sample plan is what Terraform prints for the index's own
/// example (provider.tf, the resource, its schema.sql): the same attributes in
/// the same order, write-only ones without their value, the same statements.
#[test]
fn the_index_sample_plan_is_what_terraform_plans_for_its_example() {
    let index = read_text(&repo().join("docs/index.md"));
    let blocks = fenced_blocks(&index);
    let resource = blocks
        .iter()
        .find(|(info, body)| {
            info == "terraform"
                && body.contains("resource \"sqlalchemy_schema\" \"app\"")
                && body.contains("schema.sql")
        })
        .map(|(_, body)| body.clone())
        .expect("the index declares sqlalchemy_schema.app over schema.sql");
    let schema_sql = blocks
        .iter()
        .find(|(info, _)| info == "sql")
        .map(|(_, body)| body.clone())
        .expect("the index shows schema.sql");
    let sample = blocks
        .iter()
        .find(|(info, body)| info == "text" && body.contains("# sqlalchemy_schema.app will be created"))
        .map(|(_, body)| body.clone())
        .expect("the index shows a plan");
    let provider = read_text(&repo().join("examples/provider/provider.tf"));
    let workspace = Workspace::initialized(&format!("{provider}\n{resource}"));
    workspace.write_file("schema.sql", &schema_sql);
    let plan = workspace.plan().changes();

    let schema = provider_schema();
    let attributes = schema["resource_schemas"]["sqlalchemy_schema"]["block"]["attributes"]
        .as_object()
        .expect("sqlalchemy_schema's attributes");
    for (name, attribute) in attributes {
        if attribute["write_only"].as_bool() == Some(true) {
            let shown = sample
                .lines()
                .find(|line| line.trim_start_matches([' ', '+']).starts_with(&format!("{name} ")));
            assert!(
                shown.is_none_or(|line| line.ends_with("= (write-only attribute)")),
                "the index shows the value of write-only `{name}`: {shown:?}"
            );
        }
    }
    let address = "sqlalchemy_schema.app";
    assert_eq!(
        planned_block(&sample, address),
        planned_block(&plan.stdout, address),
        "docs/index.md's sample plan (left) against terraform plan (right)"
    );
}

/// Example files of the Registry layout and the page each belongs on.
fn registry_examples() -> Vec<(PathBuf, PathBuf)> {
    let examples = repo().join("examples");
    let docs = repo().join("docs");
    let mut pairs = vec![(examples.join("provider/provider.tf"), docs.join("index.md"))];
    for (folder, file) in [
        ("resources", "resource.tf"),
        ("resources", "import.sh"),
        ("data-sources", "data-source.tf"),
        ("ephemeral-resources", "ephemeral-resource.tf"),
    ] {
        let Ok(entries) = fs::read_dir(examples.join(folder)) else {
            continue;
        };
        for entry in entries {
            let dir = entry.unwrap().path();
            let example = dir.join(file);
            if example.is_file() {
                let type_name = dir.file_name().unwrap().to_string_lossy().into_owned();
                pairs.push((example, docs.join(folder).join(format!("{}.md", page_name(&type_name)))));
            }
        }
    }
    pairs
}

#[test]
fn registry_example_files_appear_verbatim_on_their_pages() {
    let pairs = registry_examples();
    assert!(pairs.len() >= 4, "{pairs:?}");
    let mut failures = Vec::new();
    for (example, page_path) in pairs {
        let text = read_text(&example);
        let fence = if example.extension().is_some_and(|e| e == "sh") {
            "shell"
        } else {
            "terraform"
        };
        let block = format!("```{fence}\n{text}```\n");
        let page = fs::read_to_string(&page_path).unwrap_or_default();
        if !page.contains(&block) {
            failures.push(format!(
                "{} is not in {} as a ```{fence} block",
                example.strip_prefix(repo()).unwrap().display(),
                page_path.strip_prefix(repo()).unwrap().display()
            ));
        }
    }
    for (example, _) in registry_examples()
        .into_iter()
        .filter(|(e, _)| e.extension().is_some_and(|x| x == "sh"))
    {
        let checked = std::process::Command::new("bash")
            .arg("-n")
            .arg(&example)
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "{}: {}",
            example.display(),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether Terraform can import `type_name`: `terraform import` of an
/// existing SQLite database into an empty resource block succeeds.
fn supports_import(type_name: &str) -> bool {
    let workspace = Workspace::initialized(&format!(
        "terraform {{\n  required_providers {{\n    sqlalchemy = {{ source = \"tfalchemy/sqlalchemy\" }}\n  }}\n}}\n\nresource \"{type_name}\" \"probe\" {{}}\n"
    ));
    let db = workspace.sqlite("imported");
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    workspace.import(&format!("{type_name}.probe"), &db.url()).exit_code == Some(0)
}

/// The Registry's example files each type of the schema must have, derived
/// from what Terraform reports, so a new type without examples fails here.
#[test]
fn every_type_of_the_schema_has_its_registry_example_files() {
    let schema = provider_schema();
    let examples = repo().join("examples");
    let mut expected = vec![examples.join("provider/provider.tf")];
    let resources = schema["resource_schemas"].as_object().cloned().unwrap_or_default();
    let data_sources = schema["data_source_schemas"].as_object().cloned().unwrap_or_default();
    assert!(!resources.is_empty() && !data_sources.is_empty(), "{schema}");
    let mut importable = Vec::new();
    for type_name in resources.keys() {
        let dir = examples.join("resources").join(type_name);
        expected.push(dir.join("resource.tf"));
        let import = dir.join("import.sh");
        if supports_import(type_name) {
            importable.push(type_name.clone());
            expected.push(import);
        } else {
            assert!(
                !import.exists(),
                "{type_name} cannot be imported, yet {} shows how",
                import.display()
            );
        }
    }
    assert!(
        importable.iter().any(|t| t == "sqlalchemy_schema"),
        "sqlalchemy_schema imports: {importable:?}"
    );
    for type_name in data_sources.keys() {
        expected.push(examples.join("data-sources").join(type_name).join("data-source.tf"));
    }
    for type_name in schema["ephemeral_resource_schemas"]
        .as_object()
        .into_iter()
        .flat_map(|types| types.keys())
    {
        expected.push(
            examples
                .join("ephemeral-resources")
                .join(type_name)
                .join("ephemeral-resource.tf"),
        );
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|path| !path.is_file())
        .map(|path| path.strip_prefix(repo()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "missing Registry example files: {missing:?}");
    // And each of them is on its page (the verbatim test covers what exists).
    let on_pages: Vec<PathBuf> = registry_examples().into_iter().map(|(example, _)| example).collect();
    for path in &expected {
        assert!(
            on_pages.contains(path),
            "{} is checked against its page",
            path.display()
        );
    }
}

/// Copies examples/ into `dest`, leaving out what Terraform and Python made
/// there (a developer may have run an example in place).
fn copy_examples(dest: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".terraform"
                || name == "__pycache__"
                || name == ".terraform.lock.hcl"
                || name.ends_with(".db")
                || name.starts_with("terraform.tfstate")
            {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                copy(&path, &to.join(&name));
            } else {
                fs::copy(&path, to.join(&name)).unwrap();
            }
        }
    }
    let target = dest.join("examples");
    copy(&repo().join("examples"), &target);
    target
}

/// Every directory under `root` holding `.tf` files, sorted.
fn configuration_dirs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut has_tf = false;
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            found.push(dir);
        }
    }
    found.sort();
    found
}

#[test]
fn every_example_is_formatted_initializes_offline_and_validates() {
    let workspace = Workspace::new();
    let examples = copy_examples(workspace.root());
    workspace
        .run_in(&examples, &["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .success();
    let dirs = configuration_dirs(&examples);
    for expected in [
        "provider",
        "resources/sqlalchemy_schema",
        "resources/sqlalchemy_migration",
        "data-sources/sqlalchemy_models",
        "data-sources/sqlalchemy_migrations",
        "modules/dev",
        "modules/prod",
        "modules/app_schema",
        "tenants",
        "composite",
        "quickstart",
    ] {
        assert!(
            dirs.contains(&examples.join(expected)),
            "examples/{expected} is checked: {dirs:?}"
        );
    }
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.strip_prefix(&examples).unwrap().display().to_string();
        let init = workspace.run_in(dir, &["init", "-input=false", "-no-color", "-backend=false"]);
        if init.exit_code != Some(0) {
            failures.push(format!("examples/{name}: init failed\n{init}"));
            continue;
        }
        let validate = workspace.run_in(dir, &["validate", "-no-color"]);
        if validate.exit_code != Some(0) || !validate.stdout.contains("The configuration is valid.") {
            failures.push(format!("examples/{name}: validate failed\n{validate}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The README's `dev_overrides` advice with a configuration that calls a
/// module: no `terraform init`, `terraform get` for the modules, then
/// validate and plan work against target/debug.
#[test]
fn dev_overrides_work_with_modules_after_terraform_get() {
    let build_dir = provider_binary().parent().unwrap().to_path_buf();
    let mut workspace = Workspace::with_installation(|root| {
        let cli_config = root.join("terraform.tfrc");
        fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"tfalchemy/sqlalchemy\" = {}\n  }}\n  direct {{}}\n}}\n",
                common::hcl::quote(&build_dir.to_string_lossy())
            ),
        )?;
        Ok(ProviderMirror::existing(build_dir.clone(), cli_config))
    });
    workspace.set_env("TF_VAR_python", test_python());
    let examples = copy_examples(workspace.root());
    let dev = examples.join("modules/dev");
    workspace
        .run_in(&dev, &["get", "-no-color"])
        .success()
        .says("- schema in ../app_schema");
    workspace
        .run_in(&dev, &["validate", "-no-color"])
        .success()
        .says("Provider development overrides are in effect")
        .says("The configuration is valid, but there were some validation warnings");
    workspace
        .run_in(&dev, &["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .changes()
        .says("CREATE TABLE customers (");
}

/// examples/modules/dev applies the shared models on SQLite through the module.
#[test]
fn modules_example_dev_root_applies_on_sqlite() {
    let mut workspace = Workspace::new();
    workspace.set_env("TF_VAR_python", test_python());
    let examples = copy_examples(workspace.root());
    let dev = examples.join("modules/dev");
    workspace.run_in(&dev, &["init", "-input=false", "-no-color"]).success();
    workspace
        .run_in(&dev, &["apply", "-input=false", "-no-color", "-auto-approve"])
        .success()
        .says("Apply complete! Resources: 1 added");
    let db = common::SqliteDb::at(dev.join("dev.db"));
    let tables = db.tables();
    for table in ["customers", "orders"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    workspace
        .run_in(&dev, &["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .no_changes();
}

/// examples/composite on PostgreSQL: the models, row-level security, the
/// trigger and the view in one apply, and nothing left to do after it.
#[test]
fn composite_example_applies_on_postgresql() {
    let db = PostgresDb::new();
    let mut workspace = Workspace::new();
    workspace.set_env("TF_VAR_python", test_python());
    workspace.set_env("TF_VAR_database_url", db.url());
    let examples = copy_examples(workspace.root());
    let composite = examples.join("composite");
    workspace
        .run_in(&composite, &["init", "-input=false", "-no-color"])
        .success();
    workspace
        .run_in(&composite, &["apply", "-input=false", "-no-color", "-auto-approve"])
        .success()
        .says("Apply complete! Resources: 1 added");
    assert_eq!(
        db.strings("SELECT policyname::text FROM pg_policies WHERE tablename = 'documents'"),
        vec!["documents_tenant_isolation".to_owned()]
    );
    assert_eq!(
        db.strings("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal"),
        vec!["documents_set_updated_at".to_owned()]
    );
    assert_eq!(
        db.strings("SELECT relrowsecurity::text FROM pg_class WHERE relname = 'documents'"),
        vec!["true".to_owned()]
    );
    assert_eq!(
        db.strings("SELECT viewname::text FROM pg_views WHERE schemaname = 'public'"),
        vec!["tenant_document_counts".to_owned()]
    );
    workspace
        .run_in(&composite, &["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .no_changes();
}

/// examples/tenants on PostgreSQL: every tenant database gets the models'
/// schema from one export, and the tenants' schema hashes agree.
#[test]
fn tenants_example_applies_the_same_schema_to_every_tenant_database() {
    let tenants = [PostgresDb::new(), PostgresDb::new()];
    // The example names tenant NAME's database <database_prefix>NAME.
    let keys: Vec<&str> = tenants
        .iter()
        .map(|db| {
            db.name()
                .strip_prefix(common::postgres_db::PREFIX)
                .expect("prefixed name")
        })
        .collect();
    let server = url::Url::parse(&common::postgres_db::server()).expect("server URL");
    let password = percent_encoding::percent_decode_str(server.password().unwrap_or(""))
        .decode_utf8_lossy()
        .into_owned();
    let mut workspace = Workspace::new();
    workspace.set_env("TF_VAR_python", test_python());
    workspace.set_env("TF_VAR_database_prefix", common::postgres_db::PREFIX);
    workspace.set_env("TF_VAR_tenants", serde_json::to_string(&keys).unwrap());
    workspace.set_env(
        "TF_VAR_db_host",
        format!(
            "{}:{}",
            server.host_str().unwrap_or("127.0.0.1"),
            server.port().unwrap_or(5432)
        ),
    );
    workspace.set_env("TF_VAR_db_user", server.username());
    workspace.set_env("TF_VAR_db_password", password);
    let examples = copy_examples(workspace.root());
    let dir = examples.join("tenants");
    workspace.run_in(&dir, &["init", "-input=false", "-no-color"]).success();
    workspace
        .run_in(&dir, &["apply", "-input=false", "-no-color", "-auto-approve"])
        .success()
        .says("Apply complete! Resources: 2 added");
    for db in &tenants {
        assert_eq!(
            db.tables(),
            vec!["public.projects".to_owned(), "public.tasks".to_owned()],
            "{}",
            db.name()
        );
    }
    let output = workspace.run_in(&dir, &["output", "-json", "schema_hashes"]).success();
    let hashes: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON output");
    let hashes: Vec<&str> = keys
        .iter()
        .map(|key| hashes[*key].as_str().expect("a hash per tenant"))
        .collect();
    assert_eq!(hashes[0], hashes[1], "same models, same schema");
    workspace
        .run_in(&dir, &["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .no_changes();
}

/// The first line of each license text this project may carry, by its SPDX id.
const LICENSE_HEADERS: &[(&str, &str)] = &[("MPL-2.0", "Mozilla Public License Version 2.0")];

#[test]
fn license_is_the_one_cargo_toml_names() {
    let manifest = read_text(&repo().join("Cargo.toml"));
    let license = manifest
        .lines()
        .find_map(|line| line.strip_prefix("license = "))
        .map(|value| value.trim().trim_matches('"'))
        .expect("Cargo.toml names a license");
    let header = LICENSE_HEADERS
        .iter()
        .find(|(id, _)| *id == license)
        .map(|(_, header)| *header)
        .unwrap_or_else(|| panic!("Cargo.toml's license {license:?}: add its header to LICENSE_HEADERS"));
    let text = read_text(&repo().join("LICENSE"));
    assert_eq!(text.lines().next(), Some(header), "LICENSE is not {license}");
    // The whole text, up to its last exhibit, not just a title.
    assert!(
        text.contains("Exhibit B - \"Incompatible With Secondary Licenses\" Notice"),
        "LICENSE is the complete {license} text"
    );
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The environment variables the test code reads: `env::var("NAME")`,
/// `env::var_os(NAME_CONST)` with `const NAME_CONST: &str = "NAME"`.
fn variables_the_tests_read() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join("tests"), &mut files);
    let sources: Vec<String> = files.iter().map(|path| read_text(path)).collect();
    let constant = |name: &str| -> Option<String> {
        let declaration = format!("const {name}: &str = \"");
        sources.iter().find_map(|source| {
            let rest = &source[source.find(&declaration)? + declaration.len()..];
            Some(rest[..rest.find('"')?].to_owned())
        })
    };
    let is_constant = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let mut names = BTreeSet::new();
    let code_lines = sources
        .iter()
        .flat_map(|source| source.lines())
        .filter(|line| !line.trim_start().starts_with("//"));
    for line in code_lines {
        for call in ["env::var(", "env::var_os("] {
            for (at, _) in line.match_indices(call) {
                let argument = line[at + call.len()..]
                    .split([')', ','])
                    .next()
                    .unwrap_or_default()
                    .trim();
                let literal = argument.strip_prefix('"').and_then(|rest| rest.strip_suffix('"'));
                if let Some(literal) = literal.filter(|name| is_constant(name)) {
                    names.insert(literal.to_owned());
                } else if is_constant(argument) {
                    names.insert(constant(argument).unwrap_or_else(|| panic!("no `const {argument}: &str` in tests/")));
                }
            }
        }
    }
    names
}

#[test]
fn readme_environment_table_lists_every_variable_the_tests_read() {
    let readme = read_text(&repo().join("README.md"));
    let table: Vec<&str> = readme.lines().filter(|line| line.starts_with("| `")).collect();
    let names = variables_the_tests_read();
    assert!(
        names.contains("TFALCHEMY_TEST_POSTGRES_URL") && names.contains("TFALCHEMY_TERRAFORM"),
        "{names:?}"
    );
    // Every shell has these; the table is about what a developer may set.
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !matches!(name.as_str(), "PATH" | "HOME"))
        .filter(|name| !table.iter().any(|row| row.contains(&format!("`{name}"))))
        .collect();
    assert!(missing.is_empty(), "README's environment table lacks {missing:?}");
}
