//! The MySQL/MariaDB engine folder end to end against the real server
//! (MariaDB 10.11 here): inspect, normalize, diff, render, apply, converge.
//! The folder's functions are driven directly, so each step can be checked
//! (the engine's `plan`/`apply` go through them via the driver). Every test works in its own
//! throwaway database, dropped when the test ends (also when it fails).

mod common;

use common::mariadb_db::{temporary_databases, MariaDb};
use tfalchemy::engine::mysql::{self, RenderOptions};
use tfalchemy::engine::{
    diff, schema_hash, Change, DatabaseUrl, EngineError, HazardKind, Options, Schema, Statement, TableChange, TableDiff,
};

const RENDER: RenderOptions = RenderOptions {
    explicit_algorithm: false,
};

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn url(db: &MariaDb) -> DatabaseUrl {
    DatabaseUrl::parse(&db.url()).expect("url")
}

fn inspect(db: &MariaDb) -> Schema {
    run(mysql::inspect(&url(db))).unwrap_or_else(|e| panic!("inspect: {e}"))
}

fn normalize(db: &MariaDb, sql: &str) -> Schema {
    run(mysql::normalize(Some(&url(db)), None, sql)).unwrap_or_else(|e| panic!("normalize: {e}"))
}

/// The statements that take `db` to `desired`.
fn plan(db: &MariaDb, desired: &Schema, options: RenderOptions) -> Vec<Statement> {
    let live = inspect(db);
    let server = run(mysql::server(&url(db))).expect("server");
    mysql::render(&diff(&live, desired), &live, desired, &server, options)
}

fn sql_of(statements: &[Statement]) -> Vec<String> {
    statements.iter().map(Statement::shown).collect()
}

/// `live` executed → plan to `desired` → apply (which re-plans, runs and
/// proves convergence) → re-inspected equals desired → a second plan is
/// empty. The plan also converges when replayed on `schema_sql(live)` in a
/// scratch database. Returns the plan.
#[track_caller]
fn converge(live: &str, desired: &str) -> Vec<Statement> {
    converge_in(None, live, desired)
}

/// [`converge`] in databases whose default collation is `collation` (the
/// server's when `None`): what tables and columns inherit.
#[track_caller]
fn converge_in(collation: Option<&str>, live: &str, desired: &str) -> Vec<Statement> {
    let new_database = || {
        let db = MariaDb::new();
        if let Some(collation) = collation {
            db.execute(&format!("ALTER DATABASE `{}` COLLATE {collation}", db.name()));
        }
        db
    };
    let db = new_database();
    db.execute(live);
    let target = url(&db);
    let wanted = normalize(&db, desired);
    let statements = plan(&db, &wanted, RENDER);
    // What replay verification does: the plan on a copy made by schema_sql.
    let copy = new_database();
    for sql in mysql::schema_sql(&inspect(&db)) {
        copy.execute(&sql);
    }
    assert_eq!(
        diff(&inspect(&copy), &inspect(&db)),
        Vec::new(),
        "schema_sql is not faithful"
    );
    for statement in &statements {
        copy.execute(&statement.sql);
    }
    assert_eq!(
        diff(&inspect(&copy), &wanted),
        Vec::new(),
        "the plan did not converge on the copy:\n{}",
        sql_of(&statements).join(";\n")
    );
    let outcome = run(mysql::apply_with(
        &target,
        None,
        desired,
        &sql_of(&statements),
        &Options::default(),
    ))
    .unwrap_or_else(|e| panic!("apply: {e}\nplan:\n{}", sql_of(&statements).join(";\n")));
    let after = inspect(&db);
    assert_eq!(outcome.live_hash, schema_hash(&after));
    assert_eq!(diff(&after, &wanted), Vec::new());
    assert_eq!(schema_hash(&after), schema_hash(&wanted));
    let again = plan(&db, &wanted, RENDER);
    assert!(again.is_empty(), "second plan not empty: {:?}", sql_of(&again));
    statements
}

/// Whether some statement of `statements` has a hazard of `kind`.
fn has_hazard(statements: &[Statement], kind: HazardKind) -> bool {
    statements.iter().flat_map(|s| &s.hazards).any(|h| h.kind == kind)
}

/// SQLAlchemy's MySQL DDL for a small shop (as `CreateTable` compiles it).
const SHOP: &str = "
CREATE TABLE customers (
	id INTEGER NOT NULL AUTO_INCREMENT,
	email VARCHAR(255) NOT NULL,
	name VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci,
	active BOOL NOT NULL DEFAULT '1',
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
	prefs JSON,
	PRIMARY KEY (id),
	UNIQUE (email)
);
CREATE TABLE orders (
	id INTEGER(11) NOT NULL AUTO_INCREMENT,
	customer_id INTEGER NOT NULL,
	status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
	total NUMERIC(10, 2) NOT NULL,
	note TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE,
	CHECK (total >= 0)
);
CREATE INDEX ix_orders_status ON orders (status);
";

#[test]
fn sqlalchemy_ddl_inspects_as_it_normalizes() {
    let db = MariaDb::new();
    db.execute(SHOP);
    let live = inspect(&db);
    let desired = normalize(&db, SHOP);
    assert_eq!(diff(&live, &desired), Vec::new());
    assert_eq!(schema_hash(&live), schema_hash(&desired));
    let customers = &live.tables["customers"];
    let column = |name: &str| customers.column(name).expect(name).clone();
    // BOOLEAN is tinyint(1); display widths are gone; JSON is understood.
    assert_eq!(column("active").data_type, "tinyint(1)");
    assert_eq!(column("id").data_type, "int");
    assert_eq!(column("prefs").data_type, "json");
    assert!(customers.checks.is_empty(), "{:?}", customers.checks);
    // A collation spelled out equal to the table's is inherited.
    assert_eq!(column("name").collation, None);
    assert_eq!(
        customers.column_attributes("updated_at").on_update.as_deref(),
        Some("current_timestamp()")
    );
    assert_eq!(column("created_at").default.as_deref(), Some("current_timestamp()"));
    assert!(customers.column_attributes("id").auto_increment);
    // The foreign key's implicit index is there on both sides.
    let orders = &live.tables["orders"];
    assert!(
        orders.indexes.contains_key("customer_id"),
        "{:?}",
        orders.indexes.keys()
    );
    assert_eq!(orders.foreign_keys.len(), 1);
}

