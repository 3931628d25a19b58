use super::*;
use crate::engine::script::RefusalReason;

fn refusals(sql: &str) -> Vec<(usize, usize, RefusalReason)> {
    match contain(sql) {
        Err(EngineError::RefusedSql { refusals }) => refusals.iter().map(|r| (r.index, r.line, r.reason)).collect(),
        Err(other) => panic!("{sql:?}: {other}"),
        Ok(_) => Vec::new(),
    }
}

fn scratch(sql: &str) -> Vec<String> {
    contain(sql)
        .unwrap_or_else(|e| panic!("{sql:?}: {e}"))
        .statements
        .iter()
        .map(|s| s.scratch_sql.to_string())
        .collect()
}

#[test]
fn schema_definitions_pass_unchanged() {
    let sql = "SET client_encoding = 'UTF8';\n\
               SET statement_timeout = 0;\n\
               SELECT pg_catalog.set_config('search_path', '', false);\n\
               CREATE SCHEMA app;\n\
               CREATE TYPE app.mood AS ENUM ('ok', 'sad');\n\
               CREATE TABLE app.t (id int PRIMARY KEY, m app.mood DEFAULT 'ok', CHECK (id > 0));\n\
               CREATE INDEX t_m ON app.t (m) WHERE id > 10;\n\
               CREATE VIEW app.v AS SELECT id FROM app.t;\n\
               CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n\
               CREATE TRIGGER t_trg BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.trg();\n\
               ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;\n\
               CREATE POLICY p ON app.t USING (id > 0);\n\
               GRANT SELECT ON app.t TO PUBLIC;\n\
               COMMENT ON TABLE app.t IS 'the t';\n\
               CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
               DROP TABLE IF EXISTS app.old;";
    let contained = contain(sql).unwrap();
    assert_eq!(contained.statements.len(), 16);
    assert!(contained.bodies.is_empty(), "trigger functions are never stubbed");
    for statement in &contained.statements {
        assert_eq!(statement.scratch_sql, statement.statement.text);
    }
    let lines: Vec<usize> = contained.statements.iter().map(|s| s.statement.line).collect();
    assert_eq!(lines, (1..=16).collect::<Vec<_>>());
}

#[test]
fn every_kind_of_non_definition_is_refused_with_its_reason() {
    use RefusalReason::*;
    let cases: &[(&str, RefusalReason)] = &[
        ("INSERT INTO t VALUES (1)", DataChange),
        ("UPDATE t SET a = 1", DataChange),
        ("DELETE FROM t", DataChange),
        ("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", DataChange),
        ("TRUNCATE t", DataChange),
        ("COPY t TO PROGRAM 'touch /tmp/x'", DataChange),
        ("BEGIN", TransactionControl),
        ("COMMIT", TransactionControl),
        ("ROLLBACK", TransactionControl),
        ("SAVEPOINT s", TransactionControl),
        ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", TransactionControl),
        ("SET ROLE postgres", SessionChange),
        ("SET SESSION AUTHORIZATION postgres", SessionChange),
        ("RESET ALL", SessionChange),
        ("SET session_replication_role = replica", SessionChange),
        ("SET client_encoding = 'LATIN1'", SessionChange),
        ("CREATE DATABASE x", ServerLevel),
        ("DROP DATABASE x", ServerLevel),
        ("CREATE ROLE r SUPERUSER", ServerLevel),
        ("ALTER ROLE r PASSWORD 'x'", ServerLevel),
        ("GRANT postgres TO r", ServerLevel),
        ("CREATE TABLESPACE ts LOCATION '/tmp'", ServerLevel),
        ("ALTER SYSTEM SET work_mem = '1GB'", ServerLevel),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", ServerLevel),
        ("CREATE PUBLICATION p FOR ALL TABLES", ServerLevel),
        ("COMMENT ON DATABASE postgres IS 'x'", ServerLevel),
        ("GRANT CREATE ON DATABASE postgres TO PUBLIC", ServerLevel),
        ("ALTER DATABASE postgres OWNER TO r", ServerLevel),
        (
            "CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (password 'x')",
            ServerLevel,
        ),
        ("DO $$ BEGIN PERFORM 1; END $$", ExecutesCode),
        ("CALL p()", ExecutesCode),
        ("LOAD 'auto_explain'", ExecutesCode),
        ("CREATE TABLE t2 AS SELECT 1", ExecutesCode),
        ("SELECT 1 INTO t3", ExecutesCode),
        (
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
            ExecutesCode,
        ),
        ("IMPORT FOREIGN SCHEMA s FROM SERVER x INTO public", ExecutesCode),
        (
            "CREATE FUNCTION c() RETURNS int LANGUAGE c AS 'lib', 'sym'",
            ExecutesCode,
        ),
        (
            "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (f()) TO (10)",
            ExecutesCode,
        ),
        ("SELECT 1", Query),
        ("VALUES (1)", Query),
        ("EXPLAIN ANALYZE SELECT 1", Query),
        ("SHOW search_path", Query),
        ("SELECT set_config('role', 'postgres', false)", SessionChange),
        ("VACUUM", Maintenance),
        ("ANALYZE t", Maintenance),
        ("REINDEX TABLE t", Maintenance),
        ("CLUSTER t USING i", Maintenance),
        ("REFRESH MATERIALIZED VIEW m", Maintenance),
        ("CHECKPOINT", Maintenance),
        ("LOCK TABLE t", Maintenance),
        ("NOTIFY c", NotSchemaDefinition),
        ("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int", NotSchemaDefinition),
    ];
    for (statement, reason) in cases {
        let sql = format!("CREATE TABLE ok (a int);\n{statement};");
        assert_eq!(refusals(&sql), vec![(2, 2, *reason)], "{statement}");
    }
}

