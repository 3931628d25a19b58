//! The binary as a CLI on MariaDB: `plan` (exit codes like
//! `terraform plan -detailed-exitcode`), `apply --auto-approve` and
//! `inspect`, against a throwaway database on the real server.

mod common;

use common::cli::{cli, text, workdir};
use common::mariadb_db::MariaDb;

const DESIRED: &str = "\
CREATE TABLE users (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL, UNIQUE KEY ux_email (email));
CREATE TABLE posts (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id int, title varchar(100), \
  CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id), INDEX ix_posts_title (title));
";

#[test]
fn plan_apply_inspect_on_mariadb() {
    let dir = workdir("tfalchemy-cli-mysql-");
    std::fs::write(dir.path().join("schema.sql"), DESIRED).unwrap();
    let db = MariaDb::new();
    let url = db.url();
    let run = |args: &[&str]| {
        let mut all = vec![args[0], "--url", &url];
        all.extend(&args[1..]);
        cli(&all, dir.path())
    };

    let plan = run(&["plan", "--desired", "schema.sql"]);
    assert_eq!(plan.status.code(), Some(2), "changes → exit 2\n{}", text(&plan.stderr));
    let script = text(&plan.stdout);
    assert!(script.contains("CREATE TABLE `users` ("), "{script}");
    assert!(
        script.contains("CONSTRAINT `fk_posts_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)"),
        "{script}"
    );
    assert!(db.strings("SHOW TABLES").is_empty(), "plan changes nothing");

    let apply = run(&["apply", "--desired", "schema.sql", "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(
        text(&apply.stderr).contains("Applied 2 statement(s)"),
        "{}",
        text(&apply.stderr)
    );
    assert_eq!(db.strings("SHOW TABLES"), ["posts", "users"]);

    let again = run(&["plan", "--desired", "schema.sql"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "no changes → exit 0\n{}",
        text(&again.stderr)
    );
    assert!(text(&again.stdout).is_empty(), "{}", text(&again.stdout));
    assert!(text(&again.stderr).contains("No changes"), "{}", text(&again.stderr));

    // The inspected DDL is itself a desired schema equal to the live one.
    let inspect = run(&["inspect"]);
    assert_eq!(inspect.status.code(), Some(0), "{}", text(&inspect.stderr));
    let ddl = text(&inspect.stdout);
    assert!(ddl.contains("CREATE TABLE `posts` ("), "{ddl}");
    std::fs::write(dir.path().join("inspected.sql"), &ddl).unwrap();
    let from_inspected = run(&["plan", "--desired", "inspected.sql"]);
    assert_eq!(
        from_inspected.status.code(),
        Some(0),
        "{}{}",
        text(&from_inspected.stdout),
        text(&from_inspected.stderr)
    );

    // A change to rows that are there: the hazard and what the rows say.
    db.execute("INSERT INTO users (email) VALUES ('a@example.com'); INSERT INTO posts (user_id, title) VALUES (1, 'a title too long');");
    std::fs::write(
        dir.path().join("narrower.sql"),
        DESIRED.replace("title varchar(100)", "title varchar(5)"),
    )
    .unwrap();
    let refused = run(&["plan", "--desired", "narrower.sql"]);
    assert_eq!(refused.status.code(), Some(1), "narrows_type is denied by default");
    let narrower = run(&["plan", "--desired", "narrower.sql", "--warn", "narrows_type"]);
    let out = text(&narrower.stdout);
    assert_eq!(narrower.status.code(), Some(2), "{out}{}", text(&narrower.stderr));
    assert!(out.contains("MODIFY COLUMN `title` varchar(5)"), "{out}");
    assert!(
        out.contains("-- warn narrows_type: ") && out.contains("has 1 value longer than 5 characters"),
        "{out}"
    );
    assert!(
        out.contains("`posts` has 1 row: each is copied while writes to the table wait"),
        "{out}"
    );
}