#[test]
fn display_widths_and_spelled_out_defaults_make_no_plan() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE t (a INT(11) NOT NULL, b TINYINT(4), c VARCHAR(5) DEFAULT NULL, d BOOLEAN) DEFAULT CHARSET=utf8mb4");
    let desired = normalize(
        &db,
        "CREATE TABLE t (a int NOT NULL, b tinyint NULL, c varchar(5) NULL, d tinyint(1)) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
    );
    assert_eq!(plan(&db, &desired, RENDER), Vec::new());
}

#[test]
fn a_new_schema_converges_from_nothing() {
    let statements = converge("", SHOP);
    assert!(
        statements[0].sql.starts_with("CREATE TABLE `customers`"),
        "{}",
        statements[0].sql
    );
}

#[test]
fn everything_dropped_converges_with_hazards() {
    let statements = converge(SHOP, "");
    assert!(has_hazard(&statements, HazardKind::DropsTable));
    // orders references customers: it goes first.
    let order: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(order, vec!["DROP TABLE `orders`", "DROP TABLE `customers`"]);
}

#[test]
fn columns_are_added_in_place_changed_and_dropped_in_one_alter() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a varchar(10), b int NOT NULL DEFAULT 1, gone text)",
        "CREATE TABLE t (id int PRIMARY KEY, new_first int, a varchar(20) NOT NULL DEFAULT 'x', b bigint unsigned NOT NULL DEFAULT 2)",
    );
    assert_eq!(statements.len(), 1, "{:?}", sql_of(&statements));
    let sql = &statements[0].sql;
    assert!(sql.contains("ADD COLUMN `new_first` int NULL AFTER `id`"), "{sql}");
    assert!(sql.contains("DROP COLUMN `gone`"), "{sql}");
    assert!(has_hazard(&statements, HazardKind::DropsColumn));
    assert!(has_hazard(&statements, HazardKind::MayFailOnExistingRows));
    // Changing a type copies the table.
    assert!(has_hazard(&statements, HazardKind::RewritesTable));
}

#[test]
fn narrowing_and_enum_changes_are_hazards() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, code varchar(20), s enum('a','b','c'), f set('x','y'))",
        "CREATE TABLE t (id int PRIMARY KEY, code varchar(10), s enum('a','b'), f set('x','y','z'))",
    );
    assert!(has_hazard(&statements, HazardKind::NarrowsType));
    assert!(has_hazard(&statements, HazardKind::DropsEnumValue));
    // One ALTER TABLE holds both: each hazard names its own column.
    let mut columns: Vec<(HazardKind, Option<&str>)> = statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter(|h| matches!(h.kind, HazardKind::NarrowsType | HazardKind::DropsEnumValue))
        .map(|h| (h.kind, h.column.as_deref()))
        .collect();
    columns.sort();
    assert_eq!(
        columns,
        [
            (HazardKind::DropsEnumValue, Some("s")),
            (HazardKind::NarrowsType, Some("code"))
        ]
    );
}

/// Hazards name tables and columns as SQL does (`` `t`.`c` ``), as the
/// PostgreSQL engine quotes its names, so a name with a space or a capital
/// reads unambiguously.
#[test]
fn hazards_quote_the_names_they_mention() {
    let statements = converge(
        "CREATE TABLE `Old T` (id int PRIMARY KEY, `Gone Col` int, s enum('a','b'), n int); \
         CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE q (id int PRIMARY KEY)",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE `Old T` (id int PRIMARY KEY, s enum('a'), n int NOT NULL, \
         p_id int, UNIQUE KEY `Ux` (n), CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES p (id))",
    );
    let messages: Vec<String> = statements
        .iter()
        .flat_map(|s| &s.hazards)
        .map(|h| h.message())
        .collect();
    for expected in [
        "table `q` and its rows are deleted",
        "foreign key (`p_id`) of `Old T` may fail on rows without a parent in `p`",
        "column `Old T`.`Gone Col` and its values are deleted",
        "column `Old T`.`s` loses the values 'b'",
        "column `Old T`.`n` becomes NOT NULL",
        "unique index `Ux` on `Old T` may fail on duplicate rows",
        "ALTER TABLE `Old T` copies every row",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected}\n{messages:#?}"
        );
    }
}

#[test]
fn adding_enum_values_at_the_end_is_instant() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, s enum('a','b'))",
        "CREATE TABLE t (id int PRIMARY KEY, s enum('a','b','c'))",
    );
    assert!(!has_hazard(&statements, HazardKind::RewritesTable), "{:?}", statements);
}

#[test]
fn column_attributes_converge() {
    converge(
        "CREATE TABLE t (id int NOT NULL, price decimal(8,2), qty int, seen datetime, secret int, c varchar(3) COMMENT 'old')",
        "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, price decimal(8,2), qty int, \
         total decimal(12,2) AS (price * qty) VIRTUAL, stored_total decimal(12,2) AS (price * qty) STORED, \
         seen datetime(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), secret int INVISIBLE, \
         c varchar(3) COMMENT 'it''s new', z int(5) unsigned zerofill)",
    );
}

#[test]
fn indexes_of_every_kind_converge() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a varchar(200), b int, body text, g point NOT NULL, \
         INDEX ix_a (a), UNIQUE INDEX ux_b (b), INDEX ix_gone (b)) ENGINE=InnoDB",
        "CREATE TABLE t (id int PRIMARY KEY, a varchar(200), b int, body text, g point NOT NULL, \
         INDEX ix_a (a(20)), UNIQUE INDEX ux_b (b, a), INDEX ix_desc (b DESC, id), FULLTEXT INDEX ft_body (body), \
         SPATIAL INDEX sp_g (g), INDEX ix_ignored (id) IGNORED) ENGINE=InnoDB",
    );
    assert_eq!(statements.len(), 1, "{:?}", sql_of(&statements));
}

#[test]
fn an_index_made_ignored_is_altered_not_rebuilt() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a int, INDEX ix_a (a))",
        "CREATE TABLE t (id int PRIMARY KEY, a int, INDEX ix_a (a) IGNORED)",
    );
    assert_eq!(
        sql_of(&statements),
        vec!["ALTER TABLE `t`\n  ALTER INDEX `ix_a` IGNORED"]
    );
}

