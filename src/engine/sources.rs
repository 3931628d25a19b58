//! Where hazards come from: a hazard about a table that a SQLAlchemy model
//! declares names where to look, so the reviewer need not search: the line
//! declaring the column when the hazard is about one and the exporter found
//! it (`-- model-column:`), else the model's class (`-- model:`); and the
//! model's name, since a file may declare several.

use super::model::Schema;
use super::plan::{Hazard, Statement};

/// Fills `source` of the hazards whose table `desired` has a model for.
pub(crate) fn attach(statements: &mut [Statement], desired: &Schema) {
    let annotations = &desired.annotations;
    for hazard in statements.iter_mut().flat_map(|s| s.hazards.iter_mut()) {
        if hazard.source.is_some() {
            continue;
        }
        let Some(table) = hazard.table.as_ref() else {
            continue;
        };
        let column = hazard
            .column
            .as_ref()
            .and_then(|column| annotations.column_sources.get(table)?.get(column));
        let model = annotations.sources.get(table);
        let class = model.map(|source| &source.location);
        hazard.source = column.or(class).cloned();
        if hazard.source.is_some() {
            hazard.model = model.map(|source| source.model.clone());
        }
    }
}

impl Hazard {
    /// The detail, followed by the model and where the object is declared
    /// when known: "(model User, declared at app/models.py:17)".
    pub fn described(&self) -> String {
        match (&self.source, self.model_name()) {
            (Some(source), Some(model)) => format!("{} (model {model}, declared at {source})", self.detail),
            (Some(source), None) => format!("{} (declared at {source})", self.detail),
            (None, _) => self.detail.clone(),
        }
    }

    /// The model's own name, without its module (the file already says where).
    fn model_name(&self) -> Option<&str> {
        let model = self.model.as_deref()?;
        Some(model.rsplit('.').next().unwrap_or(model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::annotations;
    use crate::engine::plan::HazardKind;
    use crate::engine::url::Dialect;

    #[test]
    fn a_hazard_about_a_column_names_the_column_line_else_the_class_line() {
        let desired = Schema {
            annotations: annotations::read(
                Dialect::Postgres,
                "-- model: app.models.User (app/models.py:14)\n\
                 -- model-column: email (app/models.py:17)\n\
                 CREATE TABLE users (id int, email text, name text);",
            )
            .unwrap(),
            ..Schema::default()
        };
        let mut statements = vec![
            Statement::ddl("ALTER TABLE users ALTER COLUMN email SET NOT NULL")
                .with_table_hazard(HazardKind::MayFailOnExistingRows, "public.users", "email")
                .about_column("email"),
            Statement::ddl("ALTER TABLE users ALTER COLUMN name SET NOT NULL")
                .with_table_hazard(HazardKind::MayFailOnExistingRows, "public.users", "name")
                .about_column("name"),
            Statement::ddl("ALTER TABLE users ADD CHECK (id > 0)").with_table_hazard(
                HazardKind::MayFailOnExistingRows,
                "public.users",
                "check",
            ),
            Statement::ddl("ALTER TABLE other ALTER COLUMN email SET NOT NULL")
                .with_table_hazard(HazardKind::MayFailOnExistingRows, "public.other", "other")
                .about_column("email"),
        ];
        attach(&mut statements, &desired);
        let sources: Vec<Option<&str>> = statements.iter().map(|s| s.hazards[0].source.as_deref()).collect();
        assert_eq!(
            sources,
            [
                Some("app/models.py:17"),
                Some("app/models.py:14"),
                Some("app/models.py:14"),
                None
            ]
        );
        assert_eq!(
            statements[0].hazards[0].described(),
            "email (model User, declared at app/models.py:17)"
        );
        assert_eq!(
            statements[2].hazards[0].described(),
            "check (model User, declared at app/models.py:14)"
        );
        assert_eq!(statements[3].hazards[0].described(), "other");
    }
}