#[test]
fn all_refusals_are_reported_together_and_nothing_is_returned() {
    let sql =
        "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nCREATE TABLE b (x int);\n\nCOMMIT;\nDO $$BEGIN END$$;";
    let error = contain(sql).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("a plan does not run 3 of its statements; nothing was run"),
        "{text}"
    );
    assert!(
        text.contains("statement 2 (line 2) changes data (INSERT):\n    INSERT INTO a VALUES (1)"),
        "{text}"
    );
    assert!(
        text.contains("statement 4 (line 5) controls the transaction (COMMIT)"),
        "{text}"
    );
    assert!(
        text.contains("statement 5 (line 6) executes code while it is defined (DO)"),
        "{text}"
    );
}

#[test]
fn syntax_errors_name_line_column_and_statement() {
    let sql = "CREATE TABLE a (x int);\nCREATE TABLE b (x int) FOO;";
    let error = contain(sql).unwrap_err();
    assert!(
        matches!(&error, EngineError::SqlSyntax { index: 2, line: 2, column: 24, statement, .. } if statement == "CREATE TABLE b (x int) FOO"),
        "{error:?}"
    );
}

#[test]
fn unterminated_comments_and_quotes_are_errors_not_silence() {
    for sql in [
        "CREATE TABLE a (x int);\n/* the rest is a comment\nCREATE TABLE b (x int);",
        "CREATE TABLE a (x text DEFAULT 'oops);",
    ] {
        let error = contain(sql).unwrap_err();
        assert!(matches!(error, EngineError::SqlSyntax { .. }), "{sql:?}: {error:?}");
    }
}

#[test]
fn non_ascii_outside_quotes_is_parsed_or_refused_quickly() {
    for sql in [
        "\u{feff}CREATE TABLE t (a int);",
        "CREATE TABLE t\u{a0}(a int);",
        "CREATE TABLE “t” (a int);",
    ] {
        let started = std::time::Instant::now();
        let _ = contain(sql);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{sql:?}");
    }
    // A non-breaking space is whitespace to PostgreSQL's scanner? Either way: an answer.
    assert!(matches!(
        contain("\u{feff}CREATE TABLE t (a int);"),
        Err(EngineError::SqlSyntax { line: 1, column: 1, .. })
    ));
}