#[test]
fn foreign_keys_and_their_implicit_indexes_converge() {
    let parent = "CREATE TABLE p (id int PRIMARY KEY, code int, UNIQUE KEY (code));";
    converge(
        &format!("{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, code int)"),
        &format!(
            "{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, code int, \
             CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL, \
             CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES p (code) ON UPDATE CASCADE)"
        ),
    );
    converge(
        &format!("{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id))"),
        &format!("{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE)"),
    );
    converge(
        &format!("{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id))"),
        &format!("{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int)"),
    );
}

#[test]
fn new_tables_referencing_each_other_and_a_changed_table_converge() {
    converge(
        "CREATE TABLE a (id int PRIMARY KEY)",
        "CREATE TABLE a (id int PRIMARY KEY, b_id int, KEY (b_id));
         CREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));
         CREATE TABLE c (id int PRIMARY KEY, b_id int, FOREIGN KEY (b_id) REFERENCES b (id));
         ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id);",
    );
}

#[test]
fn checks_and_primary_keys_converge() {
    converge(
        "CREATE TABLE t (a int NOT NULL, b int NOT NULL, CONSTRAINT positive CHECK (a > 0), PRIMARY KEY (a))",
        "CREATE TABLE t (a int NOT NULL, b int NOT NULL, CONSTRAINT ordered CHECK (b >= a), PRIMARY KEY (a, b))",
    );
}

#[test]
fn table_options_and_a_changed_collation_converge() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a varchar(10), b varchar(10) COLLATE utf8mb4_bin, n int) \
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        "CREATE TABLE t (id int PRIMARY KEY, a varchar(10), b varchar(10) COLLATE utf8mb4_bin, n int) \
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPACT COMMENT='the t'",
    );
    let sql = &statements[0].sql;
    // The inheriting column follows the table; the explicit one stays.
    assert!(
        sql.contains("MODIFY COLUMN `a` varchar(10) COLLATE utf8mb4_unicode_ci"),
        "{sql}"
    );
    assert!(!sql.contains("MODIFY COLUMN `b`"), "{sql}");
    converge(
        "CREATE TABLE t (id int PRIMARY KEY) ENGINE=InnoDB",
        "CREATE TABLE t (id int PRIMARY KEY) ENGINE=Aria",
    );
}

#[test]
fn quoted_mixed_case_and_reserved_names_converge() {
    converge(
        "CREATE TABLE `Order` (`select` int PRIMARY KEY, `Group Name` varchar(10))",
        "CREATE TABLE `Order` (`select` int PRIMARY KEY, `Group Name` varchar(20), `from` int, \
         INDEX `Where Index` (`from`), CONSTRAINT `check` CHECK (`from` > 0));
         CREATE TABLE `user` (`key` int PRIMARY KEY, `order` int, FOREIGN KEY (`order`) REFERENCES `Order` (`select`));",
    );
}

#[test]
fn views_triggers_and_routines_converge() {
    let base = "CREATE TABLE t (id int PRIMARY KEY, n int, updated int);";
    converge(
        base,
        &format!(
            "{base}
             CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS SELECT id, n FROM t WHERE n > 0 WITH CASCADED CHECK OPTION;
             CREATE VIEW `V Two` AS SELECT id FROM v;
             CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW BEGIN SET NEW.updated = 1; SET NEW.n = NEW.n + 0; END;
             CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;
             CREATE PROCEDURE reset_n(IN to_value int) MODIFIES SQL DATA BEGIN UPDATE t SET n = to_value; END;"
        ),
    );
    converge(
        &format!(
            "{base} CREATE VIEW v AS SELECT id FROM t; CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;"
        ),
        &format!("{base} CREATE VIEW v AS SELECT id, n FROM t; CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x + x;"),
    );
    let statements = converge(
        &format!("{base} CREATE VIEW v AS SELECT id FROM t; CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1;"),
        base,
    );
    assert!(has_hazard(&statements, HazardKind::DropsObject));
}

/// Triggers of one table, timing and event fire in their declared order:
/// a plan converges to it, appending when it can, creating again when an
/// existing trigger must move.
#[test]
fn triggers_fire_in_the_desired_order() {
    let table = "CREATE TABLE t (id int PRIMARY KEY, n int);";
    let trigger = |name: &str, place: &str| {
        format!("CREATE TRIGGER {name} BEFORE INSERT ON t FOR EACH ROW {place}BEGIN SET NEW.n = NEW.n + 1; END;")
    };
    let (a, b, x) = (trigger("a", ""), trigger("b", ""), trigger("x", ""));
    // Appended after the existing one: nothing else moves.
    let statements = converge(&format!("{table} {a}"), &format!("{table} {a} {b}"));
    assert_eq!(statements.len(), 1, "{:?}", sql_of(&statements));
    assert!(
        statements[0]
            .sql
            .starts_with("CREATE TRIGGER `b` BEFORE INSERT ON `t` FOR EACH ROW FOLLOWS `a` "),
        "{}",
        statements[0].sql
    );
    // Swapped: both are created again, the first plainly, the second after it.
    let statements = converge(&format!("{table} {a} {b}"), &format!("{table} {b} {a}"));
    let sql = sql_of(&statements);
    assert_eq!(sql.len(), 4, "{sql:?}");
    assert!(
        sql[2].starts_with("CREATE TRIGGER `b` BEFORE INSERT ON `t` FOR EACH ROW BEGIN"),
        "{sql:?}"
    );
    assert!(sql[3].contains("FOR EACH ROW FOLLOWS `b` BEGIN"), "{sql:?}");
    assert!(!has_hazard(&statements, HazardKind::DropsObject), "recreated, not lost");
    // A new first trigger moves the existing ones behind it.
    converge(&format!("{table} {a} {b}"), &format!("{table} {x} {a} {b}"));
    // The order written with PRECEDES in desired SQL, and a trigger of
    // another event that is left alone.
    let after = "CREATE TRIGGER other AFTER INSERT ON t FOR EACH ROW BEGIN SET @seen = 1; END;";
    let statements = converge(
        &format!("{table} {a} {b} {after}"),
        &format!("{table} {a} {after} {}", trigger("b", "PRECEDES a ")),
    );
    assert!(
        !sql_of(&statements).join(";").contains("`other`"),
        "{:?}",
        sql_of(&statements)
    );
}

/// MariaDB sequences are created, altered in place (keeping their
/// position) and dropped with a hazard.
#[test]
fn sequences_converge() {
    let table = "CREATE TABLE t (id bigint PRIMARY KEY);";
    let statements = converge(
        table,
        &format!("{table} CREATE SEQUENCE s1; CREATE SEQUENCE `Order Seq` START WITH 100 INCREMENT BY 5 MAXVALUE 100000 CACHE 10 CYCLE;"),
    );
    assert!(
        statements.iter().any(|s| s.sql
            == "CREATE SEQUENCE `Order Seq` START WITH 100 INCREMENT BY 5 MINVALUE 1 MAXVALUE 100000 CACHE 10 CYCLE"),
        "{:?}",
        sql_of(&statements)
    );
    let db = MariaDb::new();
    db.execute("CREATE SEQUENCE s START WITH 10; SELECT NEXTVAL(s); SELECT NEXTVAL(s);");
    let desired = normalize(
        &db,
        "CREATE SEQUENCE s START WITH 10 INCREMENT BY 2 MAXVALUE 5000 NOCACHE",
    );
    let statements = plan(&db, &desired, RENDER);
    assert_eq!(
        sql_of(&statements),
        vec!["ALTER SEQUENCE `s` START WITH 10 INCREMENT BY 2 MINVALUE 1 MAXVALUE 5000 CACHE 0 NOCYCLE"]
    );
    for statement in &statements {
        db.execute(&statement.sql);
    }
    assert_eq!(plan(&db, &desired, RENDER), Vec::new());
    // Not restarted at START: it goes on (past the values it had cached).
    let next: i64 = db.strings("SELECT CAST(NEXTVAL(s) AS CHAR)")[0]
        .parse()
        .expect("number");
    assert!(next >= 12, "restarted at {next}");
    let statements = converge(
        &format!("{table} CREATE SEQUENCE s1; CREATE SEQUENCE s2;"),
        &format!("{table} CREATE SEQUENCE s2;"),
    );
    assert_eq!(sql_of(&statements), vec!["DROP SEQUENCE `s1`"]);
    assert_eq!(
        details(&statements, HazardKind::DropsObject),
        vec!["sequence `s1` is dropped, and where it was counting with it".to_string()]
    );
}

/// The renderer given rename changes directly, so the statements it writes
/// for them are checked alone; `engine::plan` makes such changes from
/// `-- renamed_from:` annotations (read by mysql/annotations.rs), which
/// `a_column_renamed_by_annotation_keeps_its_values` drives end to end.
#[test]
fn renames_render_as_renames() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE old_t (id int PRIMARY KEY, old_c int, INDEX ix_c (old_c))");
    let desired = normalize(
        &db,
        "CREATE TABLE new_t (id int PRIMARY KEY, new_c int, INDEX ix_c (new_c))",
    );
    let live = inspect(&db);
    let old = live.tables["old_t"].clone();
    let mut renamed = old.clone();
    renamed.name = "new_t".into();
    renamed.columns[1].name = "new_c".into();
    renamed.indexes = desired.tables["new_t"].indexes.clone();
    let changes = vec![
        Change::RenameTable {
            from: "old_t".into(),
            to: "new_t".into(),
            table: old,
            name: "new_t".into(),
        },
        Change::AlterTable(Box::new(TableDiff {
            from: renamed,
            to: desired.tables["new_t"].clone(),
            changes: vec![TableChange::RenameColumn {
                from: "old_c".into(),
                to: "new_c".into(),
            }],
        })),
    ];
    let server = run(mysql::server(&url(&db))).expect("server");
    let statements = mysql::render(&changes, &live, &desired, &server, RENDER);
    assert_eq!(
        sql_of(&statements),
        vec![
            "RENAME TABLE `old_t` TO `new_t`".to_string(),
            "ALTER TABLE `new_t`\n  RENAME COLUMN `old_c` TO `new_c`".to_string()
        ]
    );
    assert!(has_hazard(&statements, HazardKind::RenamesTable) && has_hazard(&statements, HazardKind::RenamesColumn));
    for statement in &statements {
        db.execute(&statement.sql);
    }
    assert_eq!(diff(&inspect(&db), &desired), Vec::new());
}

/// The details of the hazards of `kind` in `statements`.
fn details(statements: &[Statement], kind: HazardKind) -> Vec<String> {
    statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter(|h| h.kind == kind)
        .map(|h| h.message())
        .collect()
}

#[test]
fn an_index_or_unique_key_under_a_new_name_is_renamed_not_rebuilt() {
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20), INDEX ix_old (a, b(5)), UNIQUE KEY ux_old (b))",
        "CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20), INDEX ix_new (a, b(5)), UNIQUE KEY ux_new (b))",
    );
    assert_eq!(
        sql_of(&statements),
        vec!["ALTER TABLE `t`\n  RENAME INDEX `ix_old` TO `ix_new`,\n  RENAME INDEX `ux_old` TO `ux_new`"]
    );
    assert!(statements[0].hazards.is_empty(), "{:?}", statements[0].hazards);
    // A different definition under a new name is still dropped and built.
    let statements = converge(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, INDEX ix_old (a))",
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, INDEX ix_new (b))",
    );
    let sql = &statements[0].sql;
    assert!(
        sql.contains("DROP INDEX `ix_old`") && sql.contains("ADD INDEX `ix_new` (`b`)"),
        "{sql}"
    );
}

/// A declared table rename changes the name a naming convention gives its
/// index (`ix_users_email` → `ix_members_email`): the index is renamed with
/// the table, through the engine's own plan and apply.
#[test]
fn an_index_named_after_a_renamed_table_is_renamed_with_it() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE users (id int PRIMARY KEY, email varchar(100), UNIQUE KEY uq_users_email (email))");
    let desired_sql = "-- renamed_from: users\n\
                       CREATE TABLE members (id int PRIMARY KEY, email varchar(100), UNIQUE KEY uq_members_email (email));";
    let plan = run(tfalchemy::engine::plan(&url(&db), None, desired_sql)).expect("plan");
    let planned = sql_of(&plan.statements);
    assert_eq!(
        planned,
        vec![
            "RENAME TABLE `users` TO `members`".to_string(),
            "ALTER TABLE `members`\n  RENAME INDEX `uq_users_email` TO `uq_members_email`".to_string(),
        ]
    );
    run(tfalchemy::engine::apply(&url(&db), None, desired_sql, &planned)).expect("apply");
    let again = run(tfalchemy::engine::plan(&url(&db), None, desired_sql)).expect("plan");
    assert!(again.statements.is_empty(), "{:?}", sql_of(&again.statements));
}