#[test]
fn scratch_forms_run_nothing_and_fit_in_a_transaction() {
    let forms = scratch(
        "CREATE INDEX CONCURRENTLY i ON t (a);\n\
         DROP INDEX CONCURRENTLY IF EXISTS j;\n\
         CREATE MATERIALIZED VIEW m AS SELECT 1 AS one;\n\
         CREATE MATERIALIZED VIEW n AS SELECT 1 AS one WITH DATA;\n\
         CREATE MATERIALIZED VIEW o AS SELECT 1 AS one WITH NO DATA;\n\
         ALTER TABLE t ADD COLUMN b int DEFAULT f(1) NOT NULL, ADD COLUMN c d, ADD COLUMN s serial, \
           ADD COLUMN g int GENERATED ALWAYS AS IDENTITY, ALTER COLUMN a SET DEFAULT 2;",
    );
    assert_eq!(forms[0], "CREATE INDEX  i ON t (a)");
    assert_eq!(forms[1], "DROP INDEX  IF EXISTS j");
    assert_eq!(forms[2], "CREATE MATERIALIZED VIEW m AS SELECT 1 AS one WITH NO DATA");
    assert_eq!(forms[3], "CREATE MATERIALIZED VIEW n AS SELECT 1 AS one WITH NO DATA");
    assert_eq!(forms[4], "CREATE MATERIALIZED VIEW o AS SELECT 1 AS one WITH NO DATA");
    assert_eq!(
        forms[5],
        "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT NULL, ADD COLUMN c d DEFAULT NULL, \
         ADD COLUMN s serial, ADD COLUMN g int GENERATED ALWAYS AS IDENTITY, ALTER COLUMN a SET DEFAULT 2;\n\
         ALTER TABLE t ALTER COLUMN b SET DEFAULT f(1), ALTER COLUMN c DROP DEFAULT"
    );
}

#[test]
fn functions_that_definitions_may_call_get_stub_bodies() {
    let contained = contain(
        "CREATE FUNCTION f(a int) RETURNS boolean IMMUTABLE LANGUAGE sql AS $$ SELECT a > 0 $$;\n\
         CREATE FUNCTION g() RETURNS SETOF int LANGUAGE plpgsql AS 'BEGIN RETURN NEXT 1; END';\n\
         CREATE FUNCTION h() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1 + 1;\n\
         CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;\n\
         CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;",
    )
    .unwrap();
    let forms: Vec<&str> = contained.statements.iter().map(|s| s.scratch_sql.as_ref()).collect();
    assert!(
        forms[0].contains("LANGUAGE plpgsql")
            && forms[0].contains("tfalchemy scratch stub 0 */ BEGIN RETURN NULL; END"),
        "{}",
        forms[0]
    );
    assert!(forms[0].contains("IMMUTABLE"), "{}", forms[0]);
    assert!(
        forms[1].contains("tfalchemy scratch stub 1 */ BEGIN RETURN; END"),
        "{}",
        forms[1]
    );
    assert!(
        forms[2].contains("tfalchemy scratch stub 2 */") && !forms[2].contains("RETURN 1 + 1"),
        "{}",
        forms[2]
    );
    assert_eq!(forms[3], "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$");
    assert!(forms[4].starts_with("CREATE FUNCTION t() RETURNS trigger"));
    assert!(!contained.bodies.is_empty());
}

#[test]
fn plans_are_contained_statement_by_statement() {
    let (forms, _) = contain_rendered(&[
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "ALTER TYPE mood ADD VALUE 'happy' AFTER 'sad'",
        "ALTER TABLE t ADD COLUMN b int",
        "-- only a comment",
    ])
    .unwrap();
    assert_eq!(forms[0], "CREATE TYPE mood AS ENUM ('sad', 'happy', 'ok')");
    assert_eq!(forms[1], "CREATE INDEX  i ON t (a)");
    assert_eq!(forms[2], "");
    assert_eq!(
        forms[3],
        "ALTER TABLE t ADD COLUMN b int DEFAULT NULL;\nALTER TABLE t ALTER COLUMN b DROP DEFAULT"
    );
    assert_eq!(forms[4], "");
    let refused = contain_rendered(&["CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)"]).unwrap_err();
    assert_eq!(refused.0, 2);
}

#[test]
fn annotations_read_postgres_tokens() {
    let found = crate::engine::annotations::read(
        crate::engine::url::Dialect::Postgres,
        "-- renamed_from: old_t\nCREATE TABLE \"New\" (\n  -- renamed_from: a\n  b int\n);\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
    )
    .unwrap();
    assert_eq!(found.renamed_tables["public.\"New\""], "public.old_t");
    assert_eq!(found.renamed_columns["public.\"New\""]["b"], "a");
}