/// Neither server renames a foreign key or a check: they are dropped and
/// added, and the plan says why. The foreign key's implicit index, named
/// after it, is renamed.
#[test]
fn foreign_keys_and_checks_under_a_new_name_are_dropped_and_added_and_the_plan_says_why() {
    let parent = "CREATE TABLE p (id int PRIMARY KEY);";
    let statements = converge(
        &format!(
            "{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, \
             CONSTRAINT fk_old FOREIGN KEY (p_id) REFERENCES p (id), CONSTRAINT ck_old CHECK (id > 0))"
        ),
        &format!(
            "{parent} CREATE TABLE c (id int PRIMARY KEY, p_id int, \
             CONSTRAINT fk_new FOREIGN KEY (p_id) REFERENCES p (id), CONSTRAINT ck_new CHECK (id > 0))"
        ),
    );
    let sql = sql_of(&statements).join(";\n");
    assert!(
        sql.contains("DROP FOREIGN KEY `fk_old`")
            && sql.contains("RENAME INDEX `fk_old` TO `fk_new`")
            && sql.contains("ADD CONSTRAINT `fk_new` FOREIGN KEY")
            && sql.contains("DROP CONSTRAINT `ck_old`")
            && sql.contains("ADD CONSTRAINT `ck_new` CHECK"),
        "{sql}"
    );
    let why = details(&statements, HazardKind::RewritesTable);
    for expected in [
        "foreign key `fk_old` of `c` is renamed to `fk_new`: MySQL and MariaDB cannot rename a foreign key, so it is dropped and added again under the new name",
        "check `ck_old` of `c` is renamed to `ck_new`: MySQL and MariaDB cannot rename a check",
    ] {
        assert!(why.iter().any(|d| d.contains(expected)), "{expected}\n{why:#?}");
    }
}

#[test]
fn inspection_takes_the_same_number_of_queries_for_any_number_of_tables() {
    let count = |tables: usize| {
        let db = MariaDb::new();
        let ddl: Vec<String> = (0..tables)
            .map(|i| {
                format!(
                    "CREATE TABLE t{i} (id int PRIMARY KEY, v varchar(10), INDEX ix (v), CHECK (id > 0)); \
                     CREATE SEQUENCE s{i}"
                )
            })
            .collect();
        db.execute(&ddl.join(";"));
        let (schema, stats) = run(mysql::inspect_with_stats(&url(&db))).expect("inspect");
        assert_eq!((schema.tables.len(), schema.sequences.len()), (tables, tables));
        stats.queries
    };
    assert_eq!(count(2), count(40));
}

#[test]
fn non_definitions_are_refused_before_anything_runs() {
    let db = MariaDb::new();
    let before = temporary_databases().len();
    let error = run(mysql::normalize(
        Some(&url(&db)),
        None,
        "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nDROP DATABASE mysql;",
    ))
    .expect_err("refused");
    let EngineError::RefusedSql { refusals } = &error else {
        panic!("{error}");
    };
    assert_eq!(refusals.len(), 2, "{error}");
    // Nothing ran: no temporary database was even made.
    assert!(temporary_databases().len() <= before);
}

#[test]
fn the_temporary_database_is_dropped_when_desired_sql_fails() {
    let db = MariaDb::new();
    let error = run(mysql::normalize(
        Some(&url(&db)),
        None,
        "CREATE TABLE t (id int);\nCREATE TABLE u (id int REFERENCES nowhere (id), FOREIGN KEY (id) REFERENCES nowhere (id));",
    ))
    .expect_err("fails");
    let message = error.to_string();
    assert!(
        matches!(error, EngineError::DesiredSql { index: 2, line: 2, .. }),
        "{message}"
    );
    let name = message
        .split("temporary database ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no temporary database named in: {message}"));
    assert!(
        !temporary_databases().iter().any(|d| d == name),
        "{name} is left behind"
    );
}

#[test]
fn probes_count_the_rows_a_plan_would_trip_over() {
    let db = MariaDb::new();
    db.execute(
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a int, p_id int, \
         s varchar(20), n int, d decimal(8,2), e enum('x','y','z'), f set('a','b','c'));
         INSERT INTO p VALUES (1); INSERT INTO t VALUES (1, NULL, 1, 'abcdefgh', 1000, 12345.67, 'z', 'a,c'), \
         (2, 5, 2, 'ab', 5, 1.25, 'y', 'b'), (3, 5, NULL, 'abcdefghij', -200, 2.5, 'z', 'c');",
    );
    let desired = normalize(
        &db,
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, p_id int, \
         s varchar(5), n tinyint, d decimal(4,1), e enum('x','y'), f set('a','b'), \
         UNIQUE KEY ux_a (a), FOREIGN KEY (p_id) REFERENCES p (id));",
    );
    let mut statements = plan(&db, &desired, RENDER);
    let queries = tfalchemy::engine::probe::queries(&statements);
    let (answers, activities) = run(mysql::probe(&url(&db), &queries, &["`t`".to_string()])).expect("probe");
    let t = activities["`t`"].as_ref().expect("activity of t");
    assert_eq!(t.other_sessions, 0);
    assert!(t.bytes > 0, "{t:?}");
    tfalchemy::engine::probe::record(&mut statements, &answers);
    let mut found: Vec<(String, HazardKind, i64)> = statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter_map(|h| Some((h.column.clone()?, h.kind, h.found?)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let expected = [
        // One NULL, one duplicated value.
        ("a", HazardKind::MayFailOnExistingRows, 1),
        ("a", HazardKind::MayFailOnExistingRows, 1),
        // 12345.67 is too large for decimal(4,1); 1.25 and 12345.67 are rounded.
        ("d", HazardKind::NarrowsType, 2),
        // Two rows hold the removed 'z', two SETs hold the removed 'c'.
        ("e", HazardKind::DropsEnumValue, 2),
        ("f", HazardKind::DropsEnumValue, 2),
        // 1000 and -200 are outside tinyint.
        ("n", HazardKind::NarrowsType, 2),
        // One orphan.
        ("p_id", HazardKind::MayFailOnExistingRows, 1),
        // Two strings are longer than 5 characters.
        ("s", HazardKind::NarrowsType, 2),
    ];
    let expected: Vec<(String, HazardKind, i64)> = expected.iter().map(|(c, k, n)| (c.to_string(), *k, *n)).collect();
    assert_eq!(found, expected, "{statements:#?}");
    let findings: Vec<&str> = statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter_map(|h| h.finding.as_deref())
        .collect();
    assert!(
        findings.contains(&"column `t`.`s` has 2 values longer than 5 characters: the change fails on them, or cuts them where the SQL mode is not strict"),
        "{findings:#?}"
    );
}

/// A statement the server runs by copying the table says how many rows it
/// copies, and what its lock stops in MySQL's terms (a copy during which
/// writes wait), not PostgreSQL's.
#[test]
fn a_copying_alter_counts_the_rows_it_copies() {
    use tfalchemy::engine::activity::{self, Activities, TableActivity};
    let db = MariaDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY, a int); INSERT INTO t VALUES (1, 1), (2, 2), (3, 3);");
    let desired = normalize(&db, "CREATE TABLE t (id int PRIMARY KEY, a bigint)");
    let mut statements = plan(&db, &desired, RENDER);
    let queries = tfalchemy::engine::probe::queries(&statements);
    let locked = activity::locked_tables(&statements);
    assert_eq!(locked, ["`t`"]);
    let (answers, _) = run(mysql::probe(&url(&db), &queries, &locked)).expect("probe");
    tfalchemy::engine::probe::record(&mut statements, &answers);
    let hazard = |statements: &[Statement], kind: HazardKind| {
        statements
            .iter()
            .flat_map(|s| &s.hazards)
            .find(|h| h.kind == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind:?} in {statements:#?}"))
    };
    let copy = hazard(&statements, HazardKind::RewritesTable);
    assert_eq!(copy.found, Some(3));
    assert_eq!(
        copy.finding.as_deref(),
        Some("`t` has 3 rows: each is copied while writes to the table wait")
    );
    assert!(
        copy.detail.contains("(ALGORITHM=COPY): writes wait until it is done"),
        "{}",
        copy.detail
    );
    // Another session using the table makes it busy: the lock's own words.
    let busy: Activities = [(
        "`t`".to_string(),
        Ok(TableActivity {
            estimated_rows: Some(3),
            bytes: 16_384,
            other_sessions: 1,
        }),
    )]
    .into_iter()
    .collect();
    activity::record(&mut statements, &busy);
    let lock = hazard(&statements, HazardKind::LocksTable);
    assert_eq!(
        lock.detail,
        "copies `t` row by row (ALGORITHM=COPY): other sessions can read it, but every write waits until the copy is done"
    );
}

#[test]
fn explicit_algorithms_make_the_server_refuse_a_silent_copy() {
    let options = RenderOptions {
        explicit_algorithm: true,
    };
    let db = MariaDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY, a int)");
    let desired = normalize(&db, "CREATE TABLE t (id int PRIMARY KEY, a int, b int)");
    let statements = plan(&db, &desired, options);
    assert_eq!(
        sql_of(&statements),
        vec!["ALTER TABLE `t`\n  ADD COLUMN `b` int NULL AFTER `a`,\n  ALGORITHM=INSTANT"]
    );
    db.execute(&statements[0].sql);
    let desired = normalize(&db, "CREATE TABLE t (id int PRIMARY KEY, a bigint, b int)");
    let statements = plan(&db, &desired, options);
    assert!(
        statements[0].sql.ends_with("ALGORITHM=COPY, LOCK=SHARED"),
        "{}",
        statements[0].sql
    );
    db.execute(&statements[0].sql);
    assert_eq!(plan(&db, &desired, options), Vec::new());
}

/// The classification cannot know every reason a server copies: an Aria
/// table cannot add an index in place. With `explicit_algorithm` the
/// server's refusal stops the plan (its replay runs the statement), named and
/// explained, before anything touches the database; without it the plan is
/// the same change, unnamed.
#[test]
fn a_statement_the_server_cannot_run_as_classified_is_refused_at_plan() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY, a int) ENGINE=Aria");
    let desired_sql = "CREATE TABLE t (id int PRIMARY KEY, a int, INDEX ix_a (a)) ENGINE=Aria";
    let explicit = Options {
        explicit_algorithm: true,
        ..Options::default()
    };
    let error = run(tfalchemy::engine::plan_with(&url(&db), None, desired_sql, &explicit)).expect_err("refused");
    let message = error.to_string();
    assert!(matches!(error, EngineError::PlanReplay { .. }), "{message}");
    assert!(
        message.contains("ALGORITHM=INPLACE is not supported for this operation")
            && message.contains("`explicit_algorithm` is set")
            && message.contains("ADD INDEX `ix_a` (`a`),\n  ALGORITHM=INPLACE, LOCK=NONE"),
        "{message}"
    );
    assert!(inspect(&db).tables["t"].indexes.is_empty(), "nothing ran");
    let plain = run(tfalchemy::engine::plan_with(
        &url(&db),
        None,
        desired_sql,
        &Options::default(),
    ))
    .expect("plans");
    assert_eq!(
        plain.statements.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        vec!["ALTER TABLE `t`\n  ADD INDEX `ix_a` (`a`)"]
    );
}