#[test]
fn twenty_thousand_statements_are_parsed_in_linear_time() {
    let sql: String = (0..20_000)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY);\n"))
        .collect();
    let started = std::time::Instant::now();
    let contained = contain(&sql).unwrap();
    assert_eq!(contained.statements.len(), 20_000);
    assert_eq!(contained.statements[19_999].statement.line, 20_000);
    // Generous for a debug build on a loaded machine; quadratic work took minutes.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Pieces of PostgreSQL and of things that trip hand-written lexers.
    const PIECES: &[&str] = &[
        "CREATE",
        "TABLE",
        "INDEX",
        "CONCURRENTLY",
        "FUNCTION",
        "MATERIALIZED",
        "VIEW",
        "AS",
        "ALTER",
        "ADD",
        "COLUMN",
        "DEFAULT",
        "TYPE",
        "ENUM",
        "VALUE",
        "BEGIN",
        "ATOMIC",
        "END",
        "RETURN",
        "INSERT",
        "COMMIT",
        "DO",
        "SELECT",
        "set_config",
        "t",
        "a",
        "int",
        "f()",
        "(",
        ")",
        ",",
        ";",
        ".",
        "'",
        "''",
        "\"",
        "E'\\'",
        "$$",
        "$x$",
        "/*",
        "*/",
        "--",
        "\n",
        " ",
        "é",
        "\u{a0}",
        "\u{feff}",
        "“",
        "”",
        "\u{2028}",
        "1",
        "-",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_is_parsed_or_refused(sql in "\\PC{0,300}") {
            let _ = contain(&sql.replace('\0', ""));
        }

        #[test]
        fn sql_like_text_is_parsed_or_refused_and_located(pieces in proptest::collection::vec(0..PIECES.len(), 0..80)) {
            let sql: String = pieces.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
            if let Ok(script) = contain(&sql) {
                for statement in &script.statements {
                    let start = statement.statement.start;
                    prop_assert_eq!(&sql[start..start + statement.statement.text.len()], statement.statement.text);
                }
            }
        }
    }
}

fn migration_refusals(sql: &str) -> Vec<(usize, RefusalReason)> {
    match contain_for(Purpose::Migration, sql) {
        Err(EngineError::RefusedSql { refusals }) => refusals.iter().map(|r| (r.index, r.reason)).collect(),
        Err(other) => panic!("{sql:?}: {other}"),
        Ok(_) => Vec::new(),
    }
}

#[test]
fn migration_files_may_change_data_but_nothing_else_beyond_definitions() {
    let backfill = "ALTER TABLE t ADD COLUMN b int;\n\
                    UPDATE t SET b = a;\n\
                    INSERT INTO t (a) VALUES (1);\n\
                    DELETE FROM t WHERE a < 0;\n\
                    MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE;\n\
                    TRUNCATE t;";
    assert_eq!(migration_refusals(backfill), vec![]);
    assert_eq!(refusals(backfill).len(), 5, "desired SQL still refuses them");
    use RefusalReason::*;
    let refused = "BEGIN;\nCOMMIT;\nCREATE ROLE r;\nCOPY t FROM STDIN;\nSET ROLE postgres;\nDO $$BEGIN END$$;\nVACUUM;\nSELECT 1;";
    assert_eq!(
        migration_refusals(refused),
        vec![
            (1, TransactionControl),
            (2, TransactionControl),
            (3, ServerLevel),
            (4, DataChange),
            (5, SessionChange),
            (6, ExecutesCode),
            (7, Maintenance),
            (8, Query),
        ]
    );
}

#[test]
fn statements_that_cannot_run_in_a_transaction_are_marked() {
    let sql = "CREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;\nCREATE TYPE m AS ENUM ('a');\n\
               ALTER TYPE m ADD VALUE 'b';\nALTER TYPE m RENAME VALUE 'a' TO 'c';\nCREATE INDEX k ON t (a);";
    let contained = contain_for(Purpose::Migration, sql).unwrap();
    let outside: Vec<bool> = contained.statements.iter().map(|s| !s.in_transaction).collect();
    assert_eq!(outside, vec![true, true, false, true, false, false]);
}