#[test]
fn a_failed_apply_says_what_ran_and_the_next_plan_is_what_is_left() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 1);");
    let desired_sql = "CREATE TABLE a (id int PRIMARY KEY, n int); CREATE TABLE t (id int PRIMARY KEY, v int, UNIQUE KEY ux (v)); CREATE TABLE z (id int PRIMARY KEY);";
    let desired = normalize(&db, desired_sql);
    let statements = plan(&db, &desired, RENDER);
    let error = run(mysql::apply_with(
        &url(&db),
        None,
        desired_sql,
        &sql_of(&statements),
        &Options::default(),
    ))
    .expect_err("duplicates");
    let EngineError::PartlyApplied { progress, .. } = &error else {
        panic!("{error}");
    };
    let (applied, not_run) = (&progress.applied, &progress.not_run);
    assert!(error.to_string().contains("not transactional"), "{error}");
    assert_eq!(applied.len() + not_run.len() + 1, statements.len());
    let left = plan(&db, &desired, RENDER);
    assert_eq!(left.len(), statements.len() - applied.len(), "{:?}", sql_of(&left));
    // With the cause fixed, applying what is left converges.
    db.execute("DELETE FROM t WHERE id = 2");
    run(mysql::apply_with(
        &url(&db),
        None,
        desired_sql,
        &sql_of(&left),
        &Options::default(),
    ))
    .expect("the rest applies");
    assert_eq!(diff(&inspect(&db), &desired), Vec::new());
}

#[test]
fn an_apply_waits_for_another_and_gives_up_at_lock_timeout() {
    let db = MariaDb::new();
    let desired_sql = "CREATE TABLE t (id int PRIMARY KEY)";
    let desired = normalize(&db, desired_sql);
    let statements = sql_of(&plan(&db, &desired, RENDER));
    let other_apply = db.hold(&format!(
        "SELECT GET_LOCK(CONCAT('{}', '.', DATABASE()), 0)",
        mysql::APPLY_LOCK_NAME
    ));
    let options = Options {
        lock_timeout: Some("1s".into()),
        ..Options::default()
    };
    let error = run(mysql::apply_with(&url(&db), None, desired_sql, &statements, &options)).expect_err("locked");
    assert!(matches!(error, EngineError::LockTimedOut { .. }), "{error}");
    assert!(inspect(&db).tables.is_empty(), "nothing ran");
    drop(other_apply);
    run(mysql::apply_with(&url(&db), None, desired_sql, &statements, &options)).expect("applies");
}

/// SQLAlchemy's Unix-socket form reaches the server through the socket the
/// server reports: a table made over TCP is read back through it, and a
/// socket that does not exist fails although TCP to localhost would work.
#[test]
fn a_unix_socket_url_reaches_the_server_through_its_socket() {
    let db = MariaDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY)");
    let socket = db.strings("SELECT @@socket").remove(0);
    if !std::path::Path::new(&socket).exists() {
        eprintln!("skipped: the server's socket {socket} is not on this machine");
        return;
    }
    let server = url::Url::parse(&common::mariadb_db::server()).expect("server URL");
    let user = server.username();
    let through = |socket: &str| {
        DatabaseUrl::parse(&format!("mysql+pymysql://{user}:@/{}?unix_socket={socket}", db.name())).expect("socket URL")
    };
    let live = run(mysql::inspect(&through(&socket))).unwrap_or_else(|e| panic!("inspect through {socket}: {e}"));
    assert!(live.tables.contains_key("t"), "{live:?}");
    let missing = format!("{socket}.missing");
    let error = run(mysql::inspect(&through(&missing))).expect_err("no such socket");
    assert!(matches!(error, EngineError::Connect { .. }), "{error}");
}

/// A column renamed by a `-- renamed_from:` annotation, through the engine's
/// own plan and apply: renamed in place, its values kept; a narrowing in the
/// same plan is counted on the column under its live name.
#[test]
fn a_column_renamed_by_annotation_keeps_its_values() {
    let db = MariaDb::new();
    db.execute(
        "CREATE TABLE users (id int PRIMARY KEY, mail varchar(100)); \
         INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');",
    );
    let renamed = |email_type: &str| {
        format!("CREATE TABLE users (\n  id int PRIMARY KEY,\n  -- renamed_from: mail\n  email {email_type}\n);")
    };
    let narrowed = run(tfalchemy::engine::plan(&url(&db), None, &renamed("varchar(5)"))).expect("plan");
    // Renamed and redefined at once: one CHANGE COLUMN (the server refuses
    // a MODIFY of the new name beside the RENAME); the plan's replay ran it.
    assert_eq!(
        sql_of(&narrowed.statements),
        ["ALTER TABLE `users`\n  CHANGE COLUMN `mail` `email` varchar(5) COLLATE utf8mb4_general_ci NULL"]
    );
    let findings: Vec<&str> = narrowed
        .statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter_map(|h| h.finding.as_deref())
        .collect();
    assert!(
        findings
            .iter()
            .any(|f| f.contains("`users`.`email` has 2 values longer than 5 characters")),
        "{findings:#?}"
    );
    let desired_sql = renamed("varchar(100)");
    let plan = run(tfalchemy::engine::plan(&url(&db), None, &desired_sql)).expect("plan");
    let planned = sql_of(&plan.statements);
    assert_eq!(planned, ["ALTER TABLE `users`\n  RENAME COLUMN `mail` TO `email`"]);
    assert!(has_hazard(&plan.statements, HazardKind::RenamesColumn));
    assert!(!has_hazard(&plan.statements, HazardKind::DropsColumn));
    run(tfalchemy::engine::apply(&url(&db), None, &desired_sql, &planned)).expect("apply");
    assert_eq!(
        db.strings("SELECT email FROM users ORDER BY id"),
        ["a@example.com", "b@example.com"]
    );
    let again = run(tfalchemy::engine::plan(&url(&db), None, &desired_sql)).expect("plan");
    assert!(again.statements.is_empty(), "{:?}", sql_of(&again.statements));
}

/// A view whose definition stays and only an option changes is recreated
/// with the option (and back).
#[test]
fn a_view_whose_only_change_is_an_option_converges() {
    let table = "CREATE TABLE t (id int PRIMARY KEY, a int);";
    let plain = format!("{table} CREATE VIEW v AS SELECT id, a FROM t WHERE a > 0");
    for changed in [
        format!("{table} CREATE ALGORITHM=TEMPTABLE VIEW v AS SELECT id, a FROM t WHERE a > 0"),
        format!("{table} CREATE SQL SECURITY INVOKER VIEW v AS SELECT id, a FROM t WHERE a > 0"),
        format!("{table} CREATE VIEW v AS SELECT id, a FROM t WHERE a > 0 WITH CASCADED CHECK OPTION"),
    ] {
        assert!(!converge(&plain, &changed).is_empty(), "{changed}");
        assert!(!converge(&changed, &plain).is_empty(), "{changed}");
    }
}

#[test]
fn expression_defaults_converge() {
    converge(
        "CREATE TABLE t (id int PRIMARY KEY, a int, token varchar(36), j json)",
        "CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT (1 + 1), token varchar(36) DEFAULT (uuid()), \
         j json DEFAULT (json_array()), d date DEFAULT (curdate() + interval 1 day))",
    );
    converge(
        "CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT (1 + 1), b int DEFAULT 3)",
        "CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT (2 * 3), b int DEFAULT (3))",
    );
}

/// Types beyond the common ones, with defaults in their own notation, made
/// and changed.
#[test]
fn more_types_converge() {
    let first = "CREATE TABLE t (id int PRIMARY KEY, f float DEFAULT 1.5, d double, dp double(10,3), \
                 b bit(1) DEFAULT b'1', y year DEFAULT 2024, bin binary(4), vb varbinary(10) DEFAULT 'ab', \
                 tb tinyblob, bl blob, mb mediumblob, lb longblob, tm time, tm3 time(3), dt datetime(6), \
                 ts timestamp(2) NULL)";
    converge("", first);
    converge(
        first,
        "CREATE TABLE t (id int PRIMARY KEY, f double DEFAULT 2.5, d float, dp double(12,3), \
         b bit(8) DEFAULT b'101', y year, bin binary(8), vb varbinary(20) DEFAULT 'abc', \
         tb blob, bl mediumblob, mb longblob, lb longblob, tm time(2), tm3 time, dt datetime(3), \
         ts timestamp(6) NULL)",
    );
}

/// Where an AUTO_INCREMENT counter stands is data: rows moving it, or a
/// desired table naming a start, plan nothing.
#[test]
fn a_moved_auto_increment_counter_plans_nothing() {
    let db = MariaDb::new();
    let ddl = "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, a int)";
    db.execute(ddl);
    db.execute("INSERT INTO t (a) VALUES (1), (2), (3); ALTER TABLE t AUTO_INCREMENT = 1000;");
    assert_eq!(plan(&db, &normalize(&db, ddl), RENDER), Vec::new());
    let with_start = format!("{ddl} AUTO_INCREMENT=50");
    assert_eq!(plan(&db, &normalize(&db, &with_start), RENDER), Vec::new());
}

/// A database whose default collation is not the server's: tables and
/// columns written without one inherit the database's, on both sides, and a
/// table given the server's collation explicitly is a change.
#[test]
fn tables_inherit_a_database_collation_that_is_not_the_servers() {
    let collation = "latin1_swedish_ci";
    let statements = converge_in(
        Some(collation),
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(20))",
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), note text); \
         CREATE TABLE u (id int PRIMARY KEY, code char(3))",
    );
    let create_u = statements
        .iter()
        .find(|s| s.sql.starts_with("CREATE TABLE `u`"))
        .expect("u created");
    assert!(create_u.sql.contains(collation), "{}", create_u.sql);
    let db = MariaDb::new();
    db.execute(&format!("ALTER DATABASE `{}` COLLATE {collation}", db.name()));
    db.execute("CREATE TABLE t (id int PRIMARY KEY, name varchar(20))");
    let live = inspect(&db);
    assert_eq!(
        live.tables["t"].column("name").expect("name").collation,
        None,
        "inherited from the table"
    );
    assert_eq!(
        plan(
            &db,
            &normalize(&db, "CREATE TABLE t (id int PRIMARY KEY, name varchar(20))"),
            RENDER
        ),
        Vec::new()
    );
    let explicit = normalize(
        &db,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(20)) COLLATE utf8mb4_general_ci",
    );
    assert!(
        !plan(&db, &explicit, RENDER).is_empty(),
        "the server's collation, written out, is not the database's"
    );
}

/// `exclude` names MySQL objects as `main.<name>`, one database being one
/// schema: tables, views, routines, sequences (and the triggers of excluded
/// tables) are left alone alike, live and desired.
#[test]
fn exclude_leaves_objects_of_every_kind_alone_by_their_main_name() {
    let db = MariaDb::new();
    db.execute(
        "CREATE TABLE keep_t (id int PRIMARY KEY); CREATE TABLE legacy_t (id int PRIMARY KEY); \
         CREATE VIEW legacy_v AS SELECT id FROM keep_t; \
         CREATE PROCEDURE legacy_p() BEGIN SELECT 1; END; \
         CREATE FUNCTION legacy_f() RETURNS int DETERMINISTIC RETURN 1; \
         CREATE TRIGGER legacy_trg BEFORE INSERT ON legacy_t FOR EACH ROW SET NEW.id = NEW.id; \
         CREATE SEQUENCE legacy_s;",
    );
    let desired_sql =
        "CREATE TABLE keep_t (id int PRIMARY KEY, added int); CREATE TABLE legacy_new (id int PRIMARY KEY);";
    let everything = run(tfalchemy::engine::plan(&url(&db), None, desired_sql)).expect("plan");
    let dropped: Vec<&str> = everything
        .statements
        .iter()
        .map(|s| s.sql.as_str())
        .filter(|sql| sql.starts_with("DROP "))
        .collect();
    assert_eq!(
        dropped.len(),
        6,
        "without exclude every legacy object goes: {dropped:#?}"
    );
    let options = Options {
        scope: tfalchemy::engine::Scope::new(None, &["main.legacy_*".to_string()]).expect("scope"),
        ..Options::default()
    };
    let plan = run(tfalchemy::engine::plan_with(&url(&db), None, desired_sql, &options)).expect("plan");
    let planned = sql_of(&plan.statements);
    assert_eq!(
        planned,
        ["ALTER TABLE `keep_t`\n  ADD COLUMN `added` int NULL AFTER `id`"]
    );
    run(tfalchemy::engine::apply_with(
        &url(&db),
        None,
        desired_sql,
        &planned,
        &options,
    ))
    .expect("apply");
    let live = inspect(&db);
    assert!(live.tables.contains_key("legacy_t") && !live.tables.contains_key("legacy_new"));
    assert_eq!(live.routines.len(), 2, "{:?}", live.routines.keys());
    assert_eq!(live.triggers.len(), 1);
    let again = run(tfalchemy::engine::plan_with(&url(&db), None, desired_sql, &options)).expect("plan");
    assert!(again.statements.is_empty(), "{:?}", sql_of(&again.statements));
}
